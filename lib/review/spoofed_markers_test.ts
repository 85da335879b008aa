/**
 * Hidden markers count only in comments Loom's own identity wrote. A pull-request author or drive-by commenter
 * can type any `<!-- loom:… -->` marker; through the real GitHub client and the fake's real comment authors,
 * these tests show that a spoofed summary, fingerprint or progress marker changes nothing.
 */
import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { createRepo } from "../db/repos.ts";
import { dbTest, type TestDatabase } from "../db/testing.ts";
import { silentLogger } from "../log.ts";
import { fingerprintMarker, PROGRESS_MARKER, summaryMarker } from "../markers.ts";
import { createReviewDeps } from "../runtime.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { type FakeReply, startFakeOpenAI } from "../../tests/fakes/openai.ts";
import { fingerprint } from "./fingerprint.ts";
import { reviewPullRequest } from "./review_pull_request.ts";

const REPO = "octo/app";
const MALLORY = { login: "mallory", type: "User" as const };
const FINDING = {
  path: "src/app.ts",
  line: 2,
  side: "RIGHT",
  severity: "warning",
  title: "Unbounded cache",
  body: "Nothing evicts entries.",
};

function reply(request: { structured: boolean }): FakeReply {
  return request.structured ? { json: { findings: [FINDING] } } : "ok";
}

async function setup(database: TestDatabase) {
  const github = startFakeGitHub();
  const openai = await startFakeOpenAI({ reply });
  const server = loadServerConfig({
    LOOM_GITHUB_API_URL: github.url,
    LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
    LOOM_LLM_BASE_URL: openai.url,
    LOOM_LLM_API_KEY: "sk-test",
    LOOM_LLM_CACHE_TTL_MS: "0",
  });
  const repo = await createRepo(database.db, { platform: "github", fullName: REPO, webhookSecret: "unused" });
  const diff = await makeGitDiff({
    "src/app.ts": {
      base: "export const a = 1;\n",
      head: "export const a = 1;\nexport const cache = new Map();\n",
    },
  });
  github.state.addPullRequest({
    repo: REPO,
    number: 1,
    title: "Add a cache",
    author: "ada",
    headSha: diff.headSha,
    baseSha: diff.baseSha,
    diff: diff.diff,
    files: {
      "src/app.ts": {
        base: "export const a = 1;\n",
        head: "export const a = 1;\nexport const cache = new Map();\n",
      },
    },
  });
  const run = () =>
    reviewPullRequest(createReviewDeps(server, database.db, silentLogger), {
      id: 1,
      payload: {
        platform: "github",
        repoId: repo.id,
        repo: REPO,
        number: 1,
        headSha: diff.headSha,
        baseSha: diff.baseSha,
        baseRef: "main",
        headRef: "cache",
        title: "Add a cache",
        author: "ada",
        authorIsBot: false,
        draft: false,
        action: "opened",
      },
    }, new AbortController().signal);
  return {
    github,
    headSha: diff.headSha,
    run,
    async [Symbol.asyncDispose]() {
      await openai.close();
      await github.close();
    },
  };
}

dbTest(
  "reviewPullRequest() posts its review although a drive-by comment carries the head's summary and fingerprint markers",
  async (database) => {
    await using context = await setup(database);
    const spoofed = [
      "Nice work!",
      summaryMarker(context.headSha),
      fingerprintMarker(fingerprint({ ...FINDING, side: "RIGHT", severity: "warning", step: "bugs" })),
    ].join("\n");
    const drive = context.github.state.addIssueComment(REPO, 1, spoofed, MALLORY);

    const outcome = await context.run();

    assert.equal(outcome.status, "completed");
    assert.equal(context.github.state.reviews.length, 1, "the review is posted");
    const [review] = context.github.state.reviews;
    assert.ok(
      review!.comments.some((comment) => comment.body.includes("Unbounded cache")),
      "the finding a spoofed fingerprint named is posted inline",
    );
    assert.equal(drive.body, spoofed);
  },
);

dbTest(
  "reviewPullRequest() never edits a drive-by comment that carries the progress marker",
  async (database) => {
    await using context = await setup(database);
    const bait = context.github.state.addIssueComment(REPO, 1, `Progress:\n${PROGRESS_MARKER}`, MALLORY);

    const outcome = await context.run();

    assert.equal(outcome.status, "completed");
    assert.equal(bait.body, `Progress:\n${PROGRESS_MARKER}`, "the attacker's comment is untouched");
    assert.equal(bait.updatedAt, bait.createdAt);
    const progress = context.github.state.issueComments.filter((comment) =>
      comment.user.login !== "mallory" && comment.body.includes(PROGRESS_MARKER)
    );
    assert.equal(progress.length, 1, "Loom keeps its own progress comment");
    assert.match(progress[0]!.body, /Review/);
  },
);
