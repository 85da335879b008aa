import assert from "node:assert/strict";
import { detectCi } from "./ci.ts";

const noFiles = (path: string) => Promise.reject(new Deno.errors.NotFound(`No file "${path}"`));

Deno.test("detectCi() returns null outside GitHub Actions and GitLab CI", async () => {
  assert.equal(await detectCi({ CI: "true" }, noFiles), null);
});

Deno.test("detectCi() reads the pull request from the GitHub Actions event payload", async () => {
  const event = { pull_request: { number: 7, head: { sha: "abc" }, base: { ref: "develop" } } };
  const context = await detectCi({
    GITHUB_ACTIONS: "true",
    GITHUB_REPOSITORY: "octo/app",
    GITHUB_EVENT_PATH: "/event.json",
    GITHUB_SHA: "merge-commit",
    GITHUB_TOKEN: "ghs_token",
  }, (path) => path === "/event.json" ? Promise.resolve(JSON.stringify(event)) : noFiles(path));
  assert.deepEqual(context, {
    provider: "github_actions",
    platform: "github",
    pr: { platform: "github", repo: "octo/app", number: 7 },
    headSha: "abc",
    defaultTarget: { kind: "base", base: "origin/develop" },
    apiUrl: "https://api.github.com",
    token: "ghs_token",
  });
});

Deno.test("detectCi() falls back to GITHUB_REF and GITHUB_BASE_REF, and prefers LOOM_GITHUB_TOKEN", async () => {
  const context = await detectCi({
    GITHUB_ACTIONS: "true",
    GITHUB_REPOSITORY: "octo/app",
    GITHUB_REF: "refs/pull/42/merge",
    GITHUB_BASE_REF: "main",
    GITHUB_SHA: "def",
    GITHUB_API_URL: "https://ghe.example.com/api/v3",
    GITHUB_TOKEN: "ghs_token",
    LOOM_GITHUB_TOKEN: "ghp_bot",
  }, noFiles);
  assert.equal(context?.pr.number, 42);
  assert.equal(context?.headSha, "def");
  assert.equal(context?.apiUrl, "https://ghe.example.com/api/v3");
  assert.equal(context?.token, "ghp_bot");
});

Deno.test("detectCi() explains that a push workflow has no pull request", async () => {
  await assert.rejects(
    detectCi({
      GITHUB_ACTIONS: "true",
      GITHUB_REPOSITORY: "o/r",
      GITHUB_EVENT_NAME: "push",
      GITHUB_REF: "refs/heads/main",
    }, noFiles),
    /^Error: Cannot post from GitHub Actions: the workflow does not run for a pull request: GITHUB_EVENT_NAME is "push"/,
  );
  await assert.rejects(
    detectCi({ GITLAB_CI: "true", CI_PROJECT_PATH: "g/p", CI_PIPELINE_SOURCE: "push" }, noFiles),
    /^Error: Cannot post from GitLab CI: the pipeline does not run for a merge request: CI_PIPELINE_SOURCE is "push"/,
  );
});

Deno.test("detectCi() reads the merge request from GitLab CI's predefined variables", async () => {
  const context = await detectCi({
    GITLAB_CI: "true",
    CI_SERVER_URL: "https://gitlab.example.com",
    CI_PROJECT_PATH: "group/sub/app",
    CI_MERGE_REQUEST_IID: "15",
    CI_MERGE_REQUEST_DIFF_BASE_SHA: "base123",
    CI_MERGE_REQUEST_TARGET_BRANCH_NAME: "main",
    CI_COMMIT_SHA: "head456",
    GITLAB_TOKEN: "glpat-x",
  }, noFiles);
  assert.deepEqual(context, {
    provider: "gitlab_ci",
    platform: "gitlab",
    pr: { platform: "gitlab", repo: "group/sub/app", number: 15 },
    headSha: "head456",
    defaultTarget: { kind: "base", base: "base123" },
    apiUrl: "https://gitlab.example.com",
    token: "glpat-x",
  });
});
