/**
 * Per-user repository permissions for the Gitea, Bitbucket Cloud and Azure DevOps fakes, answered in each
 * platform's real response shape (GitHub's and GitLab's live in their own fakes). Tests set a user's level; users
 * never set are unknown to the platform. The token's own user is a repository administrator unless a test lowers
 * it, and a platform that shows permissions only to administrators then refuses as the real one does.
 */

import type { RepoCollaboratorPermission, User } from "gitea-js";

/** A user's level on one repository. */
export type FakeRepoPermission = "admin" | "write" | "read" | "none";

/** Permissions per repository (case-insensitive) and user key (login, account uuid or identity id). */
export class FakePermissions {
  readonly #levels = new Map<string, FakeRepoPermission>();

  set(repo: string, user: string, permission: FakeRepoPermission): void {
    this.#levels.set(this.#key(repo, user), permission);
  }

  get(repo: string, user: string): FakeRepoPermission | undefined {
    return this.#levels.get(this.#key(repo, user));
  }

  /** Whether the user has a level on any repository (the platform knows the account). */
  knows(user: string): boolean {
    const suffix = `\n${user.toLowerCase()}`;
    return [...this.#levels.keys()].some((key) => key.endsWith(suffix));
  }

  #key(repo: string, user: string): string {
    return `${repo.toLowerCase()}\n${user.toLowerCase()}`;
  }
}

function json(body: unknown, status = 200): Response {
  return Response.json(body, { status });
}

/**
 * Gitea's `GET /repos/{owner}/{repo}/collaborators/{collaborator}/permission` (`routers/api/v1/repo/
 * collaborators.go`): the repository owner is `owner`; only a repository administrator may ask about others.
 */
export function giteaPermission(
  permissions: FakePermissions,
  input: { repo: string; collaborator: string; botLogin: string },
): Response {
  const { repo, collaborator, botLogin } = input;
  const owner = repo.split("/")[0]!;
  const level = (login: string) =>
    login.toLowerCase() === owner.toLowerCase() ? "owner" : permissions.get(repo, login);
  const bot = level(botLogin) ?? "admin";
  if (collaborator.toLowerCase() !== botLogin.toLowerCase() && bot !== "admin" && bot !== "owner") {
    return json({
      message: "Only admins can query all permissions, repo admins can query all repo permissions, " +
        "collaborators can query only their own",
    }, 403);
  }
  const permission = level(collaborator);
  if (permission === undefined) {
    return json({ message: `user does not exist [uid: 0, name: ${collaborator}]` }, 404);
  }
  // `username` is the copy of `login` Gitea's `User.MarshalJSON` adds for older clients; gitea-js does not list it.
  const user = { id: 1000 + collaborator.length, login: collaborator, username: collaborator } satisfies
    & User
    & { username: string };
  return json({ permission, "role_name": permission, user } satisfies RepoCollaboratorPermission);
}

/**
 * Bitbucket Cloud's `GET /2.0/workspaces/{workspace}/permissions/repositories/{repo_slug}`, filtered by
 * `q=user.uuid="{…}"`: each user's effective permission; users without access are not listed. Repository
 * administrators only.
 */
export function bitbucketRepositoryPermissions(
  permissions: FakePermissions,
  input: { repo: string; query: string | null; botUuid: string },
): Response {
  const bot = permissions.get(input.repo, input.botUuid) ?? "admin";
  if (bot !== "admin") {
    return json({ type: "error", error: { message: "You must be an admin to access this resource." } }, 403);
  }
  const wanted = /^user\.uuid\s*=\s*"([^"]+)"$/.exec(input.query ?? "");
  if (!wanted) {
    return json({ type: "error", error: { message: `Invalid filter: ${input.query}` } }, 400);
  }
  const uuid = wanted[1]!;
  const permission = permissions.get(input.repo, uuid);
  const [, slug] = input.repo.split("/");
  const values = permission === undefined || permission === "none" ? [] : [{
    type: "repository_permission",
    permission,
    user: { type: "user", uuid, "display_name": `User ${uuid}`, "account_id": `account-${uuid}` },
    repository: { type: "repository", "full_name": input.repo, name: slug, uuid: `{repo-${input.repo}}` },
  }];
  return json({ pagelen: 10, values, page: 1, size: values.length });
}

