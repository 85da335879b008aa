/**
 * What a GitHub App delivery says about its installation: which installation and repository every App delivery is
 * for (`installation.id`, `repository.id`), and the `installation` and `installation_repositories` events that
 * create, suspend, delete an installation or change the repositories it can read (platforms.md §2.1, §2.3).
 * Only the fields Loom reads are validated, so a payload with fields added later still parses.
 */
import { z } from "zod";

const Account = z.object({
  login: z.string().min(1),
  id: z.number().int().optional(),
  /** `User`, `Organization` or `Enterprise`. */
  type: z.string().optional(),
});

const Installation = z.object({ id: z.number().int().positive(), account: Account.nullish() });

const Repository = z.object({ id: z.number().int().positive(), "full_name": z.string().min(1) });

const InstallationPayload = z.object({
  action: z.string(),
  installation: Installation,
  repositories: z.array(Repository).nullish(),
});

const InstallationRepositoriesPayload = z.object({
  action: z.string(),
  installation: Installation,
  "repositories_added": z.array(Repository).default([]),
  "repositories_removed": z.array(Repository).default([]),
});

/** The installation an event concerns, with its account when the payload names it. */
export interface AppInstallationRef {
  installationId: number;
  accountLogin: string | null;
  accountId: number | null;
  accountType: string;
}

export interface AppRepository {
  /** GitHub's repository id, as text (Loom's `platform_repo_id`). */
  platformRepoId: string;
  fullName: string;
}

export type InstallationEvent =
  | {
    kind: "installation";
    action: "created" | "deleted" | "suspend" | "unsuspend" | "new_permissions_accepted";
    installation: AppInstallationRef;
    /** The repositories it can read (`created` lists them; absent when it can read all of the account's). */
    repositories: AppRepository[];
  }
  | {
    kind: "installation_repositories";
    action: "added" | "removed";
    installation: AppInstallationRef;
    added: AppRepository[];
    removed: AppRepository[];
  };

const INSTALLATION_ACTIONS = new Set([
  "created",
  "deleted",
  "suspend",
  "unsuspend",
  "new_permissions_accepted",
]);

function read<T>(schema: z.ZodType<T>, event: string, body: unknown): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) =>
    `${issue.path.length > 0 ? issue.path.join(".") : "body"}: ${issue.message}`
  );
  throw new TypeError(`Cannot parse GitHub "${event}" webhook: ${problems.join("; ")}`);
}

function toRef(installation: z.infer<typeof Installation>): AppInstallationRef {
  return {
    installationId: installation.id,
    accountLogin: installation.account?.login ?? null,
    accountId: installation.account?.id ?? null,
    accountType: installation.account?.type ?? "User",
  };
}

function toRepositories(
  repositories: readonly z.infer<typeof Repository>[] | null | undefined,
): AppRepository[] {
  return (repositories ?? []).map((repository) => ({
    platformRepoId: String(repository.id),
    fullName: repository.full_name,
  }));
}

/**
 * Which installation and repository an App delivery is for: every delivery of a GitHub App carries
 * `installation.id`, and repository events `repository.id`. `null` when the body has no installation (a delivery
 * not sent by an App, such as a repository or organization webhook).
 */
export function appDeliveryTarget(
  body: unknown,
): { installationId: number; repositoryId: string | null } | null {
  if (typeof body !== "object" || body === null) return null;
  const installation = (body as { installation?: unknown }).installation;
  if (typeof installation !== "object" || installation === null) return null;
  const id = (installation as { id?: unknown }).id;
  if (typeof id !== "number" || !Number.isSafeInteger(id) || id <= 0) return null;
  const repository = (body as { repository?: unknown }).repository;
  const repositoryId = typeof repository === "object" && repository !== null
    ? (repository as { id?: unknown }).id
    : undefined;
  return {
    installationId: id,
    repositoryId: typeof repositoryId === "number" && Number.isSafeInteger(repositoryId)
      ? String(repositoryId)
      : null,
  };
}

/**
 * The installation lifecycle event in a delivery, or `null` for any other event or an action Loom does not act on.
 * @throws {TypeError} when an `installation` or `installation_repositories` payload lacks a field Loom reads
 */
export function parseInstallationEvent(headers: Headers, body: unknown): InstallationEvent | null {
  const name = headers.get("x-github-event");
  if (name === "installation") {
    const payload = read(InstallationPayload, name, body);
    if (!INSTALLATION_ACTIONS.has(payload.action)) return null;
    return {
      kind: "installation",
      action: payload.action as "created",
      installation: toRef(payload.installation),
      repositories: toRepositories(payload.repositories),
    };
  }
  if (name === "installation_repositories") {
    const payload = read(InstallationRepositoriesPayload, name, body);
    if (payload.action !== "added" && payload.action !== "removed") return null;
    return {
      kind: "installation_repositories",
      action: payload.action,
      installation: toRef(payload.installation),
      added: toRepositories(payload.repositories_added),
      removed: toRepositories(payload.repositories_removed),
    };
  }
  return null;
}
