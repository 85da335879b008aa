/**
 * `POST /repos/{owner}/{repo}/pulls/{number}/reviews` as GitHub validates it: the event and commit are checked,
 * and every inline comment must sit on a line of the diff (a multi-line one within one hunk) — one bad comment
 * refuses the whole review with 422 and nothing is stored.
 */
import { diffHunkUpTo, lineExists } from "./diff.ts";
import { type GitHubShapes, RouteError } from "./shapes.ts";
import type { GitHubStore } from "./state.ts";
import type { FakePullRequest, FakeReview, FakeReviewComment, FakeUser } from "./types.ts";

/** Stores the review and its comments and answers it, or throws the 422 GitHub answers. */
export function createReview(
  store: GitHubStore,
  shapes: GitHubShapes,
  pullRequest: FakePullRequest,
  reviewer: FakeUser,
  body: Record<string, unknown>,
): Response {
  const event = body.event;
  if (event !== undefined && event !== "APPROVE" && event !== "REQUEST_CHANGES" && event !== "COMMENT") {
    throw new RouteError(422, "Unprocessable Entity", [
      `Event "${String(event)}" is not a valid review event`,
    ]);
  }
  const commitId = typeof body.commit_id === "string" ? body.commit_id : pullRequest.headSha;
  if (commitId !== pullRequest.headSha) {
    throw new RouteError(422, "Unprocessable Entity", ["Commit id is not part of the pull request"]);
  }
  const inputs = Array.isArray(body.comments) ? body.comments as Record<string, unknown>[] : [];
  const text = typeof body.body === "string" ? body.body : "";
  if ((event === "REQUEST_CHANGES" || event === "COMMENT") && text.length === 0 && inputs.length === 0) {
    throw new RouteError(422, "Unprocessable Entity", [`Body is required for ${event} events`]);
  }
  const reviewId = store.nextId();
  const now = new Date().toISOString();
  const comments: FakeReviewComment[] = [];
  // Validated as a whole first: GitHub rejects the entire review when any one comment is off the diff.
  for (const input of inputs) {
    const path = String(input.path ?? "");
    const file = pullRequest.files.find((item) => item.filename === path);
    if (file === undefined) {
      throw new RouteError(422, "Unprocessable Entity", ["Path could not be resolved"]);
    }
    const side = input.side === "LEFT" ? "LEFT" : "RIGHT";
    const line = Number(input.line);
    const hunkIndex = lineExists(file, line, side);
    if (!Number.isInteger(line) || hunkIndex < 0) {
      throw new RouteError(422, "Unprocessable Entity", [
        "Pull request review thread line must be part of the diff",
      ]);
    }
    let startLine: number | undefined;
    let startSide: "LEFT" | "RIGHT" | undefined;
    if (input.start_line !== undefined && input.start_line !== null) {
      startLine = Number(input.start_line);
      startSide = input.start_side === "LEFT" ? "LEFT" : input.start_side === "RIGHT" ? "RIGHT" : side;
      if (lineExists(file, startLine, startSide) !== hunkIndex) {
        throw new RouteError(422, "Unprocessable Entity", [
          "Pull request review thread start line must be part of the same hunk as the line",
        ]);
      }
      if (startSide === side && startLine >= line) {
        throw new RouteError(422, "Unprocessable Entity", ["start_line must precede the end line"]);
      }
    }
    comments.push({
      id: 0,
      repo: pullRequest.repo,
      number: pullRequest.number,
      body: String(input.body ?? ""),
      user: reviewer,
      createdAt: now,
      updatedAt: now,
      reviewId,
      commitId,
      path,
      line,
      side,
      startLine,
      startSide,
      diffHunk: diffHunkUpTo(file, hunkIndex, line, side),
    });
  }
  for (const comment of comments) {
    comment.id = store.nextId();
    store.state.reviewComments.push(comment);
  }
  const review: FakeReview = {
    id: reviewId,
    repo: pullRequest.repo,
    number: pullRequest.number,
    user: reviewer,
    commitId,
    event: event as FakeReview["event"],
    body: text,
    comments,
  };
  store.state.reviews.push(review);
  return shapes.json(200, shapes.reviewJson(review, now));
}
