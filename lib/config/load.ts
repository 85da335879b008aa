/**
 * Loads a repository's configuration from its base branch, resolves every step's prompt, and caches the result.
 * Reading from the base branch is the security boundary: a pull request cannot change its own review.
 */
import { dirname, join, normalize } from "node:path";
import type { PlatformClient, PullRequestRef } from "../platforms/types.ts";
import type { ServerConfig } from "./env.ts";
import { CONFIG_PATH, ConfigError } from "./errors.ts";
import { modelAccessIssues } from "./models.ts";
import { type Locate, locateIssues, parseRepoConfigWithPositions } from "./parse.ts";
import {
  BUILTIN_PROMPT_NAMES,
  type BuiltinPromptName,
  defaultRepoConfig,
  type PersonaConfig,
  type RawIssue,
  type RepoConfig,
} from "./schema.ts";
import bugsPrompt from "./prompts/bugs.md" with { type: "text" };
import docsPrompt from "./prompts/docs.md" with { type: "text" };
import performancePrompt from "./prompts/performance.md" with { type: "text" };
import securityPrompt from "./prompts/security.md" with { type: "text" };
import stylePrompt from "./prompts/style.md" with { type: "text" };
import testsPrompt from "./prompts/tests.md" with { type: "text" };

/** The prompt library shipped with Loom, referenced as `builtin:<name>`. */
export const BUILTIN_PROMPTS: Readonly<Record<BuiltinPromptName, string>> = Object.freeze({
  security: securityPrompt,
  bugs: bugsPrompt,
  performance: performancePrompt,
  style: stylePrompt,
  docs: docsPrompt,
  tests: testsPrompt,
});

const TONES: Record<PersonaConfig["tone"], string> = {
  neutral: "",
  friendly: "Write warmly and constructively. Assume good intent and explain the reason behind each point.",
  direct: "Be direct and specific. State the problem and the fix without hedging or praise.",
  terse: "Be terse: at most two sentences per finding, no preamble.",
};

/** Where a configuration came from: the repository's base branch, or Loom's built-in default. */
export type ConfigSource = "repository" | "default";

/** A configuration with everything it refers to read and resolved. */
export interface LoadedConfig {
  config: RepoConfig;
  /** Prompt text for each enabled llm step, by step name. Steps using `library:<name>` are absent. */
  prompts: Map<string, string>;
  /**
   * Where each enabled llm step's prompt came from: `builtin:<name>`, `file:<path>`, `inline`, or
   * `library:<name>` — the reference the dashboard prompt library resolves.
   */
  promptRefs: Map<string, string>;
  /** System prompt (persona prompt plus tone) for each enabled step that names a persona. */
  personas: Map<string, string>;
  /** Source of each enabled script step's script, read from the same branch as the configuration. */
  scripts: Map<string, string>;
  source: ConfigSource;
  /** The branch the configuration and its files were read from. */
  ref: string;
}

/** Reads a repository file at the configuration's ref; `null` when it does not exist. */
export type ReadRepoFile = (path: string) => Promise<string | null>;

/** Keeps loaded configurations for a while so every push does not re-read the repository. */
export interface ConfigCache {
  get(key: string, now: number): LoadedConfig | undefined;
  set(key: string, value: LoadedConfig, now: number): void;
  delete(key: string): void;
}

/** Options for `createConfigCache`. */
export interface ConfigCacheOptions {
  /** How long a loaded configuration is reused; defaults to 60 seconds. */
  ttlMs?: number;
  /** Entries kept before the oldest is dropped; defaults to 1000. */
  maxEntries?: number;
}

