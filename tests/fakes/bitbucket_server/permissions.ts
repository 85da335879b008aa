/**
 * The fake Data Center's repository permissions: grants made directly or through a group or the project, the
 * repository's direct-grant list (`…/permissions/users`, shown only to a repository administrator) and the users
 * search filtered by effective permission (`/users?permission.1=…`), with Data Center's rule that a higher
 * permission includes the lower ones.
 */
import { json } from "../server_core.ts";
import type { FakePermission } from "./types.ts";

const RANK: Record<FakePermission, number> = { REPO_READ: 1, REPO_WRITE: 2, REPO_ADMIN: 3 };

export function errorResponse(status: number, message: string, exceptionName?: string): Response {
  return json({ errors: [{ context: null, message, exceptionName: exceptionName ?? null }] }, status);
}

/** A user as REST 1.0 describes one; the id is derived from the login so it is stable. */
export function restUser(name: string, type = "NORMAL") {
  return {
    name,
    emailAddress: `${name}@example.com`,
    id: [...name].reduce((sum, char) => sum * 31 + char.charCodeAt(0), 7) % 100_000,
    displayName: name,
    active: true,
    slug: name.toLowerCase(),
    type,
  };
}

interface Grant {
  repo: string;
  login: string;
  permission: FakePermission;
  direct: boolean;
}

/** The grants of the fake, and the answers of the two permission endpoints as lists to page. */
export function createPermissions() {
  const grants: Grant[] = [];
  const effective = (repo: string, login: string) =>
    Math.max(
      0,
      ...grants.filter((grant) => grant.repo === repo.toLowerCase() && grant.login === login)
        .map((grant) => RANK[grant.permission]),
    );
  return {
    grant(repo: string, login: string, permission: FakePermission, direct: boolean) {
      grants.push({ repo: repo.toLowerCase(), login, permission, direct });
    },
    /** `…/permissions/users?filter=`: direct grants only, and only for a repository administrator. */
    repoUsers(repo: string, caller: string, filter: string): unknown[] | Response {
      if (effective(repo, caller) < RANK.REPO_ADMIN) {
        return errorResponse(401, `You are not permitted to access this resource`);
      }
      return grants
        .filter((grant) => grant.repo === repo.toLowerCase() && grant.direct)
        .filter((grant) => grant.login.toLowerCase().includes(filter.toLowerCase()))
        .map((grant) => ({ user: restUser(grant.login), permission: grant.permission }));
    },
    /** `/users?filter=&permission.1=&permission.1.projectKey=&permission.1.repositorySlug=`. */
    search(params: URLSearchParams): unknown[] | Response {
      const filter = (params.get("filter") ?? "").toLowerCase();
      const wanted = params.get("permission.1") as FakePermission | null;
      const repo = `${params.get("permission.1.projectKey")}/${params.get("permission.1.repositorySlug")}`;
      if (wanted !== null && !(wanted in RANK)) return errorResponse(400, `Unknown permission ${wanted}`);
      const logins = [...new Set(grants.map((grant) => grant.login))];
      return logins
        .filter((login) => login.toLowerCase().includes(filter))
        .filter((login) => wanted === null || effective(repo, login) >= RANK[wanted])
        .map((login) => restUser(login));
    },
  };
}
