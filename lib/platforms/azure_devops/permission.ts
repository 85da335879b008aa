/**
 * Whether another identity may push to an Azure DevOps repository. Azure DevOps has no "permission of user X"
 * endpoint (`_apis/security/permissionevaluationbatch` evaluates for the caller only), so Loom reads the
 * repository's access control list for that identity:
 * 1. `GET {vssps}/_apis/identities?identityIds=<comment author id>` gives the identity's descriptor;
 * 2. `GET {org}/_apis/accesscontrollists/<Git Repositories namespace>?token=repoV2/<projectId>/<repoId>&
 *    descriptors=<descriptor>&includeExtendedInfo=true` gives its access control entry, whose `extendedInfo`
 *    holds the effective permissions (explicit, inherited from the project and through group membership);
 * 3. it may push when `effectiveAllow` has GenericContribute (4) and `effectiveDeny` does not (deny wins).
 * The token needs the Identity (Read) and Security (Manage) scopes besides Code; without them the lookup fails
 * and the command is refused.
 */
import { z } from "zod";
import { PlatformError, type PlatformUser } from "../types.ts";

/** The Git Repositories security namespace. */
const GIT_REPOSITORIES_NAMESPACE = "2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87";
/** GenericContribute: push to the repository (`git push`, commits from the web editor). */
const GENERIC_CONTRIBUTE = 4;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const Identities = z.object({
  value: z.array(
    z.object({ id: z.string(), descriptor: z.string().nullish(), isActive: z.boolean().nullish() })
      .nullable(),
  ),
});

const AccessControlLists = z.object({
  value: z.array(z.object({
    token: z.string().nullish(),
    acesDictionary: z.record(
      z.string(),
      z.object({
        descriptor: z.string(),
        allow: z.number().int(),
        deny: z.number().int(),
        extendedInfo: z.object({
          effectiveAllow: z.number().int().nullish(),
          effectiveDeny: z.number().int().nullish(),
        }).nullish(),
      }),
    ).nullish(),
  })),
});

/** The client's JSON request, as `createAzureDevopsClient` sends every call. */
export type AzureCall = <T extends z.ZodType>(
  schema: T,
  operation: string,
  url: string,
  init?: { query?: Record<string, string>; method?: string; body?: unknown },
) => Promise<z.infer<T> | null>;

/**
 * Where identities live: Azure DevOps Services serves them from the `vssps` host of the organization
 * (`https://vssps.dev.azure.com/<org>`, `https://<org>.vssps.visualstudio.com`); Server from the collection.
 */
export function identitiesRoot(collectionRoot: string): string {
  const url = new URL(collectionRoot);
  if (url.hostname.toLowerCase() === "dev.azure.com") url.hostname = "vssps.dev.azure.com";
  else if (/^[^.]+\.visualstudio\.com$/i.test(url.hostname)) {
    url.hostname = url.hostname.replace(/\.visualstudio\.com$/i, ".vssps.visualstudio.com");
  }
  return url.href.replace(/\/+$/, "");
}

/**
 * Whether the identity `user.id` (a comment author's `id`) may push to the repository `repositoryId` of
 * `projectId`. Without an identity id, or for an identity Azure DevOps does not know or has deactivated, no.
 * @throws {PlatformError} when a lookup fails (missing token scopes included)
 */
export async function identityCanContribute(
  call: AzureCall,
  roots: { collection: string; identities: string },
  repository: { projectId: string; repositoryId: string },
  user: PlatformUser,
): Promise<boolean> {
  if (!user.id || !GUID.test(user.id)) return false;
  const operation = `read the permission of "${user.login}" in repository ${repository.repositoryId}`;
  const identities = await call(Identities, operation, `${roots.identities}/_apis/identities`, {
    query: { identityIds: user.id },
  });
  const identity = identities?.value.find((candidate) =>
    candidate?.id.toLowerCase() === user.id!.toLowerCase()
  );
  if (!identity || identity.isActive === false) return false;
  if (!identity.descriptor) {
    throw new PlatformError(`Cannot ${operation}: the identity has no descriptor`, {
      platform: "azure_devops",
      retryable: false,
    });
  }
  const lists = await call(
    AccessControlLists,
    operation,
    `${roots.collection}/_apis/accesscontrollists/${GIT_REPOSITORIES_NAMESPACE}`,
    {
      query: {
        token: `repoV2/${repository.projectId}/${repository.repositoryId}`,
        descriptors: identity.descriptor,
        includeExtendedInfo: "true",
      },
    },
  );
  const wanted = identity.descriptor.toLowerCase();
  for (const list of lists?.value ?? []) {
    for (const entry of Object.values(list.acesDictionary ?? {})) {
      if (entry.descriptor.toLowerCase() !== wanted) continue;
      const allow = entry.extendedInfo?.effectiveAllow ?? entry.allow;
      const deny = entry.extendedInfo?.effectiveDeny ?? entry.deny;
      return (allow & GENERIC_CONTRIBUTE) !== 0 && (deny & GENERIC_CONTRIBUTE) === 0;
    }
  }
  return false;
}
