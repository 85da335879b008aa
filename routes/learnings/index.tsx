import type { Context } from "hono";
import { LearningToggle } from "../../components/LearningToggle.tsx";
import type { AppEnv } from "../../lib/http/define.ts";
import { defineHandlers } from "../../lib/http/define.ts";
import { hasRole, type Viewer } from "../../lib/auth/mod.ts";
import { listRepos } from "../../lib/db/repos.ts";
import {
  importLearnings,
  LearningsFileError,
  listOrgLearnings,
  MAX_LEARNINGS_FILE_CHARS,
  type OrgLearning,
} from "../../lib/learnings/mod.ts";
import { learningSourceUrl } from "../../lib/dashboard/learnings.ts";
import { CsrfField, formatTime, Notice, page, renderDashboard } from "../../lib/dashboard/route.tsx";

const SOURCE_NAMES: Record<string, string> = {
  ignore: "@loom ignore",
  concede: "conceded dispute",
  reaction: "thumbs-down reaction",
  dashboard: "dashboard",
  import: "import",
};

function statusOf(learning: OrgLearning): string {
  if (learning.status !== "active") return learning.status;
  return learning.enabled ? "active" : "disabled";
}

/** One row of the list: what, where, from where, who and when, and the quick actions. */
function LearningRow(
  { learning, viewer, sourceUrl }: { learning: OrgLearning; viewer: Viewer; sourceUrl: string | null },
) {
  const status = statusOf(learning);
  const admin = hasRole(viewer, "admin");
  return (
    <tr data-learning-id={learning.id} data-status={status}>
      <td>
        <a href={`/learnings/${learning.id}`}>
          {learning.rule.length > 160 ? `${learning.rule.slice(0, 157)}…` : learning.rule}
        </a>
        {learning.suppress && (
          <div class="muted small">
            Suppresses “{learning.suppress.title}”{learning.suppress.step
              ? ` (${learning.suppress.step})`
              : ""}
          </div>
        )}
      </td>
      <td>
        {learning.repo ? <a href={`/repos/${learning.repo.id}`}>{learning.repo.fullName}</a> : "Organization"}
        {learning.pathGlobs.length > 0 && (
          <div class="muted small">
            {learning.pathGlobs.map((glob) => <code key={glob}>{glob}</code>)}
          </div>
        )}
      </td>
      <td>
        <span
          class={`pill ${status === "active" ? "active" : status === "proposed" ? "pending" : "skipped"}`}
        >
          {status}
        </span>
      </td>
      <td class="small">
        {sourceUrl
          ? <a href={sourceUrl} rel="noopener noreferrer">{SOURCE_NAMES[learning.source.kind]}</a>
          : (
            SOURCE_NAMES[learning.source.kind]
          )}
        {learning.source.prNumber !== null && <span class="muted">{` · #${learning.source.prNumber}`}</span>}
      </td>
      <td class="small">
        {learning.createdBy} · {formatTime(learning.createdAt)}
        {learning.updatedAt !== learning.createdAt && (
          <div class="muted">changed by {learning.updatedBy} · {formatTime(learning.updatedAt)}</div>
        )}
      </td>
      <td>
        {admin && (
          <form method="post" action={`/learnings/${learning.id}`} class="inline">
            <CsrfField viewer={viewer} />
            <input type="hidden" name="back" value="list" />
            {learning.status === "proposed"
              ? (
                <>
                  <button type="submit" name="action" value="approve" class="secondary">Approve</button>{" "}
                  <button type="submit" name="action" value="dismiss" class="secondary">Dismiss</button>
                </>
              )
              : <LearningToggle enabled={learning.enabled} />}
          </form>
        )}
      </td>
    </tr>
  );
}

