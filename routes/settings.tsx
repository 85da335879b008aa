import type { Context } from "hono";
import type { AppEnv } from "../lib/http/define.ts";
import { defineHandlers } from "../lib/http/define.ts";
import { HttpError } from "../lib/http/errors.ts";
import {
  listMembers,
  removeMember,
  renameOrganization,
  type Role,
  setMemberRole,
} from "../lib/db/organizations.ts";
import { createInvitation, listInvitations, revokeInvitation } from "../lib/db/invitations.ts";
import {
  CREDENTIAL_KINDS,
  type CredentialKind,
  deleteCredential,
  listCredentials,
  saveCredential,
} from "../lib/db/credentials.ts";
import { hasRole, type Viewer } from "../lib/auth/mod.ts";
import { listRepos } from "../lib/db/repos.ts";
import { checkCredential, type CredentialCheck, whichCredential } from "../lib/tenancy/check_credential.ts";
import { CsrfField, formatTime, formFields, Notice, page, renderDashboard } from "../lib/dashboard/route.tsx";

const KIND_LABELS: Record<CredentialKind, string> = {
  openai: "OpenAI API key",
  anthropic: "Anthropic API key",
  google: "Google AI API key",
  github: "GitHub token",
  gitlab: "GitLab token",
  gitea: "Gitea token",
  bitbucket: "Bitbucket API token",
  bitbucket_server: "Bitbucket Data Center access token",
  azure_devops: "Azure DevOps PAT",
};

