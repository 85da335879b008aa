/**
 * A finding fixed by a later push has its thread resolved — or, on Gitea, marked — on every platform, end to end in
 * the real process: the first review posts the off-by-one finding inline on line 10; a push fixes that line, the
 * model no longer reports it, and Loom replies in the thread naming the pushed commit (linked) and resolves it
 * through the platform's real API: GitHub's GraphQL `resolveReviewThread`, GitLab's discussion `resolved`,
 * Bitbucket's `…/comments/{id}/resolve`, Data Center's `threadResolved`, Azure DevOps' thread status `fixed`, and
 * on Gitea, whose API cannot resolve a conversation, one comment naming the commit and linking the fixed comment.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import gitlabFixture from "../../lib/platforms/gitlab/testdata/merge-request-event.json" with {
  type: "json",
};
import giteaFixture from "../../lib/platforms/gitea/testdata/pull-request-event.json" with { type: "json" };
import bitbucketFixture from "../../lib/platforms/bitbucket/testdata/cloud/pull-request-created.json" with {
  type: "json",
};
import azureCreated from "../../lib/platforms/azure_devops/testdata/git.pullrequest.created.json" with {
  type: "json",
};
import azureUpdated from "../../lib/platforms/azure_devops/testdata/git.pullrequest.updated.json" with {
  type: "json",
};
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../fakes/github.ts";
import { startFakeGitLab } from "../fakes/gitlab.ts";
import { startFakeGitea } from "../fakes/gitea.ts";
import { startFakeBitbucket } from "../fakes/bitbucket.ts";
import { startFakeAzureDevops } from "../fakes/azure_devops.ts";
import { startFakeBitbucketServer } from "../fakes/bitbucket_server.ts";
import serverOpened from "../../lib/platforms/bitbucket/testdata/server/pr-opened.json" with { type: "json" };
import { type GitDiffResult, makeGitDiff } from "../fakes/git_diff.ts";
import type { FakeLlmRequest, FakeReply } from "../fakes/openai.ts";
import { type LoomProcess, startLoom } from "../support/loom_process.ts";
import {
  ANCHORED_TITLE,
  BASE_SOURCE,
  findingsReply,
  HEAD_SOURCE,
  postWebhook,
  type ReviewE2e,
  REVIEWED_PATH,
  setupReviewE2e,
  waitForCompletedJobs,
} from "../support/e2e_review.ts";

/** The first head with line 10's off-by-one fixed. */
const FIXED_SOURCE = HEAD_SOURCE.replace("i <= keys.length", "i < keys.length");
const SECRET = "e2e-resolution-webhook-secret";
const AZURE_USER = "loom-hook";
const AZURE_PASSWORD = "e2e:azure:hook-password";

/** The shared model, except that it stops reporting the off-by-one once the code no longer has it. */
function fixAwareReply(request: FakeLlmRequest): FakeReply {
  const reply = findingsReply(request);
  if (typeof reply === "string" || !("json" in reply)) return reply;
  if (request.messages.some((message) => message.content.includes("i <= keys.length"))) return reply;
  const { findings } = reply.json as { findings: { title: string }[] };
  return { ...reply, json: { findings: findings.filter((finding) => finding.title !== ANCHORED_TITLE) } };
}

/** The reply every platform gets: the short commit linked to its page, and the hidden marker. */
function assertResolvedReply(body: string, commitUrl: string, commentId: string) {
  const short = commitUrl.slice(-40).slice(0, 7);
  assert.ok(body.includes(`Resolved by [\`${short}\`](${commitUrl})`), `names the commit: ${body}`);
  assert.ok(body.includes(`<!-- loom:resolved=${commentId} -->`), `carries the marker: ${body}`);
}

/** One platform: start its fake, seed a head, deliver the opened and the pushed webhook, read its threads. */
interface Platform {
  id: "github" | "gitlab" | "gitea" | "bitbucket" | "bitbucket_server" | "azure_devops";
  fullName: string;
  secret: string;
  start(context: ReviewE2e): Driver;
}

interface Driver extends AsyncDisposable {
  env: Record<string, string>;
  seed(diff: GitDiffResult, head: string, previousHead?: string): Promise<void>;
  deliver(loom: LoomProcess, path: string, diff: GitDiffResult, pushed: boolean): Promise<string | undefined>;
  /** Checks the thread of the first review's inline finding is resolved with a reply naming `fixed`. */
  assertResolved(fixed: GitDiffResult): void;
}

