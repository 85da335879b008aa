/**
 * Who may give Loom commands: people with write access to the repository. The webhook says so when it can
 * (GitHub's `author_association`); otherwise the platform is asked.
 */
import type { ServerConfig } from "../config/env.ts";
import { type PlatformClient, PlatformError, type PullRequestRef } from "../platforms/types.ts";

/** Optional platform ability: tell whether a user may push to the repository of a pull request. */
export interface CanCheckPermission {
  canWrite(pr: PullRequestRef, login: string): Promise<boolean>;
}

/** Whether a platform client can answer permission questions itself (GitHub's collaborator permission API). */
export function canCheckPermission(client: PlatformClient): client is PlatformClient & CanCheckPermission {
  return typeof (client as Partial<CanCheckPermission>).canWrite === "function";
}

/** GitLab's Developer role: the lowest that can push. */
const GITLAB_DEVELOPER = 30;

/**
 * Checks write access through GitLab's members API (`GET /projects/:id/members/all`), which includes members
 * inherited from groups.
 * @param options the instance root (as `LOOM_GITLAB_URL`), an `api` token, and an injectable fetch
 */
export function createGitLabPermissionCheck(
  options: { baseUrl: string; token: string; fetch?: typeof fetch },
): CanCheckPermission {
  const root = options.baseUrl.replace(/\/+$/, "").replace(/\/api\/v4$/, "");
  const request = options.fetch ?? fetch;
  return {
    async canWrite(pr, login) {
      const url = `${root}/api/v4/projects/${encodeURIComponent(pr.repo)}/members/all?query=${
        encodeURIComponent(login)
      }&per_page=100`;
      let response: Response;
      try {
        response = await request(url, { headers: { "private-token": options.token } });
      } catch (error) {
        throw new PlatformError(`Cannot read the members of "${pr.repo}": ${(error as Error).message}`, {
          platform: "gitlab",
          cause: error,
        });
      }
      if (response.status === 404) {
        await response.body?.cancel();
        return false;
      }
      if (!response.ok) {
        await response.body?.cancel();
        throw new PlatformError(`Cannot read the members of "${pr.repo}": status ${response.status}`, {
          platform: "gitlab",
          status: response.status,
        });
      }
      const members = await response.json() as { username?: string; access_level?: number }[];
      return members.some((member) =>
        member.username?.toLowerCase() === login.toLowerCase() &&
        (member.access_level ?? 0) >= GITLAB_DEVELOPER
      );
    },
  };
}

/** The permission check of a platform when its client has none, from the server configuration. */
export function fallbackPermissionCheck(
  platform: PlatformClient["platform"],
  server: Pick<ServerConfig, "gitlabUrl" | "gitlabToken">,
  fetchImpl?: typeof fetch,
): CanCheckPermission | undefined {
  if (platform === "gitlab" && server.gitlabToken) {
    return createGitLabPermissionCheck({
      baseUrl: server.gitlabUrl,
      token: server.gitlabToken,
      fetch: fetchImpl,
    });
  }
  return undefined;
}

/**
 * Whether the author of a command may give it: the webhook's word when it has one, else the platform's. Without
 * either, the answer is no: commands are refused rather than trusted.
 */
export async function authorCanWrite(input: {
  client: PlatformClient;
  pr: PullRequestRef;
  author: string;
  authorCanWrite?: boolean;
  fallback?: CanCheckPermission;
}): Promise<boolean> {
  if (input.authorCanWrite !== undefined) return input.authorCanWrite;
  if (canCheckPermission(input.client)) return await input.client.canWrite(input.pr, input.author);
  if (input.fallback !== undefined) return await input.fallback.canWrite(input.pr, input.author);
  return false;
}
