/**
 * Configuration: the server's environment (`env.ts`) and each repository's `.loom/config.yaml` — its schema,
 * loading from the base branch, trigger rules and the built-in prompt library. Depends only on
 * `lib/platforms/types.ts` for the client it reads files with; it must not import the database, queue, LLM
 * clients or review engine.
 */
export { loadServerConfig, ServerConfig } from "./env.ts";
export { CONFIG_PATH, ConfigError, type ConfigErrorOptions, type ConfigIssue } from "./errors.ts";
export {
  BUILTIN_PROMPT_NAMES,
  type BuiltinPromptName,
  capSeverity,
  type ConfigOption,
  configOptions,
  decideReviewEvent,
  defaultRepoConfig,
  meetsMinimumSeverity,
  ModelConfig,
  OutputConfig,
  parseRepoConfig,
  type ParseRepoConfigOptions,
  PathFilter,
  PathInstruction,
  pathInstructionsFor,
  PersonaConfig,
  PipelineStep,
  pipelineSteps,
  renderOptionDoc,
  RepoConfig,
  type ResolvedModel,
  resolveModel,
  stepAppliesTo,
  TriggersConfig,
} from "./repo_config.ts";
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
