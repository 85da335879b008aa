/**
 * Describes one pull request: read it and its configuration, pick the files that fit the budget, make the one
 * structured model call, render the answer and write it (`write.ts`), and record the run in the review history
 * with its model, tokens and cost (`recordAssistantRun`).
 *
 * Guarantees:
 * - an automatic run (`trigger: "opened"`) calls the model at most once per pull request: a redelivered webhook
 *   or a second job finds the completed run and stops before the model is asked; a run of a job whose earlier
 *   attempt completed stops the same way;
 * - a failure is recorded with its reason (and any tokens already spent) before it is reported or retried: a
 *   retryable platform or model error is thrown again for the queue, anything else ends the run as `failed`;
 * - a context source that fails (a referenced ticket that cannot be read) costs its context, never the run.
 */
import type { ServerConfig } from "../config/env.ts";
import { ConfigError } from "../config/errors.ts";
import { type ConfigCache, loadRepoConfig } from "../config/load.ts";
import { type ResolvedModel, resolveModel } from "../config/models.ts";
import { defaultRepoConfig, type RepoConfig } from "../config/schema.ts";
import { findCompletedRun, recordAssistantRun } from "../db/assistant_runs.ts";
import type { Db } from "../db/mod.ts";
import type { Repo } from "../db/repos.ts";
import { parseDiff } from "../diff/mod.ts";
import type { LlmClient, LlmProviderId, TokenUsage } from "../llm/types.ts";
import type { Logger } from "../log.ts";
import type { PlatformClient, PullRequest, PullRequestRef } from "../platforms/types.ts";
import type { ContextBlock } from "../review/prompt_context.ts";
import { readPullRequestTickets } from "../review/ticket_context.ts";
import type { ModelKeys } from "../tenancy/credentials.ts";
import { selectFiles } from "./budget.ts";
import { DescribeAnswer, describeMessages } from "./prompt.ts";
import { renderLevels } from "./render.ts";
import { authorText } from "./section.ts";
import { writeDescription, type WriteOutcome } from "./write.ts";

/**
 * Most characters of rendered diff in the prompt: about 20,000 tokens at the usual 4 characters a token, the
 * size of a large but readable pull request, and well inside every supported model's context with the answer.
 */
export const MAX_DESCRIBE_DIFF_CHARS = 80_000;

/** What a describe run needs; the review and command tasks' dependencies have this shape. */
export interface DescribeDeps {
  db: Db;
  server: ServerConfig;
  log: Logger;
  createClient(repo: Repo, options?: { signal?: AbortSignal }): PlatformClient | Promise<PlatformClient>;
  createLlm(model: ResolvedModel): LlmClient;
  /** USD for one call's usage; zero when not given. */
  costOf?(provider: LlmProviderId, model: string, usage: TokenUsage): number;
  modelKeys?(repo: Repo): Promise<ModelKeys>;
  configCache?: ConfigCache;
  now?: () => number;
  /**
   * Untrusted context for the call; absent, the tickets the pull request refers to (`tickets` in the
   * repository's configuration, read as for reviews).
   */
  contextFor?(input: { repo: Repo; client: PlatformClient; pr: PullRequest }): Promise<ContextBlock[]>;
}

export interface DescribeRequest {
  repo: Repo;
  ref: PullRequestRef;
  /** `command`: someone asked (`@loom describe`); `opened`: `describe.auto` on a new pull request. */
  trigger: "command" | "opened";
  /** Who asked; the pull request's author for an automatic run. */
  requestedBy?: string;
  jobId?: number;
  signal: AbortSignal;
  /** The repository's client, when the caller holds one already. */
  client?: PlatformClient;
}

export type DescribeOutcome =
  | { status: "skipped"; reason: string }
  /** `write` is absent when an earlier attempt of the same job wrote the description. */
  | { status: "done"; runId: number; write?: WriteOutcome }
  | { status: "failed"; runId: number; error: string };

async function repoConfig(deps: DescribeDeps, client: PlatformClient, ref: PullRequestRef, baseRef: string) {
  try {
    return (await loadRepoConfig(client, ref, baseRef, {
      server: deps.server,
      cache: deps.configCache,
      now: deps.now,
    }))
      .config;
  } catch (error) {
    // A broken file has its own comment from the review; `@loom describe` still works with the defaults.
    if (error instanceof ConfigError) return null;
    throw error;
  }
}

