/** Two organizations with data of every kind, and signed-in HTTP clients, for the authorization tests. */
import { createApp } from "../../app.ts";
import type { AppDeps } from "../../app.ts";
import type { Db } from "../../lib/db/mod.ts";
import { createUser, type User } from "../../lib/db/users.ts";
import {
  addMembership,
  createOrganization,
  type Organization,
  type Role,
} from "../../lib/db/organizations.ts";
import { createSession } from "../../lib/db/sessions.ts";
import { savePrompt } from "../../lib/db/prompts.ts";
import { type CredentialInfo, saveCredential } from "../../lib/db/credentials.ts";
import { createInvitation, type Invitation } from "../../lib/db/invitations.ts";
import type { Repo } from "../../lib/db/repos.ts";
import { proposeLearning } from "../../lib/learnings/mod.ts";
import { createTestDeps } from "../support/app_server.ts";
import { seedRepo, seedReview } from "../browser/seed.ts";

export interface Tenant {
  organization: Organization;
  owner: User;
  member: User;
  repo: Repo;
  reviewId: number;
  promptName: string;
  credential: CredentialInfo;
  credentialValue: string;
  invitation: Invitation;
  /** A repository learning and an organization-wide one. */
  learningIds: number[];
}

async function tenant(db: Db, deps: AppDeps, name: string): Promise<Tenant> {
  const organization = await createOrganization(db, { name });
  const slug = organization.slug;
  // OAuth-only users (no password) keep these tests fast; password logins have their own tests.
  const owner = await createUser(db, { email: `owner@${slug}.test`, name: `${name} Owner` });
  const member = await createUser(db, { email: `member@${slug}.test`, name: `${name} Member` });
  await addMembership(db, { userId: owner.id, organizationId: organization.id, role: "owner" });
  await addMembership(db, { userId: member.id, organizationId: organization.id, role: "member" });
  const repo = await seedRepo(db, { fullName: `${slug}/secret-service`, organizationId: organization.id });
  const { id: reviewId } = await seedReview(db, repo, { prNumber: 7, title: `${name} confidential change` });
  const promptName = `${slug}-prompt`;
  await savePrompt(db, {
    organizationId: organization.id,
    name: promptName,
    body: `${name} private prompt`,
    createdBy: owner.id,
  });
  const credentialValue = `sk-${slug}-very-secret-key-0000`;
  const credential = await saveCredential(db, deps.secretBox, {
    organizationId: organization.id,
    kind: "openai",
    name: "default",
    value: credentialValue,
  });
  const { invitation } = await createInvitation(db, {
    organizationId: organization.id,
    email: `new@${slug}.test`,
    role: "member",
  });
  const learningIds = [];
  for (const repoId of [repo.id, null]) {
    learningIds.push(
      (await proposeLearning(db, {
        orgId: organization.id,
        repoId,
        rule: `${name} private rule`,
        pathGlobs: [],
        suppress: { title: `${name} confidential finding` },
        source: { kind: "ignore", commentId: `${slug}-${repoId}`, prNumber: 7 },
        createdBy: `${slug}-owner`,
      })).id,
    );
  }
  return {
    organization,
    owner,
    member,
    repo,
    reviewId,
    promptName,
    credential,
    credentialValue,
    invitation,
    learningIds,
  };
}

export async function twoTenants(db: Db, overrides: Partial<AppDeps> = {}) {
  const deps = await createTestDeps(db, overrides);
  const app = createApp(deps);
  const a = await tenant(db, deps, "Alpha");
  const b = await tenant(db, deps, "Bravo");
  return { deps, app, a, b };
}

export interface Client {
  csrf: string;
  cookie: string;
  request(
    path: string,
    init?: { method?: string; form?: Record<string, string>; json?: unknown; csrf?: boolean },
  ): Promise<Response>;
}

/** An HTTP client signed in as `user` (a real session row and cookie); sends the CSRF token unless told not to. */
export async function signedIn(
  app: ReturnType<typeof createApp>,
  db: Db,
  user: User,
): Promise<Client> {
  const { token, session } = await createSession(db, user.id, { ttlMs: 3_600_000 });
  return {
    csrf: session.csrfToken,
    cookie: `loom_session=${token}`,
    request: (path, init = {}) =>
      request(app, path, { ...init, cookie: `loom_session=${token}`, csrfToken: session.csrfToken }),
  };
}

export function anonymous(app: ReturnType<typeof createApp>): Client {
  return { csrf: "", cookie: "", request: (path, init = {}) => request(app, path, { ...init, csrf: false }) };
}

async function request(
  app: ReturnType<typeof createApp>,
  path: string,
  init: {
    method?: string;
    form?: Record<string, string>;
    json?: unknown;
    csrf?: boolean;
    cookie?: string;
    csrfToken?: string;
  },
): Promise<Response> {
  const headers: Record<string, string> = {};
  if (init.cookie) headers.cookie = init.cookie;
  let body: string | undefined;
  const sendCsrf = init.csrf !== false && init.csrfToken;
  if (init.json !== undefined) {
    headers["content-type"] = "application/json";
    if (sendCsrf) headers["x-csrf-token"] = init.csrfToken!;
    body = JSON.stringify(init.json);
  } else if (init.form || (init.method && init.method !== "GET")) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams({ ...(sendCsrf ? { _csrf: init.csrfToken! } : {}), ...init.form }).toString();
  }
  return await app.request(path, { method: init.method ?? "GET", headers, body, redirect: "manual" });
}

export type { Role };
