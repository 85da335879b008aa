/**
 * Inline comment anchors as Data Center checks them: a path and a positive line, `lineType` ADDED, REMOVED or
 * CONTEXT with `fileType` TO or FROM, and the line must be that kind of line of the pull request's diff (409
 * `InvalidCommentAnchorException` otherwise).
 */
import parseDiff from "parse-diff";
import { errorResponse } from "./permissions.ts";
import type { FakeServerAnchor } from "./types.ts";

/** The line `anchor` names, as parse-diff sees the diff: an independent reading of what Loom parsed. */
function anchorProblem(diff: string, anchor: FakeServerAnchor): string | null {
  const file = parseDiff(diff).find((item) => item.to === anchor.path || item.from === anchor.path);
  if (!file) return `File "${anchor.path}" is not part of the pull request's diff`;
  const changes = file.chunks.flatMap((chunk) => chunk.changes);
  const found = changes.some((change) => {
    if (anchor.lineType === "ADDED") {
      return change.type === "add" && anchor.fileType === "TO" && change.ln === anchor.line;
    }
    if (anchor.lineType === "REMOVED") {
      return change.type === "del" && anchor.fileType === "FROM" && change.ln === anchor.line;
    }
    return change.type === "normal" && (anchor.fileType === "TO" ? change.ln2 : change.ln1) === anchor.line;
  });
  return found
    ? null
    : `Line ${anchor.line} (${anchor.lineType}, ${anchor.fileType}) of "${anchor.path}" is not in the diff`;
}

/** The anchor of a new comment, undefined without one, or the error answer Data Center gives. */
export function checkAnchor(
  diff: string,
  input: Partial<FakeServerAnchor> | undefined,
): FakeServerAnchor | undefined | Response {
  if (input === undefined) return undefined;
  const { path, line, lineType, fileType } = input;
  if (typeof path !== "string" || !Number.isInteger(line) || (line as number) < 1) {
    return errorResponse(400, "An anchor needs a path and a positive line.");
  }
  if (
    !["ADDED", "REMOVED", "CONTEXT"].includes(String(lineType)) || !["FROM", "TO"].includes(String(fileType))
  ) {
    return errorResponse(400, "lineType must be ADDED, REMOVED or CONTEXT and fileType FROM or TO.");
  }
  const anchor = input as FakeServerAnchor;
  const problem = anchorProblem(diff, anchor);
  if (problem) {
    return errorResponse(409, problem, "com.atlassian.bitbucket.comment.InvalidCommentAnchorException");
  }
  return anchor;
}
