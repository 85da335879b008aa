/**
 * `deno task review` (or a binary built with `deno compile -A -o loom-review cli/review.ts`): reviews local
 * changes with the repository's `.loom/config.yaml` and the `LOOM_LLM_*` model settings, prints findings, and
 * exits 1 when the configuration would request changes, so it can gate a commit, a push or a CI job. A review
 * whose steps did not all run is never a pass: it exits 3 (`--allow-partial` lets a partial one exit by its
 * findings; one where no step ran always exits 3).
 * Progress goes to stderr, results to stdout.
 */
import { isAbsolute, join } from "node:path";
import { loadServerConfig } from "../lib/config/env.ts";
import { ConfigError } from "../lib/config/errors.ts";
import type { ReviewStepRecord } from "../lib/db/reviews.ts";
import { parseReviewArgs, REVIEW_USAGE, type ReviewArgs } from "./args.ts";
import { type CiContext, detectCi, type PostOptions, postToPullRequest } from "./ci.ts";
import { openGit } from "./git.ts";
import { type CommandIo, createCliModels, processIo, stderrLogger, wantsColor } from "./io.ts";
import { reviewLocal, type ReviewReport } from "./local_review.ts";
import { describeOutcome } from "../lib/review/outcome.ts";
import { renderJson } from "./output/json.ts";
import { renderMarkdown } from "./output/markdown.ts";
import { renderSarif } from "./output/sarif.ts";
import { renderTerminal } from "./output/terminal.ts";

/** Exit code for usage, configuration, git, model or platform errors. */
export const EXIT_ERROR = 2;

/**
 * Runs the review command and returns its exit code: 0 (no changes requested), 1 (the configuration's
 * `request_changes_on` rule was met), 2 (error, reported on stderr) or 3 (a step failed).
 */
export async function runReviewCommand(io: CommandIo): Promise<number> {
  let args: ReviewArgs;
  try {
    args = parseReviewArgs(io.args);
  } catch (error) {
    await io.stderr.write(`${(error as Error).message}\n\n${REVIEW_USAGE}\n`);
    return EXIT_ERROR;
  }
  if (args.help) {
    await io.stdout.write(`${REVIEW_USAGE}\n`);
    return 0;
  }
  const progress = (text: string) => args.quiet ? Promise.resolve() : io.stderr.write(`${text}\n`);
  try {
    const server = loadServerConfig(io.env);
    const log = stderrLogger(io);
    const ci = args.post ? await detectCi(io.env, io.readTextFile) : null;
    if (args.post && ci === null) {
      throw new Error(
        "Cannot post the review: not running in GitHub Actions (GITHUB_ACTIONS) or GitLab CI (GITLAB_CI)",
      );
    }
    const target = args.target ?? ci?.defaultTarget ?? { kind: "worktree" as const };
    // `deno task` runs in Loom's folder and passes the caller's folder as INIT_CWD: review the caller's repository.
    const invokedIn = io.env.INIT_CWD || io.cwd;
    const cwd = args.cwd === undefined
      ? invokedIn
      : isAbsolute(args.cwd)
      ? args.cwd
      : join(invokedIn, args.cwd);
    const git = await openGit(cwd);
    const models = createCliModels(server, log);
    const pending: Promise<void>[] = [];
    const report = await reviewLocal({
      git,
      target,
      server,
      ...models,
      signal: io.signal,
      allowPartial: args.allowPartial,
      onStart: (info) => {
        if (info.files === 0) {
          pending.push(
            progress(`Nothing to review in ${info.target}${info.skipped > 0 ? " (all files skipped)" : ""}`),
          );
          return;
        }
        pending.push(progress(
          `Reviewing ${info.target}: ${info.files} file${info.files === 1 ? "" : "s"}` +
            `${info.skipped > 0 ? ` (${info.skipped} skipped)` : ""} with ${
              info.steps.join(", ") || "no steps"
            }`,
        ));
      },
      // Steps without files make no model call; their "skipped" lines would only be noise.
      onStep: (record) => {
        if (record.status !== "skipped" || record.error) pending.push(progress(stepLine(record)));
      },
    });
    await Promise.all(pending);
    await io.stdout.write(render(report, args, wantsColor(io)));
    const failure = describeOutcome(report.outcome);
    // Said even with --quiet: a review that did not run every step must not pass unnoticed.
    if (failure !== null) await io.stderr.write(`loom review: ${failure}\n`);
    if (ci !== null) await post(io, ci, report, { server, log }, progress);
    return report.exitCode;
  } catch (error) {
    const message = error instanceof ConfigError ? error.toText() : (error as Error).message;
    await io.stderr.write(`loom review: ${message}\n`);
    return EXIT_ERROR;
  }
}

function stepLine(record: ReviewStepRecord): string {
  const mark = record.status === "completed" ? "✓" : record.status === "failed" ? "✗" : "-";
  const model = record.model === null ? "" : ` · ${record.provider}/${record.model}`;
  const detail = record.status === "completed"
    ? ` · ${record.inputTokens} in / ${record.outputTokens} out · ${(record.durationMs / 1000).toFixed(1)}s`
    : record.error
    ? ` · ${record.error}`
    : " · no matching files";
  return `  ${mark} ${record.name}${model}${detail}`;
}

function render(report: ReviewReport, args: ReviewArgs, color: boolean): string {
  switch (args.format) {
    case "json":
      return renderJson(report);
    case "markdown":
      return renderMarkdown(report);
    case "sarif":
      return renderSarif(report);
    case "terminal":
      return renderTerminal(report, { color });
  }
}

async function post(
  io: CommandIo,
  ci: CiContext,
  report: ReviewReport,
  options: Omit<PostOptions, "fetch">,
  progress: (text: string) => Promise<void>,
): Promise<void> {
  const outcome = await postToPullRequest(ci, report, { ...options, fetch: io.fetch });
  const where = `${ci.pr.repo}#${ci.pr.number}`;
  await progress(
    outcome.posted
      ? `Posted to ${where}: ${outcome.inline} inline, ${outcome.summary} in the summary` +
        (outcome.alreadyPosted > 0 ? `, ${outcome.alreadyPosted} already posted` : "")
      : `Nothing new to post to ${where}`,
  );
}

if (import.meta.main) Deno.exit(await runReviewCommand(processIo()));
