/**
 * Retry delay after `attempts` failed attempts: exponential (2^attempts seconds, capped) with full jitter in
 * [50%, 100%] so a burst of failures does not retry in lock-step.
 */
export function retryDelayMs(
  attempts: number,
  options: { baseMs?: number; maxMs?: number; random?: () => number } = {},
): number {
  const baseMs = options.baseMs ?? 1000;
  const maxMs = options.maxMs ?? 10 * 60_000;
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(exponential * (0.5 + 0.5 * (options.random ?? Math.random)()));
}
