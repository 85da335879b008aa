/**
 * The archive download of the platforms that serve a commit's tree as a `.tar.gz` at one URL behind the API
 * token: GitLab (`GET /api/v4/projects/:id/repository/archive.tar.gz?sha=`, `PRIVATE-TOKEN`) and Gitea/Forgejo
 * (`GET /api/v1/repos/{owner}/{repo}/archive/{sha}.tar.gz`, `Authorization: token`). Their SDKs read every answer
 * whole, so the request is sent with the client's own `fetch` (the one carrying its deadline) and the body is
 * handed to `readTarGz` as it arrives. A refusal is a `PlatformError` with the platform's status.
 */
import { readTarGz } from "./archive.ts";
import { PlatformError, type PlatformId, type PullRequestRef, type ReadsArchive } from "./types.ts";

interface ArchiveEndpoint {
  platform: PlatformId;
  url(pr: PullRequestRef, sha: string): string;
  headers: Record<string, string>;
  fetch?: typeof fetch;
}

function archiveAbility(endpoint: ArchiveEndpoint): ReadsArchive {
  return {
    async getArchive(pr, sha, options = {}) {
      const action = `Cannot download the archive of "${pr.repo}" at ${sha}`;
      let response: Response;
      try {
        response = await (endpoint.fetch ?? fetch)(endpoint.url(pr, sha), {
          headers: endpoint.headers,
          signal: options.signal,
        });
      } catch (error) {
        options.signal?.throwIfAborted();
        throw new PlatformError(`${action}: ${error instanceof Error ? error.message : String(error)}`, {
          platform: endpoint.platform,
          cause: error,
        });
      }
      if (!response.ok || response.body === null) {
        const detail = (await response.text().catch(() => "")).slice(0, 200);
        throw new PlatformError(
          `${action}: ${endpoint.platform} answered ${response.status} ${detail}`.trim(),
          {
            platform: endpoint.platform,
            status: response.status,
          },
        );
      }
      return readTarGz(response.body, options.limits);
    },
  };
}

/** GitLab's archive of a commit; `baseUrl` is the instance root (`https://gitlab.com`). */
export function gitlabArchive(
  options: { baseUrl: string; token: string; fetch?: typeof fetch },
): ReadsArchive {
  const root = options.baseUrl.replace(/\/+$/, "").replace(/\/api\/v4$/, "");
  return archiveAbility({
    platform: "gitlab",
    url: (pr, sha) =>
      `${root}/api/v4/projects/${encodeURIComponent(pr.repo)}/repository/archive.tar.gz?sha=${
        encodeURIComponent(sha)
      }`,
    headers: { "private-token": options.token },
    fetch: options.fetch,
  });
}

/** Gitea's (and Forgejo's) archive of a commit; `baseUrl` is the instance root. */
export function giteaArchive(
  options: { baseUrl: string; token: string; fetch?: typeof fetch },
): ReadsArchive {
  const root = options.baseUrl.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
  return archiveAbility({
    platform: "gitea",
    url: (pr, sha) => {
      const [owner, name] = pr.repo.split("/").map(encodeURIComponent);
      return `${root}/api/v1/repos/${owner}/${name}/archive/${encodeURIComponent(sha)}.tar.gz`;
    },
    headers: { authorization: `token ${options.token}` },
    fetch: options.fetch,
  });
}
