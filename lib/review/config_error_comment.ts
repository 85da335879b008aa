/**
 * The pull request's one configuration-error comment: posted when `.loom/config.yaml` on the base branch cannot
 * be used, edited in place when the problems change, and edited to say so once the configuration is fixed — a
 * pull request never collects a second one, and a stale error never stays up.
 */
import { CONFIG_ERROR_MARKER, type ConfigError } from "../config/errors.ts";
import type { ExistingComment, PlatformClient, PullRequestRef } from "../platforms/types.ts";

/** The comment's text once the configuration loads again. */
export function configFixedBody(): string {
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
  const existing = findConfigErrorComment(await client.listComments(ref));
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
  comments: readonly ExistingComment[],
): Promise<void> {
  const existing = findConfigErrorComment(comments);
  if (existing !== undefined && existing.body.trim() !== configFixedBody().trim()) {
    await client.updateComment(ref, existing.id, configFixedBody());
  }
}
