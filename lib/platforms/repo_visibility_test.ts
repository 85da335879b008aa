/**
 * Every platform's webhook parser reads whether the repository is public from its real payload shape (the
 * recorded fixtures, flipped between public and private), for pull-request and comment events alike, and says
 * nothing when the payload does not: the author budget treats that as private.
 */
import assert from "node:assert/strict";
import type { WebhookEvent, WebhookParser } from "./types.ts";
import { githubWebhook } from "./github/webhook.ts";
import { gitlabWebhook } from "./gitlab/webhook.ts";
import { giteaWebhook } from "./gitea/webhook.ts";
import { bitbucketWebhook } from "./bitbucket/webhook.ts";
import { azureDevopsWebhook } from "./azure_devops/webhook.ts";
import { bitbucketServerWebhook } from "./bitbucket_server/webhook.ts";

type Payload = Record<string, unknown>;

interface Case {
  name: string;
  parser: WebhookParser;
  fixture: string;
  headers: Record<string, string>;
  /** Sets the payload's visibility fields (`undefined`: removes them). */
  setPublic(body: Payload, isPublic: boolean | undefined): void;
}

function at(body: Payload, ...path: string[]): Payload {
  return path.reduce((node, key) => node[key] as Payload, body);
}

function setOrDelete(node: Payload, key: string, value: unknown): void {
  if (value === undefined) delete node[key];
  else node[key] = value;
}

const CASES: Case[] = [
  ...["pull-request.json", "pull-request-issue-comment.json"].map((fixture): Case => ({
    name: `GitHub ${fixture}`,
    parser: githubWebhook,
    fixture: `github/testdata/${fixture}`,
    headers: {
      "x-github-event": fixture === "pull-request.json" ? "pull_request" : "issue_comment",
      "x-github-delivery": "d-1",
    },
    setPublic(body, isPublic) {
      const repository = at(body, "repository");
      setOrDelete(repository, "private", isPublic === undefined ? undefined : !isPublic);
      // Newer payloads also carry `visibility`; it wins over `private` (an `internal` repository is not public).
      setOrDelete(
        repository,
        "visibility",
        isPublic === undefined ? undefined : isPublic ? "public" : "internal",
      );
    },
  })),
  ...["merge-request-event.json", "comment-merge-request-event.json"].map((fixture): Case => ({
    name: `GitLab ${fixture}`,
    parser: gitlabWebhook,
    fixture: `gitlab/testdata/${fixture}`,
    headers: {
      "x-gitlab-event": fixture === "merge-request-event.json" ? "Merge Request Hook" : "Note Hook",
      "idempotency-key": "d-1",
    },
    setPublic(body, isPublic) {
      setOrDelete(
        at(body, "project"),
        "visibility_level",
        isPublic === undefined ? undefined : isPublic ? 20 : 10,
      );
    },
  })),
  ...["pull-request-event.json", "pull-request-comment-event.json"].map((fixture): Case => ({
    name: `Gitea ${fixture}`,
    parser: giteaWebhook,
    fixture: `gitea/testdata/${fixture}`,
    headers: {
      "x-gitea-event": fixture === "pull-request-event.json" ? "pull_request" : "issue_comment",
      "x-gitea-delivery": "d-1",
    },
    setPublic(body, isPublic) {
      setOrDelete(at(body, "repository"), "private", isPublic === undefined ? undefined : !isPublic);
    },
  })),
  ...[["pull-request-created.json", "pullrequest:created"], [
    "pull-request-comment-created.json",
    "pullrequest:comment_created",
  ]].map(([fixture, eventKey]): Case => ({
    name: `Bitbucket ${fixture}`,
    parser: bitbucketWebhook,
    fixture: `bitbucket/testdata/cloud/${fixture}`,
    headers: { "x-event-key": eventKey!, "x-request-uuid": "d-1" },
    setPublic(body, isPublic) {
      setOrDelete(at(body, "repository"), "is_private", isPublic === undefined ? undefined : !isPublic);
    },
  })),
  ...["pr-opened.json", "pr-comment-added.json"].map((fixture): Case => ({
    name: `Bitbucket Data Center ${fixture}`,
    parser: bitbucketServerWebhook,
    fixture: `bitbucket/testdata/server/${fixture}`,
    headers: {
      "x-event-key": fixture === "pr-opened.json" ? "pr:opened" : "pr:comment:added",
      "x-request-id": "d-1",
    },
    setPublic(body, isPublic) {
      // The pull request's target repository is the one reviewed (the source may be a fork).
      setOrDelete(at(body, "pullRequest", "toRef", "repository"), "public", isPublic);
    },
  })),
  ...["git.pullrequest.created.json", "git-pullrequest-comment-event.json"].map((fixture): Case => ({
    name: `Azure DevOps ${fixture}`,
    parser: azureDevopsWebhook,
    fixture: `azure_devops/testdata/${fixture}`,
    headers: {},
    setPublic(body, isPublic) {
      const resource = at(body, "resource");
      const pullRequest = (resource.pullRequest ?? resource) as Payload;
      setOrDelete(
        at(pullRequest, "repository", "project"),
        "visibility",
        isPublic === undefined ? undefined : isPublic ? "public" : "private",
      );
    },
  })),
];

