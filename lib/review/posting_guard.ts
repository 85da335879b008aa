/**
 * A cancelled review never posts. Every write of the review's platform client passes a check made at that moment,
 * not at the last heartbeat (20 s away by default), however late the model answered:
 * - every write: the job's signal has not aborted and the job's row, re-read, is still in progress under this
 *   worker (a push, a close, a pause or a disconnect cancels it there);
 * - the review itself (the only write that carries findings): the platform's current pull request is also read
 *   again, and a closed or merged pull request or a head that moved ends the job as cancelled, even before the
 *   webhook that says so has arrived.
 * The one write a cancelled review still makes is the documented one: its head's commit status set to `error`.
 * A cancellation that lands after the check (milliseconds) cannot stop a request already sent.
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
}

const WRITES = new Set(["postReview", "postComment", "updateComment", "setStatus", "resolveThreads"]);

/** Whether `current` and `expected` name the same commit, either possibly abbreviated. */
export function sameHead(current: string, expected: string): boolean {
  return current.startsWith(expected) || expected.startsWith(current);
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
    const pr = await client.getPullRequest(ref);
    let reason: string | null = null;
    if (pr.state !== "open") reason = `Pull request is ${pr.state}`;
    else if (!sameHead(pr.headSha, headSha)) {
      reason = `Superseded: the head moved from ${headSha} to ${pr.headSha}`;
    }
    if (reason === null) return await assertLive();
    if (lifecycle) lifecycle.cancel(reason);
    throw new DOMException(`Cannot post the review: ${reason}`, "AbortError");
  };
  const check = (method: string, args: unknown[]) => {
    if (method === "postReview") return assertCurrent();
    // The documented last word of a cancelled or failed review: its head's status says it did not finish.
    if (method === "setStatus" && (args[1] as { state?: string } | undefined)?.state === "error") {
      return Promise.resolve();
    }
    return assertLive();
  };
  return new Proxy(client, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof property !== "string" || !WRITES.has(property) || typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        await check(property, args);
        return await value.apply(target, args);
      };
    },
  });
}
