import type { Context } from "hono";
import { LearningToggle } from "../../components/LearningToggle.tsx";
import type { AppEnv } from "../../lib/http/define.ts";
import { defineHandlers } from "../../lib/http/define.ts";
import { HttpError } from "../../lib/http/errors.ts";
import { hasRole, type Viewer } from "../../lib/auth/mod.ts";
import {
  deleteLearning,
  editLearning,
  LearningInputError,
  type OrgLearning,
} from "../../lib/learnings/mod.ts";
import { learningSourceUrl, loadOrgLearning } from "../../lib/dashboard/learnings.ts";
import {
  CsrfField,
  formatTime,
  formFields,
  idParam,
  Notice,
  page,
  renderDashboard,
} from "../../lib/dashboard/route.tsx";

function LearningPage(
  c: Context<AppEnv>,
  viewer: Viewer,
  learning: OrgLearning,
  form: { error?: string; rule?: string; paths?: string; title?: string; status?: number } = {},
) {
  const admin = hasRole(viewer, "admin");
  const source = learningSourceUrl(c.var.deps.config, learning);
  const state = learning.status !== "active" ? learning.status : learning.enabled ? "active" : "disabled";
  return renderDashboard(
    c,
    viewer,
    { title: `Learning ${learning.id}`, active: "/learnings", status: form.status },
    (
      <>
        <div class="page-head">
          <h1>
            Learning {learning.id} <span class="pill" data-testid="learning-status">{state}</span>
          </h1>
          <p class="muted">
            {learning.repo
              ? (
                <>
                  Repository <a href={`/repos/${learning.repo.id}`}>{learning.repo.fullName}</a>
                </>
              )
              : (
                "Every repository of the organization"
              )}
            · from {learning.source.kind}
            {source && (
              <>
                {" · "}
                <a href={source} rel="noopener noreferrer" data-testid="learning-source">source comment</a>
              </>
            )}
            · created by {learning.createdBy} {formatTime(learning.createdAt)}
            · changed by {learning.updatedBy} {formatTime(learning.updatedAt)}
          </p>
        </div>
        <Notice c={c} error={form.error} />
        <section class="panel">
          <form method="post" class="stack">
            <CsrfField viewer={viewer} />
            <label>
              Rule <span class="muted small">(what later reviews are told, at most 1,000 characters)</span>
              <textarea name="rule" required disabled={!admin}>{form.rule ?? learning.rule}</textarea>
            </label>
            <label>
              Paths{" "}
              <span class="muted small">(globs, one a line or comma-separated; empty for every file)</span>
              <textarea name="paths" disabled={!admin}>
                {form.paths ?? learning.pathGlobs.join("\n")}
              </textarea>
            </label>
            <label>
              Suppressed finding title{" "}
              <span class="muted small">(empty: guidance only, nothing held back)</span>
              <input name="title" value={form.title ?? learning.suppress?.title ?? ""} disabled={!admin} />
            </label>
            {admin && <button type="submit" name="action" value="save">Save</button>}
          </form>
        </section>
        {admin && (
          <section class="panel spaced" data-testid="learning-actions">
            <form method="post" class="inline">
              <CsrfField viewer={viewer} />
              {learning.status === "proposed" && (
                <>
                  <button type="submit" name="action" value="approve">Approve</button>{" "}
                  <button type="submit" name="action" value="dismiss" class="secondary">Dismiss</button>
                  {" "}
                </>
              )}
              {learning.status === "dismissed" && (
                <>
                  <button type="submit" name="action" value="approve" class="secondary">
                    Approve after all
                  </button>
                  {" "}
                </>
              )}
              {learning.status === "active" && <LearningToggle enabled={learning.enabled} />}
            </form>
            <details>
              <summary>Delete this learning…</summary>
              <form method="post" class="inline">
                <CsrfField viewer={viewer} />
                <p class="muted small">
                  Reviews stop using it at once. A proposal from a reaction is better dismissed: deleted, the
                  same reaction would propose it again at the next review.
                </p>
                <button type="submit" name="action" value="delete" class="danger">Delete</button>
              </form>
            </details>
          </section>
        )}
      </>
    ),
  );
}

function splitGlobs(text: string): string[] {
  return text.split(/[\n,]/).map((glob) => glob.trim()).filter((glob) => glob.length > 0);
}

export const handler = defineHandlers({
  GET: page(async (c, viewer) =>
    LearningPage(c, viewer, await loadOrgLearning(c.var.deps.db, viewer.organization.id, idParam(c, "id")))
  ),
  POST: page(async (c, viewer) => {
    const { db } = c.var.deps;
    const now = (c.var.deps.now ?? Date.now)();
    const learning = await loadOrgLearning(db, viewer.organization.id, idParam(c, "id"));
    const fields = await formFields(c);
    const by = viewer.user.name || viewer.user.email;
    const back = fields.back === "list" ? "/learnings" : `/learnings/${learning.id}`;
    const changes: Record<string, Parameters<typeof editLearning>[2]> = {
      enable: { enabled: true },
      disable: { enabled: false },
      approve: { status: "active", enabled: true },
      dismiss: { status: "dismissed" },
    };
    const action = fields.action ?? "";
    if (action === "delete") {
      await deleteLearning(db, learning.id);
      return c.redirect("/learnings?notice=learning-deleted", 303);
    }
    if (action in changes) {
      await editLearning(db, learning.id, changes[action]!, by, now);
      return c.redirect(`${back}?notice=learning-saved`, 303);
    }
    if (action !== "save") throw new HttpError(400, `Unknown learning action "${action}"`);
    const title = (fields.title ?? "").trim();
    try {
      await editLearning(
        db,
        learning.id,
        {
          rule: fields.rule ?? "",
          pathGlobs: splitGlobs(fields.paths ?? ""),
          suppress: title === "" ? null : { title, step: learning.suppress?.step ?? null },
        },
        by,
        now,
      );
    } catch (error) {
      if (!(error instanceof LearningInputError)) throw error;
      return LearningPage(c, viewer, learning, {
        error: error.message,
        rule: fields.rule,
        paths: fields.paths,
        title,
        status: 400,
      });
    }
    return c.redirect(`/learnings/${learning.id}?notice=learning-saved`, 303);
  }, { role: "admin" }),
});
