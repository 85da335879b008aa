/**
 * `resolveFixedThreads` through the GitHub client against the fake GitHub: a fixed finding's thread is resolved
 * once with a reply naming the commit, and never again on a later review (a person who reopens it has the last
 * word); nothing is resolved when the setting is off, after a partial review, or for a finding reported again; a
 * platform failure is logged and does not fail the review.
 */
import assert from "node:assert/strict";
import { createGitHubClient } from "../platforms/github/mod.ts";
import { listOwnComments } from "../platforms/own_comments.ts";
import type { PlatformClient, PullRequestRef } from "../platforms/types.ts";
import { parseDiff } from "../diff/parse.ts";
import { createLogger, silentLogger } from "../log.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { type ResolveFixedInput, resolveFixedThreads } from "./resolve_fixed.ts";

const PATH = "src/cache.ts";
const BASE = "export const a = 1;\n";
const HEAD = "export const a = 1;\nexport const b = a <= 2;\n";
const FP = "0123456789abcdef";
const PR: PullRequestRef = { platform: "github", repo: "octo/app", number: 1 };
const FIXED_HEAD = "c".repeat(40);

async function setup() {
  const github = startFakeGitHub();
  const client = createGitHubClient({ baseUrl: github.url, token: FAKE_GITHUB_TOKEN, log: silentLogger });
  const diff = await makeGitDiff({ [PATH]: { base: BASE, head: HEAD } });
  github.state.addPullRequest({
    repo: PR.repo,
    number: PR.number,
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    diff: diff.diff,
    files: { [PATH]: { base: BASE, head: HEAD } },
  });
  await client.postReview(PR, {
    headSha: diff.headSha,
    summary: "Summary",
    event: "COMMENT",
    comments: [{ path: PATH, line: 2, side: "RIGHT", body: `Off by one <!-- loom:fp=${FP} -->` }],
  });
  const files = parseDiff(diff.diff);
  /** What a completed review of the fixed head that no longer reports the finding passes. */
  const input = async (overrides: Partial<ResolveFixedInput> = {}): Promise<ResolveFixedInput> => ({
    enabled: true,
    outcome: { status: "completed", failedSteps: [] },
    existing: await listOwnComments(client, PR),
    prFiles: files,
    reviewed: files,
    reported: new Set(),
    headSha: FIXED_HEAD,
    ...overrides,
  });
  const replies = () => github.state.reviewComments.filter((comment) => comment.inReplyTo !== undefined);
  return {
    github,
    client,
    input,
    replies,
    async [Symbol.asyncDispose]() {
      await github.close();
    },
  };
}

Deno.test("resolveFixedThreads() resolves a fixed finding's thread once, naming the commit", async () => {
  await using context = await setup();
  const [root] = context.github.state.reviewComments;
  const resolved = await resolveFixedThreads(context.client, PR, await context.input(), silentLogger);
  assert.deepEqual(resolved, [String(root!.id)]);
  assert.equal(root!.resolved, true);
  assert.equal(context.replies().length, 1);
  assert.match(context.replies()[0]!.body, /^Resolved by \[`ccccccc`\]/);

  // A person reopens the thread; the next review sees Loom's reply and leaves it to them.
  root!.resolved = false;
  assert.deepEqual(await resolveFixedThreads(context.client, PR, await context.input(), silentLogger), []);
  assert.equal(root!.resolved, false);
  assert.equal(context.replies().length, 1, "no second reply");
});

Deno.test("resolveFixedThreads() resolves nothing when off, after a partial review, or for a finding reported again", async () => {
  await using context = await setup();
  const cases: Partial<ResolveFixedInput>[] = [
    { enabled: false },
    { outcome: { status: "partial", failedSteps: [{ name: "bugs", error: "model refused the key" }] } },
    { outcome: { status: "failed", failedSteps: [{ name: "bugs", error: "timeout" }] } },
    { reported: new Set([FP]) },
  ];
  for (const overrides of cases) {
    assert.deepEqual(
      await resolveFixedThreads(context.client, PR, await context.input(overrides), silentLogger),
      [],
      JSON.stringify(overrides),
    );
  }
  assert.equal(context.replies().length, 0);
  assert.equal(context.github.state.reviewComments[0]!.resolved, undefined);
});

Deno.test("resolveFixedThreads() logs a platform failure and lets the review finish", async () => {
  await using context = await setup();
  const lines: string[] = [];
  const log = createLogger({ write: (line) => lines.push(line) });
  const input = await context.input();
  context.github.state.failNext("/graphql", 502);
  assert.deepEqual(await resolveFixedThreads(context.client, PR, input, log), []);
  assert.ok(
    lines.some((line) => line.includes("Cannot resolve the threads of fixed findings")),
    lines.join("\n"),
  );
  const noAbility = { ...context.client, resolveThreads: undefined } as unknown as PlatformClient;
  assert.deepEqual(await resolveFixedThreads(noAbility, PR, input, log), []);
});
