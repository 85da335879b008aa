/**
 * A review environment for fault tests, in one process: a migrated database, a fake GitHub with one pull
 * request, a fake OpenAI-compatible model, the repository row, and the real review task run by the real worker
 * loop (`runWorker`). Faults are injected at the fakes' HTTP boundary, never by patching Loom.
 */
import { sql } from "../../lib/db/mod.ts";
import type { Db } from "../../lib/db/mod.ts";
import { createRepo, type Repo } from "../../lib/db/repos.ts";
import { loadServerConfig, type ServerConfig } from "../../lib/config/env.ts";
import { createLogger, type Logger } from "../../lib/log.ts";
import { createReviewDeps } from "../../lib/runtime.ts";
import { createLoomMetrics, type LoomMetrics } from "../../lib/metrics.ts";
import { enqueue, type TaskPayloads } from "../../lib/queue/mod.ts";
import { runWorker } from "../../worker/run_worker.ts";
import { createTasks } from "../../worker/tasks/mod.ts";
import { FAKE_GITHUB_TOKEN, type FakeGitHub, startFakeGitHub } from "../fakes/github.ts";
import { type FakeLlmRequest, type FakeLlmServer, type FakeReply, startFakeOpenAI } from "../fakes/openai.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";

export const REPO = "octo-org/fault-service";
export const BASE = "export function add(a: number, b: number) {\n  return a + b;\n}\n";
const HEAD = "export function add(a: number, b: number) {\n  return a - b;\n}\n";

/** The model's answer when the fault is over: one finding on the changed line. */
export function findings(request: FakeLlmRequest): FakeReply {
  if (!request.structured) return "ok";
  return {
    json: {
      findings: [{
        path: "src/math.ts",
        line: 2,
        side: "RIGHT",
        severity: "blocker",
        title: "Subtraction in add()",
        body: "`add` subtracts.",
      }],
    },
    usage: { inputTokens: 300, outputTokens: 40 },
  };
}

export interface ReviewEnv extends AsyncDisposable {
  db: Db;
  github: FakeGitHub;
  openai: FakeLlmServer;
  repo: Repo;
  /** The server configuration the worker runs with (fake GitHub and fake OpenAI). */
  config: ServerConfig;
  metrics: LoomMetrics;
  /** Warnings and errors the worker logged, as parsed JSON lines. */
  logs: Record<string, unknown>[];
  /** Enqueues the review of the pull request (head of the generated diff). */
  enqueueReview(maxAttempts?: number): Promise<number>;
  /** Runs the worker until `done()` says so (checked every 50 ms), then stops it and waits for it. */
  runUntil(
    done: () => Promise<boolean>,
    options?: {
      jobTimeoutMs?: number;
      timeoutMs?: number;
      concurrency?: number;
      cancelPollMs?: number;
      leaseMs?: number;
    },
  ): Promise<void>;
  job(id: number): Promise<{ status: string; attempts: number; error: string | null }>;
}

export async function createReviewEnv(
  db: Db,
  reply: (request: FakeLlmRequest) => FakeReply | Promise<FakeReply>,
): Promise<ReviewEnv> {
  const github = startFakeGitHub();
  const openai = await startFakeOpenAI({ reply });
  const diff = await makeGitDiff({ "src/math.ts": { base: BASE, head: HEAD } });
  github.state.addPullRequest({
    repo: REPO,
    number: 7,
    title: "Fix add",
    author: "ada",
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    baseRef: "main",
    headRef: "fix",
    diff: diff.diff,
    files: { "src/math.ts": { base: BASE, head: HEAD } },
  });
  const repo = await createRepo(db, { platform: "github", fullName: REPO, webhookSecret: "unused" });
  const config = loadServerConfig({
    LOOM_SECRET_KEY: "fault-secret-key-fault-secret-key-0123456789",
    LOOM_GITHUB_API_URL: github.url,
    LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
    LOOM_LLM_PROVIDER: "openai",
    LOOM_LLM_MODEL: "gpt-4o-mini",
    LOOM_LLM_BASE_URL: openai.url,
    LOOM_LLM_API_KEY: "sk-fault",
    LOOM_LLM_CACHE_TTL_MS: "0",
  });
  const logs: Record<string, unknown>[] = [];
  const log: Logger = createLogger({ level: "warn", write: (line) => logs.push(JSON.parse(line)) });
  const metrics = createLoomMetrics({ db });
  const payload: TaskPayloads["review_pull_request"] = {
    platform: "github",
    repoId: repo.id,
    repo: REPO,
    number: 7,
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    baseRef: "main",
    headRef: "fix",
    title: "Fix add",
    author: "ada",
    authorIsBot: false,
    draft: false,
    action: "opened",
  };
  return {
    db,
    github,
    openai,
    repo,
    config,
    metrics,
    logs,
    async enqueueReview(maxAttempts = 3) {
      const result = await enqueue(db, "review_pull_request", payload, {
        maxAttempts,
        dedupeKey: `review:github:${REPO}#7@${diff.headSha}`,
      });
      return result.id;
    },
    async runUntil(done, options = {}) {
      const stop = new AbortController();
      const worker = runWorker({
        db,
        log,
        tasks: createTasks(createReviewDeps(config, db, log, { metrics })),
        concurrency: options.concurrency ?? 1,
        cancelPollMs: options.cancelPollMs,
        leaseMs: options.leaseMs ?? 2_000,
        jobTimeoutMs: options.jobTimeoutMs ?? 30_000,
        pollIntervalMs: 50,
        shutdownGraceMs: 1_000,
        signal: stop.signal,
        metrics,
      });
      const deadline = Date.now() + (options.timeoutMs ?? 60_000);
      try {
        while (!(await done())) {
          if (Date.now() > deadline) {
            throw new Error(`Fault scenario did not settle: ${JSON.stringify(logs)}`);
          }
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      } finally {
        stop.abort();
        await worker;
      }
    },
    async job(id) {
      const [row] = await db.query<{ status: string; attempts: number; error: string | null }>(
        sql`select status, attempts, error from jobs where id = ${id}`,
      );
      return { status: row!.status, attempts: Number(row!.attempts), error: row!.error };
    },
    async [Symbol.asyncDispose]() {
      await openai.close();
      await github.close();
    },
  };
}
