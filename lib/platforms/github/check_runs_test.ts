import assert from "node:assert/strict";
import { silentLogger } from "../../log.ts";
import { canPublishChecks, type CheckAnnotation } from "../types.ts";
import { createGitHubClient } from "./client.ts";
import { PR, rejectsWith, tokenClient, withFake } from "../../../tests/support/github_client_setup.ts";
import { generateGitHubAppKey } from "../../../tests/support/github_app_key.ts";
import { FAKE_GITHUB_TOKEN } from "../../../tests/fakes/github.ts";

function annotations(count: number): CheckAnnotation[] {
  return Array.from({ length: count }, (_, index) => ({
    path: "src/app.ts",
    startLine: 3,
    endLine: 3,
    level: index % 2 === 0 ? "warning" : "failure",
    title: `Finding ${index + 1}`,
    message: `Why finding ${index + 1} matters`,
  }));
}

Deno.test("a GitHub client writes check runs only with App credentials", async () => {
  const key = await generateGitHubAppKey();
  await withFake({ app: { appId: "5", publicKey: key.publicKey } }, (fake) => {
    assert.equal(canPublishChecks(tokenClient(fake)), false, "a token cannot create check runs");
    const app = createGitHubClient({
      baseUrl: fake.url,
      app: { appId: "5", privateKey: key.pem, installationId: 9 },
      log: silentLogger,
    });
    assert.equal(canPublishChecks(app), true);
    return Promise.resolve();
  });
});

Deno.test("finishCheckRun() sends annotations 50 per request and the conclusion last", async () => {
  const key = await generateGitHubAppKey();
  await withFake(
    { app: { appId: "5", publicKey: key.publicKey, slug: "loom" } },
    async (fake, { headSha }) => {
      const client = createGitHubClient({
        baseUrl: fake.url,
        app: { appId: "5", privateKey: key.pem, installationId: 9 },
        log: silentLogger,
      });
      assert.ok(canPublishChecks(client));
      const id = await client.startCheckRun(PR, {
        sha: headSha,
        name: "loom/review",
        title: "Reviewing 2 files",
        summary: "Reviewing 2 files with 3 step(s).",
        detailsUrl: "https://loom.example/reviews/1",
      });
      const [started] = fake.state.checkRuns;
      assert.equal(String(started!.id), id);
      assert.equal(started!.status, "in_progress");
      assert.equal(started!.creator.login, "loom[bot]");

      await client.finishCheckRun(PR, id, {
        conclusion: "failure",
        title: "1 blocker, 119 warnings",
        summary: "## Loom review",
        annotations: annotations(120),
      });
      const [run] = fake.state.checkRuns;
      assert.deepEqual(
        run!.annotationRequests,
        [0, 50, 50, 20],
        "none at the start, then at most 50 per request",
      );
      assert.equal(run!.annotations.length, 120);
      assert.deepEqual(
        run!.annotations.map((item) => item.title),
        annotations(120).map((item) => item.title),
      );
      assert.equal(run!.status, "completed");
      assert.equal(run!.conclusion, "failure");
      assert.equal(run!.detailsUrl, "https://loom.example/reviews/1");
      const patches = fake.requests.filter((request) => request.method === "PATCH");
      assert.deepEqual(
        patches.map((request) => (request.body as { conclusion?: string }).conclusion),
        [undefined, undefined, "failure"],
        "the run completes only after every annotation is in",
      );
    },
  );
});

Deno.test("finishCheckRun() with no annotations completes in one request", async () => {
  const key = await generateGitHubAppKey();
  await withFake({ app: { appId: "5", publicKey: key.publicKey } }, async (fake, { headSha }) => {
    const client = createGitHubClient({
      baseUrl: fake.url,
      app: { appId: "5", privateKey: key.pem, installationId: 9 },
      log: silentLogger,
    });
    assert.ok(canPublishChecks(client));
    const id = await client.startCheckRun(PR, {
      sha: headSha,
      name: "loom/review",
      title: "T",
      summary: "S",
    });
    await client.finishCheckRun(PR, id, {
      conclusion: "success",
      title: "Fine",
      summary: "S",
      annotations: [],
    });
    assert.equal(fake.requests.filter((request) => request.method === "PATCH").length, 1);
    assert.equal(fake.state.checkRuns[0]!.conclusion, "success");
  });
});

Deno.test("the fake refuses what GitHub refuses: a token's check run, 51 annotations in one request", async () => {
  const key = await generateGitHubAppKey();
  // This test sends what GitHub's contract forbids (51 annotations) on purpose, to see the fake refuse it.
  await withFake(
    { app: { appId: "5", publicKey: key.publicKey }, contract: false },
    async (fake, { headSha }) => {
      const response = await fetch(`${fake.url}/repos/${PR.repo}/check-runs`, {
        method: "POST",
        headers: { authorization: `token ${FAKE_GITHUB_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ name: "loom/review", "head_sha": headSha }),
      });
      assert.equal(response.status, 403);
      assert.match((await response.json()).message, /must authenticate via a GitHub App/);

      const client = createGitHubClient({
        baseUrl: fake.url,
        app: { appId: "5", privateKey: key.pem, installationId: 9 },
        log: silentLogger,
      });
      assert.ok(canPublishChecks(client));
      const id = await client.startCheckRun(PR, {
        sha: headSha,
        name: "loom/review",
        title: "T",
        summary: "S",
      });
      const token = fake.state.installationTokens[0]!.token;
      const tooMany = await fetch(`${fake.url}/repos/${PR.repo}/check-runs/${id}`, {
        method: "PATCH",
        headers: { authorization: `token ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          output: {
            title: "T",
            summary: "S",
            annotations: Array.from({ length: 51 }, () => ({
              path: "src/app.ts",
              "start_line": 3,
              "end_line": 3,
              "annotation_level": "notice",
              message: "m",
            })),
          },
        }),
      });
      assert.equal(tooMany.status, 422);
      await tooMany.body?.cancel();
      await rejectsWith(
        client.finishCheckRun(PR, "999999", {
          conclusion: "success",
          title: "T",
          summary: "S",
          annotations: [],
        }),
        { status: 404, retryable: false },
      );
    },
  );
});

Deno.test("startCheckRun() takes over the run an earlier attempt left in progress on the commit", async () => {
  const key = await generateGitHubAppKey();
  await withFake({ app: { appId: "5", publicKey: key.publicKey } }, async (fake, { headSha }) => {
    const client = createGitHubClient({
      baseUrl: fake.url,
      app: { appId: "5", privateKey: key.pem, installationId: 9 },
      log: silentLogger,
    });
    assert.ok(canPublishChecks(client));
    const run = { sha: headSha, name: "loom/review", title: "Reviewing 2 files", summary: "S" };
    const first = await client.startCheckRun(PR, run);
    // The worker died; the retry starts again.
    const retry = await client.startCheckRun(PR, { ...run, detailsUrl: "https://loom.example/reviews/2" });
    assert.equal(retry, first);
    assert.equal(fake.state.checkRuns.length, 1, "no second run spinning beside the first");
    assert.equal(fake.state.checkRuns[0]!.detailsUrl, "https://loom.example/reviews/2");
    await client.finishCheckRun(PR, retry, {
      conclusion: "success",
      title: "T",
      summary: "S",
      annotations: [],
    });

    // A completed run is history: a new review of the same commit (`@loom review`) gets its own run.
    const again = await client.startCheckRun(PR, run);
    assert.notEqual(again, first);
    assert.equal(fake.state.checkRuns.length, 2);
  });
});
