import assert from "node:assert/strict";
import { parseDiff } from "../diff/parse.ts";
import { type DiffFile, filePath } from "../diff/types.ts";
import { createGitHubClient } from "../platforms/github/client.ts";
import {
  canCompareCommits,
  type ExistingComment,
  type PlatformClient,
  type PullRequestRef,
} from "../platforms/types.ts";
import { silentLogger } from "../log.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { fingerprintMarker, summaryMarker } from "../markers.ts";
import { lastReviewedHead, outdatedThreads, planIncremental, restrictToChanges } from "./incremental.ts";

const REF: PullRequestRef = { platform: "github", repo: "octo/app", number: 7 };

function numbered(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `line ${index + 1}`);
}

function text(lines: string[]): string {
  return lines.join("\n") + "\n";
}

/** Base, an earlier reviewed head and a new head of one 60-line file with three separate edits. */
async function threeVersions() {
  const base = numbered(60);
  const first = [...base];
  first[4] = "edit at 5";
  first[29] = "edit at 30";
  const second = [...first];
  second[49] = "edit at 50";
  const pr = parseDiff((await makeGitDiff({ "app.ts": { base: text(base), head: text(second) } })).diff);
  const sinceDiff = (await makeGitDiff({ "app.ts": { base: text(first), head: text(second) } })).diff;
  return { pr, since: parseDiff(sinceDiff), sinceDiff };
}

function newLines(files: DiffFile[]): number[] {
  return files.flatMap((file) =>
    file.hunks.flatMap((hunk) =>
      hunk.lines.filter((line) => line.kind === "add").map((line) => line.newLine!)
    )
  );
}

Deno.test("restrictToChanges() keeps only the pull-request hunks the new commits touched", async () => {
  const { pr, since } = await threeVersions();
  assert.equal(pr[0]!.hunks.length, 3);
  const result = restrictToChanges(pr, since);
  assert.deepEqual(newLines(result.files), [50]);
  assert.equal(result.files[0]!.hunks[0], pr[0]!.hunks[2], "kept hunks are the pull request's own");
  assert.deepEqual(result.unchanged, []);
  assert.deepEqual([...result.touched], ["app.ts"]);
});

Deno.test("restrictToChanges() leaves out files the new commits did not touch and keeps pure deletions", async () => {
  const base = numbered(20);
  const head = base.filter((_, index) => index !== 9);
  const pr = parseDiff(
    (await makeGitDiff({
      "a.ts": { base: text(base), head: text(head) },
      "b.ts": { base: text(base), head: text([...base, "more"]) },
    })).diff,
  );
  const since = parseDiff((await makeGitDiff({ "a.ts": { base: text(base), head: text(head) } })).diff);
  const result = restrictToChanges(pr, since);
  assert.deepEqual(result.files.map(filePath), ["a.ts"]);
  assert.deepEqual(result.unchanged, ["b.ts"]);
});

Deno.test("lastReviewedHead() picks the latest summary of another head", () => {
  const comments: ExistingComment[] = [
    { id: "1", body: `first ${summaryMarker("aaa111")}`, inline: false },
    { id: "2", body: "a human comment", inline: false },
    { id: "3", body: `second ${summaryMarker("bbb222")}`, inline: false },
    { id: "4", body: `retry of the current head ${summaryMarker("ccc333")}`, inline: false },
  ];
  assert.equal(lastReviewedHead(comments, "ccc333"), "bbb222");
  assert.equal(lastReviewedHead(comments.slice(1, 2), "ccc333"), null);
});

Deno.test("outdatedThreads() picks Loom threads on removed files and unreported findings in reviewed hunks", async () => {
  const { pr, since } = await threeVersions();
  const reviewed = restrictToChanges(pr, since).files;
  const marker = (fp: string) => fingerprintMarker(fp);
  const comments: ExistingComment[] = [
    { id: "gone", body: `x ${marker("aaaaaaaa")}`, inline: true, path: "removed.ts", line: 3 },
    { id: "fixed", body: `x ${marker("bbbbbbbb")}`, inline: true, path: "app.ts", line: 50 },
    { id: "still", body: `x ${marker("cccccccc")}`, inline: true, path: "app.ts", line: 50 },
    { id: "untouched", body: `x ${marker("dddddddd")}`, inline: true, path: "app.ts", line: 5 },
    { id: "human", body: "please rename", inline: true, path: "app.ts", line: 50 },
    { id: "summary", body: `x ${marker("eeeeeeee")}`, inline: false },
  ];
  const outdated = outdatedThreads(comments, { prFiles: pr, reviewed, reported: new Set(["cccccccc"]) });
  assert.deepEqual(outdated, ["gone", "fixed"]);
});

Deno.test("planIncremental() compares through the GitHub client and falls back when history does not allow", async () => {
  await using github = startFakeGitHub();
  const client = createGitHubClient({ baseUrl: github.url, token: FAKE_GITHUB_TOKEN, log: silentLogger });
  assert.ok(canCompareCommits(client));
  assert.ok(!canCompareCommits({ platform: "gitea" } as unknown as PlatformClient));
  const { pr, sinceDiff } = await threeVersions();
  github.state.addComparison("octo/app", "aaa111", "ccc333", sinceDiff);
  github.state.addComparison("octo/app", "bbb222", "ccc333", sinceDiff, "diverged");
  const comments = (
    head: string,
  ): ExistingComment[] => [{ id: "1", body: summaryMarker(head), inline: false }];

  const plan = await planIncremental(client, REF, {
    prFiles: pr,
    comments: comments("aaa111"),
    headSha: "ccc333",
  });
  assert.equal(plan?.fromSha, "aaa111");
  assert.deepEqual(newLines(plan!.files), [50]);
  assert.equal(await client.getCompareDiff(REF, "aaa111", "ccc333"), sinceDiff);
  assert.equal(await client.getCompareDiff(REF, "bbb222", "ccc333"), null, "diverged");
  assert.equal(await client.getCompareDiff(REF, "0000000", "ccc333"), null, "unknown sha");
  assert.equal(
    await planIncremental(client, REF, { prFiles: pr, comments: [], headSha: "ccc333" }),
    null,
    "never reviewed",
  );
});
