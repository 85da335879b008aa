/**
 * "Find Loom's summary, then update it or post it" for the adapters whose platform has no batch review that
 * carries the summary (GitLab, Bitbucket, Azure DevOps). One summary per pull request, edited in place on every
 * run, so a pull request never collects a second summary however often it is reviewed. Only a comment Loom's own
 * identity wrote counts: anyone can type the marker.
 */
import { hasSummaryMarker, withSummaryMarker } from "../markers.ts";
import { listOwnComments } from "./own_comments.ts";
import type { InlineComment, PlatformClient, PullRequestRef } from "./types.ts";

/** The calls the summary needs, so an adapter can pass its own functions before its client object exists. */
export type SummaryWriter = Pick<
  PlatformClient,
  "listComments" | "identity" | "postComment" | "updateComment"
>;

/**
 * Updates Loom's summary comment on `pr` to `summary` (with its marker), or posts it when there is none yet.
 * @returns the id of the comment that now holds the summary
 */
export async function upsertSummary(
  client: SummaryWriter,
  pr: PullRequestRef,
  summary: string,
): Promise<string> {
  const body = withSummaryMarker(summary);
  const existing = (await listOwnComments(client, pr)).find((comment) =>
    !comment.inline && hasSummaryMarker(comment.body)
  );
  if (existing === undefined) return await client.postComment(pr, body);
  await client.updateComment(pr, existing.id, body);
  return existing.id;
}

/**
 * The summary with the comments that could not be placed on a line of the diff listed under it, for platforms
 * that refuse (or hide) a comment on a line outside the diff.
 */
export function appendUnanchored(summary: string, comments: readonly InlineComment[]): string {
  if (comments.length === 0) return summary;
  const items = comments.map((comment) => `- \`${comment.path}:${comment.line}\`\n\n${comment.body}`);
  return `${summary}\n\n### Comments on lines outside the diff\n\n${items.join("\n\n")}`;
}
