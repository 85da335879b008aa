/**
 * Parsing `.loom/config.yaml` text with positions: every YAML and schema problem becomes a `ConfigIssue` with
 * the key path, line and column, worded to name the value and its state, and the parsed configuration keeps a
 * locator so later checks (model allowlists) can point at their keys too.
 */
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import type { z } from "zod";
import { CONFIG_PATH, ConfigError, type ConfigIssue } from "./errors.ts";
import { keysAt } from "./reference.ts";
import { type RawIssue, RepoConfig } from "./schema.ts";
import { suggest } from "./suggest.ts";

/** `pipelines.default[1].severity` from `["pipelines", "default", 1, "severity"]`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

/** Where a key path sits in the source, or `undefined` for configs that did not come from text. */
export type Locate = (path: readonly PropertyKey[], options?: { key?: boolean }) => {
  line: number;
  column: number;
} | undefined;

/** A parsed configuration plus a way to point at its keys, for errors found after parsing. */
export interface ParsedRepoConfig {
  config: RepoConfig;
  locate: Locate;
}

/** Options for `parseRepoConfig`. */
export interface ParseRepoConfigOptions {
  /** Named in error messages; defaults to `.loom/config.yaml`. */
  file?: string;
  /** The branch the text came from, named in the PR comment. */
  ref?: string;
}

/** Far above any real configuration; keeps a hostile base branch from making the worker parse megabytes. */
const MAX_CONFIG_CHARACTERS = 256 * 1024;

/** A `Locate` over a parsed YAML document (also used for the learnings file, `lib/learnings/yaml.ts`). */
export function createLocate(document: ReturnType<typeof parseDocument>, lineCounter: LineCounter): Locate {
  return (path, options = {}) => {
    let node: unknown = document.contents;
    let keyNode: Node | undefined;
    let exact = true;
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) =>
          isScalar(item.key) && String(item.key.value) === String(segment)
        );
        if (pair === undefined) {
          exact = false;
          break;
        }
        keyNode = pair.key as Node;
        if (pair.value === null || pair.value === undefined) {
          exact = false;
          break;
        }
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number" && node.items[segment] !== undefined) {
        keyNode = undefined;
        node = node.items[segment];
      } else {
        exact = false;
        break;
      }
    }
    // A missing key is best shown at its parent's key, a wrong scalar at the value itself, and a wrong
    // mapping or list at its key, because a block collection starts on the line after it.
    const useKey = options.key || !exact || isMap(node) || isSeq(node);
    const target = useKey && keyNode !== undefined ? keyNode : node as Node | null;
    const offset = target?.range?.[0];
    if (offset === undefined) return undefined;
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
}

/** `key:` with nothing after it means "use the default", as the docs promise. */
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).filter(([, item]) => item !== null).map(([key, item]) => [key, dropNulls(item)]),
    );
  }
  return value;
}

function showValue(value: unknown): string {
  if (value === undefined) return "missing";
  if (value === null) return "empty";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "object") return Object.keys(value).length === 0 ? "an empty mapping" : "a mapping";
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}

const TYPE_NAMES: Record<string, string> = {
  boolean: "true or false",
  string: "a string",
  number: "a number",
  int: "a whole number",
  array: "a list",
  object: "a mapping of options",
  record: "a mapping of names",
};

