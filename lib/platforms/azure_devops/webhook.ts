/**
 * Azure DevOps service hooks. They carry no signature, so authenticity comes from credentials configured on the
 * subscription: Basic auth or a custom header, compared in constant time. The delivery id for replay
 * protection is the notification's event `id` from the body; there is no delivery header.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { z } from "zod";
import type { CommentEvent, PullRequestEvent, WebhookParser } from "../types.ts";
import { activeLabels, CommentResource, GitPullRequest, type Identity, Notification } from "./schema.ts";

const COMMENT_EVENT = "ms.vss-code.git-pullrequest-comment-event";

/** What Loom compares an incoming service hook against. */
export type AzureDevopsHookSecret =
  | { kind: "basic"; username: string; password: string }
  | { kind: "header"; name: string; value: string };

/**
 * Reads the webhook secret Loom stores for an Azure DevOps repository: `basic:<user>:<password>` (the Basic
 * credentials set on the subscription; the password may contain colons) or `header:<Name>:<value>` (a custom
 * HTTP header set on the subscription, one `Name:value` line). Returns null for anything else.
 */
export function parseAzureDevopsHookSecret(secret: string): AzureDevopsHookSecret | null {
  const match = secret.match(/^(basic|header):([^:]+):(.+)$/s);
  if (!match) return null;
  const [, kind, first, rest] = match;
  if (kind === "basic") return { kind, username: first, password: rest };
  return { kind: "header", name: first.trim(), value: rest };
}

function digest(value: string | Uint8Array): Uint8Array {
  return createHash("sha256").update(value).digest();
}

/** Hashing both sides first keeps the comparison constant-time whatever the received length. */
function constantTimeEqual(received: string | Uint8Array, expected: string): boolean {
  return timingSafeEqual(digest(received), digest(expected));
}

function decodeBasic(header: string): Uint8Array | null {
  const match = header.match(/^basic\s+(\S+)\s*$/i);
  if (!match) return null;
  return Uint8Array.from(atob(match[1]), (character) => character.charCodeAt(0));
}

function stripHeads(ref: string): string {
  return ref.replace(/^refs\/heads\//, "");
}

function identityName(identity: Identity | null | undefined): string {
  return identity?.uniqueName ?? identity?.displayName ?? identity?.id ?? "";
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, eventType: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `"${issue.path.join(".")}": ${issue.message}`);
    throw new TypeError(`Cannot parse Azure DevOps "${eventType}" service hook: ${problems.join("; ")}`);
  }
  return result.data;
}

function record(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null ? value as Record<string, unknown> : null;
}

function deliveryIdOf(body: unknown): string | null {
  const notification = record(body);
  if (!notification) return null;
  if (typeof notification.id === "string" && notification.id) return notification.id;
  const { subscriptionId, notificationId } = notification;
  if (typeof subscriptionId === "string" && typeof notificationId === "number") {
    return `${subscriptionId}:${notificationId}`;
  }
  return null;
}

function pullRequestEvent(
  action: PullRequestEvent["action"],
  pullRequest: GitPullRequest,
  deliveryId: string,
): PullRequestEvent {
  return {
    kind: "pull_request",
    action,
    deliveryId,
    pr: {
      platform: "azure_devops",
      repo: `${pullRequest.repository.project.name}/${pullRequest.repository.name}`,
      number: pullRequest.pullRequestId,
    },
    repoId: pullRequest.repository.id,
    title: pullRequest.title,
    // Service hooks leave `labels` out of a pull request without any.
    labels: activeLabels(pullRequest),
    author: identityName(pullRequest.createdBy),
    authorIsBot: false,
    draft: pullRequest.isDraft ?? false,
    headSha: pullRequest.lastMergeSourceCommit.commitId,
    headRef: stripHeads(pullRequest.sourceRefName),
    // The target tip at the last merge attempt; the client diffs against the iteration's merge base instead.
    baseSha: pullRequest.lastMergeTargetCommit.commitId,
    baseRef: stripHeads(pullRequest.targetRefName),
    repoPublic: isPublic(pullRequest),
  };
}

