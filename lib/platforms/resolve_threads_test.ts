/**
 * `resolveThreads` of every platform client, through its real client library against the platform's fake over
 * HTTP: Loom posts two inline findings, a person resolves (or closes) one of them on the platform, and resolving
 * both answers and resolves only the other — a thread someone already decided on gets no reply and keeps its
 * state. Ids the platform does not know are ignored.
 */
import assert from "node:assert/strict";
import { createGitHubClient } from "./github/mod.ts";
import { createGitLabClient } from "./gitlab/mod.ts";
import { createGiteaClient } from "./gitea/mod.ts";
import { createBitbucketClient } from "./bitbucket/mod.ts";
import { createAzureDevopsClient } from "./azure_devops/mod.ts";
import { createBitbucketServerClient } from "./bitbucket_server/client.ts";
import type { ExistingComment, PlatformClient, PullRequestRef, ResolvesThreads } from "./types.ts";
import { silentLogger } from "../log.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { startFakeGitLab } from "../../tests/fakes/gitlab.ts";
import { startFakeGitea } from "../../tests/fakes/gitea.ts";
import { startFakeBitbucket } from "../../tests/fakes/bitbucket.ts";
import { startFakeAzureDevops } from "../../tests/fakes/azure_devops.ts";
import { startFakeBitbucketServer } from "../../tests/fakes/bitbucket_server.ts";

const PATH = "src/cache.ts";
const BASE = "export const a = 1;\n";
const HEAD = "export const a = 1;\nexport const b = 2;\nexport const c = 3;\n";
const FIXED = "f".repeat(40);

/** The seeded pull request: base → head of `src/cache.ts`, lines 2 and 3 added. */
async function pullRequestDiff() {
  return await makeGitDiff({ [PATH]: { base: BASE, head: HEAD } });
}

/** Posts two inline findings (lines 2 and 3) through the client and returns their comment ids in that order. */
async function postTwoFindings(
  client: PlatformClient,
  pr: PullRequestRef,
  headSha: string,
): Promise<string[]> {
  await client.postReview(pr, {
    headSha,
    summary: "Summary <!-- loom:summary -->",
    event: "COMMENT",
    comments: [2, 3].map((line) => ({
      path: PATH,
      line,
      side: "RIGHT" as const,
      body: `Finding on line ${line} <!-- loom:fp=${String(line).repeat(8)} -->`,
    })),
  });
  const inline = (await client.listComments(pr)).filter((comment: ExistingComment) => comment.inline);
  return [2, 3].map((line) =>
    inline.find((comment) => comment.body.startsWith(`Finding on line ${line}`))!.id
  );
}

async function resolveBoth(client: ResolvesThreads, pr: PullRequestRef, ids: string[]) {
  await client.resolveThreads(pr, [...ids, "999999"], { headSha: FIXED });
}

const seed = (diff: Awaited<ReturnType<typeof pullRequestDiff>>, repo: string, number: number) => ({
  repo,
  number,
  title: "Add b and c",
  author: "ada",
  headSha: diff.headSha,
  baseSha: diff.baseSha,
  baseRef: "main",
  headRef: "feature",
  diff: diff.diff,
  files: { [PATH]: { base: BASE, head: HEAD } },
});

Deno.test("GitHub resolveThreads(): a reply and resolveReviewThread for open threads, resolved ones untouched", async () => {
  await using github = startFakeGitHub();
  const client = createGitHubClient({ baseUrl: github.url, token: FAKE_GITHUB_TOKEN, log: silentLogger });
  const diff = await pullRequestDiff();
  github.state.addPullRequest(seed(diff, "octo/app", 1));
  const pr: PullRequestRef = { platform: "github", repo: "octo/app", number: 1 };
  const [decided, open] = await postTwoFindings(client, pr, diff.headSha);
  github.state.reviewComments.find((comment) => String(comment.id) === decided)!.resolved = true;

  await resolveBoth(client, pr, [decided!, open!]);
  const replies = github.state.reviewComments.filter((comment) => comment.inReplyTo !== undefined);
  assert.deepEqual(replies.map((reply) => String(reply.inReplyTo)), [open]);
  assert.match(
    replies[0]!.body,
    new RegExp(`Resolved by \\[\`fffffff\`\\]\\(${github.url}/octo/app/commit/${FIXED}\\)`),
  );
  assert.ok(github.state.reviewComments.find((comment) => String(comment.id) === open)!.resolved);
});

Deno.test("GitLab resolveThreads(): a reply note and resolved=true for open discussions, resolved ones untouched", async () => {
  await using gitlab = startFakeGitLab();
  const client = createGitLabClient({ baseUrl: gitlab.url, token: gitlab.token });
  const diff = await pullRequestDiff();
  gitlab.state.addPullRequest(seed(diff, "group/app", 1));
  const pr: PullRequestRef = { platform: "gitlab", repo: "group/app", number: 1 };
  const [decided, open] = await postTwoFindings(client, pr, diff.headSha);
  const noteOf = (id: string) => gitlab.state.notes.find((note) => String(note.id) === id)!;
  noteOf(decided!).resolved = true;

  await resolveBoth(client, pr, [decided!, open!]);
  const thread = (id: string) =>
    gitlab.state.notes.filter((note) => note.discussionId === noteOf(id).discussionId);
  assert.equal(thread(decided!).length, 1, "no reply where a person resolved the discussion");
  assert.equal(thread(open!).length, 2);
  assert.match(thread(open!)[1]!.body, new RegExp(`\\(${gitlab.url}/group/app/-/commit/${FIXED}\\)`));
  assert.ok(thread(open!).every((note) => note.resolved));
});

