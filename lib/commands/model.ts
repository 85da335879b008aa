/**
 * The model a command's answer uses (`explain`, `ask`, replies in Loom's threads): the repository's `default`
 * model from `.loom/config.yaml` on the base branch, with the organization's key when it has its own.
 */
import type { ServerConfig } from "../config/env.ts";
import { ConfigError } from "../config/errors.ts";
import { type ConfigCache, loadRepoConfig } from "../config/load.ts";
import { type ResolvedModel, resolveModel } from "../config/models.ts";
import { defaultRepoConfig } from "../config/schema.ts";
import type { PlatformClient, PullRequestRef } from "../platforms/types.ts";
import type { ModelKeys } from "../tenancy/credentials.ts";

/**
 * The model to answer with. A broken configuration has its own comment, so the question is answered with the
 * server's model instead of failing.
 * @throws {MissingCredentialError} when the model needs a key the organization lacks (not retried)
 */
export async function commandModel(
  deps: { server: ServerConfig; configCache?: ConfigCache; now?: () => number },
  input: { client: PlatformClient; ref: PullRequestRef; baseRef: string; modelKeys?: ModelKeys },
): Promise<ResolvedModel> {
  let config = defaultRepoConfig();
  try {
    config = (await loadRepoConfig(input.client, input.ref, input.baseRef, {
      server: deps.server,
      cache: deps.configCache,
      now: deps.now,
    })).config;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
  }
  const resolved = resolveModel(config, "default", deps.server);
  return input.modelKeys ? input.modelKeys.apply(resolved) : resolved;
}
