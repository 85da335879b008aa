/**
 * Settings' **Test** button: asks the platform or the model provider what a stored credential can do, with the
 * credential itself. A platform token: who it acts as (`identity()` of the real client), its scopes where the
 * platform says them (GitHub's `x-oauth-scopes`; fine-grained tokens and the other platforms send none), and which
 * of the organization's repositories on that platform it can read (`getRepository`, as connecting does). A model
 * key: the provider's list of models. Nothing is stored; the answer is shown once.
 */
import type { SecretBox } from "../crypto/secret_box.ts";
import { findCredentialById, openCredential } from "../db/credential_use.ts";
import { listRepos } from "../db/repos.ts";
import type { PlatformId } from "../platform_id.ts";
import { configuredHost } from "../platforms/hosts.ts";
import { canReadRepository, PlatformError } from "../platforms/types.ts";
import {
  clientForCredential,
  type CredentialDeps,
  PLATFORM_NAMES,
  resolvePlatformCredential,
} from "./credentials.ts";

export interface CredentialCheck {
  credentialId: number;
  ok: boolean;
  /** One line per thing learned, in plain words. */
  lines: string[];
}

/** At most this many repositories are tried: a Test click must answer within a few seconds, not minutes. */
const MAX_REPOS_TRIED = 20;
/** Each request of a Test is held to this deadline (a hung platform must not hold the settings page). */
const TIMEOUT_MS = 10_000;

const PLATFORMS = new Set<string>(["github", "gitlab", "gitea", "bitbucket", "azure_devops"]);

const MODEL_ENDPOINTS: Record<string, { base: string; path: string; headers(key: string): HeadersInit }> = {
  openai: {
    base: "https://api.openai.com/v1",
    path: "/models",
    headers: (key) => ({ authorization: `Bearer ${key}` }),
  },
  anthropic: {
    base: "https://api.anthropic.com",
    path: "/v1/models",
    headers: (key) => ({ "x-api-key": key, "anthropic-version": "2023-06-01" }),
  },
  google: {
    base: "https://generativelanguage.googleapis.com",
    path: "/v1beta/models",
    headers: (key) => ({ "x-goog-api-key": key }),
  },
};

function describeError(error: unknown): string {
  if (error instanceof PlatformError) return error.status ? `${error.message}` : error.message;
  return error instanceof Error ? error.message : String(error);
}

/** Tests the organization's credential `credentialId`; `null` when it has no such credential. */
export async function checkCredential(
  deps: CredentialDeps & { secretBox: SecretBox; fetch?: typeof fetch },
  organizationId: number,
  credentialId: number,
): Promise<CredentialCheck | null> {
  const stored = await findCredentialById(deps.db, organizationId, credentialId);
  if (!stored) return null;
  const token = await openCredential(deps.secretBox, stored);
  const lines: string[] = [];
  if (!PLATFORMS.has(stored.kind)) return await checkModelKey(deps, stored.kind, token, credentialId);
  const platform = stored.kind as PlatformId;
  const name = PLATFORM_NAMES[platform];
  const client = clientForCredential(
    deps.server,
    platform,
    { source: "organization", name: stored.name, token, ...(stored.apiUrl ? { apiUrl: stored.apiUrl } : {}) },
    { timeoutMs: TIMEOUT_MS },
  );
  try {
    const identity = await client.identity();
    lines.push(`${name} accepts it: it acts as ${identity.name}.`);
  } catch (error) {
    return { credentialId, ok: false, lines: [`${name} refused it: ${describeError(error)}`] };
  }
  if (platform === "github") lines.push(await githubScopes(deps, stored.apiUrl, token));
  const host = stored.host ?? configuredHost(platform, deps.server);
  const repos = (await listRepos(deps.db, organizationId))
    .filter((repo) =>
      repo.platform === platform && (repo.host || configuredHost(platform, deps.server)) === host
    );
  let ok = true;
  if (repos.length === 0) {
    lines.push(`No repository of this organization is connected on ${host ?? name} yet.`);
  }
  for (const repo of repos.slice(0, MAX_REPOS_TRIED)) {
    if (!canReadRepository(client)) break;
    try {
      await client.getRepository(repo.fullName);
      lines.push(`Reads ${repo.fullName}.`);
    } catch (error) {
      ok = false;
      lines.push(`Cannot read ${repo.fullName}: ${describeError(error)}`);
    }
  }
  if (repos.length > MAX_REPOS_TRIED) {
    lines.push(`(${repos.length - MAX_REPOS_TRIED} more repositories not tried.)`);
  }
  return { credentialId, ok, lines };
}

