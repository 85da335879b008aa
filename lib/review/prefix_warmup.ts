/**
 * Orders calls that share a prompt prefix so the providers' prefix caches can serve it: the first call of a
 * prefix goes out at once, and the other calls with that prefix wait until it has been answered. A provider
 * caches a prefix only once it has processed it, so calls sent at the same moment would each pay for the whole
 * prompt (for the 40-file benchmark pull request, 0 of 87,416 prompt tokens cached with the three default steps
 * sent together). The wait costs one model call of latency per chunk; chunks still run in parallel.
 */

/** Runs `call` after the first call with the same `prefix` has settled (at once when it is the first). */
export type PrefixWarmup = <T>(prefix: string, call: () => Promise<T>) => Promise<T>;

/** A warm-up shared by the calls of one review; it remembers each prefix until the review ends. */
export function createPrefixWarmup(): PrefixWarmup {
  const first = new Map<string, Promise<unknown>>();
  return async (prefix, call) => {
    const earlier = first.get(prefix);
    if (earlier === undefined) {
      const pending = call();
      // A failed first call still lets the others go: they then write the cache themselves.
      first.set(prefix, pending.catch(() => undefined));
      return await pending;
    }
    await earlier;
    return await call();
  };
}
