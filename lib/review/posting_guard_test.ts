import assert from "node:assert/strict";
import type { PlatformClient, PublishesChecks, PullRequest, PullRequestRef } from "../platforms/types.ts";
import { guardPosting } from "./posting_guard.ts";

const REF: PullRequestRef = { platform: "github", repo: "octo/app", number: 1 };

/** A client whose pull request has moved on to head `b…`, recording the check-run writes that reach it. */
function movedClient(written: string[]): PlatformClient & PublishesChecks {
  const unused = () => Promise.reject(new Error("not used"));
  return {
    platform: "github",
    checkReplacesStatus: true,
    identity: unused,
    getPullRequest: () => Promise.resolve({ state: "open", headSha: "b".repeat(40) } as PullRequest),
    getFile: unused,
    getDiff: unused,
    listComments: unused,
    postReview: unused,
    postComment: unused,
    updateComment: unused,
    setStatus: unused,
    startCheckRun: (_pr, run) => {
      written.push(`start ${run.title}`);
      return Promise.resolve("1");
    },
    finishCheckRun: (_pr, _id, result) => {
      written.push(`finish ${result.conclusion}`);
      return Promise.resolve();
    },
  };
}

Deno.test("guardPosting() lets a superseded review end its check run as cancelled, and nothing else", async () => {
  const written: string[] = [];
  const guarded = guardPosting(movedClient(written), {
    ref: REF,
    headSha: "a".repeat(40),
    signal: new AbortController().signal,
  }) as PlatformClient & PublishesChecks;
  const result = { title: "T", summary: "S", annotations: [] };
  await assert.rejects(guarded.finishCheckRun(REF, "1", { ...result, conclusion: "success" }), {
    name: "AbortError",
  });
  await assert.rejects(guarded.startCheckRun(REF, { sha: "a".repeat(40), name: "loom/review", ...result }), {
    name: "AbortError",
  });
  await guarded.finishCheckRun(REF, "1", { ...result, conclusion: "cancelled" });
  assert.deepEqual(written, ["finish cancelled"]);
});

Deno.test("guardPosting() sends a timed-out review's last check-run words through the unsignalled client", async () => {
  const signalled: string[] = [];
  const free: string[] = [];
  const controller = new AbortController();
  controller.abort();
  const guarded = guardPosting(movedClient(signalled), {
    ref: REF,
    headSha: "a".repeat(40),
    signal: controller.signal,
    unsignalled: () => movedClient(free),
  }) as PlatformClient & PublishesChecks;
  await guarded.startCheckRun(REF, {
    sha: "a".repeat(40),
    name: "loom/review",
    title: "Failed",
    summary: "S",
  });
  await guarded.finishCheckRun(REF, "1", {
    conclusion: "failure",
    title: "T",
    summary: "S",
    annotations: [],
  });
  assert.deepEqual(signalled, []);
  assert.deepEqual(free, ["start Failed", "finish failure"]);
});
