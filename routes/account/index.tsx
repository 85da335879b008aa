import { type AppEnv, defineHandlers, routeDeps } from "../../lib/http/define.ts";
import type { SignInDeps } from "../../lib/auth/mod.ts";
import { listIdentities, setPasswordHash, updateUserName } from "../../lib/db/users.ts";
import { countUserSessions, createSession, deleteUserSessions } from "../../lib/db/sessions.ts";
import {
  createOAuthProviders,
  hashPassword,
  passwordProblem,
  SESSION_TTL_MS,
  setSessionCookie,
  verifyPassword,
  type Viewer,
} from "../../lib/auth/mod.ts";
import {
  CsrfField,
  formatTime,
  formFields,
  Notice,
  page,
  renderDashboard,
} from "../../lib/dashboard/route.tsx";
import type { Context } from "hono";

async function AccountPage(
  c: Context<AppEnv>,
  viewer: Viewer,
  error?: string,
  status?: number,
) {
  const { db, now } = c.var.deps;
  const [identities, sessions] = await Promise.all([
    listIdentities(db, viewer.user.id),
    countUserSessions(db, viewer.user.id, now),
  ]);
  const providers = Object.values(
    routeDeps<SignInDeps>(c).oauthProviders ?? createOAuthProviders(c.var.deps.config),
  );
  return renderDashboard(
    c,
    viewer,
    { title: "Account", active: "/account", status },
    (
      <>
        <h1>Your account</h1>
        <Notice
          c={c}
          error={error ??
            (c.req.query("error") === "identity-taken"
              ? "That sign-in account is already linked to another Loom user."
              : undefined)}
        />
        <div class="grid2">
          <section class="panel">
            <h2>Profile</h2>
            <form method="post" class="stack">
              <CsrfField viewer={viewer} />
              <input type="hidden" name="intent" value="profile" />
              <label>
                Email
                <input value={viewer.user.email} disabled />
              </label>
              <label>
                Name
                <input name="name" required maxLength={100} value={viewer.user.name} />
              </label>
              <button type="submit">Save profile</button>
            </form>
          </section>
          <section class="panel">
            <h2>Password</h2>
            <form method="post" class="stack">
              <CsrfField viewer={viewer} />
              <input type="hidden" name="intent" value="password" />
              {viewer.user.passwordHash && (
                <label>
                  Current password
                  <input name="current" type="password" required autocomplete="current-password" />
                </label>
              )}
              <label>
                New password
                <input name="password" type="password" required minLength={10} autocomplete="new-password" />
              </label>
              <button type="submit">Change password</button>
            </form>
          </section>
          <section class="panel">
            <h2>Sign-in accounts</h2>
            <ul>
              {providers.map((provider) => {
                const linked = identities.find((identity) => identity.provider === provider.id);
                return (
                  <li>
                    {provider.label}: {linked
                      ? <span class="pill completed">linked {formatTime(linked.createdAt)}</span>
                      : <a href={`/auth/${provider.id}`}>Link {provider.label}</a>}
                  </li>
                );
              })}
              {providers.length === 0 && (
                <li class="muted">No OAuth providers are configured on this server.</li>
              )}
            </ul>
          </section>
          <section class="panel">
            <h2>Sessions</h2>
            <p>
              You are signed in on <strong data-testid="session-count">{sessions}</strong>{" "}
              {sessions === 1 ? "device" : "devices"}.
            </p>
            <form method="post" action="/logout">
              <CsrfField viewer={viewer} />
              <input type="hidden" name="everywhere" value="1" />
              <button type="submit" class="danger">Sign out everywhere</button>
            </form>
          </section>
        </div>
      </>
    ),
  );
}

export const handler = defineHandlers({
  GET: page((c, viewer) => AccountPage(c, viewer)),
  POST: page(async (c, viewer) => {
    const { db, now } = c.var.deps;
    const fields = await formFields(c);
    if (fields.intent === "profile") {
      const name = (fields.name ?? "").trim();
      if (!name) return AccountPage(c, viewer, "Fill in your name", 400);
      await updateUserName(db, viewer.user.id, name.slice(0, 100));
      return c.redirect("/account?notice=profile-saved", 303);
    }
    if (fields.intent === "password") {
      if (viewer.user.passwordHash && !await verifyPassword(fields.current ?? "", viewer.user.passwordHash)) {
        return AccountPage(c, viewer, "The current password is wrong", 400);
      }
      const problem = passwordProblem(fields.password ?? "");
      if (problem) return AccountPage(c, viewer, problem, 400);
      await setPasswordHash(db, viewer.user.id, await hashPassword(fields.password!));
      // A changed password ends every other session; this browser gets a fresh one.
      await deleteUserSessions(db, viewer.user.id);
      const { token } = await createSession(db, viewer.user.id, { ttlMs: SESSION_TTL_MS, now });
      setSessionCookie(c, token);
      return c.redirect("/account?notice=password-changed", 303);
    }
    return AccountPage(c, viewer, "Unknown action", 400);
  }),
});
