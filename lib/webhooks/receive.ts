/**
 * Turns one webhook request into at most one job, in milliseconds and without calling any platform or LLM:
 * 1. find the repository's secret (from `?repo=<id>` or the platform-wide secret) — unknown → 401;
 * 2. verify the signature on the raw bytes, before anything is parsed — bad → 401;
 * 3. parse and validate the payload — malformed → 400;
 * 4. record the delivery id (a replay changes nothing), then enqueue, ignore or cancel.
 * Nothing is written to the database before step 4.
 */
import type { Db } from "../db/mod.ts";
import { findRepo, getRepo, type Repo } from "../db/repos.ts";
import { type DeliveryOutcome, recordDelivery, setDeliveryOutcome } from "../db/deliveries.ts";
import { cancelGroup, enqueue } from "../queue/mod.ts";
import type { SecretBox } from "../auth/secret_box.ts";
import { enqueueCommand } from "../commands/mod.ts";
import type { PlatformId, PullRequestEvent, WebhookEvent, WebhookParser } from "../platforms/types.ts";

/** GitHub does not deliver payloads over 25 MB; nothing legitimate is larger. */
export const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

const REVIEW_ACTIONS = new Set(["opened", "synchronize", "reopened", "ready_for_review"]);

export interface WebhookDeps {
  db: Db;
  secretBox: SecretBox;
  parsers: Partial<Record<PlatformId, WebhookParser>>;
  /** Secrets shared by every repository of a platform (a GitHub App's webhook secret). */
  platformSecrets?: Partial<Record<PlatformId, string>>;
  now?: () => number;
  /** Called after a job is enqueued, to wake an in-process worker. */
  onEnqueued?: () => void;
}

export interface WebhookResult {
  status: 200 | 202 | 400 | 401 | 404 | 413;
  body: { status: string; message?: string; jobId?: number; outcome?: DeliveryOutcome };
}

function reject(status: WebhookResult["status"], message: string): WebhookResult {
  return { status, body: { status: "rejected", message } };
}

/** The JSON payload: raw JSON, or GitHub/Gitea's form encoding with the JSON in the `payload` field. */
function decodeBody(raw: Uint8Array, contentType: string | null): unknown {
  const text = new TextDecoder().decode(raw);
  if (contentType?.includes("application/x-www-form-urlencoded")) {
    const payload = new URLSearchParams(text).get("payload");
    if (payload === null) throw new SyntaxError('Form-encoded webhook has no "payload" field');
    return JSON.parse(payload);
  }
  return JSON.parse(text);
}

export function reviewGroupKey(event: { pr: { platform: string; repo: string; number: number } }): string {
  return `${event.pr.platform}:${event.pr.repo.toLowerCase()}#${event.pr.number}`;
}

export async function receiveWebhook(
  deps: WebhookDeps,
  input: { platform: string; headers: Headers; rawBody: Uint8Array; repoId?: string | null },
): Promise<WebhookResult> {
  const parser = deps.parsers[input.platform as PlatformId];
  if (!parser) return reject(404, `Unknown platform "${input.platform}"`);
  if (input.rawBody.byteLength > MAX_WEBHOOK_BYTES) return reject(413, "Webhook body is too large");

  let repo: Repo | null = null;
  let secret: string | undefined;
  if (input.repoId) {
    const id = Number(input.repoId);
    repo = Number.isSafeInteger(id) ? await getRepo(deps.db, id) : null;
    if (!repo || repo.platform !== parser.platform) return reject(401, "Unknown repository");
    secret = await deps.secretBox.decrypt(repo.webhookSecret);
  } else {
    secret = deps.platformSecrets?.[parser.platform];
    if (!secret) return reject(401, "Unknown repository: add ?repo=<id> to the webhook URL");
  }
  if (!(await parser.verify(input.headers, input.rawBody, secret))) return reject(401, "Invalid signature");

  let body: unknown;
  try {
    body = decodeBody(input.rawBody, input.headers.get("content-type"));
  } catch (error) {
    return reject(400, `Cannot parse the webhook body: ${(error as Error).message}`);
  }
  const deliveryId = parser.deliveryId(input.headers, body);
  if (!deliveryId) return reject(400, "Webhook has no delivery id");
  const repoName = parser.repoName(input.headers, body);
  if (repo) {
    // A valid signature from repository A must not act on repository B.
    if (repoName !== null && repoName.toLowerCase() !== repo.fullName.toLowerCase()) {
      return reject(401, "Webhook is for another repository");
    }
  } else {
    repo = repoName ? await findRepo(deps.db, parser.platform, repoName) : null;
    if (!repo) return reject(401, "Unknown repository");
  }
  let event: WebhookEvent | null;
  try {
    event = parser.parse(input.headers, body);
  } catch (error) {
    return reject(400, `Malformed webhook payload: ${(error as Error).message}`);
  }
  return await act(deps, repo, deliveryId, event);
}

