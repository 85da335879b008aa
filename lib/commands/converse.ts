/**
 * Conversations in Loom's review threads: a reply in a thread whose first comment is one of Loom's findings (the
 * comment carries a fingerprint marker and was written by Loom's own identity) gets an answer in that thread. The
 * model sees the thread (every comment, oldest first), the commented hunk, the file around the line and the
 * finding as the review recorded it (`converse_prompt.ts`) and answers `explain` or `concede`. A concession by
 * someone with write access dismisses the finding on the pull request (`ignoreFinding`: later pushes do not post
 * it again) and proposes a learning (`proposeLearning`, source `concede`, waiting for approval on the dashboard).
 *
 * Who gets an answer: anyone who can comment — a pull request's author disputing a finding usually has no write
 * access — within the per-author budget on public repositories (`LOOM_PUBLIC_AUTHOR_HOURLY_BUDGET`, shared with
 * command replies). Only what people with write access say changes anything: a concession to anyone else is words
 * in the thread, and a maintainer can dismiss the finding with `@loom ignore`. Bounded: Loom answers at most
 * `MAX_LOOM_REPLIES_PER_THREAD` times in one thread, and the prompt holds a bounded thread and code window.
 */
import { findRecordedFinding } from "../db/recorded_finding.ts";
import { ignoreFinding, type PullRequestKey } from "../db/pull_requests.ts";
import { LearningInputError, proposeLearning } from "../learnings/mod.ts";
import { LlmError } from "../llm/types.ts";
import { readFingerprints } from "../markers.ts";
import {
  canReplyInThreads,
  type ExistingComment,
  type PlatformClient,
  type PullRequestRef,
} from "../platforms/types.ts";
import { checkAuthorBudget } from "../review/author_budget.ts";
import { sanitizeMarkdown } from "../review/sanitize.ts";
import type { CommandContext, CommandDeps, CommandOutcome } from "./deps.ts";
import { commandModel } from "./model.ts";
import { authorCanWrite } from "./permission.ts";
import { recordedChat } from "./run.ts";
import { ThreadAnswer, type ThreadEntry, threadMessages } from "./converse_prompt.ts";
import { commentedHunk, fileWindow } from "./thread_context.ts";

/** Answers Loom gives in one thread; past them a dispute is for people (`@loom ignore`), not another round. */
export const MAX_LOOM_REPLIES_PER_THREAD = 5;

/** A review thread Loom started with a finding. */
export interface LoomThread {
  id: string;
  /** Every comment, the finding first, then the replies oldest first. */
  comments: ExistingComment[];
  /** The fingerprint the finding's marker carries. */
  fingerprint: string;
  /** Loom's platform identity id, the author of its comments. */
  loomId: string;
}

/** The thread `threadId` when Loom's identity wrote its first comment and that comment marks a finding; else null. */
export async function readLoomThread(
  client: PlatformClient,
  ref: PullRequestRef,
  threadId: string,
): Promise<LoomThread | null> {
  if (!canReplyInThreads(client)) return null;
  const [comments, identity] = await Promise.all([
    client.listThreadComments(ref, threadId),
    client.identity(),
  ]);
  const root = comments[0];
  // A marker counts only in a comment Loom's identity wrote: anyone can type one.
  if (root === undefined || root.authorId === undefined || root.authorId !== identity.id) return null;
  const fingerprint = readFingerprints(root.body)[0];
  if (fingerprint === undefined) return null;
  return { id: threadId, comments, fingerprint, loomId: identity.id };
}

/** Answers a reply (no command) in a review thread, when the thread is Loom's and the author within budget. */
export async function converse(deps: CommandDeps, input: CommandContext): Promise<CommandOutcome> {
  const { payload } = input;
  if (payload.thread === undefined) {
    return { status: "ignored", reason: "The comment is in no review thread" };
  }
  const thread = await readLoomThread(input.client, input.ref, payload.thread.id);
  if (thread === null) return { status: "ignored", reason: "The thread was not started by a Loom finding" };
  if (payload.authorId !== undefined && payload.authorId === thread.loomId) {
    return { status: "ignored", reason: "Loom does not answer its own comments" };
  }
  let writer: Promise<boolean> | undefined;
  const canWrite = () =>
    writer ??= authorCanWrite({
      client: input.client,
      pr: input.ref,
      repoId: input.repo.id,
      user: { login: payload.author, id: payload.authorId },
      cache: deps.permissions,
    }).catch((error) => {
      if (input.signal.aborted) throw error;
      // Unknown counts as no: the answer is still given, it only changes nothing.
      deps.log.warn("Thread reply: the platform's permission lookup failed", {
        repo: payload.repo,
        author: payload.author,
        error: error instanceof Error ? error.message : String(error),
      });
      return false;
    });
  const budget = await checkAuthorBudget(deps, {
    repo: input.repo,
    author: payload.author,
    kind: "command_reply",
    repoPublic: payload.repoPublic,
    isMaintainer: canWrite,
  });
  if (!budget.allowed) return { status: "ignored", reason: budget.reason };
  const answered = await answerInThread(deps, { ...input, thread, canWrite });
  return answered ? { status: "done", command: "converse" } : {
    status: "ignored",
    reason: `Loom answered ${MAX_LOOM_REPLIES_PER_THREAD} times in this thread already`,
  };
}

/**
 * Answers the latest comment of a Loom thread (or `question`, an `@loom ask` in it). Returns false, posting
 * nothing, when Loom already answered `MAX_LOOM_REPLIES_PER_THREAD` times in the thread.
 */
