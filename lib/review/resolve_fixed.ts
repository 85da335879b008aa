/**
 * After a review, resolves the threads of Loom's inline comments whose findings the pushed code fixed: the comment
 * is on a file no longer in the pull request, or inside a hunk this review looked at while no finding with its
 * fingerprint was reported again (`outdatedThreads`). Each thread gets a reply naming the reviewed commit.
 *
 * Conservative by construction:
 * - only after a completed review — a failed step reports nothing, which must not read as "fixed";
 * - only threads Loom has not answered before (the reply's `resolved` marker): a person who reopens a resolved
 *   thread, or disagrees in it after the reply, is not overruled on the next push;
 * - a thread already resolved on the platform is left alone by the adapter, without a reply;
 * - `output.resolve_fixed: false` turns it off.
 * A platform that cannot resolve threads is skipped; a failure is logged and never fails the review, whose
 * findings are already posted.
 */
import type { DiffFile } from "../diff/types.ts";
import type { Logger } from "../log.ts";
import { readResolvedIds } from "../markers.ts";
import {
  canResolveThreads,
  type ExistingComment,
  type PlatformClient,
  type PullRequestRef,
} from "../platforms/types.ts";
import { outdatedThreads } from "./incremental.ts";
import type { RunOutcome } from "./outcome.ts";

export interface ResolveFixedInput {
  /** `output.resolve_fixed` of the repository's configuration. */
  enabled: boolean;
  outcome: RunOutcome;
  /** Loom's own comments, as listed before this review posted. */
  existing: readonly ExistingComment[];
  /** The whole pull-request diff at the reviewed head. */
  prFiles: readonly DiffFile[];
  /** The files and hunks this review sent to the models. */
  reviewed: readonly DiffFile[];
  /** Fingerprints of every finding this review produced, posted or not. */
  reported: ReadonlySet<string>;
  headSha: string;
}

/**
 * Resolves what `input` says a push fixed.
 * @returns the comment ids whose threads were handed to the platform to resolve (empty when none or skipped)
 */
export async function resolveFixedThreads(
  client: PlatformClient,
  ref: PullRequestRef,
  input: ResolveFixedInput,
  log: Logger,
): Promise<string[]> {
  if (!input.enabled || input.outcome.status !== "completed" || !canResolveThreads(client)) return [];
  const answered = new Set(input.existing.flatMap((comment) => readResolvedIds(comment.body)));
  const outdated = outdatedThreads(input.existing, {
    prFiles: input.prFiles,
    reviewed: input.reviewed,
    reported: input.reported,
  }).filter((id) => !answered.has(id));
  if (outdated.length === 0) return [];
  try {
    await client.resolveThreads(ref, outdated, { headSha: input.headSha });
    return outdated;
  } catch (error) {
    log.warn("Cannot resolve the threads of fixed findings", {
      pr: `${ref.repo}#${ref.number}`,
      error: error instanceof Error ? error.message : String(error),
    });
    return [];
  }
}