const GITHUB: Platform = {
  id: "github",
  fullName: "octo-org/cache-service",
  secret: SECRET,
  start() {
    const github = startFakeGitHub();
    const repo = "octo-org/cache-service";
    return {
      env: { LOOM_GITHUB_API_URL: github.url, LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN },
      async seed(diff, head, previousHead) {
        github.state.addPullRequest({
          repo,
          number: 42,
          title: "Add cache eviction",
          author: "ada",
          headSha: diff.headSha,
          baseSha: diff.baseSha,
          headRef: "eviction",
          diff: diff.diff,
          files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head } },
        });
        // The push's own commits, so this review is incremental (the hunks the push touched).
        if (previousHead !== undefined) {
          const since = await makeGitDiff({ [REVIEWED_PATH]: { base: HEAD_SOURCE, head } });
          github.state.addComparison(repo, previousHead, diff.headSha, since.diff);
        }
      },
      async deliver(loom, path, diff, pushed) {
        // deno-lint-ignore no-explicit-any
        const definition = (examples as unknown as { name: string; examples: Record<string, any>[] }[])
          .find((item) => item.name === "pull_request")!;
        const payload = structuredClone(
          definition.examples.find((item) => item.action === (pushed ? "synchronize" : "opened"))!,
        );
        payload.number = 42;
        payload.pull_request.number = 42;
        payload.pull_request.draft = false;
        payload.pull_request.state = "open";
        payload.pull_request.head.sha = diff.headSha;
        payload.pull_request.base.sha = diff.baseSha;
        payload.pull_request.base.ref = "main";
        payload.repository.full_name = repo;
        payload.repository.name = "cache-service";
        payload.repository.owner.login = "octo-org";
        const body = JSON.stringify(payload);
        return (await postWebhook(loom, path, body, {
          "x-github-event": "pull_request",
          "x-github-delivery": crypto.randomUUID(),
          "x-hub-signature-256": await sign(SECRET, body),
        })).body.outcome;
      },
      assertResolved(fixed) {
        const comments = github.state.reviewComments;
        const root = comments.find((comment) => comment.body.includes(ANCHORED_TITLE))!;
        assert.equal(root.resolved, true, "the review thread is resolved");
        const replies = comments.filter((comment) => comment.inReplyTo === root.id);
        assert.equal(replies.length, 1, "one reply in the thread");
        assertResolvedReply(
          replies[0]!.body,
          `${github.url}/${repo}/commit/${fixed.headSha}`,
          String(root.id),
        );
      },
      [Symbol.asyncDispose]: () => github.close(),
    };
  },
};

const GITLAB: Platform = {
  id: "gitlab",
  fullName: "platform-team/cache-service",
  secret: SECRET,
  start() {
    const gitlab = startFakeGitLab();
    const project = "platform-team/cache-service";
    let head = "";
    return {
      env: { LOOM_GITLAB_URL: gitlab.url, LOOM_GITLAB_TOKEN: gitlab.token },
      seed(diff, source) {
        gitlab.state.addPullRequest({
          repo: project,
          number: 3,
          title: "Add cache eviction",
          author: "ada",
          headSha: diff.headSha,
          baseSha: diff.baseSha,
          baseRef: "main",
          headRef: "eviction",
          diff: diff.diff,
          files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head: source } },
        });
        return Promise.resolve();
      },
      async deliver(loom, path, diff, pushed) {
        const payload = structuredClone(gitlabFixture);
        payload.project.id = 7;
        payload.project.path_with_namespace = project;
        payload.user.username = "ada";
        const attributes = payload.object_attributes as
          & Record<string, unknown>
          & typeof payload.object_attributes;
        attributes.iid = 3;
        attributes.title = "Add cache eviction";
        attributes.action = pushed ? "update" : "open";
        attributes.oldrev = pushed ? head : null;
        attributes.source_branch = "eviction";
        attributes.target_branch = "main";
        attributes.target_project_id = 7;
        attributes.draft = false;
        attributes.work_in_progress = false;
        attributes.last_commit.id = diff.headSha;
        head = diff.headSha;
        return (await postWebhook(loom, path, JSON.stringify(payload), {
          "x-gitlab-event": "Merge Request Hook",
          "x-gitlab-token": SECRET,
          "idempotency-key": crypto.randomUUID(),
        })).body.outcome;
      },
      assertResolved(fixed) {
        const root = gitlab.state.discussions.find((note) => note.body.includes(ANCHORED_TITLE))!;
        const thread = gitlab.state.notes.filter((note) => note.discussionId === root.discussionId);
        assert.equal(thread.length, 2, "one reply in the discussion");
        assert.ok(thread.every((note) => note.resolved === true), "the discussion is resolved");
        assertResolvedReply(
          thread[1]!.body,
          `${gitlab.url}/${project}/-/commit/${fixed.headSha}`,
          String(root.id),
        );
      },
      [Symbol.asyncDispose]: () => gitlab.close(),
    };
  },
};

