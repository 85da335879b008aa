/**
 * Reviews a local git repository with the same pipeline the worker runs: configuration from the repository,
 * diff from git, steps from `lib/review/engine.ts`, anchoring from `lib/review/anchor.ts`, and the verdict from
 * the configuration's `output` rules.
 */
import type { ServerConfig } from "../lib/config/env.ts";
import { CONFIG_PATH } from "../lib/config/errors.ts";
import { type LoadedConfig, resolveRepoConfig } from "../lib/config/load.ts";
import type { ResolvedModel } from "../lib/config/models.ts";
import { decideReviewEvent, pipelineSteps } from "../lib/review/policy.ts";
import type { ReviewStepRecord } from "../lib/db/reviews.ts";
import { type DiffFile, parseDiff } from "../lib/diff/mod.ts";
import type { LlmClient, LlmProviderId, TokenUsage } from "../lib/llm/mod.ts";
import type { ReviewEvent } from "../lib/platforms/mod.ts";
import { anchorFindings } from "../lib/review/anchor.ts";
import { runPipeline } from "../lib/review/engine.ts";
import { type Finding, SEVERITY_RANK } from "../lib/findings.ts";
import { decideRunOutcome, outcomeEvent, type RunOutcome } from "../lib/review/outcome.ts";
import { skipReason } from "../lib/review/skip.ts";
import {
  configRef,
  createFileReader,
  describeTarget,
  type Git,
  headRef,
  readDiff,
  resolveRevision,
  type ReviewTarget,
  revisionExists,
} from "./git.ts";

/** Exit code when a step failed: the review is partial (without `--allow-partial`) or nothing was reviewed. */
export const EXIT_STEP_FAILED = 3;

/** A finding as the command line reports it. */
export interface ReportFinding extends Finding {
  /** False when the line is not part of the diff; a pull request would show it in the summary. */
  inDiff: boolean;
}

/** Everything one local review produced; every output format renders this. */
export interface ReviewReport {
  /** Human description of what was reviewed ("changes since main"). */
  target: string;
  /** Where the configuration came from: `repository` (at `configRef`) or Loom's `default`. */
  configSource: LoadedConfig["source"];
  /** `(working tree)` or the ref the configuration was read at. */
  configRef: string;
  filesReviewed: number;
  skippedFiles: { path: string; reason: string }[];
  /** Sorted by path, then line. */
  findings: ReportFinding[];
  steps: ReviewStepRecord[];
  verdict: ReviewEvent | null;
  /** Whether every step ran (`completed`), some failed (`partial`) or none ran (`failed`). */
  outcome: RunOutcome;
  /**
   * 3 when a step failed (unless `allowPartial` and some step ran), else 1 when the configuration's
   * `request_changes_on` rule was met, else 0.
   */
  exitCode: 0 | 1 | 3;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  /** The parsed diff, for posting and for renderers that show code. */
  files: DiffFile[];
  loaded: LoadedConfig;
}

/** Options for `reviewLocal`. */
export interface ReviewLocalOptions {
  git: Git;
  target: ReviewTarget;
  server: ServerConfig;
  createLlm(model: ResolvedModel): LlmClient;
  costOf?(provider: LlmProviderId, model: string, usage: TokenUsage): number;
  /** Progress: called once the diff and configuration are ready, and as each step finishes. */
  onStart?(info: { files: number; skipped: number; steps: string[]; target: string }): void;
  onStep?(record: ReviewStepRecord): void;
  signal?: AbortSignal;
  /** Title given to the model; defaults to the last commit's subject. */
  title?: string;
  /** A partial review exits by its findings instead of with 3. */
  allowPartial?: boolean;
}

/**
 * Reviews `target` in the repository.
 * @throws {ConfigError} when `.loom/config.yaml` is invalid or names a model the environment does not allow
 * @throws {Error} when git fails (unknown ref, not a repository)
 */
export async function reviewLocal(options: ReviewLocalOptions): Promise<ReviewReport> {
  const { git, target, server } = options;
  const ref = configRef(target);
  const read = createFileReader(git, ref);
  const text = await read(CONFIG_PATH);
  const loaded = await resolveRepoConfig(text, read, {
    ref: ref ?? "(working tree)",
    server,
    location: ref === null ? `in the working tree of ${git.root}` : `at "${ref}"`,
  });
  const files = parseDiff(await readDiff(git, target));
  const title = options.title ?? await lastCommitSubject(git);
  const skipped = files.filter((file) => skipReason(file) !== null).length;
  options.onStart?.({
    files: files.length - skipped,
    skipped,
    steps: pipelineSteps(loaded.config).map((step) => step.name),
    target: describeTarget(target),
  });
  const head = headRef(target);
  const headSha = await revisionExists(git, head || "HEAD")
    ? await resolveRevision(git, head || "HEAD")
    : undefined;
  const result = await runPipeline({
    loaded,
    files,
    title,
    server,
    headSha,
    readHeadFile: createFileReader(git, head),
    createLlm: options.createLlm,
    costOf: options.costOf,
    signal: options.signal ?? new AbortController().signal,
    onStep: options.onStep,
  });
  const { inline, unanchored } = anchorFindings(result.findings, files);
  const findings: ReportFinding[] = [
    ...inline.map((finding) => ({ ...finding, inDiff: true })),
    ...unanchored.map((finding) => ({ ...finding, inDiff: false })),
  ].sort(byLocation);
  const steps = result.runs.map((run) => run.record);
  const outcome = decideRunOutcome(steps);
  const verdict = outcomeEvent(
    outcome,
    decideReviewEvent(loaded.config.output, findings.map((finding) => finding.severity)),
    true,
  );
  const stepFailed = outcome.status === "failed" || (outcome.status === "partial" && !options.allowPartial);
  return {
    target: describeTarget(target),
    configSource: loaded.source,
    configRef: loaded.ref,
    filesReviewed: result.reviewable.length,
    skippedFiles: result.skippedFiles,
    findings,
    steps,
    verdict,
    outcome,
    exitCode: stepFailed ? EXIT_STEP_FAILED : verdict === "REQUEST_CHANGES" ? 1 : 0,
    inputTokens: steps.reduce((sum, step) => sum + step.inputTokens, 0),
    outputTokens: steps.reduce((sum, step) => sum + step.outputTokens, 0),
    costUsd: steps.reduce((sum, step) => sum + step.costUsd, 0),
    files,
    loaded,
  };
}

function byLocation(a: Finding, b: Finding): number {
  return a.path.localeCompare(b.path) || a.line - b.line ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] || a.title.localeCompare(b.title);
}

async function lastCommitSubject(git: Git): Promise<string> {
  const subject = await git.run(["log", "-1", "--format=%s"], { allowExitCodes: [128] });
  return subject.trim() || "Local changes";
}
