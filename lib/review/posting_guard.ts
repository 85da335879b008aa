/**
 * A cancelled review never posts. Every write of the review's platform client passes a check made at that moment,
 * not at the last heartbeat (20 s away by default), however late the model answered:
 * 1. the job's signal has not aborted and the job's row, re-read, is still in progress under this worker (a push,
 *    a close or pausing the repository cancels it there);
 * 2. the platform's pull request, read again, is open and still at the job's head — a push or a close the
 *    webhook has not reported yet ends the job as cancelled;
 * 3. the job's row once more, since step 2 took a round trip.
 * That costs one read of the pull request per write (a review makes about six writes against a model call of
 * seconds). The one write a cancelled review still makes is the documented one: its head's commit status set to
 * `error` (or, with a GitHub App, its check run ended), sent without the job's (aborted) signal. A cancellation
 * that lands after the check, milliseconds before the write, cannot stop a request already sent.
 */
import type { PlatformClient, PullRequestRef } from "../platforms/types.ts";

/** What the worker offers the review to check and end its job (`TaskContext`). */
export interface JobLifecycle {
  /** Throws when the job is no longer in progress under this worker (and aborts its signal). */
  assertLive(): Promise<void>;
  /** Ends the job as cancelled with `reason`; throws. */
  cancel(reason: string): never;
}

export interface PostingGuardOptions {
  ref: PullRequestRef;
  /** The head the job reviews, as its webhook gave it (Bitbucket sends 12-character prefixes). */
  headSha: string;
  signal: AbortSignal;
  /** Absent outside the worker (the CLI): then only the signal and the platform are checked. */
  lifecycle?: JobLifecycle;
  /** A client of the same repository without the job's signal, for the final `error` status. */
  unsignalled?: () => PlatformClient | Promise<PlatformClient>;
}

const WRITES = new Set([
  "postReview",
  "postComment",
  "updateComment",
  "setStatus",
  "resolveThreads",
  "startCheckRun",
  "finishCheckRun",
]);

/**
 * The documented last word of a cancelled or failed review, sent without the head check: its head's status set
 * to `error`, or its check run ended as `cancelled` or — once the job's signal aborted (a timeout) — at all.
 */
function isLastWord(property: string, args: unknown[], signal: AbortSignal): boolean {
  if (property === "setStatus") return (args[1] as { state?: string } | undefined)?.state === "error";
  if (property === "startCheckRun") return signal.aborted;
  if (property === "finishCheckRun") {
    return signal.aborted || (args[2] as { conclusion?: string } | undefined)?.conclusion === "cancelled";
  }
  return false;
}

/**
 * Whether `current` and `expected` name the same commit, either possibly abbreviated: Bitbucket webhooks carry
 * 12-character hashes while its API returns full ones.
 */
export function sameHead(current: string, expected: string): boolean {
  return current.startsWith(expected) || expected.startsWith(current);
}

/**
 * Why the job's head is no longer the one to review — the pull request is not open, or its head moved — or null.
 */
export function headMovedReason(pr: { state: string; headSha: string }, headSha: string): string | null {
  if (pr.state !== "open") return `Pull request is ${pr.state}`;
  if (!sameHead(pr.headSha, headSha)) return `Superseded: the head moved from ${headSha} to ${pr.headSha}`;
  return null;
}

/** Wraps `client` so each write is checked first; reads pass through unchanged. */
export function guardPosting(client: PlatformClient, options: PostingGuardOptions): PlatformClient {
  const { ref, headSha, signal, lifecycle } = options;
  const assertLive = async () => {
    signal.throwIfAborted();
    await lifecycle?.assertLive();
  };
  const assertCurrent = async () => {
    await assertLive();
    const reason = headMovedReason(await client.getPullRequest(ref), headSha);
    if (reason === null) return await assertLive();
    if (lifecycle) lifecycle.cancel(reason);
    throw new DOMException(`Cannot post the review: ${reason}`, "AbortError");
  };
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== "string" || !WRITES.has(property) || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        // The last word of a cancelled or failed review: its head's status or check run says it did not finish.
        if (isLastWord(property, args, signal)) {
          const free = signal.aborted && options.unsignalled ? await options.unsignalled() : target;
          const method =
            (free as unknown as Record<string, (...input: unknown[]) => Promise<unknown>>)[property];
          if (typeof method !== "function") return undefined;
          return await method.apply(free, args);
        }
        await assertCurrent();
        return await value.apply(target, args);
      };
    },
  });
}