function isPublic(pullRequest: GitPullRequest): boolean | undefined {
  // Service hooks may send `unchanged` (not reported) instead of `private`/`public`: that says nothing.
  const visibility = pullRequest.repository.project.visibility?.toLowerCase();
  return visibility === "public" ? true : visibility === "private" ? false : undefined;
}

/** Webhook verification and parsing for Azure DevOps "Web Hooks" service-hook subscriptions. */
export const azureDevopsWebhook: WebhookParser = {
  platform: "azure_devops",

  verify(headers, _rawBody, secret) {
    try {
      const expected = parseAzureDevopsHookSecret(secret);
      if (!expected) return Promise.resolve(false);
      if (expected.kind === "header") {
        const received = headers.get(expected.name);
        return Promise.resolve(received !== null && constantTimeEqual(received, expected.value));
      }
      const received = decodeBasic(headers.get("authorization") ?? "");
      return Promise.resolve(
        received !== null && constantTimeEqual(received, `${expected.username}:${expected.password}`),
      );
    } catch {
      // Malformed base64 or header names must read as "not verified", never as a server error.
      return Promise.resolve(false);
    }
  },

  deliveryId(_headers, body) {
    return deliveryIdOf(body);
  },

  repoName(_headers, body) {
    const resource = record(record(body)?.resource);
    const repository = record(resource?.repository) ?? record(record(resource?.pullRequest)?.repository);
    const project = record(repository?.project);
    if (typeof repository?.name !== "string" || typeof project?.name !== "string") return null;
    return `${project.name}/${repository.name}`;
  },

  parse(_headers, body) {
    const notification = parseOrThrow(Notification, body, "unknown");
    const { eventType } = notification;
    const deliveryId = deliveryIdOf(body) ?? "";
    if (eventType === "git.pullrequest.created") {
      const pullRequest = parseOrThrow(GitPullRequest, notification.resource, eventType);
      return pullRequestEvent("opened", pullRequest, deliveryId);
    }
    if (eventType === "git.pullrequest.updated" || eventType === "git.pullrequest.merged") {
      const pullRequest = parseOrThrow(GitPullRequest, notification.resource, eventType);
      if (pullRequest.status === "completed" || pullRequest.status === "abandoned") {
        return pullRequestEvent("closed", pullRequest, deliveryId);
      }
      // "Merge attempted" also fires for every test merge of an open PR; only its completion matters.
      if (eventType === "git.pullrequest.merged") return null;
      // `notificationType` (push, reviewers, votes…) is a subscription filter, not a payload field, so every
      // update of an open PR is a possible push; the queue's head-sha dedupe key drops the others.
      return pullRequestEvent("synchronize", pullRequest, deliveryId);
    }
    if (eventType === COMMENT_EVENT) {
      const resource = record(notification.resource);
      if (!resource?.pullRequest) {
        throw new TypeError(
          `Cannot parse Azure DevOps "${eventType}" service hook: "resource.pullRequest" is missing: set the ` +
            `subscription's resource version to 2.0`,
        );
      }
      const { comment, pullRequest } = parseOrThrow(CommentResource, resource, eventType);
      if (comment.commentType === "system" || comment.isDeleted) return null;
      // The event fires for edits too; a new comment's content was last updated when it was published.
      if (
        comment.publishedDate && comment.lastContentUpdatedDate &&
        comment.publishedDate !== comment.lastContentUpdatedDate
      ) return null;
      const threadId = comment["_links"]?.threads?.href.split("/").pop();
      const event: CommentEvent = {
        kind: "comment",
        deliveryId,
        pr: {
          platform: "azure_devops",
          repo: `${pullRequest.repository.project.name}/${pullRequest.repository.name}`,
          number: pullRequest.pullRequestId,
        },
        repoId: pullRequest.repository.id,
        commentId: threadId ? `${threadId}:${comment.id}` : String(comment.id),
        body: comment.content ?? "",
        author: identityName(comment.author),
        authorId: comment.author?.id ?? undefined,
        authorIsBot: false,
        repoPublic: isPublic(pullRequest),
      };
      // Every comment is in a thread; only a reply (a parent other than 0) answers someone there.
      const parent = comment.parentCommentId;
      if (threadId && parent) event.thread = { id: threadId, inReplyTo: `${threadId}:${parent}` };
      return event;
    }
    return null;
  },
};
