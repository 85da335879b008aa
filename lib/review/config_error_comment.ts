/**
 * The pull request's one configuration-error comment: posted when `.loom/config.yaml` on the base branch cannot
 * be used, edited in place when the problems change, and edited to say so once the configuration is fixed — a
 * pull request never collects a second one, and a stale error never stays up.
 */
import type { ConfigError } from "../config/errors.ts";
import { CONFIG_ERROR_MARKER } from "../markers.ts";
import { listOwnComments } from "../platforms/own_comments.ts";
import type { ExistingComment, PlatformClient, PullRequestRef } from "../platforms/types.ts";

/** The comment's text once the configuration loads again. */
function configFixedBody(): string {
  return `✅ **The Loom configuration is valid again**: this pull request is reviewed with it.\n\n${CONFIG_ERROR_MARKER}`;
}

function findConfigErrorComment(comments: readonly ExistingComment[]): ExistingComment | undefined {
  return comments.find((comment) => !comment.inline && comment.body.includes(CONFIG_ERROR_MARKER));
}

/** Posts the error's explanation, or edits the existing comment when its text differs. */
export async function reportConfigError(
  client: PlatformClient,
  ref: PullRequestRef,
  error: ConfigError,
): Promise<void> {
  const body = error.toMarkdown();
  // Only Loom's own comment is edited: anyone can type the marker into theirs.
  const existing = findConfigErrorComment(await listOwnComments(client, ref));
  if (existing === undefined) {
    await client.postComment(ref, body);
  } else if (existing.body.trim() !== body.trim()) {
    await client.updateComment(ref, existing.id, body);
  }
}

/** Edits a configuration-error comment that is still up to say the configuration is fixed. */
export async function resolveConfigError(
  client: PlatformClient,
  ref: PullRequestRef,
  /** Loom's own comments (`listOwnComments`). */
  comments: readonly ExistingComment[],
): Promise<void> {
  const existing = findConfigErrorComment(comments);
  if (existing !== undefined && existing.body.trim() !== configFixedBody().trim()) {
    await client.updateComment(ref, existing.id, configFixedBody());
  }
}
