/**
 * Puts Loom's description on the pull request: into the marked section of the description where the platform
 * lets Loom edit it (`EditsDescription`), else into one comment of Loom's, edited in place on later runs.
 *
 * Guarantees:
 * - the author's text is never changed (`spliceSection`), and it is read again right before the write, so an
 *   edit the author made while the model was answering is kept (the window left is about one request long: no
 *   platform offers a conditional write of the description except Bitbucket Data Center, whose `version` is sent,
 *   so an edit there between its read and the write fails the write and the job tries again with the new text);
 * - a run that would change nothing writes nothing (a retried job, a second run with the same answer);
 * - where the platform caps the description (Azure DevOps: 4,000 characters), the richest rendering that fits
 *   is written; when none fits beside the author's text, nothing in the description changes and the section
 *   goes to the comment instead, with the reason;
 * - markers the author broke (`section.ts`) are never guessed at: the comment is used, with the reason.
 */
import { DESCRIBE_COMMENT_MARKER } from "../markers.ts";
import { listOwnComments } from "../platforms/own_comments.ts";
import { canEditDescription, type PlatformClient, type PullRequestRef } from "../platforms/types.ts";
import { spliceSection } from "./section.ts";

/** Where the description went, and why there when it was not the description itself. */
export type WriteOutcome =
  | { where: "description"; changed: boolean }
  | { where: "comment"; changed: boolean; reason: string };

/** Where the repository wants it (`describe.location`). */
export type DescribeLocation = "description" | "comment";

/**
 * The first of `levels` (richest first) whose splice into `body` fits `max` characters.
 * @returns the new body, or the reason none can be written into the description
 */
export function fitDescription(
  body: string,
  levels: readonly string[],
  max: number | undefined,
): { body: string } | { reason: string } {
  for (const content of levels) {
    const spliced = spliceSection(body, content);
    if ("broken" in spliced) {
      return { reason: `Loom's section of the description cannot be found safely: ${spliced.broken}` };
    }
    if (max === undefined || spliced.body.length <= max) return spliced;
  }
  return {
    reason: `the description would be longer than the ${
      max!.toLocaleString("en-US")
    } characters this platform allows, even with the shortest summary`,
  };
}

/** Writes the section (rendered at `levels`, richest first) where it belongs; see the module comment. */
export async function writeDescription(
  client: PlatformClient,
  pr: PullRequestRef,
  levels: readonly string[],
  location: DescribeLocation,
): Promise<WriteOutcome> {
  let reason = "the repository asks for the description as a comment (`describe.location: comment`)";
  if (location === "description") {
    if (canEditDescription(client)) {
      // Read right before writing: the author may have edited while the model was answering.
      const current = (await client.getPullRequest(pr)).body;
      const fitted = fitDescription(current, levels, client.maxDescriptionLength);
      if ("body" in fitted) {
        if (fitted.body === current) return { where: "description", changed: false };
        await client.updateDescription(pr, fitted.body);
        return { where: "description", changed: true };
      }
      reason = fitted.reason;
    } else {
      reason = "this platform does not let Loom edit the description";
    }
  }
  const text = `${levels[0]}\n\n${DESCRIBE_COMMENT_MARKER}`;
  const existing = (await listOwnComments(client, pr))
    .find((comment) => !comment.inline && comment.body.includes(DESCRIBE_COMMENT_MARKER));
  if (existing === undefined) {
    await client.postComment(pr, text);
    return { where: "comment", changed: true, reason };
  }
  if (existing.body.trim() === text.trim()) return { where: "comment", changed: false, reason };
  await client.updateComment(pr, existing.id, text);
  return { where: "comment", changed: true, reason };
}