export async function answerInThread(
  deps: CommandDeps,
  input: CommandContext & { thread: LoomThread; question?: string; canWrite(): Promise<boolean> },
): Promise<boolean> {
  const { payload, thread } = input;
  const replies = thread.comments.slice(1);
  if (replies.filter((comment) => comment.authorId === thread.loomId).length >= MAX_LOOM_REPLIES_PER_THREAD) {
    deps.log.info("Thread reply left alone: the thread had its answers", {
      repo: payload.repo,
      thread: thread.id,
    });
    return false;
  }
  // The thread up to the comment answered; a platform that lists it late still gets it in the prompt.
  const index = thread.comments.findIndex((comment) => comment.id === payload.commentId);
  const history: ThreadEntry[] = (index === -1 ? thread.comments : thread.comments.slice(0, index + 1)).map(
    (comment) => ({
      author: comment.author ?? "unknown",
      loom: comment.authorId === thread.loomId,
      body: comment.body,
    }),
  );
  if (index === -1) history.push({ author: payload.author, loom: false, body: payload.body });

  const key: PullRequestKey = { repoId: input.repo.id, prNumber: payload.number };
  const finding = await findRecordedFinding(deps.db, key, thread.fingerprint);
  const root = thread.comments[0]!;
  const path = finding?.path ?? root.path;
  const line = finding?.line ?? root.line;
  const pr = await input.client.getPullRequest(input.ref);
  let hunk: string | null = null;
  let file: { path: string; text: string } | null = null;
  if (path !== undefined && line !== undefined) {
    const place = { path, line, side: finding?.side };
    hunk = commentedHunk(await input.client.getDiff(input.ref), place);
    const content = await input.client.getFile(
      input.ref,
      path,
      place.side === "LEFT" ? pr.baseSha : pr.headSha,
    );
    const text = content === null ? null : fileWindow(content, line);
    if (text !== null) file = { path, text };
  }
  const modelKeys = deps.modelKeys ? await deps.modelKeys(input.repo) : undefined;
  const model = await commandModel(deps, { ...input, baseRef: pr.baseRef, modelKeys });
  const { messages } = threadMessages({
    title: pr.title,
    finding,
    thread: history,
    hunk,
    file,
    question: input.question,
  });
  let answer: ThreadAnswer;
  try {
    const result = await recordedChat(deps, {
      kind: "converse",
      repoId: input.repo.id,
      pr,
      author: payload.author,
      jobId: input.jobId,
      model,
      messages,
      options: {
        schema: ThreadAnswer,
        schemaName: "thread_answer",
        maxTokens: model.maxOutputTokens ?? 1500,
        temperature: model.temperature,
        signal: input.signal,
      },
      summary: (result) =>
        result.parsed?.verdict === "concede"
          ? "Conceded a finding in its thread"
          : "Answered in a review thread",
    });
    answer = result.parsed ?? { reply: result.text, verdict: "explain" };
  } catch (error) {
    if (input.signal.aborted || !(error instanceof LlmError) || error.retryable) throw error;
    await input.reply.post(`Sorry, I could not answer that: ${error.message}`);
    return true;
  }
  // The model's words are untrusted; Loom posts them only sanitised.
  const parts = [sanitizeMarkdown(answer.reply.trim())];
  if (answer.verdict === "concede") parts.push(await concede(deps, { ...input, key, finding, answer, path }));
  await input.reply.post(parts.join("\n\n"));
  return true;
}

/** Dismisses the finding and proposes a learning for someone with write access; says what happened. */
async function concede(
  deps: CommandDeps,
  input: CommandContext & {
    thread: LoomThread;
    canWrite(): Promise<boolean>;
    key: PullRequestKey;
    finding: Awaited<ReturnType<typeof findRecordedFinding>>;
    answer: ThreadAnswer;
    path: string | undefined;
  },
): Promise<string> {
  const { payload, thread, finding } = input;
  if (!(await input.canWrite())) {
    return "Only people with write access can dismiss a finding, so it stays on record; a maintainer can " +
      `dismiss it with \`@loom ignore ${thread.fingerprint}\`.`;
  }
  await ignoreFinding(deps.db, input.key, {
    fingerprint: thread.fingerprint,
    title: finding?.title ?? "",
    by: payload.author,
  }, deps.now);
  const title = finding?.title ?? "this finding";
  const rule = input.answer.learning?.trim() ||
    `Do not report "${title}"${input.path ? ` in ${input.path}` : ""}: it was disputed and conceded.`;
  try {
    await proposeLearning(deps.db, {
      orgId: input.repo.organizationId,
      repoId: input.repo.id,
      rule,
      pathGlobs: input.path ? [input.path] : [],
      ...(finding === null ? {} : { suppress: { title: finding.title, step: finding.step } }),
      source: { kind: "concede", commentId: payload.commentId, prNumber: payload.number },
      createdBy: payload.author,
    }, (deps.now ?? Date.now)());
  } catch (error) {
    if (!(error instanceof LearningInputError)) throw error;
    deps.log.warn("Conceded finding: the learning was not proposed", { error: error.message });
    return "🙈 Dismissed: I will not post this finding on this pull request again.";
  }
  return "🙈 Dismissed: I will not post this finding on this pull request again, and I proposed a learning " +
    "for later reviews (a maintainer approves it on Loom's learnings page).";
}
