/**
 * Loom's one reply to one comment. The reply carries `<!-- loom:reply to=<comment id> -->`, so a retried job
 * finds it and posts no second one, and the webhook receiver never takes it for a command or a reply to answer
 * (`isLoomComment`). A comment written in a review thread is answered in that thread where the platform can
 * reply there (`RepliesInThreads`); elsewhere, and for plain comments, the reply is a comment on the pull request.
 */
import { replyMarker } from "../markers.ts";
import { listOwnComments } from "../platforms/own_comments.ts";
import {
  canReplyInThreads,
  type CommentThread,
  type PlatformClient,
  type PullRequestRef,
} from "../platforms/types.ts";

export interface Replier {
  /** Whether Loom's identity already answered the comment (anywhere on the pull request). */
  alreadyPosted(): Promise<boolean>;
  /** Posts `text` with the reply marker. */
  post(text: string): Promise<void>;
}

export function createReplier(
  client: PlatformClient,
  ref: PullRequestRef,
  commentId: string,
  thread?: CommentThread,
): Replier {
  const marker = replyMarker(commentId);
  return {
    async alreadyPosted() {
      return (await listOwnComments(client, ref)).some((comment) => comment.body.includes(marker));
    },
    async post(text) {
      const body = `${text}\n\n${marker}`;
      if (thread !== undefined && canReplyInThreads(client)) await client.replyInThread(ref, thread.id, body);
      else await client.postComment(ref, body);
    },
  };
}
