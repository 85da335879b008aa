/**
 * What the end-to-end review tests of all five platforms share: one pull request changing `src/cache.ts`, a fake
 * model that finds one problem on an added line and one on a line the diff does not show, a fresh database with
 * the repository connected under an encrypted webhook secret, and helpers to wait for the worker.
 */
import assert from "node:assert/strict";
import { sql } from "../../lib/db/mod.ts";
import { createRepo, type Repo } from "../../lib/db/repos.ts";
import { createSecretBox } from "../../lib/crypto/secret_box.ts";
import type { PlatformId } from "../../lib/platforms/types.ts";
import { type FakeLlmRequest, type FakeLlmServer, type FakeReply, startFakeOpenAI } from "../fakes/openai.ts";
import { type GitDiffResult, makeGitDiff } from "../fakes/git_diff.ts";
import { createE2eDatabase, type E2eDatabase, type LoomProcess, waitFor } from "./loom_process.ts";

/** `LOOM_SECRET_KEY` of the Loom process, which encrypts the repository's webhook secret. */
export const E2E_SECRET_KEY = "e2e-secret-key-e2e-secret-key-0123456789abc";
/** The one file the pull request changes. */
export const REVIEWED_PATH = "src/cache.ts";

/** The file on the base branch. */
export const BASE_SOURCE = `export function cacheKey(user: string): string {
  return user;
}

export function ttlSeconds(): number {
  return 60;
}
`;

/** Line 10 (`i <= keys.length`) is an added line: the anchored finding lands there. */
export const HEAD_SOURCE = `export function cacheKey(user: string, tenant: string): string {
  return user + tenant;
}

export function ttlSeconds(): number {
  return 60 * 60 * 24 * 365;
}

export function evict(keys: string[]) {
  for (let i = 0; i <= keys.length; i++) delete store[keys[i]];
}
`;

/** A second push: the first head plus `flushAll`, whose line 14 gets a new finding. */
export const SECOND_HEAD_SOURCE = `${HEAD_SOURCE}
export function flushAll() {
  store = undefined;
}
`;

/** Titles of the findings `findingsReply` reports: on line 10, on line 200 (outside the diff), on line 14. */
export const ANCHORED_TITLE = "Off-by-one in evict loop";
export const UNANCHORED_TITLE = "Document the TTL choice";
export const SECOND_PUSH_TITLE = "flushAll leaves the store undefined";

/**
 * What the model "finds": one problem on an added line (with a suggestion), one on a line the diff does not
 * show, and — once the diff contains `flushAll` — one more on the second push's new line.
 */
export function findingsReply(request: FakeLlmRequest): FakeReply {
  if (!request.structured) return "ok";
  const findings: Record<string, unknown>[] = [
    {
      path: REVIEWED_PATH,
      line: 10,
      side: "RIGHT",
      severity: "warning",
      title: ANCHORED_TITLE,
      body: "`i <= keys.length` reads one past the end; use `<`.",
      suggestion: "  for (let i = 0; i < keys.length; i++) delete store[keys[i]];",
    },
    {
      path: REVIEWED_PATH,
      line: 200,
      side: "RIGHT",
      severity: "info",
      title: UNANCHORED_TITLE,
      body: "A one-year TTL deserves a comment explaining why.",
    },
  ];
  if (request.messages.some((message) => message.content.includes("flushAll"))) {
    findings.push({
      path: REVIEWED_PATH,
      line: 14,
      side: "RIGHT",
      severity: "warning",
      title: SECOND_PUSH_TITLE,
      body: "Later reads will throw; clear the entries instead.",
    });
  }
  return { json: { findings }, usage: { inputTokens: 1200, outputTokens: 150 } };
}

export interface ReviewE2eOptions {
  dialect: "sqlite" | "postgres";
  platform: PlatformId;
  /** The repository's full name as the platform spells it. */
  fullName: string;
  /** Stored encrypted on the repository row, as `deno task repo:add` does. */
  webhookSecret: string;
  reply?: (request: FakeLlmRequest) => FakeReply | Promise<FakeReply>;
}

export interface ReviewE2e extends AsyncDisposable {
  database: E2eDatabase;
  openai: FakeLlmServer;
  /** Base → first head of `src/cache.ts`. */
  diff: GitDiffResult;
  repo: Repo;
  /** The webhook URL the platform would be configured with (`/api/webhooks/<platform>?repo=<id>`). */
  webhookPath: string;
  /** Environment for the Loom process: database, secret key, model and fast polling; add the platform's own. */
  env: Record<string, string>;
}

