/**
 * The fake GitHub's check runs (`POST /repos/{o}/{r}/check-runs`, `PATCH …/check-runs/{id}`), held to what GitHub
 * enforces: only a GitHub App's installation token may write them (a personal token gets 403), `name` and
 * `head_sha` are required, an output needs `title` and `summary`, at most 50 annotations per request, each with
 * a path, lines, a level of notice/warning/failure and a message, and a conclusion is required once completed
 * (giving one completes the run). Annotations of every request are kept, in order. Runs are listed per commit
 * by name and status, the newest of each name unless `filter=all`.
 */
import type { RouteContext } from "../server_core.ts";
import { fakeSha } from "./diff.ts";
import { type GitHubShapes, RouteError } from "./shapes.ts";
import type { GitHubStore } from "./state.ts";
import type { FakeCheckAnnotation, FakeCheckRun, FakeUser } from "./types.ts";

const MAX_ANNOTATIONS_PER_REQUEST = 50;
const STATUSES = new Set(["queued", "in_progress", "completed"]);
const CONCLUSIONS = new Set([
  "action_required",
  "cancelled",
  "failure",
  "neutral",
  "success",
  "skipped",
  "timed_out",
]);
const LEVELS = new Set(["notice", "warning", "failure"]);

function invalid(field: string, message: string): RouteError {
  return new RouteError(422, message, [{ resource: "CheckRun", code: "invalid", field }]);
}

function readAnnotations(output: Record<string, unknown>): FakeCheckAnnotation[] {
  const list = output.annotations;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw invalid("annotations", "Invalid request.\n\nannotations is not an array.");
  if (list.length > MAX_ANNOTATIONS_PER_REQUEST) {
    throw invalid("annotations", "Only 50 annotations are allowed per request");
  }
  return list.map((item: Record<string, unknown>, index) => {
    const at = `output.annotations[${index}]`;
    if (typeof item.path !== "string" || item.path === "") throw invalid(`${at}.path`, "path is missing");
    if (!Number.isInteger(item.start_line) || (item.start_line as number) < 1) {
      throw invalid(`${at}.start_line`, "start_line must be a positive integer");
    }
    if (!Number.isInteger(item.end_line) || (item.end_line as number) < (item.start_line as number)) {
      throw invalid(`${at}.end_line`, "end_line must be an integer not before start_line");
    }
    if (typeof item.annotation_level !== "string" || !LEVELS.has(item.annotation_level)) {
      throw invalid(`${at}.annotation_level`, "annotation_level is not included in the list");
    }
    if (typeof item.message !== "string" || item.message === "") {
      throw invalid(`${at}.message`, "message is missing");
    }
    return {
      path: item.path,
      startLine: item.start_line as number,
      endLine: item.end_line as number,
      level: item.annotation_level as FakeCheckAnnotation["level"],
      title: typeof item.title === "string" ? item.title : undefined,
      message: item.message,
    };
  });
}