/** Rewrites zod's issues into messages that name the value and its state. */
export function toRawIssues(issue: z.core.$ZodIssue): RawIssue[] {
  const path = issue.path as (string | number)[];
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        path: [...path, key],
        message: `Unknown key "${key}"`,
        suggestion: suggest(key, keysAt(path)),
      }));
    case "invalid_type":
      if (input === undefined) return [{ path, message: "Must be set: this option is required" }];
      return [{
        path,
        message: `Must be ${TYPE_NAMES[issue.expected] ?? issue.expected}: current value is ${
          showValue(input)
        }`,
      }];
    case "invalid_value": {
      if (input === undefined) return [{ path, message: "Must be set: this option is required" }];
      const values = issue.values.map((value) => JSON.stringify(value));
      return [{
        path,
        message: `Must be ${
          values.length === 1 ? values[0] : `one of ${values.join(", ")}`
        }: current value is ${showValue(input)}`,
        suggestion: typeof input === "string" ? suggest(input, issue.values.map(String)) : undefined,
      }];
    }
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? issue.minimum : issue.maximum;
      // `gt`/`lt` bounds are exclusive: 0 is not allowed by "greater than 0".
      const exclusive = (issue as { inclusive?: boolean }).inclusive === false;
      const word = issue.code === "too_small"
        ? (exclusive ? "greater than" : "at least")
        : (exclusive ? "less than" : "at most");
      const what = issue.origin === "array"
        ? `Must list ${word} ${bound} item${Number(bound) === 1 ? "" : "s"}`
        : issue.origin === "string"
        ? (issue.code === "too_small" && Number(bound) === 1
          ? "Must not be empty"
          : `Must be ${word} ${bound} characters`)
        : `Must be ${word} ${bound}`;
      return [{
        path,
        message: input === undefined ? what : `${what}: current value is ${showValue(input)}`,
      }];
    }
    case "invalid_format":
    case "custom": {
      const params = (issue as { params?: { suggestion?: string } }).params;
      const state = input === undefined || typeof input === "object"
        ? ""
        : `: current value is ${showValue(input)}`;
      return [{
        path,
        message: issue.code === "custom" ? issue.message : `${issue.message}${state}`,
        suggestion: params?.suggestion,
      }];
    }
    case "invalid_key":
      return [{
        path,
        message: `Invalid name ${showValue(path.at(-1))}: ${
          issue.issues.map((inner) => inner.message).join("; ")
        }`,
      }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** Attaches positions and sorts by position; `invalid_key` and unknown-key problems point at the key itself. */
export function locateIssues(
  raw: readonly RawIssue[],
  locate: Locate,
  keyPaths = new Set<string>(),
): ConfigIssue[] {
  const located = raw.map((issue) => {
    const position = locate(issue.path, { key: keyPaths.has(formatKeyPath(issue.path)) });
    const result: ConfigIssue = { path: formatKeyPath(issue.path), message: issue.message };
    if (position) {
      result.line = position.line;
      result.column = position.column;
    }
    if (issue.suggestion !== undefined) result.suggestion = issue.suggestion;
    return result;
  });
  // Unplaced issues go last; the sort is stable, so ties keep zod's order.
  return located.sort((a, b) =>
    (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER) ||
    (a.column ?? 0) - (b.column ?? 0)
  );
}

/**
 * Parses `.loom/config.yaml` text and keeps a locator for later errors.
 * @throws {ConfigError} listing every YAML and schema problem with line and column
 */
export function parseRepoConfigWithPositions(
  text: string,
  options: ParseRepoConfigOptions = {},
): ParsedRepoConfig {
  const file = options.file ?? CONFIG_PATH;
  if (text.length > MAX_CONFIG_CHARACTERS) {
    throw new ConfigError([{
      path: "",
      message: `Must be at most ${MAX_CONFIG_CHARACTERS} characters: current size is ${text.length}`,
    }], { file, ref: options.ref });
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new ConfigError(
      document.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { path: "", message: `Invalid YAML: ${error.message}`, line, column: col };
      }),
      { file, ref: options.ref, cause: document.errors[0] },
    );
  }
  const locate = createLocate(document, lineCounter);
  let plain: unknown;
  try {
    plain = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    // yaml throws (not reports) when alias expansion would explode ("billion laughs").
    throw new ConfigError([{ path: "", message: `Invalid YAML: ${(error as Error).message}` }], {
      file,
      ref: options.ref,
      cause: error,
    });
  }
  const value = dropNulls(plain ?? {});
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new ConfigError(
      locateIssues([{
        path: [],
        message: `Must be a mapping of options: current value is ${showValue(value)}`,
      }], locate),
      { file, ref: options.ref },
    );
  }
  const result = RepoConfig.safeParse(value, { reportInput: true });
  if (!result.success) {
    const keyPaths = new Set<string>();
    const raw = result.error.issues.flatMap((issue) => {
      const issues = toRawIssues(issue);
      if (issue.code === "unrecognized_keys" || issue.code === "invalid_key") {
        for (const item of issues) keyPaths.add(formatKeyPath(item.path));
      }
      return issues;
    });
    throw new ConfigError(locateIssues(raw, locate, keyPaths), {
      file,
      ref: options.ref,
      cause: result.error,
    });
  }
  return { config: result.data, locate };
}

/**
 * Parses `.loom/config.yaml` text. Empty text gives the default configuration.
 * @throws {ConfigError} listing every YAML and schema problem with line and column
 */
export function parseRepoConfig(text: string, options: ParseRepoConfigOptions = {}): RepoConfig {
  return parseRepoConfigWithPositions(text, options).config;
}
