import type { Context } from "hono";
import type { AppEnv } from "../../lib/http/define.ts";
import { defineHandlers } from "../../lib/http/define.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { listPromptVersions, PROMPT_NAME, type PromptVersion, savePrompt } from "../../lib/db/prompts.ts";
import type { Viewer } from "../../lib/auth/mod.ts";
import { Island } from "../../lib/http/island.tsx";
import { previewPrompt } from "../../lib/dashboard/prompt_preview.ts";
import type { PromptPreview } from "../../lib/dashboard/api_types.ts";
import PromptEditor from "../../islands/PromptEditor.tsx";
import { formatTime, formFields, Notice, page, renderDashboard } from "../../lib/dashboard/route.tsx";

async function loadVersions(c: Context<AppEnv>, viewer: Viewer): Promise<PromptVersion[]> {
  const name = c.req.param("name") ?? "";
  const versions = PROMPT_NAME.test(name)
    ? await listPromptVersions(c.var.deps.db, viewer.organization.id, name)
    : [];
  if (versions.length === 0) throw new HttpError(404, `Cannot find prompt "${name}"`);
  return versions;
}

async function PromptPage(
  c: Context<AppEnv>,
  viewer: Viewer,
  draft?: { body: string; preview?: PromptPreview; error?: string; status?: number },
) {
  const versions = await loadVersions(c, viewer);
  const latest = versions[0]!;
  const shown = versions.find((version) => String(version.version) === c.req.query("version")) ?? latest;
  return renderDashboard(
    c,
    viewer,
    { title: `Prompt ${latest.name}`, active: "/prompts", status: draft?.status },
    (
      <>
        <div class="page-head">
          <h1>
            {latest.name} <span class="muted small">v{latest.version}</span>
          </h1>
          <p>
            Use as <code>library:{latest.name}</code>
          </p>
        </div>
        <Notice c={c} error={draft?.error} />
        <div class="grid-editor">
          <section class="panel">
            <h2>{shown === latest ? "Edit" : `Version ${shown.version} (restore by saving)`}</h2>
            <Island
              of={PromptEditor}
              name="PromptEditor"
              props={{
                csrfToken: viewer.session.csrfToken,
                body: draft?.body ?? shown.body,
                preview: draft?.preview ?? null,
              }}
            />
          </section>
          <aside class="panel">
            <h2>Versions</h2>
            <ol reversed data-testid="versions">
              {versions.map((version) => (
                <li>
                  <a href={`/prompts/${latest.name}?version=${version.version}`}>v{version.version}</a>{" "}
                  <span class="muted small">
                    {formatTime(version.createdAt)}
                    {version.createdByName ? ` · ${version.createdByName}` : ""}
                  </span>
                </li>
              ))}
            </ol>
          </aside>
        </div>
      </>
    ),
  );
}

export const handler = defineHandlers({
  GET: page((c, viewer) => PromptPage(c, viewer)),
  /** Saves a new version, or (`intent=preview`, the no-JavaScript path) shows the preview without saving. */
  POST: page(async (c, viewer) => {
    const versions = await loadVersions(c, viewer);
    const fields = await formFields(c);
    const body = (fields.body ?? "").replaceAll("\r\n", "\n").trim();
    if (!body || body.length > 100_000) {
      return PromptPage(c, viewer, {
        body,
        error: "Write the prompt (at most 100,000 characters)",
        status: 400,
      });
    }
    if (fields.intent === "preview") {
      return PromptPage(c, viewer, {
        body,
        preview: previewPrompt(body, "Add rate limiting to the login endpoint"),
      });
    }
    if (body !== versions[0]!.body) {
      await savePrompt(c.var.deps.db, {
        organizationId: viewer.organization.id,
        name: versions[0]!.name,
        body,
        createdBy: viewer.user.id,
      }, c.var.deps.now);
    }
    return c.redirect(`/prompts/${versions[0]!.name}?notice=prompt-saved`, 303);
  }),
});
