/**
 * The reply Loom posts in the thread of an inline comment whose finding a later push fixed: it names the commit
 * (short hash, linked where the platform has a web page for it) and carries the hidden `resolved` marker, so the
 * thread is never answered or resolved again — a person who reopens it has the last word.
 */
import { resolvedMarker } from "../markers.ts";
import type { ThreadResolution } from "./types.ts";

// Seven characters is what every supported platform shows for a commit in its web pages.
const SHORT_SHA = 7;

/**
 * The body of the resolving reply to comment `commentId`.
 * @param commitUrl the commit's web page, or undefined where the platform has none Loom can name
 */
export function resolvedReply(commentId: string, resolution: ThreadResolution, commitUrl?: string): string {
  const short = `\`${resolution.headSha.slice(0, SHORT_SHA)}\``;
  const commit = commitUrl === undefined ? short : `[${short}](${commitUrl})`;
  return `Resolved by ${commit}: Loom no longer reports this finding there.\n\n${resolvedMarker(commentId)}`;
}

/**
 * One note for several fixed findings, where the platform can neither reply in a code comment's thread nor
 * resolve it (Gitea's API): it names the commit, links each comment, and carries a `resolved` marker for each.
 * @param comments the fixed comments' ids and web pages
 */
export function resolvedNote(
  comments: readonly { id: string; url: string }[],
  resolution: ThreadResolution,
  commitUrl?: string,
): string {
  const short = `\`${resolution.headSha.slice(0, SHORT_SHA)}\``;
  const commit = commitUrl === undefined ? short : `[${short}](${commitUrl})`;
  const noun = comments.length === 1 ? "the finding of this comment" : "the findings of these comments";
  const list = comments.map((comment) =>
    `- [comment ${comment.id}](${comment.url}) ${resolvedMarker(comment.id)}`
  );
  return `Resolved by ${commit}: Loom no longer reports ${noun}.\n\n${list.join("\n")}`;
}
