import type { Context } from "hono";
import type { AppEnv } from "../../lib/http/define.ts";
import { defineHandlers } from "../../lib/http/define.ts";
import { listPrompts, PROMPT_NAME, savePrompt } from "../../lib/db/prompts.ts";
import type { Viewer } from "../../lib/auth/mod.ts";
import {
  CsrfField,
  formatTime,
  formFields,
  Notice,
  page,
  renderDashboard,
} from "../../lib/dashboard/route.tsx";

async function PromptsPage(
  c: Context<AppEnv>,
  viewer: Viewer,
  form: { error?: string; name?: string; body?: string; status?: number } = {},
) {
  const prompts = await listPrompts(c.var.deps.db, viewer.organization.id);
  return renderDashboard(
    c,
    viewer,
    { title: "Prompt library", active: "/prompts", status: form.status },
    (
      <>
        <div class="page-head">
          <h1>Prompt library</h1>
          <p class="muted">
            Use a prompt in <code>.loom/config.yaml</code> as{" "}
            <code>prompt: library:&lt;name&gt;</code>; reviews use its latest version.
          </p>
        </div>
        <Notice c={c} error={form.error} />
        {prompts.length === 0
          ? (
            <p class="panel muted" data-testid="no-prompts">
              The library is empty. Create the first prompt below.
            </p>
          )
          : (
            <div class="table-wrap">
              <table data-testid="prompt-table">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Reference</th>
                    <th>Latest version</th>
                    <th>Updated</th>
                    <th>Preview</th>
                  </tr>
                </thead>
                <tbody>
                  {prompts.map((prompt) => (
                    <tr data-prompt={prompt.name}>
                      <td>
                        <a href={`/prompts/${prompt.name}`}>{prompt.name}</a>
                      </td>
                      <td>
                        <code>library:{prompt.name}</code>
                      </td>
                      <td>v{prompt.version}</td>
                      <td>{formatTime(prompt.createdAt)}</td>
                      <td class="muted small">
                        {prompt.body.slice(0, 90)}
                        {prompt.body.length > 90 ? "…" : ""}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        <section class="panel spaced">
          <h2>New prompt</h2>
          <form method="post" class="stack">
            <CsrfField viewer={viewer} />
            <label>
              <span>
                Name <span class="muted small">(lowercase letters, digits, - and _)</span>
              </span>
              <input name="name" required pattern="[a-z0-9][a-z0-9_\-]{0,63}" value={form.name ?? ""} />
            </label>
            <label>
              Instructions for the review step
              <textarea name="body" required>{form.body ?? ""}</textarea>
            </label>
            <button type="submit">Create prompt</button>
          </form>
        </section>
      </>
    ),
  );
}

export const handler = defineHandlers({
  GET: page((c, viewer) => PromptsPage(c, viewer)),
  POST: page(async (c, viewer) => {
    const fields = await formFields(c);
    const name = (fields.name ?? "").trim();
    const body = (fields.body ?? "").replaceAll("\r\n", "\n").trim();
    if (!PROMPT_NAME.test(name)) {
      return PromptsPage(c, viewer, {
        error: `"${name}" is not a prompt name: use lowercase letters, digits, "-" and "_"`,
        name,
        body,
        status: 400,
      });
    }
    if (!body || body.length > 100_000) {
      return PromptsPage(c, viewer, {
        error: "Write the prompt (at most 100,000 characters)",
        name,
        body,
        status: 400,
      });
    }
    await savePrompt(c.var.deps.db, {
      organizationId: viewer.organization.id,
      name,
      body,
      createdBy: viewer.user.id,
    }, c.var.deps.now);
    return c.redirect(`/prompts/${name}?notice=prompt-saved`, 303);
  }),
});