async function parseWith(testCase: Case, isPublic: boolean | undefined): Promise<WebhookEvent> {
  const body = JSON.parse(await Deno.readTextFile(new URL(testCase.fixture, import.meta.url))) as Payload;
  testCase.setPublic(body, isPublic);
  const event = await testCase.parser.parse(new Headers(testCase.headers), body);
  assert.ok(event !== null, `${testCase.name} is acted on`);
  return event;
}

Deno.test("every webhook parser reads whether the repository is public", async (t) => {
  for (const testCase of CASES) {
    await t.step(testCase.name, async () => {
      assert.equal((await parseWith(testCase, true)).repoPublic, true);
      assert.equal((await parseWith(testCase, false)).repoPublic, false);
      assert.equal((await parseWith(testCase, undefined)).repoPublic, undefined);
    });
  }
});

Deno.test("the recorded fixtures say what their platforms sent", async () => {
  const recorded = async (testCase: Case) =>
    (await testCase.parser.parse(
      new Headers(testCase.headers),
      JSON.parse(await Deno.readTextFile(new URL(testCase.fixture, import.meta.url))),
    ))?.repoPublic;
  const byName = Object.fromEntries(CASES.map((testCase) => [testCase.name, testCase]));
  assert.equal(await recorded(byName["GitHub pull-request.json"]!), true, '"private": false');
  assert.equal(await recorded(byName["GitLab merge-request-event.json"]!), true, '"visibility_level": 20');
  assert.equal(
    await recorded(byName["GitLab comment-merge-request-event.json"]!),
    false,
    '"visibility_level": 10',
  );
  assert.equal(await recorded(byName["Gitea pull-request-event.json"]!), true, '"private": false');
  assert.equal(await recorded(byName["Bitbucket pull-request-created.json"]!), false, '"is_private": true');
  assert.equal(
    await recorded(byName["Azure DevOps git.pullrequest.created.json"]!),
    undefined,
    "no visibility",
  );
});

Deno.test("githubWebhook.parse() reads the pull-request author's write access from author_association", async () => {
  const body = JSON.parse(
    await Deno.readTextFile(new URL("github/testdata/pull-request.json", import.meta.url)),
  );
  const headers = new Headers({ "x-github-event": "pull_request", "x-github-delivery": "d-1" });
  const authorCanWrite = async () =>
    ((await githubWebhook.parse(headers, body)) as { authorCanWrite?: boolean } | null)?.authorCanWrite;
  body.pull_request.author_association = "NONE";
  assert.equal(await authorCanWrite(), false);
  body.pull_request.author_association = "OWNER";
  assert.equal(await authorCanWrite(), true);
  // A member of the organization may hold read only: the permission API decides.
  body.pull_request.author_association = "MEMBER";
  assert.equal(await authorCanWrite(), undefined);
  body.pull_request.author_association = "COLLABORATOR";
  assert.equal(await authorCanWrite(), undefined);
});
