/** Realistic dashboard data for browser and security tests: repositories, finished reviews with steps and findings. */
import type { Db } from "../../lib/db/mod.ts";
import { createRepo, type Repo } from "../../lib/db/repos.ts";
import { finishReview, recordFindings, recordReviewStep, startReview } from "../../lib/db/reviews.ts";
import type { PlatformId } from "../../lib/platforms/types.ts";
import { claim, complete, enqueue, fail, PermanentJobError } from "../../lib/queue/mod.ts";

const DAY = 86_400_000;

export async function seedRepo(
  db: Db,
  input: { platform?: PlatformId; fullName: string; organizationId?: number | null },
): Promise<Repo> {
  return await createRepo(db, {
    platform: input.platform ?? "github",
    fullName: input.fullName,
    webhookSecret: "not-encrypted-in-tests",
    organizationId: input.organizationId ?? null,
  });
}

export interface SeededReview {
  id: number;
  jobId: number;
}

/** One finished review `daysAgo` days back, with two steps, findings and the job that ran it. */
export async function seedReview(
  db: Db,
  repo: Repo,
  input: {
    prNumber: number;
    title: string;
    author?: string;
    daysAgo?: number;
    status?: "completed" | "failed";
  },
): Promise<SeededReview> {
  const started = Date.now() - (input.daysAgo ?? 0) * DAY - 3 * 60_000;
  const at = (offsetMs: number) => () => started + offsetMs;
  const { id: jobId } = await enqueue(db, "review_pull_request", {
    platform: repo.platform,
    repoId: repo.id,
    repo: repo.fullName,
    number: input.prNumber,
    headSha: `sha${input.prNumber}abcdef0123`,
    baseSha: "base0123",
    baseRef: "main",
    headRef: `feature/${input.prNumber}`,
    title: input.title,
    author: input.author ?? "ada",
    authorIsBot: false,
    draft: false,
    action: "opened",
  }, { now: at(0) });
  const id = await startReview(db, {
    repoId: repo.id,
    prNumber: input.prNumber,
    headSha: `sha${input.prNumber}abcdef0123`,
    baseSha: "base0123",
    title: input.title,
    author: input.author ?? "ada",
    jobId,
  }, at(0));
  await recordReviewStep(db, id, {
    name: "security",
    provider: "openai",
    model: "gpt-4o-mini",
    status: "completed",
    inputTokens: 4200 + input.prNumber * 10,
    outputTokens: 610,
    costUsd: 0.0012,
    cached: false,
    durationMs: 8400,
    error: null,
  }, at(60_000));
  await recordReviewStep(db, id, {
    name: "style",
    provider: "anthropic",
    model: "claude-haiku",
    status: input.status === "failed" ? "failed" : "completed",
    inputTokens: 3900,
    outputTokens: 420,
    costUsd: 0.0021,
    cached: false,
    durationMs: 6100,
    error: input.status === "failed" ? "Anthropic returned 529: overloaded" : null,
  }, at(90_000));
  await recordFindings(db, id, [
    {
      step: "security",
      path: "src/auth/login.ts",
      line: 12,
      side: "RIGHT",
      severity: "blocker",
      title: "SQL injection in the user lookup",
      body: "The email is interpolated into the query. Use a parameterised query.",
      suggestion: "const user = await db.query(sql`select * from users where email = ${email}`);",
      fingerprint: `f1-${id}`,
      placement: "inline",
    },
    {
      step: "security",
      path: "src/auth/login.ts",
      line: 13,
      side: "RIGHT",
      severity: "warning",
      title: "Plain-text password comparison",
      body: "Compare password hashes in constant time instead of the raw password.",
      fingerprint: `f2-${id}`,
      placement: "inline",
    },
    {
      step: "style",
      path: "README.md",
      line: 4,
      side: "RIGHT",
      severity: "info",
      title: "Document the new rate limit",
      body: "Mention the login rate limit in the operations section.",
      fingerprint: `f3-${id}`,
      placement: "summary",
    },
  ], at(100_000));
  const finished = at(150_000 + (input.prNumber % 5) * 40_000);
  await finishReview(
    db,
    id,
    input.status === "failed"
      ? { status: "failed", error: "Step style failed: Anthropic returned 529: overloaded" }
      : {
        status: "completed",
        verdict: "REQUEST_CHANGES",
        summary: `## Loom review\n\n3 findings on ${input.title}.`,
      },
    finished,
  );
  const [job] = await claim(db, "seed-worker", { limit: 1, leaseMs: 60_000 });
  if (job && input.status === "failed") {
    await fail(
      db,
      job,
      "seed-worker",
      new PermanentJobError("Step style failed: Anthropic returned 529: overloaded"),
    );
  } else if (job) await complete(db, job, "seed-worker");
  return { id, jobId };
}