/**
 * Records the delivery and acts on it in one transaction: one commit per webhook, and a crash in between leaves
 * neither a delivery without its job nor a job without its delivery.
 */
async function act(
  deps: WebhookDeps,
  repo: Repo,
  deliveryId: string,
  event: WebhookEvent | null,
): Promise<WebhookResult> {
  let enqueued = false;
  const result = await deps.db.transaction(async (db) => {
    const { result, created } = await actIn({ ...deps, db }, repo, deliveryId, event);
    enqueued = created;
    return result;
  });
  // Wake the in-process worker only once the job is committed and visible to it.
  if (enqueued) deps.onEnqueued?.();
  return result;
}

async function actIn(
  deps: WebhookDeps,
  repo: Repo,
  deliveryId: string,
  event: WebhookEvent | null,
): Promise<{ result: WebhookResult; created: boolean }> {
  const platform = repo.platform;
  const eventName = event === null
    ? "ignored"
    : event.kind === "pull_request"
    ? `pull_request.${event.action}`
    : "comment";
  const fresh = await recordDelivery(
    deps.db,
    { platform, deliveryId, repoId: repo.id, event: eventName, outcome: "ignored" },
    deps.now,
  );
  if (!fresh) {
    return {
      result: { status: 200, body: { status: "duplicate", message: "Delivery already processed" } },
      created: false,
    };
  }
  const settle = async (outcome: DeliveryOutcome, job?: { id: number; created: boolean }) => {
    if (outcome !== "ignored" || job) {
      await setDeliveryOutcome(deps.db, { platform, deliveryId, outcome, jobId: job?.id });
    }
    return {
      result: { status: 202, body: { status: "accepted", outcome, jobId: job?.id } } as WebhookResult,
      created: job?.created ?? false,
    };
  };
  if (event?.kind === "comment") {
    // Commands from Loom's own comments, bots and non-commands are recorded and ignored.
    if (repo.paused) return await settle("paused");
    const job = await enqueueCommand(deps.db, repo, event, { now: deps.now });
    if (job === null) return await settle("ignored");
    return await settle(job.created ? "enqueued" : "duplicate_job", job);
  }
  if (event === null || event.kind !== "pull_request") return await settle("ignored");
  if (event.action === "closed") {
    await cancelGroup(deps.db, reviewGroupKey(event), { reason: "Pull request closed", now: deps.now });
    return await settle("cancelled");
  }
  if (!REVIEW_ACTIONS.has(event.action)) return await settle("ignored");
  if (repo.paused) return await settle("paused");
  const job = await enqueueReview(deps, repo, event, deliveryId);
  return await settle(job.created ? "enqueued" : "duplicate_job", job);
}

async function enqueueReview(deps: WebhookDeps, repo: Repo, event: PullRequestEvent, deliveryId: string) {
  const groupKey = reviewGroupKey(event);
  const job = await enqueue(deps.db, "review_pull_request", {
    platform: repo.platform,
    repoId: repo.id,
    repo: event.pr.repo,
    number: event.pr.number,
    headSha: event.headSha,
    baseSha: event.baseSha,
    baseRef: event.baseRef,
    headRef: event.headRef,
    title: event.title,
    author: event.author,
    authorIsBot: event.authorIsBot,
    draft: event.draft,
    action: event.action as "opened" | "synchronize" | "reopened" | "ready_for_review",
    deliveryId,
  }, { dedupeKey: `review:${groupKey}@${event.headSha}`, groupKey, now: deps.now });
  // A push supersedes the review of the previous head: only the newest head's review is posted.
  if (job.created) {
    await cancelGroup(deps.db, groupKey, {
      keepJobId: job.id,
      reason: "Superseded by a newer push",
      now: deps.now,
    });
  }
  return job;
}
