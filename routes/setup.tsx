import type { Context } from "hono";
import { type AppEnv, defineHandlers, routeDeps } from "../lib/http/define.ts";
import type { SignInDeps } from "../lib/auth/mod.ts";
import { countUsers } from "../lib/db/users.ts";
import {
  anonymousCsrfToken,
  checkAnonymousCsrf,
  passwordProblem,
  setupOwner,
  signIn,
} from "../lib/auth/mod.ts";
import { formFields, renderHtml } from "../lib/dashboard/route.tsx";
import { setupTokenMatches } from "../lib/auth/mod.ts";

/** Why the token is asked for and where to find it, shown above the field. */
const TOKEN_HINT = "Loom printed a one-time set-up token in its log when it started " +
  '("Loom has no owner yet"); only someone who can read that log can create the owner.';

function SetupPage(
  { c, error, values }: {
    c: Context<AppEnv>;
    error?: string;
    values?: Record<string, string>;
  },
) {
  return (
    <div class="auth">
      <section class="panel">
        <h1>Welcome to Loom</h1>
        <p class="muted">
          Create the owner account and your organization. Repositories you already added from the command line
          join it.
        </p>
        {error && <p class="notice error" role="alert">{error}</p>}
        <form method="post" class="stack">
          <input type="hidden" name="_csrf" value={anonymousCsrfToken(c)} />
          <label>
            <span>
              Set-up token <span class="muted small">{TOKEN_HINT}</span>
            </span>
            <input
              name="setupToken"
              required
              autocomplete="off"
              spellcheck={false}
              value={values?.setupToken ?? c.req.query("token") ?? ""}
            />
          </label>
          <label>
            Organization name
            <input name="organizationName" required maxLength={100} value={values?.organizationName ?? ""} />
          </label>
          <label>
            Your name
            <input name="name" required maxLength={100} autocomplete="name" value={values?.name ?? ""} />
          </label>
          <label>
            Email
            <input name="email" type="email" required autocomplete="email" value={values?.email ?? ""} />
          </label>
          <label>
            <span>
              Password <span class="muted small">(at least 10 characters)</span>
            </span>
            <input name="password" type="password" required minLength={10} autocomplete="new-password" />
          </label>
          <button type="submit">Create owner account</button>
        </form>
      </section>
    </div>
  );
}

export const handler = defineHandlers({
  async GET(c) {
    if (await countUsers(c.var.deps.db) > 0) return c.redirect("/login", 303);
    return renderHtml(c, "Set up Loom", <SetupPage c={c} />);
  },
  async POST(c) {
    if (await countUsers(c.var.deps.db) > 0) return c.redirect("/login", 303);
    if (!await checkAnonymousCsrf(c)) {
      return renderHtml(c, "Set up Loom", <SetupPage c={c} error="The form expired. Please try again." />, {
        status: 403,
      });
    }
    const fields = await formFields(c);
    if (!setupTokenMatches(fields.setupToken ?? "", routeDeps<SignInDeps>(c).setupToken)) {
      c.var.log.warn("Set-up refused: wrong set-up token");
      const values = { organizationName: fields.organizationName ?? "", name: fields.name ?? "" };
      return renderHtml(
        c,
        "Set up Loom",
        <SetupPage c={c} error="That is not the set-up token Loom printed at start-up." values={values} />,
        { status: 403 },
      );
    }
    const values = {
      organizationName: (fields.organizationName ?? "").trim(),
      name: (fields.name ?? "").trim(),
      email: (fields.email ?? "").trim(),
    };
    const problem = !values.organizationName || !values.name
      ? "Fill in every field"
      : !/^[^\s@]+@[^\s@]+$/.test(values.email)
      ? `"${values.email}" is not an email address`
      : passwordProblem(fields.password ?? "");
    if (problem) {
      const shown = { ...values, setupToken: fields.setupToken ?? "" };
      return renderHtml(c, "Set up Loom", <SetupPage c={c} error={problem} values={shown} />, {
        status: 400,
      });
    }
    const created = await setupOwner(
      c.var.deps.db,
      { ...values, password: fields.password! },
      c.var.deps.now,
    );
    if (!created) return c.redirect("/login", 303);
    c.var.log.info("Owner created", { userId: created.user.id, adoptedRepos: created.adopted });
    await signIn(c, created.user);
    return c.redirect("/repos", 303);
  },
});
