/**
 * `@loom review` end to end in the real process on Gitea, Bitbucket Cloud and Azure DevOps: a signed comment
 * webhook from a commenter the platform's permission API reports as read-only gets a reply saying why and starts
 * nothing; the same comment from a writer starts a review that is posted to the pull request.
 */
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import giteaComment from "../../lib/platforms/gitea/testdata/pull-request-comment-event.json" with {
  type: "json",
};
import bitbucketComment from "../../lib/platforms/bitbucket/testdata/cloud/pull-request-comment-created.json" with {
  type: "json",
};
import azureComment from "../../lib/platforms/azure_devops/testdata/git-pullrequest-comment-event.json" with {
  type: "json",
};
import { startFakeGitea } from "../fakes/gitea.ts";
import { startFakeBitbucket } from "../fakes/bitbucket.ts";
import { startFakeAzureDevops } from "../fakes/azure_devops.ts";
import { type LoomProcess, startLoom } from "../support/loom_process.ts";
import {
  BASE_SOURCE,
  HEAD_SOURCE,
  isReviewBody,
  jobStates,
  postWebhook,
  type ReviewE2e,
  REVIEWED_PATH,
  setupReviewE2e,
  waitForCompletedJobs,
} from "../support/e2e_review.ts";
import type { PlatformId } from "../../lib/platforms/types.ts";

const REFUSAL = /Only people with write access to this repository can give Loom commands/;

interface Commenter {
  login: string;
  id: string;
}

/** One platform: its fake, seeded with the pull request and both commenters' levels, and its comment webhook. */
interface PlatformCase extends AsyncDisposable {
  env: Record<string, string>;
  /** Posts `@loom review` from `commenter` as comment `commentId`, signed as the platform signs it. */
  comment(context: ReviewE2e, loom: LoomProcess, commenter: Commenter, commentId: number): Promise<number>;
  /** Every comment body Loom posted on the pull request. */
  posted(): string[];
}

async function send(loom: LoomProcess, path: string, body: string, headers: Record<string, string>) {
  const response = await postWebhook(loom, path, body, headers);
  assert.equal(response.body.outcome, "enqueued", JSON.stringify(response.body));
  return response.status;
}

const WRITER_BB = { login: "writer", id: "{6b1a6f0e-5d43-4c1f-9d3c-0d3f1c2a7e11}" };
const READER_BB = { login: "reader", id: "{0f0e7a4b-2f52-4bb4-8a63-93a1b07f4c22}" };
const WRITER_AZ = { login: "writer@example.com", id: "6f4c1e7a-1b2c-4d3e-8f9a-0b1c2d3e4f50" };
const READER_AZ = { login: "reader@example.com", id: "7a5d2f8b-2c3d-4e5f-9a0b-1c2d3e4f5061" };

