/**
 * Carries out one `@loom …` command from a pull-request comment (the `pull_request_command` job):
 * 1. parse the comment again (the job holds its text) and ignore anything that is not a command;
 * 2. refuse, with a polite reply, authors the platform's permission API does not report as able to push, and
 *    everyone when that API cannot be asked (on a public repository at most `LOOM_PUBLIC_AUTHOR_HOURLY_BUDGET`
 *    replies per author per hour, `lib/review/author_budget.ts`);
 * 3. act: enqueue a full review, pause or resume automatic reviews, answer a question about the diff, or stop
 *    posting a finding; then reply once, in the comment's review thread where it was written in one.
 * A comment without a command that replies in a review thread goes to `converse.ts`, which answers it only in a
 * thread one of Loom's findings started.
 * Every reply carries `<!-- loom:reply to=<comment id> -->`: a retried job finds its reply and posts no second
 * one, and the webhook receiver never treats Loom's own replies as commands.
 */
import { mention } from "../platforms/mention.ts";
import { getRepo } from "../db/repos.ts";
import { type PullRequestKey, setPullRequestPaused } from "../db/pull_requests.ts";
import { canReplyInThreads, type PullRequestRef } from "../platforms/types.ts";
import { enqueue, PermanentJobError, type TaskPayloads } from "../queue/mod.ts";
import { checkAuthorBudget } from "../review/author_budget.ts";
import { pullRequestGroupKey } from "../pull_request.ts";
import { parseCommand } from "./parse.ts";
import { ignoreCommand } from "./ignore.ts";
import { authorCanWrite } from "./permission.ts";
import type { CommandContext, CommandDeps, CommandOutcome } from "./deps.ts";
import { createReplier } from "./reply.ts";
import { ask } from "./ask.ts";
import { converse } from "./converse.ts";
import { describeCommand } from "./describe.ts";

export { matchFindings } from "./ignore.ts";

const HELP = [
  "I understand these commands, each at the start of a line:",
  "",
  "- `@loom review`: review the pull request again, in full",
  "- `@loom pause` / `@loom resume`: stop or restart automatic reviews of this pull request",
  "- `@loom ask <question>`: answer a question about the changes (`explain` works too); asked in a review " +
  "thread, the answer goes there",
  "- `@loom ignore <finding title>`: stop posting that finding on this pull request",
  "- `@loom ignore <finding title> because <reason>`: and remember it for later pull requests in this " +
  "repository (add `in <glob>` to limit it to paths, `for the organization` to widen it)",
  "- `@loom describe`: write a summary, a file-by-file walkthrough and a diagram into the description",
].join("\n");

/**
 * Runs one command job.
 * @throws {PermanentJobError} when the repository is no longer connected
 * @throws {PlatformError | LlmError} retryable platform or model failures, so the queue tries again
 */
