/**
 * Turns one webhook request into at most one job, in milliseconds and without calling any LLM; a platform only
 * for an event that would cancel or supersede a live review (replay safety, `head_check.ts`):
 * 1. find the repository's secret (from `?repo=<id>` or the platform-wide secret) — unknown → 401; a delivery
 *    verified with the GitHub App's secret is routed by installation and repository id (`github_app.ts`);
 * 2. verify the signature on the raw bytes, before anything is parsed — bad → 401;
 *    every authentication failure gets the same status and body (`UNAUTHENTICATED`), so a caller without the
 *    secret cannot tell an unknown repository from a wrong signature; the reason goes only to the log;
 * 3. parse and validate the payload — malformed → 400;
 * 4. record the delivery id (a replay changes nothing), then enqueue, ignore or cancel, atomically.
 * The secret is the repository's current one or, for `SECRET_GRACE_MS` after a regeneration, its previous one. A
 * disconnected repository's webhooks are refused with 410 Gone once their signature holds (a platform shows the
 * status in its delivery list: the hook is no longer wanted, not broken). Step 4 writes only if the repository
 * row in the database is still connected and still accepts the secret the signature was verified with. Before
 * step 4, the only write is a refused (or repeated) delivery of a known repository into its delivery log
 * (`recordRefusal`, capped per repository), so the repository page shows why a delivery did nothing.
 */
import { bodyDeliveryId } from "./body_delivery_id.ts";
import { claimedEvent } from "./claimed_event.ts";
import type { Db } from "../db/mod.ts";
import { confirmRepo, findRepo, getRepo, type Repo, setRepoIdentity } from "../db/repos.ts";
import {
  type DeliveryOutcome,
  recordDelivery,
  recordRefusal,
  type RefusedOutcome,
  setDeliveryOutcome,
} from "../db/deliveries.ts";
import { applyWebhookDelivery, type DeliveryAction } from "../queue/mod.ts";
import type { SecretBox } from "../crypto/secret_box.ts";
import { enqueueCommand } from "../commands/mod.ts";
import type {
  CommentEvent,
  PlatformId,
  PullRequestEvent,
  WebhookEvent,
  WebhookParser,
} from "../platforms/types.ts";
import type { WebhookCache } from "./webhook_cache.ts";
import { checkHead, type ReadPullRequest } from "./head_check.ts";
import { isReviewEvent, pullRequestGroupKey } from "../pull_request.ts";
import { routeAppDelivery } from "./github_app.ts";

/** GitHub does not deliver payloads over 25 MB; nothing legitimate is larger. */
const MAX_WEBHOOK_BYTES = 25 * 1024 * 1024;

export interface WebhookDeps {
  db: Db;
  secretBox: SecretBox;
  parsers: Partial<Record<PlatformId, WebhookParser>>;
  /** Secrets shared by every repository of a platform (a GitHub App's webhook secret). */
  platformSecrets?: Partial<Record<PlatformId, string>>;
  /** Repository rows and decrypted secrets kept between requests; without it every request reads both. */
  cache?: WebhookCache;
  now?: () => number;
  /** Called after a job is enqueued, to wake an in-process worker. */
  onEnqueued?: () => void;
  /**
   * Reads a pull request from its platform, so an old or replayed event is checked before it cancels or
   * supersedes a live review (`head_check.ts`); without it such events are trusted.
   */
  readPullRequest?: ReadPullRequest;
  /** Largest body accepted (`LOOM_MAX_WEBHOOK_BYTES`); the HTTP layer already stops reading past it. */
  maxBytes?: number;
  /** The host of the GitHub instance the App is installed on (`github.com` unless given). */
  githubHost?: string;
}

export interface WebhookResult {
  status: 200 | 202 | 400 | 401 | 404 | 410 | 413;
  body: { status: string; message?: string; jobId?: number; outcome?: DeliveryOutcome };
  /** Why a request was refused, for the log only: a 401's body never says which check failed. */
  reason?: string;
}

/** The one answer to every authentication failure: unknown repository, missing or wrong signature, wrong repo. */
export const UNAUTHENTICATED = Object.freeze({
  status: "rejected",
  message: "Webhook authentication failed",
});

interface WebhookInput {
  platform: string;
  headers: Headers;
  rawBody: Uint8Array;
  repoId?: string | null;
}

/** The signature was verified with the platform-wide secret, not a repository's. */
const PLATFORM_SECRET = Symbol("platform-wide secret");

/** The remembered repository row no longer holds (or led to a rejection): read it afresh and start over. */
const STALE = Symbol("stale repository");

