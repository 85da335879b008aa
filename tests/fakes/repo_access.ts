/**
 * Which repositories each token of a platform fake may read, as the platforms decide it: a token given a list
 * reads only those repositories, and asking for any other gets the platform's "not found" (GitHub, GitLab, Gitea,
 * Bitbucket and Azure DevOps all answer 404 rather than 403 for a private repository a token cannot see, so its
 * existence is not revealed). A token without a list reads every repository, as the fakes always did.
 */
export interface RepoAccess {
  /** Whether `token` may read `repo` (a full name; compared case-insensitively). */
  canRead(token: string, repo: string): boolean;
}

export function createRepoAccess(access: Record<string, readonly string[]> | undefined): RepoAccess {
  const lists = new Map(
    Object.entries(access ?? {}).map((
      [token, repos],
    ) => [token, new Set(repos.map((repo) => repo.toLowerCase()))]),
  );
  return {
    canRead(token, repo) {
      const readable = lists.get(token);
      return readable === undefined || readable.has(repo.toLowerCase());
    },
  };
}

/** A repository's stable id in a fake: the same number for the same name (any case), like a database id. */
export function fakeRepoId(fullName: string): number {
  let hash = 0x811c9dc5;
  for (const char of fullName.toLowerCase()) {
    hash ^= char.codePointAt(0)!;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % 1_000_000_000 + 1;
}

/** The token of an `Authorization` (`token`, `Bearer` or Basic's password) or `PRIVATE-TOKEN` header. */
export function tokenOf(headers: Headers): string {
  const privateToken = headers.get("private-token");
  if (privateToken !== null) return privateToken;
  const authorization = headers.get("authorization") ?? "";
  const basic = /^basic\s+(\S+)$/i.exec(authorization);
  if (basic) {
    try {
      const decoded = atob(basic[1]!);
      return decoded.slice(decoded.indexOf(":") + 1);
    } catch {
      return "";
    }
  }
  return /^(?:token|bearer)\s+(\S+)$/i.exec(authorization)?.[1] ?? "";
}
