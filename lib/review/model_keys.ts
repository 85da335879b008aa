/**
 * Model keys before a review spends anything: every model the pipeline will call is given the key its
 * organization may use (`lib/tenancy/credentials.ts`), and a missing one fails the job for good with the reason
 * and the step that fixes it, instead of failing each step on the provider's 401.
 */
import { type ResolvedModel, resolveModel } from "../config/models.ts";
import type { RepoConfig } from "../config/schema.ts";
import { pipelineSteps } from "./policy.ts";
import type { Repo } from "../db/repos.ts";
import type { ModelKeys } from "../tenancy/credentials.ts";
import type { ServerConfig } from "../config/env.ts";
import { UnreviewableError } from "./unreviewable.ts";

/** The organization's model keys, checked against every model of the pipeline; `undefined` without `modelKeys`. */
export async function checkModelKeys(
  deps: { modelKeys?(repo: Repo): Promise<ModelKeys>; server: ServerConfig },
  repo: Repo,
  config: RepoConfig,
): Promise<ModelKeys | undefined> {
  if (!deps.modelKeys) return undefined;
  const keys = await deps.modelKeys(repo);
  for (const step of pipelineSteps(config)) {
    let model: ResolvedModel;
    try {
      model = resolveModel(config, step.model, deps.server);
    } catch {
      continue; // The engine reports a model the configuration cannot resolve, on its step.
    }
    try {
      keys.apply(model);
    } catch (error) {
      throw new UnreviewableError(`Cannot review: ${(error as Error).message}`, {
        cause: error,
        nextStep: (error as { nextStep?: string }).nextStep,
      });
    }
  }
  return keys;
}
