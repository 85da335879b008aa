import type { Context } from "hono";
import { type AppEnv, defineHandlers, routeDeps } from "../lib/http/define.ts";
import type { SignInDeps } from "../lib/auth/mod.ts";
import { countUsers } from "../lib/db/users.ts";
import {
  anonymousCsrfToken,
  attemptPasswordLogin,
  checkAnonymousCsrf,
  clientAddress,
  createOAuthProviders,
  loadViewer,
  signIn,
} from "../lib/auth/mod.ts";
import { formFields, renderHtml } from "../lib/dashboard/route.tsx";
import { safeNext } from "../lib/http/safe_next.ts";

const OAUTH_ERRORS: Record<string, string> = {
  "oauth-state": "The sign-in link expired. Please try again.",
  "oauth-failed": "The provider did not confirm your sign-in. Please try again.",
  "oauth-unknown":
    "No Loom account uses that sign-in yet. Ask an admin for an invitation, or sign in with your " +
    "password and link it under Account.",
};

function LoginPage(
  { c, error, email, status }: {
    c: Context<AppEnv>;
    error?: string;
    email?: string;
    status?: number;
  },
) {
  const providers = Object.values(
    routeDeps<SignInDeps>(c).oauthProviders ?? createOAuthProviders(c.var.deps.config),
  );
  const next = safeNext(c.req.query("next"), c.var.deps.config.publicUrl);
  const message = error ?? OAUTH_ERRORS[c.req.query("error") ?? ""];
  return (
    <div class="auth">
      <section class="panel">
        <h1>Sign in</h1>
        {message && <p class="notice error" role="alert" data-status={status}>{message}</p>}
        <form method="post" action={`/login?next=${encodeURIComponent(next)}`} class="stack">
          <input type="hidden" name="_csrf" value={anonymousCsrfToken(c)} />
          <label>
            Email
            <input name="email" type="email" required autocomplete="username" value={email ?? ""} />
          </label>
          <label>
            Password
            <input name="password" type="password" required autocomplete="current-password" />
          </label>
          <button type="submit">Sign in</button>
        </form>
        {providers.length > 0 && (
          <div class="oauth">
            <p class="muted small">Or continue with</p>
            {providers.map((provider) => (
              <a class="button secondary" href={`/auth/${provider.id}?next=${encodeURIComponent(next)}`}>
                {provider.label}
              </a>
            ))}
          </div>
        )}
      </section>
    </div>
  );
}

export const handler = defineHandlers({
  async GET(c) {
    if (await countUsers(c.var.deps.db) === 0) return c.redirect("/setup", 303);
    if (await loadViewer(c)) {
      return c.redirect(safeNext(c.req.query("next"), c.var.deps.config.publicUrl), 303);
    }
    return renderHtml(c, "Sign in", <LoginPage c={c} />);
  },
  async POST(c) {
    if (!await checkAnonymousCsrf(c)) {
      return renderHtml(c, "Sign in", <LoginPage c={c} error="The form expired. Please try again." />, {
        status: 403,
      });
    }
    const fields = await formFields(c);
    const email = (fields.email ?? "").trim();
    const result = await attemptPasswordLogin(c.var.deps.db, {
      email,
      password: fields.password ?? "",
      address: clientAddress(c),
    }, { now: c.var.deps.now });
    if (result.status === "limited") {
      c.header("retry-after", String(result.retryAfterSeconds));
      const seconds = result.retryAfterSeconds;
      const wait = seconds < 60 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
      return renderHtml(
        c,
        "Sign in",
        <LoginPage
          c={c}
          email={email}
          status={429}
          error={`Too many failed sign-in attempts. Try again in ${wait}.`}
        />,
        { status: 429 },
      );
    }
    if (result.status === "invalid") {
      return renderHtml(c, "Sign in", <LoginPage c={c} email={email} error="Wrong email or password." />, {
        status: 401,
      });
    }
    await signIn(c, result.user);
    return c.redirect(safeNext(c.req.query("next"), c.var.deps.config.publicUrl), 303);
  },
});
