import assert from "node:assert/strict";
import { startFakeBitbucketServer } from "../../../tests/fakes/bitbucket_server.ts";
import { canPublishChecks, type CheckAnnotation, PlatformError, type PullRequestRef } from "../types.ts";
import { createBitbucketServerClient } from "./client.ts";
import { REPORT_KEY } from "./reports.ts";

const HEAD = "d3022fc0ca3d1a2b3c4d5e6f708192a3b4c5d6e7";
const PR: PullRequestRef = { platform: "bitbucket_server", repo: "PLAT/app", number: 3 };

function setup() {
  const fake = startFakeBitbucketServer();
  const client = createBitbucketServerClient({ baseUrl: fake.url, token: fake.token });
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
    title: `warning: Finding ${index + 1}`,
    message: `Why ${index + 1}`,
  }));
}

Deno.test("a Data Center review's Code Insights report carries its annotations, 100 per request", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  const id = await client.startCheckRun(PR, {
    sha: HEAD,
    name: "loom/review",
    title: "Reviewing 1 file",
    summary: "",
    detailsUrl: "https://loom.example/reviews/9",
  });
  assert.equal(fake.state.reports.length, 0, "nothing is written until the review finishes");
  await client.finishCheckRun(PR, id, {
    conclusion: "failure",
    title: "1 blocker, 149 warnings",
    summary: "## Loom review",
    annotations: annotations(150),
  });
  const [report] = fake.state.reports;
  assert.deepEqual(
    [report!.key, report!.repo, report!.commit, report!.result, report!.details, report!.link],
    [REPORT_KEY, PR.repo, HEAD, "FAIL", "1 blocker, 149 warnings", "https://loom.example/reviews/9"],
  );
  assert.equal(report!.annotations.length, 150);
  const posts = fake.requests.filter((request) =>
    request.method === "POST" && request.path.endsWith("/annotations")
  );
  assert.deepEqual(posts.map((request) => (request.body as { annotations: unknown[] }).annotations.length), [
    100,
    50,
  ]);
  assert.deepEqual(
    report!.annotations.slice(0, 3).map((item) => [item.path, item.line, item.severity, item.type]),
    [["src/app.ts", 2, "HIGH", "BUG"], ["src/app.ts", 2, "MEDIUM", "BUG"], [
      "src/app.ts",
      2,
      "LOW",
      "CODE_SMELL",
    ]],
  );
  assert.match(report!.annotations[0]!.message, /^warning: Finding 1: Why 1$/);
});

Deno.test("reviewing a commit again replaces its report and annotations; a cancelled review writes none", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  const finish = async (conclusion: "success" | "failure" | "cancelled", count: number) =>
    await client.finishCheckRun(
      PR,
      await client.startCheckRun(PR, { sha: HEAD, name: "r", title: "", summary: "" }),
      {
        conclusion,
        title: "T",
        summary: "",
        annotations: annotations(count),
      },
    );
  await finish("failure", 3);
  await finish("success", 1);
  assert.equal(fake.state.reports.length, 1);
  assert.deepEqual([fake.state.reports[0]!.result, fake.state.reports[0]!.annotations.length], ["PASS", 1]);
  const writes = fake.requests.length;
  await finish("cancelled", 2);
  assert.equal(fake.requests.length, writes, "no request for a cancelled review");
});

Deno.test("a report Data Center refuses is a PlatformError naming the commit", async () => {
  const { fake, client } = setup();
  await using _ = fake;
  fake.state.failNext("/reports/", 403);
  await assert.rejects(
    client.finishCheckRun(PR, HEAD, { conclusion: "success", title: "T", summary: "", annotations: [] }),
    (error: unknown) =>
      error instanceof PlatformError && error.status === 403 &&
      /Code Insights report of "d3022fc0/.test(error.message),
  );
});