Deno.test("Gitea resolveThreads(): one comment marks the open threads; a conversation resolved in the UI is left out", async () => {
  await using gitea = startFakeGitea();
  const client = createGiteaClient({ baseUrl: gitea.url, token: gitea.token });
  const diff = await pullRequestDiff();
  gitea.state.addPullRequest(seed(diff, "infra/app", 1));
  const pr: PullRequestRef = { platform: "gitea", repo: "infra/app", number: 1 };
  const [decided, open] = await postTwoFindings(client, pr, diff.headSha);
  gitea.state.reviews.flatMap((review) => review.comments).find((comment) => String(comment.id) === decided)!
    .resolver = "ada";

  await resolveBoth(client, pr, [decided!, open!]);
  const notes = gitea.state.comments.filter((comment) => comment.body.includes("loom:resolved="));
  assert.equal(notes.length, 1);
  assert.match(notes[0]!.body, new RegExp(`<!-- loom:resolved=${open} -->`));
  assert.doesNotMatch(notes[0]!.body, new RegExp(`loom:resolved=${decided} `));
  assert.match(notes[0]!.body, new RegExp(`\\(${gitea.url}/infra/app/commit/${FIXED}\\)`));
  // Nothing left to mark: no empty comment.
  await client.resolveThreads(pr, [decided!], { headSha: FIXED });
  assert.equal(gitea.state.comments.filter((comment) => comment.body.includes("loom:resolved=")).length, 1);
});

Deno.test("Bitbucket resolveThreads(): a reply and …/resolve for open comments, resolved ones untouched", async () => {
  await using bitbucket = startFakeBitbucket();
  const client = createBitbucketClient({
    baseUrl: bitbucket.apiUrl,
    token: bitbucket.token,
    commentDelayMs: 0,
  });
  const diff = await pullRequestDiff();
  bitbucket.state.addPullRequest(seed(diff, "ws/app", 1));
  const pr: PullRequestRef = { platform: "bitbucket", repo: "ws/app", number: 1 };
  const [decided, open] = await postTwoFindings(client, pr, diff.headSha);
  const comments = () => bitbucket.state.comments("ws/app", 1);
  comments().find((comment) => String(comment.id) === decided)!.resolution = {
    user: "ada",
    createdOn: "now",
  };

  await resolveBoth(client, pr, [decided!, open!]);
  const replies = comments().filter((comment) => comment.parentId !== undefined);
  assert.deepEqual(replies.map((reply) => String(reply.parentId)), [open]);
  assert.match(replies[0]!.body, new RegExp(`\\(https://bitbucket.org/ws/app/commits/${FIXED}\\)`));
  assert.ok(comments().find((comment) => String(comment.id) === open)!.resolution);
  assert.equal(comments().find((comment) => String(comment.id) === decided)!.resolution?.user, "ada");
});

Deno.test("Azure DevOps resolveThreads(): a reply and status fixed for active threads, decided ones untouched", async () => {
  await using azure = startFakeAzureDevops();
  const client = createAzureDevopsClient({
    baseUrl: azure.url,
    organization: azure.organization,
    token: azure.token,
    commentDelayMs: 0,
  });
  const diff = await pullRequestDiff();
  azure.state.addPullRequest(seed(diff, "Proj/app", 1));
  const pr: PullRequestRef = { platform: "azure_devops", repo: "Proj/app", number: 1 };
  const [decided, open] = await postTwoFindings(client, pr, diff.headSha);
  const threadOf = (id: string) =>
    azure.state.threads("Proj/app", 1).find((thread) => id.startsWith(`${thread.id}:`))!;
  threadOf(decided!).status = "wontFix";

  await resolveBoth(client, pr, [decided!, open!]);
  assert.equal(threadOf(decided!).status, "wontFix");
  assert.equal(threadOf(decided!).comments.length, 1);
  assert.equal(threadOf(open!).status, "fixed");
  assert.equal(threadOf(open!).comments.length, 2);
  assert.match(
    threadOf(open!).comments[1]!.content,
    new RegExp(`\\(${azure.url}/${azure.organization}/Proj/_git/app/commit/${FIXED}\\)`),
  );
});

Deno.test("Bitbucket Data Center resolveThreads(): a reply and threadResolved for open threads, a blocker's task done too", async () => {
  await using bitbucket = startFakeBitbucketServer();
  const client = createBitbucketServerClient({
    baseUrl: bitbucket.url,
    token: bitbucket.token,
    commentDelayMs: 0,
  });
  const diff = await pullRequestDiff();
  bitbucket.state.addPullRequest(seed(diff, "PLAT/app", 1));
  const pr: PullRequestRef = { platform: "bitbucket_server", repo: "PLAT/app", number: 1 };
  const [decided, open] = await postTwoFindings(client, pr, diff.headSha);
  const comments = () => bitbucket.state.comments("PLAT/app", 1);
  const byId = (id: string) => comments().find((comment) => String(comment.id) === id)!;
  byId(decided!).threadResolved = true;
  byId(open!).severity = "BLOCKER";

  await resolveBoth(client, pr, [decided!, open!]);
  const replies = comments().filter((comment) => comment.parentId !== undefined);
  assert.deepEqual(replies.map((reply) => String(reply.parentId)), [open]);
  assert.match(
    replies[0]!.text,
    new RegExp(`\\(${bitbucket.url}/projects/PLAT/repos/app/commits/${FIXED}\\)`),
  );
  assert.equal(byId(open!).threadResolved, true);
  assert.equal(byId(open!).state, "RESOLVED", "the blocker's task is done");
  assert.equal(byId(decided!).version, 0, "a thread someone resolved is not written to");
});