/** A fresh database with the repository connected, a fake model, and the pull request's diff. */
export async function setupReviewE2e(options: ReviewE2eOptions): Promise<ReviewE2e> {
  const database = await createE2eDatabase(options.dialect);
  let started: FakeLlmServer | undefined;
  try {
    const openai = started = await startFakeOpenAI({ reply: options.reply ?? findingsReply });
    const diff = await makeGitDiff({ [REVIEWED_PATH]: { base: BASE_SOURCE, head: HEAD_SOURCE } });
    const box = await createSecretBox(E2E_SECRET_KEY);
    const repo = await createRepo(database.db, {
      platform: options.platform,
      fullName: options.fullName,
      webhookSecret: await box.encrypt(options.webhookSecret),
    });
    return {
      database,
      openai,
      diff,
      repo,
      webhookPath: `/api/webhooks/${options.platform}?repo=${repo.id}`,
      env: {
        LOOM_DATABASE_URL: database.url,
        LOOM_SECRET_KEY: E2E_SECRET_KEY,
        LOOM_LLM_PROVIDER: "openai",
        LOOM_LLM_MODEL: "gpt-4o-mini",
        LOOM_LLM_BASE_URL: openai.url,
        LOOM_LLM_API_KEY: "sk-e2e",
        LOOM_POLL_INTERVAL_MS: "100",
        // Long enough that a heartbeat delayed by a busy machine (a whole suite on two cores) does not hand a
        // running review to a second claim; tests of a killed worker shorten it for the process they kill.
        LOOM_JOB_LEASE_MS: "6000",
      },
      async [Symbol.asyncDispose]() {
        await openai.close();
        await database[Symbol.asyncDispose]();
      },
    };
  } catch (error) {
    await started?.close();
    await database[Symbol.asyncDispose]();
    throw error;
  }
}

/** The base → second head diff for a second push. */
export async function secondPushDiff(): Promise<GitDiffResult> {
  return await makeGitDiff({ [REVIEWED_PATH]: { base: BASE_SOURCE, head: SECOND_HEAD_SOURCE } });
}

/** Posts a webhook body to Loom exactly as given and returns the status and JSON answer. */
export async function postWebhook(
  loom: LoomProcess,
  path: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: { status?: string; outcome?: string; message?: string } }> {
  const response = await fetch(`${loom.url}${path}`, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  return { status: response.status, body: await response.json() };
}

/** Every job's state, oldest first. */
export async function jobStates(context: ReviewE2e): Promise<{ status: string; attempts: number }[]> {
  const rows = await context.database.db.query<{ status: string; attempts: number }>(
    sql`select status, attempts from jobs order by id`,
  );
  return rows.map((row) => ({ status: row.status, attempts: Number(row.attempts) }));
}

/** Waits until `count` jobs exist and all of them completed; fails with the process logs otherwise. */
export async function waitForCompletedJobs(
  context: ReviewE2e,
  loom: LoomProcess,
  count: number,
  describe: () => string = () => "",
): Promise<void> {
  let jobs: { status: string; attempts: number }[] = [];
  await waitFor(
    async () => {
      jobs = await jobStates(context);
      return jobs.length === count && jobs.every((job) => job.status === "completed") ? true : undefined;
    },
    () =>
      `${count} completed job(s) expected, jobs are ${JSON.stringify(jobs)} ${describe()}\n${loom.logs()}`,
  );
}

/** The stored review rows, oldest first. */
export async function reviewRows(context: ReviewE2e) {
  const rows = await context.database.db.query<
    { status: string; headSha: string; findingsCount: number; inputTokens: number }
  >(sql`select status, head_sha, findings_count, input_tokens from reviews order by id`);
  return rows.map((row) => ({
    status: row.status,
    headSha: row.headSha,
    findingsCount: Number(row.findingsCount),
    inputTokens: Number(row.inputTokens),
  }));
}

/**
 * Whether a posted body is part of a review (an inline finding or the summary) by its hidden markers; other
 * comments Loom writes, such as progress notes, do not count.
 */
export function isReviewBody(body: string): boolean {
  return /<!-- loom:(?:fp=[0-9a-f]+|summary) -->/.test(body);
}

/** The diff from the first head to the second, what a platform's comparison of the two pushes answers. */
export async function pushComparisonDiff(): Promise<string> {
  return (await makeGitDiff({ [REVIEWED_PATH]: { base: HEAD_SOURCE, head: SECOND_HEAD_SOURCE } })).diff;
}

/**
 * Zero repeats after the second push, on any platform: Loom's review bodies as they stand now (inline comments,
 * review bodies, summaries — an edited summary once, with its latest text) name each of the three findings exactly
 * once, and mark each fingerprint exactly once. To apply it to a platform, push `SECOND_HEAD_SOURCE` after the
 * first review, register `pushComparisonDiff()` (or the commits) with the platform's fake, and pass the bodies of
 * the fake's comments that `isReviewBody` keeps.
 */
export function assertNoFindingRepeated(bodies: readonly string[]): void {
  for (const title of [ANCHORED_TITLE, UNANCHORED_TITLE, SECOND_PUSH_TITLE]) {
    const places = bodies.filter((body) => body.includes(title));
    assert.equal(
      places.length,
      1,
      `"${title}" is listed once on the pull request, not ${places.length} times`,
    );
    assert.equal(places[0]!.split(title).length, 2, `"${title}" is listed once in its comment`);
  }
  const marked = bodies.flatMap((body) =>
    [...body.matchAll(/<!-- loom:fp=([0-9a-f]+) -->/g)].map((m) => m[1])
  );
  assert.equal(marked.length, 3, `three fingerprints marked, got ${marked.length}`);
  assert.equal(new Set(marked).size, marked.length, "no fingerprint is marked twice");
}

/** The summary of the second push says it reviewed only the changes since the first head. */
export function assertIncrementalSummary(summary: string, firstHead: string): void {
  assert.match(
    summary,
    new RegExp(`Only the changes since the last reviewed commit ${firstHead.slice(0, 12)}`),
  );
}