/** The two check-run handlers of one fake. */
export function checkRunHandlers(store: GitHubStore, shapes: GitHubShapes, api: () => string) {
  const { state } = store;
  const { json, user } = shapes;
  type Context = RouteContext<FakeUser>;

  const requireApp = (caller: FakeUser) => {
    // GitHub: "You must authenticate via a GitHub App." for personal and OAuth tokens.
    if (caller.type !== "Bot") throw new RouteError(403, "You must authenticate via a GitHub App.");
  };

  const apply = (run: FakeCheckRun, input: Record<string, unknown>) => {
    if (input.output !== undefined) {
      const output = input.output as Record<string, unknown>;
      if (typeof output.title !== "string" || typeof output.summary !== "string") {
        throw invalid("output", 'Invalid request.\n\n"title", "summary" weren\'t supplied.');
      }
      const annotations = readAnnotations(output);
      run.output = { title: output.title, summary: output.summary };
      run.annotations.push(...annotations);
      run.annotationRequests.push(annotations.length);
    }
    if (input.details_url !== undefined) run.detailsUrl = String(input.details_url);
    if (input.status !== undefined) {
      if (typeof input.status !== "string" || !STATUSES.has(input.status)) {
        throw invalid("status", "status is not included in the list");
      }
      run.status = input.status as FakeCheckRun["status"];
    }
    if (input.conclusion !== undefined) {
      if (typeof input.conclusion !== "string" || !CONCLUSIONS.has(input.conclusion)) {
        throw invalid("conclusion", "conclusion is not included in the list");
      }
      // Giving a conclusion completes the run.
      run.conclusion = input.conclusion;
      run.status = "completed";
    }
    if (run.status === "completed" && run.conclusion === null) {
      throw invalid("conclusion", "Invalid request.\n\nconclusion is required when status is completed.");
    }
    if (run.conclusion === "action_required" && run.detailsUrl === undefined) {
      throw invalid("details_url", "details_url is required when conclusion is action_required");
    }
    if (run.status === "completed" && run.completedAt === null) run.completedAt = new Date().toISOString();
  };

  const checkRunJson = (run: FakeCheckRun) => {
    const url = `${api()}/repos/${run.repo}/check-runs/${run.id}`;
    const bot = user(run.creator.login, run.creator.type);
    return {
      id: run.id,
      "head_sha": run.headSha,
      "node_id": `CR_${fakeSha(String(run.id)).slice(0, 12)}`,
      "external_id": "",
      url,
      "html_url": `https://github.com/${run.repo}/runs/${run.id}`,
      "details_url": run.detailsUrl ?? null,
      status: run.status,
      conclusion: run.conclusion,
      "started_at": run.startedAt,
      "completed_at": run.completedAt,
      output: {
        title: run.output?.title ?? null,
        summary: run.output?.summary ?? null,
        text: null,
        "annotations_count": run.annotations.length,
        "annotations_url": `${url}/annotations`,
      },
      name: run.name,
      "check_suite": { id: run.checkSuiteId },
      app: {
        id: 1,
        slug: run.creator.login.replace(/\[bot\]$/, ""),
        "node_id": "A_1",
        owner: bot,
        name: run.creator.login.replace(/\[bot\]$/, ""),
        description: null,
        "external_url": "https://loom.example",
        "html_url": `https://github.com/apps/${run.creator.login.replace(/\[bot\]$/, "")}`,
        "created_at": run.startedAt,
        "updated_at": run.startedAt,
        permissions: { checks: "write" },
        events: [],
      },
      "pull_requests": [],
    };
  };

  return {
    /** `GET /repos/{o}/{r}/commits/{ref}/check-runs`: by name and status; `filter=latest` keeps the newest per name. */
    listForRef(context: Context) {
      const repo = `${context.params.owner}/${context.params.repo}`;
      const search = context.url.searchParams;
      let runs = state.checkRuns.filter((run) =>
        run.repo === repo && run.headSha === context.params.ref &&
        (search.get("check_name") === null || run.name === search.get("check_name")) &&
        (search.get("status") === null || run.status === search.get("status"))
      );
      if (search.get("filter") !== "all") {
        // GitHub's default: the most recent run of each name.
        const newest = new Map<string, FakeCheckRun>();
        for (const run of state.checkRuns) {
          if (run.repo === repo && run.headSha === context.params.ref) newest.set(run.name, run);
        }
        runs = runs.filter((run) => newest.get(run.name) === run);
      }
      return json(200, { "total_count": runs.length, "check_runs": runs.map(checkRunJson) });
    },
    create(context: Context) {
      requireApp(context.caller);
      const input = (context.body ?? {}) as Record<string, unknown>;
      if (typeof input.name !== "string" || input.name === "") throw invalid("name", "name wasn't supplied");
      if (typeof input.head_sha !== "string" || !/^[0-9a-f]{40}$/.test(input.head_sha)) {
        throw invalid("head_sha", "head_sha wasn't supplied or is not a commit sha");
      }
      const id = store.nextId();
      const run: FakeCheckRun = {
        id,
        repo: `${context.params.owner}/${context.params.repo}`,
        headSha: input.head_sha,
        name: input.name,
        status: "queued",
        conclusion: null,
        startedAt: typeof input.started_at === "string" ? input.started_at : new Date().toISOString(),
        completedAt: null,
        annotations: [],
        annotationRequests: [],
        creator: context.caller,
        checkSuiteId: id + 1,
      };
      apply(run, input);
      state.checkRuns.push(run);
      return json(201, checkRunJson(run));
    },
    update(context: Context) {
      requireApp(context.caller);
      const repo = `${context.params.owner}/${context.params.repo}`;
      const run = state.checkRuns.find((item) => item.id === Number(context.params.id) && item.repo === repo);
      if (run === undefined) throw new RouteError(404, "Not Found");
      apply(run, (context.body ?? {}) as Record<string, unknown>);
      return json(200, checkRunJson(run));
    },
  };
}
