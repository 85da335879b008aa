/** What a command job needs and how it ends: the words every file of this folder shares. */
import type { ServerConfig } from "../config/env.ts";
import type { ConfigCache } from "../config/load.ts";
import type { ResolvedModel } from "../config/models.ts";
import type { Db } from "../db/mod.ts";
import type { Repo } from "../db/repos.ts";
import type { LlmClient, LlmProviderId, TokenUsage } from "../llm/types.ts";
import type { Logger } from "../log.ts";
import type { PlatformClient, PullRequestRef } from "../platforms/types.ts";
import type { TaskPayloads } from "../queue/mod.ts";
import type { Replier } from "./reply.ts";
import type { ModelKeys } from "../tenancy/credentials.ts";
import type { Command } from "./parse.ts";
import type { PermissionCache } from "./permission.ts";

/** What a command job needs; the worker builds it from the same parts as the review task. */
export interface CommandDeps {
  db: Db;
  server: ServerConfig;
  log: Logger;
  /** The platform client of `repo`; `signal` (the job's) aborts its requests in flight. */
  createClient(repo: Repo, options?: { signal?: AbortSignal }): PlatformClient | Promise<PlatformClient>;
  createLlm(model: ResolvedModel): LlmClient;
  /** The model keys `repo`'s organization may use (`lib/tenancy/credentials.ts`); absent, the configuration's. */
  modelKeys?(repo: Repo): Promise<ModelKeys>;
  configCache?: ConfigCache;
  now?: () => number;
  /** Write-access answers shared by the process's command jobs; without it every command asks the platform. */
  permissions?: PermissionCache;
  /** Prices a model call for the history; absent, list prices (`lib/llm/pricing.ts`). */
  costOf?(provider: LlmProviderId, model: string, usage: TokenUsage): number;
}

/** How a command job ended. */
export type CommandOutcome =
  | { status: "ignored"; reason: string }
  | { status: "denied"; command: Command["kind"]; error?: string }
  | { status: "done"; command: Command["kind"] | "converse"; reviewJobId?: number };

/** What a command's action is given about the comment it answers: the platform, the pull request, the reply. */
export interface CommandContext {
  client: PlatformClient;
  ref: PullRequestRef;
  repo: Repo;
  reply: Replier;
  payload: TaskPayloads["pull_request_command"];
  /** The command job: attempts of one job share one history row. */
  jobId?: number;
  signal: AbortSignal;
}