function reject(status: WebhookResult["status"], message: string): WebhookResult {
  if (status === 401) return { status, body: { ...UNAUTHENTICATED }, reason: message };
  return { status, body: { status: "rejected", message }, reason: message };
}

/** Verified against when there is no secret to check, so the check's cost is spent all the same. */
const NO_SECRET = "loom: no repository matches this webhook";

/**
 * Refuses a webhook whose repository is unknown after spending a signature check on it: otherwise a large body
 * would answer at once for an unknown repository and after an HMAC over every byte for a known one with a
 * wrong signature, and the delay would tell which repository ids exist.
 */
async function rejectUnknown(
  parser: WebhookParser,
  input: WebhookInput,
  message: string,
): Promise<WebhookResult> {
  await Promise.resolve(parser.verify(input.headers, input.rawBody, NO_SECRET)).catch(() => false);
  return reject(401, message);
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

export async function receiveWebhook(deps: WebhookDeps, input: WebhookInput): Promise<WebhookResult> {
  const parser = deps.parsers[input.platform as PlatformId];
  if (!parser) return reject(404, `Unknown platform "${input.platform}"`);
  if (input.rawBody.byteLength > (deps.maxBytes ?? MAX_WEBHOOK_BYTES)) {
    return reject(413, "Webhook body is too large");
  }
  const repoId = input.repoId ? Number(input.repoId) : null;
  const cached = repoId !== null ? deps.cache?.repo(repoId) : undefined;
  if (cached) {
    const result = await receiveFor(deps, parser, input, { repo: cached, remembered: true });
    if (result !== STALE) return result;
    deps.cache!.forgetRepo(cached.id);
  }
  let repo: Repo | null = null;
  if (input.repoId) {
    repo = repoId !== null && Number.isSafeInteger(repoId) ? await getRepo(deps.db, repoId) : null;
    if (!repo) return await rejectUnknown(parser, input, "Unknown repository");
    deps.cache?.rememberRepo(repo);
  }
  let result = await receiveFor(deps, parser, input, { repo, remembered: false });
  if (result !== STALE) return result;
  // The row changed between this read and the write, just now. Read it once more: a secret only re-encrypted
  // under a new key (`deno task secrets:rotate`) is the same secret, so the signature verifies again and the
  // delivery is not lost; a secret replaced with another one, or a deleted repository, is refused below.
  if (repo) {
    repo = await getRepo(deps.db, repo.id);
    if (!repo) return reject(401, "Unknown repository");
    deps.cache?.rememberRepo(repo);
  }
  result = await receiveFor(deps, parser, input, { repo, remembered: false });
  // Changed again in between: a second change within one request is no re-encryption.
  return result === STALE ? reject(401, "Unknown repository") : result;
}

/**
 * Steps 1–4 for the repository row `known.repo` (from `?repo=<id>`, remembered or just read) or, when it is null,
 * the platform-wide secret. With a remembered row, every rejection may come from the row being out of date, so it
 * returns `STALE` instead and the caller retries with the row read afresh.
 */
async function receiveFor(
  deps: WebhookDeps,
  parser: WebhookParser,
  input: WebhookInput,
  { repo: known, remembered }: { repo: Repo | null; remembered: boolean },
): Promise<WebhookResult | typeof STALE> {
  // A rejection that may come from a remembered row being out of date returns STALE before it is logged: the
  // fresh read logs it.
  const log = (repo: Repo | null, outcome: RefusedOutcome, reason: string, body?: unknown) =>
    repo ? logRefusal(deps, parser, input, { repo, outcome, reason, body }) : Promise.resolve();
  const unauthorized = async (message: string, body?: unknown) => {
    if (remembered) return STALE;
    await log(known, message === "Invalid signature" ? "bad_signature" : "wrong_repository", message, body);
    return reject(401, message);
  };
  let verifiedWith: string | typeof PLATFORM_SECRET | null = null;
  if (known) {
    if (known.platform !== parser.platform) {
      return remembered ? STALE : await rejectUnknown(parser, input, "Unknown repository");
    }
    verifiedWith = await verifyRepoSecret(deps, parser, input, known);
  } else {
    const secret = deps.platformSecrets?.[parser.platform];
    if (!secret) {
      return await rejectUnknown(parser, input, "Unknown repository: add ?repo=<id> to the webhook URL");
    }
    verifiedWith = (await parser.verify(input.headers, input.rawBody, secret)) ? PLATFORM_SECRET : null;
  }
  if (verifiedWith === null) return await unauthorized("Invalid signature");

  let body: unknown;
  try {
    body = decodeBody(input.rawBody, input.headers.get("content-type"));
  } catch (error) {
    // A body that is not the JSON a platform sends is usually a webhook set to another content type.
    const contentType = input.headers.get("content-type") ?? "none";
    const hint = contentType.includes("application/json")
      ? ""
      : `; the webhook sends content type ${contentType}: set the webhook's content type to application/json`;
    const message = `Cannot parse the webhook body: ${(error as Error).message}${hint}`;
    await log(known, "malformed", message);
    return reject(400, message);
  }
  // Platform versions that send no usable delivery id are deduplicated on the body they resend.
  const deliveryId = parser.deliveryId(input.headers, body) || bodyDeliveryId(input.rawBody);
  const repoName = parser.repoName(input.headers, body);
  let repo = known;
  if (repo) {
    // A valid signature from repository A must not act on repository B.
    if (repoName !== null && repoName.toLowerCase() !== repo.fullName.toLowerCase()) {
      return await unauthorized("Webhook is for another repository", body);
    }
  } else if (parser.platform === "github") {
    // The App's secret signs every installation's deliveries: routed by installation and repository id.
    const routed = await routeAppDelivery(
      { db: deps.db, host: deps.githubHost ?? "github.com", now: deps.now },
      input.headers,
      body,
      deliveryId,
    );
    if (routed.kind === "answered") {
      return { status: routed.status, body: routed.body, reason: routed.reason };
    }
    repo = routed.repo;
  } else {
    repo = repoName ? await findRepo(deps.db, parser.platform, repoName) : null;
    if (!repo) return reject(401, "Unknown repository");
  }
  if (repo.disconnectedAt !== null) {
    if (remembered) return STALE;
    const message =
      "Repository is disconnected from Loom: remove this webhook, or connect the repository again";
    await log(repo, "disconnected", message, body);
    // The App's one webhook serves every repository of the installation: a 410 there would mark it broken.
    if (verifiedWith === PLATFORM_SECRET) {
      return { status: 202, body: { status: "accepted", outcome: "ignored" }, reason: message };
    }
    return reject(410, message);
  }
  let event: WebhookEvent | null;
  try {
    event = parser.parse(input.headers, body);
  } catch (error) {
    const message = `Malformed webhook payload: ${(error as Error).message}`;
    await log(repo, "malformed", message, body);
    return reject(400, message);
  }
  // The confirmation in the delivery's transaction checks the secret that verified the signature.
  const verified = verifiedWith === PLATFORM_SECRET ? repo : { ...repo, webhookSecret: verifiedWith };
  const { outcome, jobId, created } = event?.kind === "comment"
    ? await applyComment(deps, verified, deliveryId, event)
    : await applyPullRequestEvent(deps, verified, deliveryId, event, claimedEvent(input.headers, body));
  if (outcome === "stale_repo") return STALE;
  // A repository connected before Loom kept the platform's ids learns its id from this verified delivery.
  if (repo.platformRepoId === null && event?.repoId !== undefined) {
    const learned = await setRepoIdentity(deps.db, repo.id, {
      platformRepoId: event.repoId,
      fullName: repo.fullName,
    });
    // The remembered row has no id: the next delivery reads the row again instead of learning it once more.
    if (learned) deps.cache?.forgetRepo(repo.id);
  }
  // Wake the in-process worker only once the job is committed and visible to it.
  if (created) deps.onEnqueued?.();
  if (outcome === "duplicate") {
    await log(repo, "duplicate", "Delivery already processed: nothing changed", body);
    return { status: 200, body: { status: "duplicate", message: "Delivery already processed" } };
  }
  return { status: 202, body: { status: "accepted", outcome, jobId } };
}

/**
 * The ciphertext of the repository's secret that verifies the request: the current one, or the previous one while
 * its grace period lasts; null when neither does.
 */
async function verifyRepoSecret(
  deps: WebhookDeps,
  parser: WebhookParser,
  input: WebhookInput,
  repo: Repo,
): Promise<string | null> {
  const decrypt = (ciphertext: string) =>
    deps.cache
      ? deps.cache.secret(ciphertext, (text) => deps.secretBox.decrypt(text))
      : deps.secretBox.decrypt(ciphertext);
  if (await parser.verify(input.headers, input.rawBody, await decrypt(repo.webhookSecret))) {
    return repo.webhookSecret;
  }
  const previous = repo.previousWebhookSecret;
  if (previous === null || (repo.previousSecretExpiresAt ?? 0) <= (deps.now ?? Date.now)()) return null;
  return (await parser.verify(input.headers, input.rawBody, await decrypt(previous))) ? previous : null;
}

async function logRefusal(
  deps: WebhookDeps,
  parser: WebhookParser,
  input: WebhookInput,
  refusal: { repo: Repo; outcome: RefusedOutcome; reason: string; body?: unknown },
): Promise<void> {
  let deliveryId: string | null = null;
  try {
    deliveryId = parser.deliveryId(input.headers, refusal.body);
  } catch {
    // An unparsed or odd body has no delivery id to show; the entry is kept without one.
  }
  await recordRefusal(deps.db, {
    repoId: refusal.repo.id,
    deliveryId,
    event: claimedEvent(input.headers, refusal.body),
    outcome: refusal.outcome,
    reason: refusal.reason,
  }, deps.now);
}

/**
 * Applies a pull-request event (or an ignored one). With `readPullRequest`, a delivery that would cancel or
 * supersede a live job is first checked against the platform (`head_check.ts`): two database round trips and one
 * platform request instead of one round trip, only then.
 */
async function applyPullRequestEvent(
  deps: WebhookDeps,
  repo: Repo,
  deliveryId: string,
  event: PullRequestEvent | null,
  claimed: string,
) {
  const delivery = {
    repo,
    deliveryId,
    event: event === null ? claimed : eventName(event),
    action: deliveryAction(repo, deliveryId, event),
  };
  const first = await applyWebhookDelivery(
    deps.db,
    { ...delivery, headCheck: deps.readPullRequest ? "unchecked" : "current" },
    deps.now,
  );
  const applied = first.outcome === "needs_check" && deps.readPullRequest && event
    ? await applyWebhookDelivery(
      deps.db,
      { ...delivery, headCheck: await checkHead(deps.readPullRequest, repo, event) },
      deps.now,
    )
    : first;
  const { outcome } = applied;
  if (outcome === "needs_check") {
    throw new Error("Cannot apply a webhook delivery: its head check did not settle");
  }
  return { ...applied, outcome };
}

function eventName(event: WebhookEvent | null): string {
  if (event === null) return "ignored";
  return event.kind === "pull_request" ? `pull_request.${event.action}` : "comment";
}

function deliveryAction(repo: Repo, deliveryId: string, event: WebhookEvent | null): DeliveryAction {
  if (event === null || event.kind !== "pull_request") return { kind: "ignore" };
  const groupKey = pullRequestGroupKey(event.pr);
  if (event.action === "closed") return { kind: "cancel_group", groupKey, reason: "Pull request closed" };
  if (!isReviewEvent(event.action)) return { kind: "ignore" };
  return {
    kind: "enqueue_review",
    payload: {
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
      action: event.action,
      deliveryId,
      ...(event.repoPublic === undefined ? {} : { repoPublic: event.repoPublic }),
      ...(event.authorCanWrite === undefined ? {} : { authorCanWrite: event.authorCanWrite }),
    },
    dedupeKey: `review:${groupKey}@${event.headSha}`,
    groupKey,
    // A push supersedes the review of the previous head: only the newest head's review is posted.
    supersedeReason: "Superseded by a newer push",
  };
}

/**
 * Records a comment's delivery and enqueues its command in one transaction. Commands from Loom's own comments,
 * bots and non-commands are recorded and ignored.
 */
async function applyComment(deps: WebhookDeps, repo: Repo, deliveryId: string, event: CommentEvent) {
  return await deps.db.transaction(async (db) => {
    const current = await confirmRepo(db, repo, (deps.now ?? Date.now)());
    if (!current) return { outcome: "stale_repo" as const, created: false };
    const key = { platform: repo.platform, deliveryId };
    const fresh = await recordDelivery(
      db,
      { ...key, repoId: repo.id, event: eventName(event), outcome: "ignored" },
      deps.now,
    );
    if (!fresh) return { outcome: "duplicate" as const, created: false };
    if (current.paused) {
      await setDeliveryOutcome(db, { ...key, outcome: "paused" });
      return { outcome: "paused" as const, created: false };
    }
    const job = await enqueueCommand(db, repo, event, { now: deps.now });
    if (job === null) return { outcome: "ignored" as const, created: false };
    const outcome = job.created ? "enqueued" as const : "duplicate_job" as const;
    await setDeliveryOutcome(db, { ...key, outcome, jobId: job.id });
    return { outcome, jobId: job.id, created: job.created };
  });
}
