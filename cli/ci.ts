/**
 * Continuous-integration support for `review --post`: recognises GitHub Actions and GitLab CI from their
 * standard environment variables, and posts the local review to the pull request with the worker's own
 * decision (`lib/review/publish.ts`) — inline comments on diff lines with hidden fingerprints, the rest in a
 * summary, nothing posted twice.
 */
import type { ServerConfig } from "../lib/config/env.ts";
import type { Logger } from "../lib/log.ts";
import {
  createPlatformClient,
  listOwnComments,
  type PlatformId,
  type PullRequestRef,
} from "../lib/platforms/mod.ts";
import { planPublication, publishReview, renderPublication } from "../lib/review/publish.ts";
import type { ReviewTarget } from "./git.ts";
import type { ReportFinding, ReviewReport } from "./local_review.ts";

/** The pull request a CI job runs for. */
export interface CiContext {
  provider: "github_actions" | "gitlab_ci";
  platform: PlatformId;
  pr: PullRequestRef;
  /** The pull request's head commit; reviews are posted against it. */
  headSha: string;
  /** What to review when no mode was given on the command line. */
  defaultTarget: ReviewTarget;
  /** API root for `createPlatformClient` (GitHub: the REST root; GitLab: the instance root). */
  apiUrl: string;
  token?: string;
}

/** Reads a file the CI system wrote (GitHub's event payload); injected in tests. */
export type ReadTextFile = (path: string) => Promise<string>;

/**
 * Detects the CI system and the pull request from its environment.
 * @returns `null` outside GitHub Actions and GitLab CI
 * @throws {Error} inside CI when the job does not run for a pull request (a push or scheduled pipeline)
 */
export async function detectCi(
  env: Record<string, string | undefined>,
  readTextFile: ReadTextFile,
): Promise<CiContext | null> {
  if (env.GITHUB_ACTIONS === "true") return await detectGitHubActions(env, readTextFile);
  if (env.GITLAB_CI === "true") return detectGitLabCi(env);
  return null;
}

async function detectGitHubActions(
  env: Record<string, string | undefined>,
  readTextFile: ReadTextFile,
): Promise<CiContext> {
  const repo = env.GITHUB_REPOSITORY;
  let number: number | undefined;
  let headSha: string | undefined;
  let baseRef = env.GITHUB_BASE_REF || undefined;
  if (env.GITHUB_EVENT_PATH) {
    let event: { pull_request?: { number?: number; head?: { sha?: string }; base?: { ref?: string } } };
    try {
      event = JSON.parse(await readTextFile(env.GITHUB_EVENT_PATH));
    } catch (error) {
      throw new Error(
        `Cannot read GITHUB_EVENT_PATH "${env.GITHUB_EVENT_PATH}": ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    number = event.pull_request?.number;
    headSha = event.pull_request?.head?.sha;
    baseRef = event.pull_request?.base?.ref ?? baseRef;
  }
  number ??= Number(/^refs\/pull\/(\d+)\//.exec(env.GITHUB_REF ?? "")?.[1]) || undefined;
  if (repo === undefined || number === undefined || baseRef === undefined) {
    throw new Error(
      `Cannot post from GitHub Actions: the workflow does not run for a pull request: GITHUB_EVENT_NAME is "${
        env.GITHUB_EVENT_NAME ?? ""
      }"; use the pull_request event`,
    );
  }
  return {
    provider: "github_actions",
    platform: "github",
    pr: { platform: "github", repo, number },
    headSha: headSha ?? env.GITHUB_SHA ?? "HEAD",
    defaultTarget: { kind: "base", base: `origin/${baseRef}` },
    apiUrl: env.GITHUB_API_URL || "https://api.github.com",
    token: env.LOOM_GITHUB_TOKEN || env.GITHUB_TOKEN || undefined,
  };
}

