/**
 * Whether a user may push to a Data Center repository, asked in two ways because neither alone serves every
 * token: the repository's own permission list (`…/permissions/users?filter=`, which Data Center shows only to a
 * repository administrator and which lists direct grants only), then the users search filtered by the
 * **effective** repository permission (`/users?permission.1=REPO_WRITE&…`, direct, group, project or admin
 * grants alike), which any licensed user may call. The first answer that shows write access is yes; a direct
 * read grant is not a no, since a group or the project may grant more. When neither can be asked the lookup
 * fails and the command is refused (never trusted).
 */
import { PlatformError, type PlatformUser, type PullRequestRef } from "../types.ts";
import { type RestHttp, splitRepo } from "./rest.ts";
import { ServerUser, UserPermission } from "./schema.ts";

const WRITE = new Set(["REPO_WRITE", "REPO_ADMIN"]);

/**
 * @param http the client's HTTP layer
 * @param api the REST root, `<instance>/rest/api/1.0`
 */
export function createWriteAccessCheck(http: RestHttp, api: string) {
  return async function canWrite(pr: PullRequestRef, user: PlatformUser): Promise<boolean> {
    const [project, slug] = splitRepo(pr.repo);
    const login = user.login.toLowerCase();
    const isUser = (found: { name: string }) => found.name.toLowerCase() === login;
    const operation = `check whether "${user.login}" can write to "${pr.repo}"`;
    const repoUrl = `${api}/projects/${encodeURIComponent(project)}/repos/${encodeURIComponent(slug)}`;
    let failure: unknown;
    try {
      const grants = await http.paged(
        UserPermission,
        operation,
        `${repoUrl}/permissions/users?${new URLSearchParams({ filter: user.login })}`,
      );
      if (grants.some((grant) => isUser(grant.user) && WRITE.has(grant.permission))) return true;
    } catch (error) {
      // 401/403: the token is not a repository administrator; the users search below needs no admin.
      if (!(error instanceof PlatformError) || error.status === undefined || error.status >= 500) throw error;
      failure = error;
    }
    const query = new URLSearchParams({
      filter: user.login,
      "permission.1": "REPO_WRITE",
      "permission.1.projectKey": project,
      "permission.1.repositorySlug": slug,
    });
    try {
      // The filter matches logins, names and e-mail addresses containing it; only the exact login counts.
      return (await http.paged(ServerUser, operation, `${api}/users?${query}`)).some(isUser);
    } catch (error) {
      if (!(error instanceof PlatformError)) throw error;
      throw new PlatformError(
        `${error.message} (Loom asks …/permissions/users, which needs repository admin, then the users search, ` +
          `which needs a licensed user${
            failure instanceof Error ? `; the first answered: ${failure.message}` : ""
          })`,
        { platform: "bitbucket_server", status: error.status, retryable: error.retryable, cause: error },
      );
    }
  };
}