async function LearningsPage(
  c: Context<AppEnv>,
  viewer: Viewer,
  form: { error?: string; issues?: string[]; message?: string; yaml?: string; status?: number } = {},
) {
  const { db, config } = c.var.deps;
  const all = await listOrgLearnings(db, viewer.organization.id);
  const repoFilter = c.req.query("repo");
  const learnings = repoFilter === "org"
    ? all.filter((learning) => learning.repo === null)
    : repoFilter
    ? all.filter((learning) => String(learning.repo?.id) === repoFilter)
    : all;
  const repos = await listRepos(db, viewer.organization.id);
  const proposed = learnings.filter((learning) => learning.status === "proposed").length;
  return renderDashboard(
    c,
    viewer,
    { title: "Learnings", active: "/learnings", status: form.status },
    (
      <>
        <div class="page-head">
          <h1>Learnings</h1>
          <p class="muted">
            Rules your team taught Loom with{" "}
            <code>@loom ignore … because …</code>, conceded disputes and thumbs-down reactions. Reviews give
            matching rules to the model and do not post findings a learning suppresses.
          </p>
        </div>
        <Notice c={c} error={form.error} />
        {form.issues && (
          <ul class="notice error" data-testid="import-issues">
            {form.issues.map((issue, index) => <li key={index}>{issue}</li>)}
          </ul>
        )}
        {form.message && <p class="notice ok" role="status">{form.message}</p>}
        {proposed > 0 && (
          <p class="notice" data-testid="proposed-count">
            {proposed} proposed learning{proposed === 1 ? " waits" : "s wait"}{" "}
            for approval: a reaction or a conceded dispute is one person's view until someone approves it.
          </p>
        )}
        <form method="get" class="inline">
          <label>
            Show{" "}
            <select name="repo">
              <option value="">everything</option>
              <option value="org" selected={repoFilter === "org"}>organization-wide</option>
              {repos.map((repo) => (
                <option value={String(repo.id)} selected={repoFilter === String(repo.id)}>
                  {repo.fullName}
                </option>
              ))}
            </select>
          </label>{" "}
          <button type="submit" class="secondary">Filter</button> <a href="/learnings/export">Export YAML</a>
        </form>
        {learnings.length === 0
          ? (
            <p class="panel muted" data-testid="no-learnings">
              No learnings yet. Reply <code>@loom ignore &lt;finding&gt; because &lt;reason&gt;</code>{" "}
              on a pull request to teach Loom the first one.
            </p>
          )
          : (
            <div class="table-wrap">
              <table data-testid="learning-table">
                <thead>
                  <tr>
                    <th>Rule</th>
                    <th>Scope</th>
                    <th>Status</th>
                    <th>Source</th>
                    <th>Who and when</th>
                    <th></th>
                  </tr>
                </thead>
                <tbody>
                  {learnings.map((learning) => (
                    <LearningRow
                      learning={learning}
                      viewer={viewer}
                      sourceUrl={learningSourceUrl(config, learning)}
                    />
                  ))}
                </tbody>
              </table>
            </div>
          )}
        {hasRole(viewer, "admin") && (
          <section class="panel spaced">
            <h2>Import YAML</h2>
            <p class="muted small">
              A file as <a href="/learnings/export">Export YAML</a>{" "}
              writes it. Every problem is listed with its line and column, and nothing is imported until the
              whole file is valid; learnings already here are not added twice.
            </p>
            <form method="post" class="stack" enctype="multipart/form-data">
              <CsrfField viewer={viewer} />
              <label>
                YAML
                <textarea name="yaml" data-testid="import-yaml">{form.yaml ?? ""}</textarea>
              </label>
              <label>
                or a file <input type="file" name="file" accept=".yaml,.yml,text/yaml" />
              </label>
              <button type="submit">Import</button>
            </form>
          </section>
        )}
      </>
    ),
  );
}

export const handler = defineHandlers({
  GET: page((c, viewer) => LearningsPage(c, viewer)),
  /** Imports a YAML file (pasted, or uploaded as `file`). */
  POST: page(async (c, viewer) => {
    const body = await c.req.parseBody();
    const file = body.file;
    let yaml = typeof body.yaml === "string" ? body.yaml : "";
    if (file instanceof File && file.size > 0) {
      if (file.size > MAX_LEARNINGS_FILE_CHARS) {
        return LearningsPage(c, viewer, { error: "The file is over 2 MB", status: 413 });
      }
      yaml = await file.text();
    }
    if (yaml.trim() === "") {
      return LearningsPage(c, viewer, { error: "Paste or choose a YAML file", status: 400 });
    }
    try {
      const result = await importLearnings(
        c.var.deps.db,
        viewer.organization.id,
        yaml,
        viewer.user.name || viewer.user.email,
        (c.var.deps.now ?? Date.now)(),
      );
      return LearningsPage(c, viewer, {
        message: `Imported ${result.imported} learning${result.imported === 1 ? "" : "s"}` +
          (result.unchanged > 0 ? `; ${result.unchanged} were here already.` : "."),
      });
    } catch (error) {
      if (!(error instanceof LearningsFileError)) throw error;
      const count = error.issues.length;
      return LearningsPage(c, viewer, {
        error: `Nothing was imported: the file has ${count} problem${count === 1 ? "" : "s"}.`,
        issues: error.issues.map((issue) =>
          `${issue.line === undefined ? "" : `Line ${issue.line}, column ${issue.column}: `}${
            issue.path ? `${issue.path}: ` : ""
          }${issue.message}`
        ),
        yaml,
        status: 400,
      });
    }
  }, { role: "admin" }),
});
