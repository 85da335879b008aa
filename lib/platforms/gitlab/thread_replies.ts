/**
 * GitLab notes as the client reads them, and reading and answering one discussion (`RepliesInThreads`): the
 * thread id is the discussion id (`discussion_id` in a note hook), its notes come in GitLab's order (the first
 * note first), and a reply is `POST …/merge_requests/:iid/discussions/:id/notes`. System notes ("changed this
 * line in version 2") are not part of the conversation and are left out.
 */
import type { Gitlab } from "@gitbeaker/rest";
import { z } from "zod";
import type { ExistingComment, PullRequestRef, RepliesInThreads } from "../types.ts";
import { withPlatformContext } from "../errors.ts";

export const Note = z.object({
  "id": z.number(),
  "body": z.string(),
  "system": z.boolean().nullish(),
  "type": z.string().nullish(),
  "resolved": z.boolean().nullish(),
  "author": z.object({ "id": z.number(), "username": z.string() }).nullish(),
  "position": z.object({
    "new_path": z.string().nullish(),
    "old_path": z.string().nullish(),
    "new_line": z.number().nullish(),
    "old_line": z.number().nullish(),
  }).nullish(),
});

export const Discussion = z.object({ "id": z.string(), "notes": z.array(Note) });

function place(pr: PullRequestRef, threadId: string): string {
  return `discussion ${threadId} of merge request "${pr.repo}!${pr.number}"`;
}

/** The client's `RepliesInThreads` methods, on the client's (lazily imported) gitbeaker instance. */
export function gitLabThreadReplies(api: () => Promise<InstanceType<typeof Gitlab>>): RepliesInThreads {
  return {
    async listThreadComments(pr, threadId) {
      try {
        // Through the list, as `listComments` reads it (gitbeaker follows every page): one request shape for both.
        const discussions = z.array(Discussion).parse(
          await (await api()).MergeRequestDiscussions.all(pr.repo, pr.number, { perPage: 100 }),
        );
        const discussion = discussions.find((candidate) => candidate.id === threadId);
        if (discussion === undefined) return [];
        return discussion.notes.filter((note) => !note.system).map((note): ExistingComment => ({
          id: String(note.id),
          body: note.body,
          author: note.author?.username,
          authorId: note.author === undefined || note.author === null ? undefined : String(note.author.id),
          path: note.position?.new_path ?? note.position?.old_path ?? undefined,
          line: note.position?.new_line ?? note.position?.old_line ?? undefined,
          inline: note.type === "DiffNote",
        }));
      } catch (error) {
        throw withPlatformContext("gitlab", `Cannot read ${place(pr, threadId)}`, error);
      }
    },
    async replyInThread(pr, threadId, body) {
      try {
        const note = Note.parse(
          await (await api()).MergeRequestDiscussions.addNote(pr.repo, pr.number, threadId, body),
        );
        return String(note.id);
      } catch (error) {
        throw withPlatformContext("gitlab", `Cannot reply in ${place(pr, threadId)}`, error);
      }
    },
  };
}
