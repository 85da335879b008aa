import assert from "node:assert/strict";
import { startFakeBitbucket } from "../../../tests/fakes/bitbucket.ts";
import { canPublishChecks, type CheckAnnotation, PlatformError, type PullRequestRef } from "../types.ts";
import { createBitbucketClient } from "./client.ts";
import { REPORT_ID } from "./reports.ts";

const HEAD = "d3022fc0ca3d1a2b3c4d5e6f708192a3b4c5d6e7";
const BASE = "ce5965ddd2891a2b3c4d5e6f708192a3b4c5d6e7";
const PR: PullRequestRef = { platform: "bitbucket", repo: "team_name/repo_name", number: 1 };

function setup() {
  const fake = startFakeBitbucket();
  fake.state.addPullRequest({
    repo: PR.repo,
    number: PR.number,
    title: "T",
    author: "emmap1",
    headSha: HEAD,
    baseSha: BASE,
    baseRef: "master",
    headRef: "feature",
    diff: "",
    files: {},
  });
  const client = createBitbucketClient({ baseUrl: fake.apiUrl, token: fake.token });
  assert.ok(canPublishChecks(client));
  assert.equal(client.checkReplacesStatus, false, "the build status stays");
  return { fake, client };
}

function annotations(count: number): CheckAnnotation[] {
  return Array.from({ length: count }, (_, index) => ({
    path: "src/app.ts",
    startLine: 2,
    endLine: 2,
    level: (["failure", "warning", "notice"] as const)[index % 3]!,
    title: `blocker: Finding ${index + 1}`,
    message: `Why ${index + 1}`,
  }));
}

Deno.test("a Bitbucket review's Code Insights report carries its annotations, 100 per request", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  // Webhooks give 12-character hashes; the report is written on the full one.
  const id = await client.startCheckRun(PR, {
    sha: HEAD.slice(0, 12),
    name: "loom/review",
    title: "Reviewing 1 file",
    summary: "",
    detailsUrl: "https://loom.example/reviews/4",
  });
  assert.equal(fake.state.reports.length, 0, "nothing is written until the review finishes");
  await client.finishCheckRun(PR, id, {
    conclusion: "failure",
    title: "1 blocker, 249 warnings",
    summary: "## Loom review",
    annotations: annotations(250),
  });
  const [report] = fake.state.reports;
  assert.deepEqual(
    [report!.id, report!.commit, report!.result, report!.reportType, report!.details, report!.link],
    [REPORT_ID, HEAD, "FAILED", "BUG", "1 blocker, 249 warnings", "https://loom.example/reviews/4"],
  );
  assert.deepEqual(report!.annotationRequests, [100, 100, 50]);
  assert.equal(report!.annotations.length, 250);
  assert.deepEqual(
    report!.annotations.slice(0, 3).map((item) => [item.path, item.line, item.severity, item.type]),
    [["src/app.ts", 2, "HIGH", "BUG"], ["src/app.ts", 2, "MEDIUM", "BUG"], [
      "src/app.ts",
      2,
      "LOW",
      "CODE_SMELL",
    ]],
  );
});

Deno.test("a passing review's report is PASSED and replaces the commit's earlier report; a cancelled one writes none", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  const first = await client.startCheckRun(PR, { sha: HEAD, name: "loom/review", title: "T", summary: "" });
  await client.finishCheckRun(PR, first, {
    conclusion: "failure",
    title: "1 warning",
    summary: "",
    annotations: annotations(1),
  });
  const second = await client.startCheckRun(PR, { sha: HEAD, name: "loom/review", title: "T", summary: "" });
  await client.finishCheckRun(PR, second, {
    conclusion: "success",
    title: "No new problems found",
    summary: "",
    annotations: [],
  });
  assert.equal(fake.state.reports.length, 1);
  assert.deepEqual([fake.state.reports[0]!.result, fake.state.reports[0]!.annotations.length], ["PASSED", 0]);

  const writes = fake.requests.length;
  await client.finishCheckRun(PR, second, {
    conclusion: "cancelled",
    title: "C",
    summary: "",
    annotations: [],
  });
  assert.equal(fake.requests.length, writes, "no request for a cancelled review");
});

Deno.test("a report Bitbucket refuses is a PlatformError naming the commit", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  fake.state.failNext("/reports/", 403);
  await assert.rejects(
    client.finishCheckRun(PR, HEAD, { conclusion: "success", title: "T", summary: "", annotations: [] }),
    (error: unknown) =>
      error instanceof PlatformError && error.status === 403 && !error.retryable &&
      /Code Insights report of "d3022fc0/.test(error.message),
  );
});