export async function handlePullRequestCommand(
  deps: CommandDeps,
  job: { id: number; payload: TaskPayloads["pull_request_command"] },
  signal: AbortSignal,
): Promise<CommandOutcome> {
  const payload = job.payload;
  const command = parseCommand(payload.body);
  if (command === null && payload.thread === undefined) {
    return { status: "ignored", reason: "The comment gives no command" };
  }
  const repo = await getRepo(deps.db, payload.repoId);
  if (!repo) {
    throw new PermanentJobError(`Cannot run command: repository ${payload.repoId} is no longer connected`);
  }
  const client = await deps.createClient(repo, { signal });
  const ref: PullRequestRef = { platform: repo.platform, repo: payload.repo, number: payload.number };
  // A reply where Loom cannot answer in threads costs no platform call.
  if (command === null && !canReplyInThreads(client)) {
    return { status: "ignored", reason: `Loom cannot reply in ${client.platform} review threads` };
  }
  const reply = createReplier(client, ref, payload.commentId, payload.thread);
  if (await reply.alreadyPosted()) return { status: "ignored", reason: "The command was answered already" };
  // A reply in a review thread: answered when the thread is one of Loom's findings (`converse.ts`).
  if (command === null) {
    return await converse(deps, { client, ref, repo, reply, payload, jobId: job.id, signal });
  }

  let allowed = false;
  let lookupError: string | undefined;
  try {
    allowed = await authorCanWrite({
      client,
      pr: ref,
      repoId: repo.id,
      user: { login: payload.author, id: payload.authorId },
      cache: deps.permissions,
    });
  } catch (error) {
    if (signal.aborted) throw error;
    // Never trusted: a command whose author cannot be checked is refused, and the operator learns why.
    lookupError = error instanceof Error ? error.message : String(error);
    deps.log.warn("Command refused: the platform's permission lookup failed", {
      repo: payload.repo,
      author: payload.author,
      command: command.kind,
      error: lookupError,
    });
  }
  if (!allowed) {
    // Only authors with write access, who are exempt, get further: a stranger's budget is spent on refusals.
    const budget = await checkAuthorBudget(deps, {
      repo,
      author: payload.author,
      kind: "command_reply",
      repoPublic: payload.repoPublic,
      isMaintainer: () => Promise.resolve(false),
    });
    if (!budget.allowed) return { status: "ignored", reason: budget.reason };
    if (lookupError !== undefined) {
      await reply.post(
        `Thanks for asking, ${
          mention(payload.platform, { login: payload.author, id: payload.authorId })
        }! Only people with write access to this repository can give ` +
          "Loom commands, and I could not check your access just now, so I have left this one alone. " +
          "Please try again in a minute; if it keeps failing, Loom's log says why.",
      );
      return { status: "denied", command: command.kind, error: lookupError };
    }
    await reply.post(
      `Thanks for asking, ${
        mention(payload.platform, { login: payload.author, id: payload.authorId })
      }! Only people with write access to this repository can give ` +
        "Loom commands, so I have left this one alone.",
    );
    deps.log.info("Command refused: no write access", { author: payload.author, command: command.kind });
    return { status: "denied", command: command.kind };
  }
  const key: PullRequestKey = { repoId: repo.id, prNumber: payload.number };
  const now = deps.now ?? Date.now;
  switch (command.kind) {
    case "help":
      await reply.post(HELP);
      return { status: "done", command: command.kind };
    case "unknown":
      await reply.post(`I do not know the command \`${command.verb.slice(0, 40)}\`. ${HELP}`);
      return { status: "done", command: command.kind };
    case "pause":
      await setPullRequestPaused(deps.db, key, true, { by: payload.author, now });
      await reply.post(
        "⏸️ Paused automatic reviews of this pull request. `@loom resume` turns them back on; " +
          "`@loom review` still reviews it on request.",
      );
      return { status: "done", command: command.kind };
    case "resume":
      await setPullRequestPaused(deps.db, key, false, { by: payload.author, now });
      await reply.post("▶️ Resumed automatic reviews of this pull request: the next push is reviewed.");
      return { status: "done", command: command.kind };
    case "review":
      return await startReview(deps, { client, ref, repo, reply, payload });
    case "ask":
      await ask(deps, {
        client,
        ref,
        repo,
        reply,
        payload,
        jobId: job.id,
        question: command.question,
        signal,
      });
      return { status: "done", command: command.kind };
    case "ignore":
      await ignoreCommand({ db: deps.db, publicUrl: deps.server.publicUrl, now: deps.now }, {
        key,
        repo,
        command,
        author: payload.author,
        commentId: payload.commentId,
        post: reply.post,
      });
      return { status: "done", command: command.kind };
    case "describe":
      await reply.post(await describeCommand(deps, { repo, ref, client, jobId: job.id, payload, signal }));
      return { status: "done", command: command.kind };
  }
}

async function startReview(
  deps: CommandDeps,
  input: Pick<CommandContext, "client" | "ref" | "repo" | "reply" | "payload">,
): Promise<CommandOutcome> {
  const pr = await input.client.getPullRequest(input.ref);
  if (pr.state !== "open") {
    await input.reply.post(`This pull request is ${pr.state}, so there is nothing to review.`);
    return { status: "done", command: "review" };
  }
  const groupKey = pullRequestGroupKey(input.ref);
  // Same dedupe key as a webhook-started review of this head: a review already running is not started twice.
  const job = await enqueue(deps.db, "review_pull_request", {
    platform: input.repo.platform,
    repoId: input.repo.id,
    repo: input.ref.repo,
    number: input.ref.number,
    headSha: pr.headSha,
    baseSha: pr.baseSha,
    baseRef: pr.baseRef,
    headRef: pr.headRef,
    title: pr.title,
    author: pr.author,
    authorIsBot: false,
    draft: pr.draft,
    action: "manual",
    deliveryId: input.payload.deliveryId,
  }, { dedupeKey: `review:${groupKey}@${pr.headSha}`, groupKey, now: deps.now });
  const head = pr.headSha.slice(0, 7);
  await input.reply.post(
    job.created
      ? `🔁 Starting a full review of ${head}, as ${
        mention(input.payload.platform, { login: input.payload.author, id: input.payload.authorId })
      } asked.`
      : `A review of ${head} is already running; its results will appear here.`,
  );
  return { status: "done", command: "review", reviewJobId: job.id };
}