/** Git Repositories bits (`GitRepositoryPermissions`): GenericRead 2, GenericContribute 4, and the rest. */
const AZURE_BITS: Record<FakeRepoPermission, number> = {
  // Project Administrators: every bit of the namespace up to PullRequestBypassPolicy.
  admin: 65535,
  // Contributors: GenericRead, GenericContribute, CreateBranch, CreateTag, ManageNote, PullRequestContribute.
  write: 2 | 4 | 16 | 32 | 64 | 16384,
  // Readers: GenericRead.
  read: 2,
  none: 0,
};

const DESCRIPTOR_PREFIX = "Microsoft.TeamFoundation.Identity;S-1-9-1551374245-";

/** The descriptor Azure DevOps gives an identity, built from its id in the fake. */
export function azureDescriptor(identityId: string): string {
  return `${DESCRIPTOR_PREFIX}${identityId}`;
}

/**
 * Azure DevOps' `GET {org}/_apis/identities?identityIds=…`: one entry per id, `null` for an id it does not know.
 * Permissions are keyed by identity id.
 */
export function azureIdentities(known: (id: string) => boolean, identityIds: string | null): Response {
  const ids = (identityIds ?? "").split(",").map((id) => id.trim()).filter(Boolean);
  const value = ids.map((id) =>
    known(id)
      ? {
        id,
        descriptor: azureDescriptor(id),
        subjectDescriptor: `aad.${btoa(id)}`,
        providerDisplayName: `User ${id}`,
        isActive: true,
        isContainer: false,
        members: [],
        memberOf: [],
        properties: {},
        resourceVersion: 2,
        metaTypeId: 0,
      }
      : null
  );
  return json({ count: value.length, value });
}

/**
 * Azure DevOps' `GET {org}/_apis/accesscontrollists/{namespace}?token=repoV2/{project}/{repo}&descriptors=…&
 * includeExtendedInfo=true`: an entry per asked descriptor whose effective bits come from group membership (no
 * explicit allow or deny on the user). `repoFor` maps the token's ids back to the fake's `project/repo`.
 */
export function azureAccessControlLists(
  permissions: FakePermissions,
  input: { namespace: string; url: URL; repoFor: (projectId: string, repoId: string) => string | undefined },
): Response {
  if (input.namespace !== "2e9eb7ed-3c0a-47d4-87c1-0ffdd275fd87") return json({ count: 0, value: [] });
  const token = input.url.searchParams.get("token") ?? "";
  const match = /^repoV2\/([^/]+)\/([^/]+)$/.exec(token);
  const repo = match ? input.repoFor(match[1]!, match[2]!) : undefined;
  if (!repo) return json({ count: 0, value: [] });
  const extended = input.url.searchParams.get("includeExtendedInfo") === "true";
  const aces: Record<string, unknown> = {};
  for (const descriptor of (input.url.searchParams.get("descriptors") ?? "").split(",").filter(Boolean)) {
    const id = descriptor.startsWith(DESCRIPTOR_PREFIX) ? descriptor.slice(DESCRIPTOR_PREFIX.length) : "";
    const bits = AZURE_BITS[permissions.get(repo, id) ?? "none"];
    aces[descriptor] = {
      descriptor,
      allow: 0,
      deny: 0,
      ...(extended
        ? { extendedInfo: { effectiveAllow: bits, effectiveDeny: 0, inheritedAllow: 0, inheritedDeny: 0 } }
        : {}),
    };
  }
  return json({ count: 1, value: [{ inheritPermissions: true, token, acesDictionary: aces }] });
}