const GITEA: Platform = {
  id: "gitea",
  fullName: "infra/cache-service",
  secret: SECRET,
  start() {
    const gitea = startFakeGitea();
    const repo = "infra/cache-service";
    return {
      env: { LOOM_GITEA_URL: gitea.url, LOOM_GITEA_TOKEN: gitea.token },
      seed(diff, head) {
        gitea.state.addPullRequest({
          repo,
          number: 4,
          title: "Add cache eviction",
          author: "ada",
          headSha: diff.headSha,
          baseSha: diff.baseSha,
          baseRef: "main",
          headRef: "eviction",
          diff: diff.diff,
          files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head } },
        });
        return Promise.resolve();
      },
      async deliver(loom, path, diff, pushed) {
        const payload = structuredClone(giteaFixture);
        payload.action = pushed ? "synchronized" : "opened";
        payload.number = 4;
        payload.pull_request.number = 4;
        payload.pull_request.title = "Add cache eviction";
        payload.pull_request.user.login = "ada";
        payload.pull_request.head.sha = diff.headSha;
        payload.pull_request.head.ref = "eviction";
        payload.pull_request.base.sha = diff.baseSha;
        payload.pull_request.base.ref = "main";
        payload.pull_request.merge_base = diff.baseSha;
        payload.repository.full_name = repo;
        payload.repository.name = "cache-service";
        const body = JSON.stringify(payload);
        return (await postWebhook(loom, path, body, {
          "x-gitea-event": "pull_request",
          "x-gitea-delivery": crypto.randomUUID(),
          "x-gitea-signature": createHmac("sha256", SECRET).update(body).digest("hex"),
        })).body.outcome;
      },
      assertResolved(fixed) {
        const root = gitea.state.reviews.flatMap((review) => review.comments)
          .find((comment) => comment.body.includes(ANCHORED_TITLE))!;
        const notes = gitea.state.comments.filter((comment) => comment.body.includes("loom:resolved="));
        assert.equal(notes.length, 1, "one comment marks the fixed finding");
        assertResolvedReply(notes[0]!.body, `${gitea.url}/${repo}/commit/${fixed.headSha}`, String(root.id));
        assert.ok(
          notes[0]!.body.includes(`/${repo}/pulls/4/files#issuecomment-${root.id}`),
          "it links the fixed comment",
        );
      },
      [Symbol.asyncDispose]: () => gitea.close(),
    };
  },
};

