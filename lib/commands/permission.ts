/**
 * Who may give Loom commands: people the platform's permission API reports as able to push to the repository
 * (`ChecksWriteAccess`, one implementation per platform client). A webhook's own hints (GitHub's
 * `author_association`) are never taken for write access: an organization member may hold read only.
 *
 * Answers are cached for {@linkcode PERMISSION_TTL_MS} per platform, repository and user, so a burst of commands
 * costs one lookup; a revoked permission stops working within that minute. A lookup that fails is not cached and
 * its command is refused (never trusted).
 */
import {
  canCheckWriteAccess,
  type PlatformClient,
  PlatformError,
  type PlatformUser,
  type PullRequestRef,
} from "../platforms/types.ts";

/** How long one answer is reused: long enough for a burst of commands, short enough for a revoked permission. */
export const PERMISSION_TTL_MS = 60_000;
/** Most answers kept; the oldest is dropped first. 10,000 entries of about 200 bytes stay near 2 MB. */
const PERMISSION_CACHE_ENTRIES = 10_000;

/** Remembers write-access answers briefly; one per worker process. */
export interface PermissionCache {
  /** The cached answer, or `lookup`'s; lookups for the same key running at once share one request. */
  get(key: string, lookup: () => Promise<boolean>): Promise<boolean>;
  readonly size: number;
}

/**
 * Creates a cache whose answers expire after `ttlMs`.
 * @param options `now` is injectable for tests; `maxEntries` bounds memory
 */
export function createPermissionCache(
  options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {},
): PermissionCache {
  const ttlMs = options.ttlMs ?? PERMISSION_TTL_MS;
  const maxEntries = options.maxEntries ?? PERMISSION_CACHE_ENTRIES;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { answer: Promise<boolean>; expiresAt: number }>();
  return {
    get(key, lookup) {
      const cached = entries.get(key);
      if (cached && cached.expiresAt > now()) return cached.answer;
      entries.delete(key);
      const answer = lookup();
      // Expiry counts from the question: an answer is never older than the TTL when it is reused.
      const entry = { answer, expiresAt: now() + ttlMs };
      entries.set(key, entry);
      answer.catch(() => {
        if (entries.get(key) === entry) entries.delete(key);
      });
      // Map iteration follows insertion order, so the first key is the oldest question.
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
      return answer;
    },
    get size() {
      return entries.size;
    },
  };
}

/** The cache key of one question: the platform, Loom's repository id and the user's stable id or login. */
export function permissionKey(pr: PullRequestRef, repoId: number, user: PlatformUser): string {
  return JSON.stringify([
    pr.platform,
    repoId,
    pr.repo.toLowerCase(),
    user.id ?? "",
    user.login.toLowerCase(),
  ]);
}

/**
 * Whether `user` may give commands on `pr`'s repository, as the platform answers (through `cache` when given).
 * @throws {PlatformError} when the client cannot tell (no permission ability) or the lookup fails
 */
export async function authorCanWrite(input: {
  client: PlatformClient;
  pr: PullRequestRef;
  repoId: number;
  user: PlatformUser;
  cache?: PermissionCache;
}): Promise<boolean> {
  const client = input.client;
  if (!canCheckWriteAccess(client)) {
    throw new PlatformError(`The ${client.platform} client cannot read repository permissions`, {
      platform: client.platform,
      retryable: false,
    });
  }
  const lookup = () => client.canWrite(input.pr, input.user);
  if (!input.cache) return await lookup();
  return await input.cache.get(permissionKey(input.pr, input.repoId, input.user), lookup);
}