/** Describes `request.ref` (see the module comment). */
export async function describePullRequest(
  deps: DescribeDeps,
  request: DescribeRequest,
): Promise<DescribeOutcome> {
  const now = deps.now ?? Date.now;
  const { repo, ref, signal } = request;
  const action = request.trigger === "opened" ? "opened" : "manual";
  if (request.jobId !== undefined) {
    const done = await findCompletedRun(deps.db, { kind: "describe", jobId: request.jobId });
    if (done !== null) return { status: "done", runId: done };
  }
  const client = request.client ?? await deps.createClient(repo, { signal });
  const pr = await client.getPullRequest(ref);
  if (pr.state !== "open") return { status: "skipped", reason: `The pull request is ${pr.state}` };
  const loaded = await repoConfig(deps, client, ref, pr.baseRef);
  const config: RepoConfig = loaded ?? defaultRepoConfig();
  if (request.trigger === "opened") {
    if (loaded === null || !config.describe.auto) {
      return { status: "skipped", reason: "describe.auto is off for this repository" };
    }
    const key = {
      kind: "describe" as const,
      repoId: repo.id,
      prNumber: ref.number,
      action: "opened" as const,
    };
    if (await findCompletedRun(deps.db, key) !== null) {
      return { status: "skipped", reason: "The pull request was described when it was opened" };
    }
  }
  const startedAt = now();
  const subject = {
    repoId: repo.id,
    prNumber: ref.number,
    headSha: pr.headSha,
    kind: "describe" as const,
    title: pr.title,
    author: request.requestedBy ?? pr.author,
    jobId: request.jobId,
    action,
    startedAt,
  } as const;
  let model: ResolvedModel | undefined;
  let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
  const record = (status: "completed" | "failed", extra: { error?: string; summary?: string }) =>
    recordAssistantRun(deps.db, {
      ...subject,
      provider: model?.provider ?? null,
      model: model?.model ?? null,
      usage,
      costUsd: model ? deps.costOf?.(model.provider, model.model, usage) ?? 0 : 0,
      status,
      finishedAt: now(),
      ...extra,
    });
  try {
    const files = parseDiff(await client.getDiff(ref));
    if (files.length === 0) return { status: "skipped", reason: "The pull request changes no files" };
    const selection = selectFiles(files, MAX_DESCRIBE_DIFF_CHARS);
    const context = await contextBlocks(deps, { repo, client, pr, config, signal });
    const resolved = resolveModel(config, config.describe.model, deps.server);
    model = deps.modelKeys ? (await deps.modelKeys(repo)).apply(resolved) : resolved;
    const parts = config.describe;
    const { messages } = describeMessages({
      title: pr.title,
      body: authorText(pr.body),
      selection,
      parts,
      context,
    });
    const result = await deps.createLlm(model).chat(messages, {
      schema: DescribeAnswer,
      schemaName: "pull_request_description",
      maxTokens: model.maxOutputTokens ?? 3000,
      temperature: model.temperature,
      signal,
    });
    usage = result.usage;
    const answer = result.parsed ?? DescribeAnswer.parse(JSON.parse(result.text));
    const levels = renderLevels(answer, { parts, selection, headSha: pr.headSha });
    const write = await writeDescription(client, ref, levels, config.describe.location);
    const summary = write.where === "description"
      ? (write.changed ? "Updated the description" : "The description was up to date")
      : `Posted as a comment: ${write.reason}`;
    return { status: "done", runId: await record("completed", { summary }), write };
  } catch (error) {
    if (signal.aborted) throw error;
    const message = error instanceof Error ? error.message : String(error);
    const runId = await record("failed", { error: message });
    if ((error as { retryable?: unknown }).retryable === true) throw error;
    deps.log.warn("Describe failed", { repo: ref.repo, number: ref.number, error: message });
    return { status: "failed", runId, error: message };
  }
}

async function contextBlocks(
  deps: DescribeDeps,
  input: { repo: Repo; client: PlatformClient; pr: PullRequest; config: RepoConfig; signal: AbortSignal },
): Promise<ContextBlock[]> {
  try {
    if (deps.contextFor) return await deps.contextFor(input);
    const { repo, pr, signal } = input;
    const ref = pr.ref;
    return (await readPullRequestTickets(deps, { repo, ref, pr, config: input.config.tickets, signal }))
      .blocks;
  } catch (error) {
    if (input.signal.aborted) throw error;
    deps.log.warn("Describe continues without its context", {
      repo: input.pr.ref.repo,
      number: input.pr.ref.number,
      error: error instanceof Error ? error.message : String(error),
    });
    return [];
  }
}
