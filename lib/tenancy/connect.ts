/**
 * Connecting a repository proves access: the platform is asked for the repository with the credential the
 * organization's reviews will use (`credentials.ts`: its own token for the platform and host, a GitHub App
 * installation, or the server's when lent), and a repository that credential cannot read is refused with the
 * platform's answer. The row is keyed by the platform's stable id on its host, so a rename keeps its history and a
 * name cannot be claimed ahead of its owner; a platform repository connected already — by this organization or
 * another — is refused with the same words whoever holds it, so the refusal tells nothing about other tenants.
 * The dashboard, `POST /api/repos` and `deno task repo:add` all connect through `connectRepo`.
 */
import type { SecretBox } from "../crypto/secret_box.ts";
import { createRepo, findRepo, findRepoByPlatformId, isUniqueViolation, type Repo } from "../db/repos.ts";
import type { Logger } from "../log.ts";
import type { PlatformId } from "../platform_id.ts";
import { configuredHost } from "../platforms/hosts.ts";
import { canReadRepository, PlatformError, type PlatformRepository } from "../platforms/types.ts";
import {
  clientForCredential,
  type CredentialDeps,
  MissingCredentialError,
  PLATFORM_NAMES,
  resolvePlatformCredential,
} from "./credentials.ts";

/** `owner/name`, or GitLab's `group/subgroup/project`; Azure DevOps' `project/repository`. */
const REPO_NAME = /^[A-Za-z0-9._-]+(\/[A-Za-z0-9._ -]+)+$/;

/** Why a repository was not connected; `status` is the HTTP status the dashboard and the API answer with. */
export class ConnectError extends Error {
  readonly status: 400 | 403 | 409 | 502;
  constructor(status: 400 | 403 | 409 | 502, message: string) {
    super(message);
    this.name = "ConnectError";
    this.status = status;
  }
}

/**
 * The repository name typed by a person, trimmed of slashes, or a `ConnectError` that says what to type instead.
 * A URL is refused with the `owner/name` it most likely means.
 */
export function parseRepoName(input: string): string {
  const trimmed = input.trim();
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) || /^[^/\s]+\.[a-z]{2,}\//i.test(trimmed)) {
    let hint = "";
    try {
      const url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `https://${trimmed}`);
      const path = url.pathname.replace(/\.git$/, "").replace(/^\/+|\/+$/g, "").split("/-/")[0]!;
      if (REPO_NAME.test(path)) hint = `: for ${url.host}, type "${path}"`;
    } catch {
      // No hint for what does not parse as a URL.
    }
    throw new ConnectError(400, `"${trimmed}" is a URL, not a repository name: use owner/name${hint}`);
  }
  const name = trimmed.replace(/^\/+|\/+$/g, "");
  if (!REPO_NAME.test(name) || name.length > 200) {
    throw new ConnectError(
      400,
      `"${name}" is not a repository name: use owner/name (GitLab: group/subgroup/project; Azure DevOps: ` +
        "project/repository)",
    );
  }
  return name;
}

export interface ConnectInput {
  organizationId: number | null;
  platform: PlatformId;
  /** As typed: checked with `parseRepoName`. */
  fullName: string;
  /** The webhook secret to store (encrypted here); each caller chooses its platform's format. */
  webhookSecret: string;
  installationId?: number | null;
}

const ALREADY_CONNECTED = (platform: PlatformId, name: string) =>
  new ConnectError(
    409,
    `${name} is already connected to Loom on ${
      PLATFORM_NAMES[platform]
    }: ask the operator or the organization ` +
      "that connected it",
  );

/**
 * Connects a repository for an organization after the platform confirmed the organization's credential reads it.
 * @throws {ConnectError} bad name (400), no usable credential (400), the credential cannot read it (403), already
 *   connected (409), the platform could not be asked (502)
 */
export async function connectRepo(
  deps: CredentialDeps & { secretBox: SecretBox; log?: Logger; now?: () => number },
  input: ConnectInput,
): Promise<{ repo: Repo; repository: PlatformRepository }> {
  const name = parseRepoName(input.fullName);
  const platform = PLATFORM_NAMES[input.platform];
  const host = configuredHost(input.platform, deps.server);
  if (host === null) {
    throw new ConnectError(
      400,
      `${platform} is not configured on this server: the operator sets LOOM_GITEA_URL`,
    );
  }
  const target = {
    platform: input.platform,
    host,
    organizationId: input.organizationId,
    installationId: input.installationId ?? null,
  };
  let credential;
  try {
    credential = await resolvePlatformCredential(deps, target);
  } catch (error) {
    if (error instanceof MissingCredentialError) {
      throw new ConnectError(400, `Cannot connect ${name}: ${error.message}`);
    }
    throw error;
  }
  const client = clientForCredential(deps.server, input.platform, credential, {
    installationId: input.installationId ?? undefined,
    log: deps.log,
  });
  if (!canReadRepository(client)) {
    throw new ConnectError(400, `Cannot connect ${name}: Loom cannot check access on ${platform}`);
  }
  const which = credential.source === "server"
    ? `the server's ${platform} credential (${credential.name})`
    : credential.source === "installation"
    ? "the GitHub App installation"
    : `the organization's ${platform} credential "${credential.name}"`;
  let repository: PlatformRepository;
  try {
    repository = await client.getRepository(name);
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    if (error.status === 401) {
      throw new ConnectError(
        403,
        `Cannot connect ${name}: ${platform} refused ${which} (401): the token is wrong, expired or revoked`,
      );
    }
    if (error.status === 404 || error.status === 403) {
      throw new ConnectError(
        403,
        `Cannot connect ${name}: ${which} cannot read it on ${host} (${platform} answered ${error.status}): check ` +
          "the name, and that the token has access to this repository",
      );
    }
    throw new ConnectError(502, `Cannot connect ${name}: ${platform} could not be asked: ${error.message}`);
  }
  const known = await findRepoByPlatformId(deps.db, input.platform, host, repository.id) ??
    await findRepo(deps.db, input.platform, repository.fullName, host);
  if (known) throw ALREADY_CONNECTED(input.platform, repository.fullName);
  try {
    const repo = await createRepo(deps.db, {
      platform: input.platform,
      host,
      platformRepoId: repository.id,
      fullName: repository.fullName,
      organizationId: input.organizationId,
      installationId: input.installationId ?? null,
      webhookSecret: await deps.secretBox.encrypt(input.webhookSecret),
    }, deps.now);
    return { repo, repository };
  } catch (error) {
    // Two requests connecting one repository at once: the unique index keeps one.
    if (isUniqueViolation(error)) throw ALREADY_CONNECTED(input.platform, repository.fullName);
    throw error;
  }
}
