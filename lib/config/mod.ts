/**
 * Configuration: the server's environment (`env.ts`) and each repository's `.loom/config.yaml` — its schema
 * (`schema.ts`), parsing with positions (`parse.ts`), model resolution (`models.ts`), the option reference
 * (`reference.ts`), loading from the base branch, trigger rules and the built-in prompt library. What the
 * review engine does with a configuration (steps, severity caps, the verdict) is `lib/review/policy.ts`.
 * Depends only on `lib/platforms/types.ts` for the client it reads files with; it must not import the
 * database, queue, LLM clients or review engine.
 */
export { loadServerConfig, ServerConfig } from "./env.ts";
export { CONFIG_PATH, ConfigError, type ConfigErrorOptions, type ConfigIssue } from "./errors.ts";
export {
  BUILTIN_PROMPT_NAMES,
  type BuiltinPromptName,
  defaultRepoConfig,
  ModelConfig,
  OutputConfig,
  PathFilter,
  PathInstruction,
  PersonaConfig,
  PipelineStep,
  RepoConfig,
  TriggersConfig,
} from "./schema.ts";
export { parseRepoConfig, type ParseRepoConfigOptions } from "./parse.ts";
export { type ResolvedModel, resolveModel } from "./models.ts";
export { type ConfigOption, configOptions, renderOptionDoc } from "./reference.ts";
export {
  BUILTIN_PROMPTS,
  checkConfigFile,
  type CheckConfigFileOptions,
  type ConfigCache,
  configCacheKey,
  type ConfigCacheOptions,
  type ConfigSource,
  createConfigCache,
  type LoadedConfig,
  loadRepoConfig,
  type LoadRepoConfigOptions,
  type ReadRepoFile,
  resolveRepoConfig,
  type ResolveRepoConfigOptions,
} from "./load.ts";
export {
  evaluateTriggers,
  type TriggerDecision,
  type TriggerEventName,
  type TriggerInput,
} from "./triggers.ts";
