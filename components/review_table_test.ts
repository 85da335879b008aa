import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import type { ReviewRecord } from "../lib/db/reviews.ts";
import { ReviewTable } from "./ReviewTable.tsx";

const base: ReviewRecord = {
  id: 1,
  kind: "review",
  repoId: 1,
  repoFullName: "octo/app",
  platform: "github",
  prNumber: 7,
  headSha: "a1",
  baseSha: null,
  title: "Fix paging",
  author: "ada",
  status: "completed",
  verdict: null,
  summary: null,
  findingsCount: 2,
  inputTokens: 1200,
  cachedInputTokens: 0,
  outputTokens: 300,
  costUsd: 0.0021,
  jobId: null,
  error: null,
  nextStep: null,
  action: "opened",
  attempts: 1,
  startedAt: Date.UTC(2026, 2, 4, 12),
  finishedAt: Date.UTC(2026, 2, 4, 12, 1),
};

Deno.test("ReviewTable shows each run's kind beside its tokens and cost", () => {
  const html = renderToString(ReviewTable({
    reviews: [base, {
      ...base,
      id: 2,
      kind: "describe",
      findingsCount: 0,
      inputTokens: 900,
      outputTokens: 120,
    }],
  }));
  assert.match(html, /<th>Kind<\/th>/);
  assert.match(html, /data-review-id="1".*?data-kind="review"[^>]*>Review</s);
  assert.match(
    html,
    /data-review-id="2".*?data-kind="describe"[^>]*>Description<.*?1,020<\/td><td>\$0\.0021/s,
  );
});
