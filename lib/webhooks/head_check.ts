/**
 * Replay safety: before an event cancels or supersedes a live review, the platform is asked where the pull
 * request is now. A replayed or late `synchronize` for an older head, or a `closed` for a pull request reopened
 * since, is `stale` and changes nothing; a platform that cannot answer within its deadline gives `unknown`, and
 * the delivery then supersedes and cancels nothing (a review of an old head still cannot post: its own checks at
 * posting time stop it). Only deliveries that would replace a live job get here, so the usual webhook never
 * waits for the platform.
 */
import type { Repo } from "../db/repos.ts";
import type { PullRequest, PullRequestEvent, PullRequestRef } from "../platforms/types.ts";
import type { HeadCheck } from "../queue/mod.ts";
import { sameHead } from "../review/posting_guard.ts";

/** Reads the pull request from its platform (`createRepoClient(...).getPullRequest` with a short deadline). */
export type ReadPullRequest = (
  repo: Repo,
  ref: PullRequestRef,
) => Promise<Pick<PullRequest, "state" | "headSha">>;

export async function checkHead(
  read: ReadPullRequest,
  repo: Repo,
  event: PullRequestEvent,
): Promise<Exclude<HeadCheck, "unchecked">> {
  let current: Pick<PullRequest, "state" | "headSha">;
  try {
    current = await read(repo, event.pr);
  } catch {
    return "unknown";
  }
  if (event.action === "closed") return current.state === "open" ? "stale" : "current";
  return current.state === "open" && sameHead(current.headSha, event.headSha) ? "current" : "stale";
}
