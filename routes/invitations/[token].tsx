import type { Context } from "hono";
import type { AppEnv } from "../../lib/http/define.ts";
import { defineHandlers } from "../../lib/http/define.ts";
import {
  acceptInvitation,
  findInvitation,
  type Invitation,
  isInvitedEmail,
} from "../../lib/db/invitations.ts";
import { createUser, findUserByEmail } from "../../lib/db/users.ts";
import {
  anonymousCsrfToken,
  checkAnonymousCsrf,
  checkSessionCsrf,
  hashPassword,
  loadViewer,
  passwordProblem,
  signIn,
} from "../../lib/auth/mod.ts";
import { formFields, renderHtml } from "../../lib/dashboard/route.tsx";

type Found = Invitation & { organizationName: string };

function InvitationPage(
  { c, invitation, csrf, signedInAs, error }: {
    c: Context<AppEnv>;
    invitation: Found;
    csrf: string;
    signedInAs?: string;
    error?: string;
  },
) {
  return (
    <div class="auth">
      <section class="panel">
        <h1>Join {invitation.organizationName}</h1>
        <p class="muted">
          You were invited as {invitation.role === "admin" ? "an admin" : "a member"} ({invitation.email}).
        </p>
        {error && <p class="notice error" role="alert">{error}</p>}
        <form method="post" action={c.req.path} class="stack">
          <input type="hidden" name="_csrf" value={csrf} />
          {signedInAs ? <p>You are signed in as {signedInAs}.</p> : (
            <>
              <label>
                Your name
                <input name="name" required maxLength={100} autocomplete="name" />
              </label>
              <label>
                <span>
                  Choose a password <span class="muted small">(at least 10 characters)</span>
                </span>
                <input name="password" type="password" required minLength={10} autocomplete="new-password" />
              </label>
            </>
          )}
          {!(signedInAs && error) && <button type="submit">Accept invitation</button>}
        </form>
      </section>
    </div>
  );
}

/** Only the invited address may accept: an invitation link reaching someone else adds no one. */
function otherAccount(invitation: Found): string {
  return `This invitation is for ${invitation.email}: sign out, then open the link again and sign in (or sign ` +
    `up) with that address.`;
}

function gone(c: Context<AppEnv>) {
  return renderHtml(
    c,
    "Invitation",
    <div class="auth">
      <section class="panel" data-testid="error">
        <h1>Invitation not found</h1>
        <p>This invitation was used already, expired or revoked. Ask an admin for a new one.</p>
      </section>
    </div>,
    { status: 404 },
  );
}

export const handler = defineHandlers({
  async GET(c) {
    const invitation = await findInvitation(c.var.deps.db, c.req.param("token") ?? "", c.var.deps.now);
    if (!invitation) return gone(c);
    const viewer = await loadViewer(c);
    return renderHtml(
      c,
      "Invitation",
      <InvitationPage
        c={c}
        invitation={invitation}
        csrf={viewer ? viewer.session.csrfToken : anonymousCsrfToken(c)}
        signedInAs={viewer?.user.email}
        error={viewer && !isInvitedEmail(invitation, viewer.user.email)
          ? otherAccount(invitation)
          : undefined}
      />,
    );
  },
  async POST(c) {
    const { db, now } = c.var.deps;
    const invitation = await findInvitation(db, c.req.param("token") ?? "", now);
    if (!invitation) return gone(c);
    const viewer = await loadViewer(c);
    const csrfOk = viewer ? await checkSessionCsrf(c, viewer.session) : await checkAnonymousCsrf(c);
    if (!csrfOk) return c.json({ error: "Missing or invalid CSRF token" }, 403);
    if (viewer && !isInvitedEmail(invitation, viewer.user.email)) {
      return renderHtml(
        c,
        "Invitation",
        <InvitationPage
          c={c}
          invitation={invitation}
          csrf={viewer.session.csrfToken}
          signedInAs={viewer.user.email}
          error={otherAccount(invitation)}
        />,
        { status: 403 },
      );
    }
    let user = viewer?.user;
    if (!user) {
      const fields = await formFields(c);
      const problem = !fields.name?.trim() ? "Fill in your name" : passwordProblem(fields.password ?? "");
      // An existing account signs in first, so an invitation link cannot be used to take it over.
      const existing = await findUserByEmail(db, invitation.email);
      const error = existing
        ? "An account with this email exists: sign in first, then open the link again."
        : problem;
      if (error) {
        return renderHtml(
          c,
          "Invitation",
          <InvitationPage c={c} invitation={invitation} csrf={anonymousCsrfToken(c)} error={error} />,
          { status: 400 },
        );
      }
      user = await createUser(db, {
        email: invitation.email,
        name: fields.name!,
        passwordHash: await hashPassword(fields.password!),
      }, now);
      await signIn(c, user);
    }
    // Refused by the database too when the address does not match; `findInvitation` above made it pending.
    if (!(await acceptInvitation(db, invitation, user, now))) return gone(c);
    return c.redirect("/", 303);
  },
});