async function SettingsPage(
  c: Context<AppEnv>,
  viewer: Viewer,
  extra: { error?: string; inviteLink?: string; status?: number; check?: CredentialCheck } = {},
) {
  const { db, now, secretBox, config } = c.var.deps;
  const organizationId = viewer.organization.id;
  const [members, invitations, credentials, repos] = await Promise.all([
    listMembers(db, organizationId),
    listInvitations(db, organizationId, now),
    listCredentials(db, organizationId),
    listRepos(db, organizationId),
  ]);
  const uses = await Promise.all(
    repos.map((repo) => whichCredential({ db, secretBox, server: config }, repo)),
  );
  const admin = hasRole(viewer, "admin");
  return renderDashboard(
    c,
    viewer,
    { title: "Organization settings", active: "/settings", status: extra.status },
    (
      <>
        <h1>{viewer.organization.name} settings</h1>
        <Notice c={c} error={extra.error} />
        {extra.inviteLink && (
          <div class="notice ok" role="status">
            Send this link to the person you invited (it works once, for 7 days):
            <pre data-testid="invite-link">{extra.inviteLink}</pre>
          </div>
        )}
        <div class="grid2">
          <section class="panel">
            <h2>Organization</h2>
            {admin
              ? (
                <form method="post" action="/settings" class="stack">
                  <CsrfField viewer={viewer} />
                  <input type="hidden" name="intent" value="rename" />
                  <label>
                    Name
                    <input name="name" required maxLength={100} value={viewer.organization.name} />
                  </label>
                  <button type="submit">Rename</button>
                </form>
              )
              : <p>{viewer.organization.name}</p>}
            <p class="muted small">Slug: {viewer.organization.slug} · your role: {viewer.role}</p>
            <p>
              <a href="/settings/github-app">GitHub App installations</a>
            </p>
          </section>
          <section class="panel">
            <h2>API keys and tokens</h2>
            <p class="muted small">
              Stored encrypted. After saving, only the last four characters are shown.
            </p>
            <ul data-testid="credentials">
              {credentials.map((credential) => (
                <li data-credential-id={credential.id}>
                  {KIND_LABELS[credential.kind]} <code>{credential.name}</code>{" "}
                  <span class="muted">{credential.hint ? `…${credential.hint}` : "(hidden)"}</span>{" "}
                  {admin && (
                    <form method="post" action="/settings" class="inline compact">
                      <CsrfField viewer={viewer} />
                      <input type="hidden" name="intent" value="test-credential" />
                      <input type="hidden" name="id" value={credential.id} />
                      <button type="submit" class="link">Test</button>
                    </form>
                  )} {extra.check?.credentialId === credential.id && (
                    <div
                      class={extra.check.ok ? "notice ok" : "notice error"}
                      role="status"
                      data-testid="credential-test"
                    >
                      {extra.check.lines.map((line, index) => <div key={index}>{line}</div>)}
                    </div>
                  )}
                  {admin && (
                    <form method="post" action="/settings" class="inline compact">
                      <CsrfField viewer={viewer} />
                      <input type="hidden" name="intent" value="delete-credential" />
                      <input type="hidden" name="id" value={credential.id} />
                      <button type="submit" class="link">Delete</button>
                    </form>
                  )}
                </li>
              ))}
              {credentials.length === 0 && <li class="muted">None yet.</li>}
            </ul>
            {admin && (
              <form method="post" action="/settings" class="stack">
                <CsrfField viewer={viewer} />
                <input type="hidden" name="intent" value="credential" />
                <label>
                  Kind
                  <select name="kind">
                    {CREDENTIAL_KINDS.map((kind) => (
                      <option key={kind} value={kind}>{KIND_LABELS[kind]}</option>
                    ))}
                  </select>
                </label>
                <label>
                  Name
                  <input name="name" value="default" required maxLength={64} />
                </label>
                <label>
                  Value
                  <input name="value" type="password" required autocomplete="off" maxLength={8192} />
                </label>
                <button type="submit">Save encrypted</button>
              </form>
            )}
          </section>
        </div>
        <section class="panel">
          <h2>Which credential each repository uses</h2>
          <p class="muted small">
            A repository's reviews use this organization's token for its platform and host, else the server's
            when the operator lends it (LOOM_SHARE_SERVER_CREDENTIALS).
          </p>
          <ul data-testid="repo-credentials">
            {repos.map((repo, index) => (
              <li data-repo-id={repo.id}>
                <code>{repo.fullName}</code> <span class="muted">({repo.host || repo.platform})</span>:{" "}
                <span class={uses[index]!.ok ? "" : "error"}>{uses[index]!.text}</span>
              </li>
            ))}
            {repos.length === 0 && <li class="muted">No repositories connected yet.</li>}
          </ul>
        </section>
        <section class="panel">
          <h2>Members</h2>
          <div class="table-wrap">
            <table data-testid="members">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Email</th>
                  <th>Role</th>
                  <th>Joined</th>
                  {admin && <th>Manage</th>}
                </tr>
              </thead>
              <tbody>
                {members.map((member) => (
                  <tr>
                    <td>{member.name}</td>
                    <td>{member.email}</td>
                    <td>{member.role}</td>
                    <td>{formatTime(member.createdAt)}</td>
                    {admin && (
                      <td>
                        {member.userId !== viewer.user.id &&
                          (member.role !== "owner" || viewer.role === "owner") && (
                          <form method="post" action="/settings" class="inline">
                            <CsrfField viewer={viewer} />
                            <input type="hidden" name="intent" value="member" />
                            <input type="hidden" name="userId" value={member.userId} />
                            <select name="role" aria-label={`Role of ${member.email}`}>
                              {(viewer.role === "owner" ? ["owner", "admin", "member"] : ["admin", "member"])
                                .map((
                                  role,
                                ) => (
                                  <option key={role} value={role} selected={role === member.role}>
                                    {role}
                                  </option>
                                ))}
                              <option value="remove">remove</option>
                            </select>
                            <button type="submit" class="secondary">Apply</button>
                          </form>
                        )}
                      </td>
                    )}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {admin && (
            <>
              <h3>Invite someone</h3>
              <form method="post" action="/settings" class="inline">
                <CsrfField viewer={viewer} />
                <input type="hidden" name="intent" value="invite" />
                <label>
                  Email
                  <input name="email" type="email" required />
                </label>
                <label>
                  Role
                  <select name="role">
                    <option value="member">member</option>
                    <option value="admin">admin</option>
                  </select>
                </label>
                <button type="submit">Create invitation</button>
              </form>
              {invitations.length > 0 && (
                <ul data-testid="invitations">
                  {invitations.map((invitation) => (
                    <li>
                      {invitation.email} as {invitation.role}, expires {formatTime(invitation.expiresAt)}{" "}
                      <form method="post" action="/settings" class="inline compact">
                        <CsrfField viewer={viewer} />
                        <input type="hidden" name="intent" value="revoke" />
                        <input type="hidden" name="id" value={invitation.id} />
                        <button type="submit" class="link">Revoke</button>
                      </form>
                    </li>
                  ))}
                </ul>
              )}
            </>
          )}
        </section>
      </>
    ),
  );
}

async function changeMember(
  c: Context<AppEnv>,
  viewer: Viewer,
  userId: number,
  wanted: string,
): Promise<string | null> {
  const { db } = c.var.deps;
  const members = await listMembers(db, viewer.organization.id);
  const target = members.find((member) => member.userId === userId);
  if (!target) throw new HttpError(404, `Cannot find member ${userId}`);
  if (userId === viewer.user.id) return "You cannot change your own membership here";
  if ((target.role === "owner" || wanted === "owner") && viewer.role !== "owner") {
    return "Only an owner can change an owner";
  }
  const owners = members.filter((member) => member.role === "owner").length;
  if (target.role === "owner" && wanted !== "owner" && owners <= 1) {
    return "An organization keeps at least one owner";
  }
  if (wanted === "remove") await removeMember(db, viewer.organization.id, userId);
  else if (wanted === "owner" || wanted === "admin" || wanted === "member") {
    await setMemberRole(db, viewer.organization.id, userId, wanted as Role);
  } else return `Unknown role "${wanted}"`;
  return null;
}

export const handler = defineHandlers({
  GET: page((c, viewer) => SettingsPage(c, viewer)),
  POST: page(async (c, viewer) => {
    const { db, secretBox, now, config } = c.var.deps;
    const organizationId = viewer.organization.id;
    const fields = await formFields(c);
    switch (fields.intent) {
      case "rename": {
        const name = (fields.name ?? "").trim();
        if (!name) return SettingsPage(c, viewer, { error: "Fill in the name", status: 400 });
        await renameOrganization(db, organizationId, name.slice(0, 100));
        return c.redirect("/settings?notice=organization-renamed", 303);
      }
      case "credential": {
        const kind = CREDENTIAL_KINDS.find((value) => value === fields.kind);
        const name = (fields.name ?? "").trim();
        const value = (fields.value ?? "").trim();
        if (!kind || !/^[A-Za-z0-9_.-]{1,64}$/.test(name) || !value) {
          return SettingsPage(c, viewer, {
            error: "Choose a kind, a name (letters, digits, . _ -) and a value",
            status: 400,
          });
        }
        await saveCredential(db, secretBox, { organizationId, kind, name, value }, now);
        return c.redirect("/settings?notice=credential-saved", 303);
      }
      case "test-credential": {
        const check = await checkCredential(
          { db, secretBox, server: c.var.deps.config },
          organizationId,
          Number(fields.id),
        );
        if (!check) throw new HttpError(404, `Cannot find credential ${fields.id}`);
        return SettingsPage(c, viewer, { check });
      }
      case "delete-credential": {
        if (!await deleteCredential(db, organizationId, Number(fields.id))) {
          throw new HttpError(404, `Cannot find credential ${fields.id}`);
        }
        return c.redirect("/settings?notice=credential-deleted", 303);
      }
      case "invite": {
        const email = (fields.email ?? "").trim();
        const role = fields.role === "admin" ? "admin" : "member";
        if (!/^[^\s@]+@[^\s@]+$/.test(email)) {
          return SettingsPage(c, viewer, { error: `"${email}" is not an email address`, status: 400 });
        }
        const { token } = await createInvitation(db, { organizationId, email, role }, now);
        const inviteLink = `${config.publicUrl.replace(/\/$/, "")}/invitations/${token}`;
        return SettingsPage(c, viewer, { inviteLink });
      }
      case "revoke": {
        if (!await revokeInvitation(db, organizationId, Number(fields.id))) {
          throw new HttpError(404, `Cannot find invitation ${fields.id}`);
        }
        return c.redirect("/settings?notice=invitation-revoked", 303);
      }
      case "member": {
        const problem = await changeMember(c, viewer, Number(fields.userId), fields.role ?? "");
        if (problem) return SettingsPage(c, viewer, { error: problem, status: 400 });
        return c.redirect(
          `/settings?notice=${fields.role === "remove" ? "member-removed" : "member-updated"}`,
          303,
        );
      }
      default:
        return SettingsPage(c, viewer, { error: "Unknown action", status: 400 });
    }
  }, { role: "admin" }),
});
