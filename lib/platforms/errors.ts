/** Turning whatever a platform client threw into a `PlatformError` that says what Loom was doing. */
import { z } from "zod";
import { PlatformError, type PlatformId } from "./types.ts";

/**
 * Prefixes `message` (what Loom was doing) to an error, keeping a `PlatformError`'s status and retry decision.
 * A response that failed validation is not retryable (the platform answered, just not as expected); anything
 * else, such as a network failure, is retryable.
 */
export function withPlatformContext(platform: PlatformId, message: string, error: unknown): PlatformError {
  if (error instanceof PlatformError) {
    return new PlatformError(`${message}: ${error.message}`, {
      platform,
      status: error.status,
      retryable: error.retryable,
      cause: error,
    });
  }
  if (error instanceof z.ZodError) {
    const issue = error.issues[0];
    return new PlatformError(
      `${message}: unexpected response: "${issue?.path.join(".")}" ${issue?.message}`,
      {
        platform,
        retryable: false,
        cause: error,
      },
    );
  }
  return new PlatformError(`${message}: ${(error as Error)?.message ?? String(error)}`, {
    platform,
    cause: error,
  });
}

/**
 * A ticket of a kind the platform does not have (a merge request asked of GitHub, a work item of GitLab): a 404,
 * not retried, so it is reported like a missing ticket and never fails the review.
 */
export function ticketKindMissing(platform: PlatformId, message: string): PlatformError {
  return new PlatformError(message, { platform, status: 404, retryable: false });
}