/** GitHub names a classic token's scopes in `x-oauth-scopes` on any authenticated answer. */
async function githubScopes(
  deps: CredentialDeps & { fetch?: typeof fetch },
  apiUrl: string | null,
  token: string,
): Promise<string> {
  const base = (apiUrl ?? deps.server.githubApiUrl).replace(/\/+$/, "");
  try {
    const response = await (deps.fetch ?? fetch)(`${base}/user`, {
      headers: { authorization: `token ${token}`, accept: "application/vnd.github+json" },
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.body?.cancel();
    const scopes = response.headers.get("x-oauth-scopes");
    if (scopes === null) return "GitHub names no scopes for it (a fine-grained token or an App's).";
    return scopes.trim() === "" ? "Its scopes: none." : `Its scopes: ${scopes}.`;
  } catch (error) {
    return `Its scopes could not be read: ${describeError(error)}`;
  }
}

async function checkModelKey(
  deps: CredentialDeps & { fetch?: typeof fetch },
  provider: string,
  key: string,
  credentialId: number,
): Promise<CredentialCheck> {
  const endpoint = MODEL_ENDPOINTS[provider];
  if (!endpoint) return { credentialId, ok: false, lines: [`Loom cannot test a "${provider}" credential.`] };
  // The server's own endpoint for its provider (a proxy or a compatible server), else the provider's.
  const base = provider === deps.server.llmProvider && deps.server.llmBaseUrl
    ? deps.server.llmBaseUrl.replace(/\/+$/, "")
    : endpoint.base;
  try {
    const response = await (deps.fetch ?? fetch)(`${base}${endpoint.path}`, {
      headers: endpoint.headers(key),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { credentialId, ok: false, lines: [`${base} refused it: answered ${response.status}.`] };
    }
    const body = await response.json().catch(() => null) as
      | { data?: { id?: string }[]; models?: { name?: string }[] }
      | null;
    const names = (body?.data?.map((model) => model.id) ?? body?.models?.map((model) => model.name) ?? [])
      .filter((name): name is string => typeof name === "string");
    return {
      credentialId,
      ok: true,
      lines: [
        `${base} accepts it: ${names.length} models available${
          names.length > 0 ? ` (${names.slice(0, 5).join(", ")}${names.length > 5 ? ", …" : ""})` : ""
        }.`,
      ],
    };
  } catch (error) {
    return { credentialId, ok: false, lines: [`${base} could not be asked: ${describeError(error)}`] };
  }
}

/** Which credential a repository's reviews will use, in words for Settings; `ok: false` when none may be used. */
export async function whichCredential(
  deps: CredentialDeps,
  repo: Parameters<typeof resolvePlatformCredential>[1],
): Promise<{ ok: boolean; text: string }> {
  const name = PLATFORM_NAMES[repo.platform];
  try {
    const credential = await resolvePlatformCredential(deps, repo);
    if (credential.source === "installation") return { ok: true, text: "the GitHub App installation" };
    if (credential.source === "server") {
      return { ok: true, text: `the server's ${name} token (${credential.name}), lent to this organization` };
    }
    return { ok: true, text: `the organization's ${name} credential "${credential.name}"` };
  } catch (error) {
    return { ok: false, text: `none: ${(error as Error).message}` };
  }
}