/** A TTL cache of loaded configurations, keyed by platform, repository and base branch. */
export function createConfigCache(options: ConfigCacheOptions = {}): ConfigCache {
  const ttlMs = options.ttlMs ?? 60_000;
  const maxEntries = options.maxEntries ?? 1000;
  const entries = new Map<string, { value: LoadedConfig; expiresAt: number }>();
  return {
    get(key, now) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= now) {
        entries.delete(key);
        return undefined;
      }
      return entry.value;
    },
    set(key, value, now) {
      entries.delete(key);
      entries.set(key, { value, expiresAt: now + ttlMs });
      // Map iteration order is insertion order, so the first key is the least recently stored.
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    },
    delete(key) {
      entries.delete(key);
    },
  };
}

/** The cache key for a repository's configuration on one branch. */
export function configCacheKey(pr: PullRequestRef, baseRef: string): string {
  return JSON.stringify([pr.platform, pr.repo, baseRef]);
}

/** Options for `loadRepoConfig`. */
export interface LoadRepoConfigOptions {
  server: ServerConfig;
  cache?: ConfigCache;
  now?: () => number;
}

/**
 * Loads `.loom/config.yaml` from the pull request's **base** branch (never its head, so a pull request cannot
 * change its own review), resolves prompts, personas and scripts from the same branch, checks models against the
 * server allowlists, and falls back to the built-in default when the repository has no file.
 * @param client the platform client of the repository
 * @param pr the pull request being reviewed
 * @param baseRef the base branch name, as in the webhook event's `baseRef`
 * @throws {ConfigError} listing every problem (permanent: the worker posts it and does not retry)
 * @throws {PlatformError} when the platform cannot be read (retryable as the error says)
 */
export async function loadRepoConfig(
  client: PlatformClient,
  pr: PullRequestRef,
  baseRef: string,
  options: LoadRepoConfigOptions,
): Promise<LoadedConfig> {
  const now = options.now ?? Date.now;
  const key = configCacheKey(pr, baseRef);
  const cached = options.cache?.get(key, now());
  if (cached !== undefined) return cached;
  const read: ReadRepoFile = (path) => client.getFile(pr, path, baseRef);
  const text = await read(CONFIG_PATH);
  const loaded = await resolveRepoConfig(text, read, { ref: baseRef, server: options.server });
  options.cache?.set(key, loaded, now());
  return loaded;
}

/** Options for `resolveRepoConfig`. */
export interface ResolveRepoConfigOptions {
  /** The branch `text` and every file read through `read` come from. */
  ref: string;
  /** When given, models are checked against its allowlists; `config:check` runs without it. */
  server?: ServerConfig;
  /** Named in errors; defaults to `.loom/config.yaml`. */
  file?: string;
  /** Where missing files were looked for, in error messages; defaults to `on branch "<ref>"`. */
  location?: string;
}

/**
 * Parses configuration text (`null` for "no file": the built-in default) and resolves what it refers to
 * through `read`. `loadRepoConfig` and `config:check` share it, so both report the same problems.
 * @throws {ConfigError} listing every problem
 */