const BITBUCKET: Platform = {
  id: "bitbucket",
  fullName: "acme-team/cache-service",
  secret: SECRET,
  start() {
    const bitbucket = startFakeBitbucket();
    const repo = "acme-team/cache-service";
    return {
      env: {
        LOOM_BITBUCKET_URL: bitbucket.apiUrl,
        LOOM_BITBUCKET_TOKEN: bitbucket.token,
        // The fake does not rate-limit; pacing comments like production would only slow the test down.
        LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
      },
      seed(diff, head) {
        bitbucket.state.addPullRequest({
          repo,
          number: 6,
          title: "Add cache eviction",
          author: "ada",
          headSha: diff.headSha,
          baseSha: diff.baseSha,
          baseRef: "main",
          headRef: "eviction",
          diff: diff.diff,
          files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head } },
        });
        return Promise.resolve();
      },
      async deliver(loom, path, diff, pushed) {
        const payload = structuredClone(bitbucketFixture) as typeof bitbucketFixture & {
          pullrequest: { draft?: boolean };
        };
        payload.repository.full_name = repo;
        payload.repository.name = "cache-service";
        payload.pullrequest.id = 6;
        payload.pullrequest.title = "Add cache eviction";
        payload.pullrequest.state = "OPEN";
        payload.pullrequest.draft = false;
        payload.pullrequest.author.nickname = "ada";
        payload.pullrequest.source.commit.hash = diff.headSha.slice(0, 12);
        payload.pullrequest.source.branch.name = "eviction";
        payload.pullrequest.destination.commit.hash = diff.baseSha.slice(0, 12);
        payload.pullrequest.destination.branch.name = "main";
        const body = JSON.stringify(payload);
        return (await postWebhook(loom, path, body, {
          "x-event-key": pushed ? "pullrequest:updated" : "pullrequest:created",
          "x-request-uuid": `{${crypto.randomUUID()}}`,
          "x-hub-signature": "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex"),
        })).body.outcome;
      },
      assertResolved(fixed) {
        const comments = bitbucket.state.comments(repo, 6);
        const root = comments.find((comment) => comment.body.includes(ANCHORED_TITLE))!;
        assert.ok(root.resolution, "the comment thread is resolved");
        const replies = comments.filter((comment) => comment.parentId === root.id);
        assert.equal(replies.length, 1, "one reply in the thread");
        assert.deepEqual(replies[0]!.inline, root.inline, "the reply sits in the thread");
        // The full hash: Loom resolves the webhook's 12-character one before reviewing.
        const commitUrl = `https://bitbucket.org/${repo}/commits/${fixed.headSha}`;
        assertResolvedReply(replies[0]!.body, commitUrl, String(root.id));
      },
      [Symbol.asyncDispose]: () => bitbucket.close(),
    };
  },
};

const BITBUCKET_SERVER: Platform = {
  id: "bitbucket_server",
  fullName: "PLAT/cache-service",
  secret: SECRET,
  start() {
    const bitbucket = startFakeBitbucketServer();
    const repo = "PLAT/cache-service";
    let head = "";
    return {
      env: {
        LOOM_BITBUCKET_SERVER_URL: bitbucket.url,
        LOOM_BITBUCKET_SERVER_TOKEN: bitbucket.token,
        LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
      },
      async seed(diff, source, previousHead) {
        bitbucket.state.addPullRequest({
          repo,
          number: 6,
          title: "Add cache eviction",
          author: "ada",
          headSha: diff.headSha,
          baseSha: diff.baseSha,
          baseRef: "main",
          headRef: "eviction",
          diff: diff.diff,
          files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head: source } },
        });
        if (previousHead !== undefined) {
          const since = await makeGitDiff({ [REVIEWED_PATH]: { base: HEAD_SOURCE, head: source } });
          bitbucket.state.addCommitDiff(repo, previousHead, diff.headSha, since.diff);
        }
      },
      async deliver(loom, path, diff, pushed) {
        const pr = structuredClone(serverOpened.pullRequest);
        pr.id = 6;
        pr.title = "Add cache eviction";
        for (const ref of [pr.fromRef, pr.toRef]) {
          ref.repository.project.key = "PLAT";
          ref.repository.slug = "cache-service";
        }
        pr.fromRef.latestCommit = diff.headSha;
        pr.fromRef.displayId = "eviction";
        pr.fromRef.id = "refs/heads/eviction";
        pr.toRef.latestCommit = diff.baseSha;
        pr.toRef.displayId = "main";
        pr.toRef.id = "refs/heads/main";
        pr.author.user.name = "ada";
        const eventKey = pushed ? "pr:from_ref_updated" : "pr:opened";
        const push = pushed ? { previousFromHash: head, toHash: diff.headSha } : {};
        head = diff.headSha;
        const body = JSON.stringify({ ...serverOpened, eventKey, pullRequest: pr, ...push });
        return (await postWebhook(loom, path, body, {
          "x-event-key": eventKey,
          "x-request-id": crypto.randomUUID(),
          "x-hub-signature": "sha256=" + createHmac("sha256", SECRET).update(body).digest("hex"),
        })).body.outcome;
      },
      assertResolved(fixed) {
        const comments = bitbucket.state.comments(repo, 6);
        const root = comments.find((comment) => comment.text.includes(ANCHORED_TITLE))!;
        assert.equal(root.threadResolved, true, "the comment thread is resolved");
        const replies = comments.filter((comment) => comment.parentId === root.id);
        assert.equal(replies.length, 1, "one reply in the thread");
        assertResolvedReply(
          replies[0]!.text,
          `${bitbucket.url}/projects/PLAT/repos/cache-service/commits/${fixed.headSha}`,
          String(root.id),
        );
      },
      [Symbol.asyncDispose]: () => bitbucket.close(),
    };
  },
};