const PLATFORMS: Record<string, {
  platform: PlatformId;
  repo: string;
  secret: string;
  writer: Commenter;
  reader: Commenter;
  start(context: ReviewE2e): PlatformCase;
}> = {
  Gitea: {
    platform: "gitea",
    repo: "infra/cache-service",
    secret: "e2e-gitea-command-secret",
    writer: { login: "writer", id: "41" },
    reader: { login: "reader", id: "42" },
    start(context) {
      const fake = startFakeGitea();
      fake.state.addPullRequest({ repo: "infra/cache-service", number: 4, ...seed(context) });
      fake.state.setPermission("infra/cache-service", "writer", "write");
      fake.state.setPermission("infra/cache-service", "reader", "read");
      return {
        env: { LOOM_GITEA_URL: fake.url, LOOM_GITEA_TOKEN: fake.token },
        comment(context, loom, commenter, commentId) {
          const payload = structuredClone(giteaComment);
          payload.repository.full_name = "infra/cache-service";
          payload.repository.name = "cache-service";
          payload.issue.number = 4;
          payload.comment.id = commentId;
          payload.comment.body = "@loom review";
          payload.comment.user.login = commenter.login;
          payload.comment.user.id = Number(commenter.id);
          const body = JSON.stringify(payload);
          return send(loom, context.webhookPath, body, {
            "x-gitea-event": "issue_comment",
            "x-gitea-delivery": `gitea-comment-${commentId}`,
            "x-gitea-signature": createHmac("sha256", "e2e-gitea-command-secret").update(body).digest("hex"),
          });
        },
        posted: () => [
          ...fake.state.comments.map((comment) => comment.body),
          ...fake.state.reviews.map((review) => review.body),
        ],
        [Symbol.asyncDispose]: () => fake.close(),
      };
    },
  },
  "Bitbucket Cloud": {
    platform: "bitbucket",
    repo: "acme/cache-service",
    secret: "e2e-bitbucket-command-secret",
    writer: WRITER_BB,
    reader: READER_BB,
    start(context) {
      const fake = startFakeBitbucket();
      fake.state.addPullRequest({ repo: "acme/cache-service", number: 6, ...seed(context) });
      fake.state.setPermission("acme/cache-service", WRITER_BB.id, "write");
      fake.state.setPermission("acme/cache-service", READER_BB.id, "read");
      return {
        env: {
          LOOM_BITBUCKET_URL: fake.apiUrl,
          LOOM_BITBUCKET_TOKEN: fake.token,
          LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
        },
        comment(context, loom, commenter, commentId) {
          // A comment on the conversation, not on a line.
          const { inline: _inline, ...conversation } = bitbucketComment.comment;
          const payload = { ...structuredClone(bitbucketComment), comment: structuredClone(conversation) };
          payload.repository.full_name = "acme/cache-service";
          payload.repository.name = "cache-service";
          payload.pullrequest.id = 6;
          payload.comment.id = commentId;
          payload.comment.content.raw = "@loom review";
          payload.actor.nickname = commenter.login;
          payload.actor.display_name = commenter.login;
          payload.actor.uuid = commenter.id;
          const body = JSON.stringify(payload);
          return send(loom, context.webhookPath, body, {
            "x-event-key": "pullrequest:comment_created",
            "x-request-uuid": `{bitbucket-comment-${commentId}}`,
            "x-hub-signature": "sha256=" +
              createHmac("sha256", "e2e-bitbucket-command-secret").update(body).digest("hex"),
          });
        },
        posted: () => fake.state.comments("acme/cache-service", 6).map((comment) => comment.body),
        [Symbol.asyncDispose]: () => fake.close(),
      };
    },
  },
  "Azure DevOps": {
    platform: "azure_devops",
    repo: "Platform/cache-service",
    secret: "basic:loom-hook:e2e:azure:command-password",
    writer: WRITER_AZ,
    reader: READER_AZ,
    start(context) {
      const fake = startFakeAzureDevops();
      fake.state.addPullRequest({ repo: "Platform/cache-service", number: 8, ...seed(context) });
      fake.state.setPermission("Platform/cache-service", WRITER_AZ.id, "write");
      fake.state.setPermission("Platform/cache-service", READER_AZ.id, "read");
      return {
        env: {
          LOOM_AZURE_DEVOPS_URL: `${fake.url}/${fake.organization}`,
          LOOM_AZURE_DEVOPS_TOKEN: fake.token,
          LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
        },
        comment(context, loom, commenter, commentId) {
          const payload = structuredClone(azureComment);
          payload.id = `azure-comment-${commentId}`;
          const { comment, pullRequest } = payload.resource;
          comment.id = commentId;
          // The first comment of a new thread: a command, not a reply in someone's thread.
          comment.parentCommentId = 0;
          comment.content = "@loom review";
          comment.author.id = commenter.id;
          comment.author.uniqueName = commenter.login;
          comment.author.displayName = commenter.login;
          comment._links.threads.href = comment._links.threads.href.replace(
            /\/threads\/\d+$/,
            `/threads/${commentId}`,
          );
          pullRequest.repository.name = "cache-service";
          pullRequest.repository.project.name = "Platform";
          pullRequest.pullRequestId = 8;
          pullRequest.lastMergeSourceCommit.commitId = context.diff.headSha;
          pullRequest.lastMergeTargetCommit.commitId = context.diff.baseSha;
          return send(loom, context.webhookPath, JSON.stringify(payload), {
            authorization: `Basic ${btoa("loom-hook:e2e:azure:command-password")}`,
          });
        },
        posted: () =>
          fake.state.threads("Platform/cache-service", 8).flatMap((thread) =>
            thread.comments.map((comment) => comment.content)
          ),
        [Symbol.asyncDispose]: () => fake.close(),
      };
    },
  },
};

function seed(context: ReviewE2e) {
  return {
    title: "Add cache eviction",
    author: "ada",
    headSha: context.diff.headSha,
    baseSha: context.diff.baseSha,
    baseRef: "main",
    headRef: "eviction",
    diff: context.diff.diff,
    files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head: HEAD_SOURCE } },
  };
}

for (const [name, spec] of Object.entries(PLATFORMS)) {
  for (const dialect of ["sqlite", "postgres"] as const) {
    Deno.test(`${name}: a reader's @loom review is refused with the reason, a writer's runs [${dialect}]`, async () => {
      await using context = await setupReviewE2e({
        dialect,
        platform: spec.platform,
        fullName: spec.repo,
        webhookSecret: spec.secret,
      });
      await using platform = spec.start(context);
      await using loom = await startLoom({ ...context.env, ...platform.env });

      assert.equal(await platform.comment(context, loom, spec.reader, 501), 202);
      await waitForCompletedJobs(context, loom, 1, () => JSON.stringify(platform.posted()));
      const refusals = platform.posted().filter((body) => REFUSAL.test(body));
      assert.equal(refusals.length, 1, `one reply says why: ${JSON.stringify(platform.posted())}`);
      // Azure DevOps notifies only for `@<identity id>`; the other platforms mention by login.
      const mentionOf = (user: { login: string; id: string }) =>
        spec.platform === "azure_devops" ? `@<${user.id}>` : `@${user.login}`;
      assert.ok(refusals[0]!.includes(mentionOf(spec.reader)), refusals[0]);
      assert.equal(platform.posted().filter(isReviewBody).length, 0, "no review");

      assert.equal(await platform.comment(context, loom, spec.writer, 502), 202);
      // The command job, then the review it enqueued.
      await waitForCompletedJobs(context, loom, 3, () => JSON.stringify(platform.posted()));
      assert.equal((await jobStates(context)).length, 3);
      assert.ok(
        platform.posted().some((body) =>
          /Starting a full review/.test(body) && body.includes(`as ${mentionOf(spec.writer)} asked`)
        ),
        "the writer is answered, and mentioned",
      );
      assert.ok(platform.posted().some(isReviewBody), "the review is posted");
      assert.equal(
        platform.posted().filter((body) => REFUSAL.test(body)).length,
        1,
        "the writer is not refused",
      );
    });
  }
}