function detectGitLabCi(env: Record<string, string | undefined>): CiContext {
  const iid = Number(env.CI_MERGE_REQUEST_IID);
  const repo = env.CI_MERGE_REQUEST_PROJECT_PATH || env.CI_PROJECT_PATH;
  if (!Number.isInteger(iid) || iid <= 0 || !repo) {
    throw new Error(
      `Cannot post from GitLab CI: the pipeline does not run for a merge request: CI_PIPELINE_SOURCE is "${
        env.CI_PIPELINE_SOURCE ?? ""
      }"; add a merge_request_event rule`,
    );
  }
  const base = env.CI_MERGE_REQUEST_DIFF_BASE_SHA ||
    (env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME
      ? `origin/${env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME}`
      : "origin/HEAD");
  return {
    provider: "gitlab_ci",
    platform: "gitlab",
    pr: { platform: "gitlab", repo, number: iid },
    headSha: env.CI_MERGE_REQUEST_SOURCE_BRANCH_SHA || env.CI_COMMIT_SHA || "HEAD",
    defaultTarget: { kind: "base", base },
    apiUrl: env.CI_SERVER_URL || "https://gitlab.com",
    token: env.LOOM_GITLAB_TOKEN || env.GITLAB_TOKEN || undefined,
  };
}

/** What `postToPullRequest` did. */
export interface PostOutcome {
  posted: boolean;
  inline: number;
  summary: number;
  /** Findings an earlier run already posted. */
  alreadyPosted: number;
}

/** Options for `postToPullRequest`. */
export interface PostOptions {
  server: ServerConfig;
  fetch?: typeof fetch;
  /** Receives the platform client's request logs; they must not reach stdout, which holds the report. */
  log: Logger;
}

/**
 * Posts `report` to the pull request as one review, deciding what to post exactly as the worker does: findings
 * on diff lines inline (most severe first, up to `output.max_comments`), the rest in the summary. Findings a
 * previous run posted inline (same fingerprint) and a summary for the same head are not posted again, so
 * re-running a CI job is harmless; findings that lived only in the previous summary are kept, because the new
 * summary replaces it on GitLab.
 * @throws {PlatformError} when the platform rejects a call
 * @throws {Error} when no token is available
 */
export async function postToPullRequest(
  context: CiContext,
  report: ReviewReport,
  options: PostOptions,
): Promise<PostOutcome> {
  const server: ServerConfig = context.platform === "github"
    ? { ...options.server, githubApiUrl: context.apiUrl }
    : { ...options.server, gitlabUrl: context.apiUrl };
  const client = createPlatformClient(context.platform, server, {
    token: context.token,
    fetch: options.fetch,
    log: options.log,
  });
  const { output } = report.loaded.config;
  const withoutFlag = ({ inDiff: _inDiff, ...finding }: ReportFinding) => finding;
  const publication = planPublication({
    platform: client.platform,
    headSha: context.headSha,
    output,
    anchored: report.findings.filter((finding) => finding.inDiff).map(withoutFlag),
    unanchored: report.findings.filter((finding) => !finding.inDiff).map(withoutFlag),
    existing: await listOwnComments(client, context.pr),
    outcome: report.outcome,
  });
  if (publication.alreadySummarised) {
    return { posted: false, inline: 0, summary: 0, alreadyPosted: report.findings.length };
  }
  const summary = renderPublication(publication, {
    filesReviewed: report.filesReviewed,
    skippedFiles: report.skippedFiles,
    steps: report.steps.map((step) => ({
      name: step.name,
      model: step.model ?? undefined,
      inputTokens: step.inputTokens,
      cachedInputTokens: step.cachedInputTokens,
      outputTokens: step.outputTokens,
      error: step.error ?? undefined,
      costUsd: step.costUsd,
    })),
    costUsd: report.costUsd,
    grouping: output.grouping,
  });
  const posted = await publishReview(client, context.pr, publication, { summary, files: report.files });
  return {
    posted,
    inline: posted ? publication.inline.length : 0,
    summary: posted ? publication.summaryFindings.length : 0,
    alreadyPosted: publication.alreadyPosted,
  };
}