const AZURE: Platform = {
  id: "azure_devops",
  fullName: "Platform/cache-service",
  secret: `basic:${AZURE_USER}:${AZURE_PASSWORD}`,
  start() {
    const azure = startFakeAzureDevops();
    const repo = "Platform/cache-service";
    let seeded = false;
    return {
      env: {
        LOOM_AZURE_DEVOPS_URL: `${azure.url}/${azure.organization}`,
        LOOM_AZURE_DEVOPS_TOKEN: azure.token,
        LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
      },
      seed(diff, head) {
        if (seeded) {
          azure.state.pushCommit(repo, 8, { headSha: diff.headSha, files: { [REVIEWED_PATH]: head } });
        } else {
          azure.state.addPullRequest({
            repo,
            number: 8,
            title: "Add cache eviction",
            author: "ada@example.com",
            headSha: diff.headSha,
            baseSha: diff.baseSha,
            baseRef: "main",
            headRef: "eviction",
            files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head } },
          });
        }
        seeded = true;
        return Promise.resolve();
      },
      async deliver(loom, path, diff, pushed) {
        const payload = structuredClone(pushed ? azureUpdated : azureCreated) as typeof azureCreated;
        payload.id = crypto.randomUUID();
        const resource = payload.resource;
        resource.repository.name = "cache-service";
        resource.repository.project.name = "Platform";
        resource.pullRequestId = 8;
        resource.status = "active";
        resource.title = "Add cache eviction";
        resource.createdBy.uniqueName = "ada@example.com";
        resource.sourceRefName = "refs/heads/eviction";
        resource.targetRefName = "refs/heads/main";
        resource.lastMergeSourceCommit.commitId = diff.headSha;
        resource.lastMergeTargetCommit.commitId = diff.baseSha;
        return (await postWebhook(loom, path, JSON.stringify(payload), {
          authorization: `Basic ${btoa(`${AZURE_USER}:${AZURE_PASSWORD}`)}`,
        })).body.outcome;
      },
      assertResolved(fixed) {
        const thread = azure.state.threads(repo, 8)
          .find((candidate) => candidate.comments[0]!.content.includes(ANCHORED_TITLE))!;
        assert.equal(thread.status, "fixed", "the thread is resolved");
        assert.equal(thread.comments.length, 2, "one reply in the thread");
        assert.equal(thread.comments[1]!.parentCommentId, 1);
        assertResolvedReply(
          thread.comments[1]!.content,
          `${azure.url}/${azure.organization}/Platform/_git/cache-service/commit/${fixed.headSha}`,
          `${thread.id}:1`,
        );
      },
      [Symbol.asyncDispose]: () => azure.close(),
    };
  },
};

for (const platform of [GITHUB, GITLAB, GITEA, BITBUCKET, BITBUCKET_SERVER, AZURE]) {
  for (const dialect of ["sqlite", "postgres"] as const) {
    Deno.test(`${platform.id}: a finding fixed by a later push has its thread resolved with a reply naming the commit [${dialect}]`, async () => {
      await using context = await setupReviewE2e({
        dialect,
        platform: platform.id,
        fullName: platform.fullName,
        webhookSecret: platform.secret,
        reply: fixAwareReply,
      });
      await using driver = platform.start(context);
      await driver.seed(context.diff, HEAD_SOURCE);
      await using loom = await startLoom({ ...context.env, ...driver.env });

      assert.equal(await driver.deliver(loom, context.webhookPath, context.diff, false), "enqueued");
      await waitForCompletedJobs(context, loom, 1);

      const fixed = await makeGitDiff({ [REVIEWED_PATH]: { base: BASE_SOURCE, head: FIXED_SOURCE } });
      await driver.seed(fixed, FIXED_SOURCE, context.diff.headSha);
      assert.equal(await driver.deliver(loom, context.webhookPath, fixed, true), "enqueued");
      await waitForCompletedJobs(context, loom, 2);

      driver.assertResolved(fixed);
    });
  }
}