export async function resolveRepoConfig(
  text: string | null,
  read: ReadRepoFile,
  options: ResolveRepoConfigOptions,
): Promise<LoadedConfig> {
  const file = options.file ?? CONFIG_PATH;
  const location = options.location ?? `on branch "${options.ref}"`;
  let config: RepoConfig;
  let locate: Locate = () => undefined;
  if (text === null) {
    config = defaultRepoConfig();
  } else {
    ({ config, locate } = parseRepoConfigWithPositions(text, { file, ref: options.ref }));
  }
  const issues: RawIssue[] = options.server === undefined ? [] : modelAccessIssues(config, options.server);
  const loaded: LoadedConfig = {
    config,
    prompts: new Map(),
    promptRefs: new Map(),
    personas: new Map(),
    scripts: new Map(),
    source: text === null ? "default" : "repository",
    ref: options.ref,
  };
  const reads = new Map<string, Promise<string | null>>();
  const readOnce = (path: string) => {
    const normalized = normalize(path).replace(/^\.\//, "");
    if (!reads.has(normalized)) reads.set(normalized, read(normalized));
    return reads.get(normalized)!;
  };
  const work: Promise<void>[] = [];
  for (const [pipeline, steps] of Object.entries(config.pipelines)) {
    steps.forEach((step, index) => {
      if (!step.enabled) return;
      const at = ["pipelines", pipeline, index];
      if (step.persona !== undefined) {
        const persona = config.personas[step.persona];
        loaded.personas.set(step.name, [persona.prompt, TONES[persona.tone]].filter(Boolean).join("\n\n"));
      }
      if (step.type === "script") {
        const script = step.script!;
        work.push(
          readOnce(script).then((source) => {
            if (source === null) {
              issues.push({ path: [...at, "script"], message: missingFile(script, location) });
            } else loaded.scripts.set(step.name, source);
          }),
        );
        return;
      }
      const prompt = step.prompt ?? (step.prompt_file === undefined ? `builtin:${step.name}` : undefined);
      if (prompt?.startsWith("builtin:")) {
        const name = prompt.slice("builtin:".length) as BuiltinPromptName;
        loaded.prompts.set(step.name, BUILTIN_PROMPTS[name]);
        loaded.promptRefs.set(step.name, prompt);
      } else if (prompt?.startsWith("library:")) {
        loaded.promptRefs.set(step.name, prompt);
      } else if (prompt !== undefined) {
        loaded.prompts.set(step.name, prompt);
        loaded.promptRefs.set(step.name, "inline");
      } else {
        const path = step.prompt_file!;
        work.push(
          readOnce(path).then((content) => {
            if (content !== null) {
              loaded.prompts.set(step.name, content);
              loaded.promptRefs.set(step.name, `file:${normalize(path)}`);
              return;
            }
            const builtin = builtinFallback(path);
            if (builtin === undefined) {
              issues.push({ path: [...at, "prompt_file"], message: missingFile(path, location) });
            } else {
              loaded.prompts.set(step.name, BUILTIN_PROMPTS[builtin]);
              loaded.promptRefs.set(step.name, `builtin:${builtin}`);
            }
          }),
        );
      }
    });
  }
  await Promise.all(work);
  if (issues.length > 0) throw new ConfigError(locateIssues(issues, locate), { file, ref: options.ref });
  return loaded;
}

function missingFile(path: string, location: string): string {
  return `Cannot read "${path}": the file does not exist ${location}`;
}

/** `prompts/security.md` → `security`, when that is a built-in prompt. */
function builtinFallback(path: string): BuiltinPromptName | undefined {
  const name = path.split(/[\\/]/).at(-1)!.replace(/\.md$/i, "");
  return (BUILTIN_PROMPT_NAMES as readonly string[]).includes(name) ? name as BuiltinPromptName : undefined;
}

/** Options for `checkConfigFile`. */
export interface CheckConfigFileOptions {
  /** Reads a local file; `null` when it does not exist. Defaults to `Deno.readTextFile`. */
  readTextFile?: (path: string) => Promise<string | null>;
}

/**
 * Validates a configuration file on disk the way the worker would, for `deno task config:check`. Prompt files
 * and scripts resolve from the repository root: the parent of `.loom/` when the file is in one, else the file's
 * own folder. Model allowlists are the server's and are not checked here.
 * @throws {ConfigError} listing every problem
 * @throws {Deno.errors.NotFound} when `path` does not exist
 */
export async function checkConfigFile(
  path: string,
  options: CheckConfigFileOptions = {},
): Promise<LoadedConfig> {
  const readTextFile = options.readTextFile ?? readLocalFile;
  const text = await readTextFile(path);
  if (text === null) throw new Deno.errors.NotFound(`Cannot read "${path}": the file does not exist`);
  const folder = dirname(path);
  const root = folder.split(/[\\/]/).at(-1) === ".loom" ? dirname(folder) : folder;
  return await resolveRepoConfig(text, (file) => readTextFile(join(root, file)), {
    ref: "(local)",
    file: path,
    location: `in ${root === "" ? "." : root}`,
  });
}

async function readLocalFile(path: string): Promise<string | null> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}
