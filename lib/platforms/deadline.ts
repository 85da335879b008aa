/**
 * No platform request waits for ever: every request a platform client sends through `withDeadline` is aborted
 * after `timeoutMs` or as soon as `signal` (the job's) aborts, whichever comes first, with any signal the SDK
 * passed kept as well. Octokit, gitbeaker and gitea-js take their `fetch` from the factory, and the Bitbucket
 * and Azure DevOps clients call the one they are given, so wrapping that `fetch` covers every request, including
 * reading the body of a large diff.
 */

/**
 * Deadline of one platform request. GitHub abandons an API request after 10 s of server time; 30 s leaves room
 * for a large diff on a slow link while a hung connection still frees its job long before the 5 min job timeout.
 */
const DEFAULT_PLATFORM_TIMEOUT_MS = 30_000;

export interface DeadlineOptions {
  timeoutMs?: number;
  /** The job's signal: cancelling the job aborts its requests in flight. */
  signal?: AbortSignal;
}

/** Returns a `fetch` that gives up after the deadline or when `signal` aborts. */
export function withDeadline(
  fetchFunction: typeof fetch = globalThis.fetch,
  options: DeadlineOptions = {},
): typeof fetch {
  const timeoutMs = options.timeoutMs ?? DEFAULT_PLATFORM_TIMEOUT_MS;
  return (input, init) => {
    const signals = [AbortSignal.timeout(timeoutMs)];
    if (options.signal) signals.push(options.signal);
    const own = init?.signal ?? (input instanceof Request ? input.signal : undefined);
    if (own) signals.push(own);
    return fetchFunction(input, { ...init, signal: AbortSignal.any(signals) });
  };
}
