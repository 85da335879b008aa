/**
 * Script steps (`type: script`): a Deno script from the repository's base branch reads the diff as JSON on stdin
 * and prints findings as JSON on stdout (schema in `docs/script-steps.md`). It runs in the sandbox of
 * `sandbox.ts` with a temporary checkout of the changed files at the head commit. A crash, timeout, a limit
 * hit (named with its value), invalid output, or a worker without the sandbox becomes a `ScriptStepError` that
 * the engine reports as a failed step.
 */
import { z } from "zod";
import type { LoadedConfig } from "../../config/load.ts";
import type { PipelineStep } from "../../config/schema.ts";
import { capSeverity } from "../policy.ts";
import type { ReviewStepRecord } from "../../db/reviews.ts";
import { type DiffFile, filePath } from "../../diff/types.ts";
import { type Finding, Severity } from "../../findings.ts";
import {
  DEFAULT_SANDBOX_LIMITS,
  runSandboxed,
  type SandboxIsolation,
  type SandboxLimitName,
  type SandboxLimits,
  SandboxUnavailableError,
  V8_RESERVED_MB,
} from "./sandbox.ts";

/** Checkout bounds: files larger than this are left out of the checkout (the diff still lists them). */
const MAX_CHECKOUT_FILE_BYTES = 1_000_000;
/** Checkout bounds: the checkout stops growing at this many bytes. */
const MAX_CHECKOUT_BYTES = 20_000_000;
/** Checkout bounds: at most this many files are fetched. */
const MAX_CHECKOUT_FILES = 300;

/** One finding as a script prints it. */
const ScriptFinding = z.object({
  path: z.string().min(1),
  line: z.int().min(1),
  side: z.enum(["LEFT", "RIGHT"]).default("RIGHT"),
  endLine: z.int().min(1).optional(),
  severity: Severity.default("warning"),
  title: z.string().min(1).max(300),
  body: z.string().max(20_000).default(""),
  suggestion: z.string().max(20_000).optional(),
});
export type ScriptFinding = z.infer<typeof ScriptFinding>;

/** What a script prints on stdout. */
const ScriptOutput = z.object({ findings: z.array(ScriptFinding).max(500) });
export type ScriptOutput = z.infer<typeof ScriptOutput>;

/** What a script reads on stdin. `files` are the diff's files in `lib/diff` shape. */
export interface ScriptInput {
  version: 1;
  step: string;
  title: string;
  headSha: string;
  files: DiffFile[];
  /** Paths present in the checkout (the working directory), relative to it. */
  checkout: string[];
}

/** A script step that did not produce usable findings; the message goes into the review summary. */
export class ScriptStepError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ScriptStepError";
  }
}

/** Options of `runScriptStep`. */
export interface ScriptStepOptions {
  name: string;
  /** The script's source from the base branch. */
  source: string;
  title: string;
  headSha: string;
  files: DiffFile[];
  /** Reads a file at the head commit; `null` when it does not exist there. */
  readHeadFile(path: string): Promise<string | null>;
  limits?: Partial<SandboxLimits>;
  /** Default `bubblewrap`; `deno-only` only when the operator opted out of the OS wall. */
  isolation?: SandboxIsolation;
  signal: AbortSignal;
}

/** How a step's summary names a limit, with the value that was in force. */
function describeLimit(limit: SandboxLimitName, limits: Partial<SandboxLimits> = {}): string {
  const values = { ...DEFAULT_SANDBOX_LIMITS, ...limits };
  switch (limit) {
    case "memory":
      return `the memory limit (${values.memoryMb} MB heap, ${
        values.memoryMb + V8_RESERVED_MB
      } MB of writable memory in all)`;
    case "cpu":
      return `the CPU time limit (${values.cpuSeconds} s)`;
    case "threads":
      return `the process and thread limit (${values.maxThreads})`;
    case "open_files":
      return `the open file limit (${values.maxOpenFiles})`;
  }
}

/**
 * Builds the checkout, runs the script in the sandbox and validates what it printed.
 * @returns the script's findings, attributed to the step
 * @throws {ScriptStepError} on a crash, timeout, limit, invalid output, or when the sandbox is unavailable
 */
export async function runScriptStep(options: ScriptStepOptions): Promise<Finding[]> {
  const name = `Script step "${options.name}"`;
  const checkout = await buildCheckout(options.files, options.readHeadFile);
  const input: ScriptInput = {
    version: 1,
    step: options.name,
    title: options.title,
    headSha: options.headSha,
    files: options.files,
    checkout: Object.keys(checkout),
  };
  let result;
  try {
    result = await runSandboxed(
      { source: options.source, files: checkout, stdin: JSON.stringify(input) },
      { limits: options.limits, isolation: options.isolation, signal: options.signal },
    );
  } catch (error) {
    if (error instanceof SandboxUnavailableError) {
      throw new ScriptStepError(`${name} did not run. ${error.message}`, { cause: error });
    }
    throw error;
  }
  if (options.signal.aborted) throw options.signal.reason;
  if (result.status === "timeout") {
    throw new ScriptStepError(`${name} timed out: it was stopped after the time limit`);
  }
  if (result.status === "limit") {
    throw new ScriptStepError(`${name} was stopped at ${describeLimit(result.limit, options.limits)}`);
  }
  if (result.status === "output_too_large") {
    throw new ScriptStepError(`${name} printed too much: its output exceeded the size limit`);
  }
  if (result.code !== 0) {
    throw new ScriptStepError(`${name} crashed: exit code ${result.code}: ${errorSummary(result.stderr)}`);
  }
  return parseScriptOutput(name, result.stdout).findings.map((finding) => ({
    path: finding.path,
    line: finding.line,
    side: finding.side,
    ...(finding.endLine !== undefined && finding.endLine > finding.line ? { endLine: finding.endLine } : {}),
    severity: finding.severity,
    title: finding.title,
    body: finding.body,
    ...(finding.suggestion !== undefined ? { suggestion: finding.suggestion } : {}),
    step: options.name,
  }));
}

/**
 * Validates a script's stdout against `ScriptOutput`.
 * @throws {ScriptStepError} naming the first problems
 */
export function parseScriptOutput(name: string, stdout: string): ScriptOutput {
  const text = stdout.trim();
  if (text.length === 0) throw new ScriptStepError(`${name} printed no output: expected {"findings": […]}`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ScriptStepError(`${name} printed invalid JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = ScriptOutput.safeParse(value);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 3).map((issue) =>
      `${issue.path.length > 0 ? issue.path.join(".") : "output"}: ${issue.message}`
    );
    throw new ScriptStepError(
      `${name} printed output that does not match the schema: ${problems.join("; ")}`,
    );
  }
  return parsed.data;
}

/** The changed files at head, bounded in count and size; deleted and binary files are left out. */
async function buildCheckout(
  files: DiffFile[],
  readHeadFile: (path: string) => Promise<string | null>,
): Promise<Record<string, string>> {
  const checkout: Record<string, string> = {};
  let total = 0;
  const wanted = files.filter((file) => file.status !== "deleted" && !file.binary && file.newPath !== null)
    .slice(0, MAX_CHECKOUT_FILES);
  for (const file of wanted) {
    const path = filePath(file);
    const content = await readHeadFile(path);
    if (content === null) continue;
    const size = new TextEncoder().encode(content).byteLength;
    if (size > MAX_CHECKOUT_FILE_BYTES || total + size > MAX_CHECKOUT_BYTES) continue;
    checkout[path] = content;
    total += size;
  }
  return checkout;
}

/** Deno's "error: Uncaught …" line when there is one (the stack under it names only the runner), else the end. */
function errorSummary(stderr: string): string {
  const lines = stderr.trim().split("\n").filter((line) => line.trim().length > 0);
  const uncaught = lines.find((line) => /^error: /.test(line.trim()));
  const text = (uncaught ?? lines.slice(-3).join(" ")).replace(/\s+/g, " ").trim();
  return text.length === 0 ? "no error output" : text.slice(0, 500);
}

/** What the engine hands a script step. */
export interface ScriptStepContext {
  loaded: Pick<LoadedConfig, "scripts">;
  title: string;
  /** The head commit the checkout is read at. */
  headSha?: string;
  /** Reads a file at the head commit; without it the checkout is empty. */
  readHeadFile?(path: string): Promise<string | null>;
  scriptLimits?: Partial<SandboxLimits>;
  /** `LOOM_SCRIPT_SANDBOX`: how script steps are isolated. */
  server?: { scriptSandbox?: SandboxIsolation };
  signal: AbortSignal;
}

/**
 * Runs one configured script step for the engine and describes it as a step record: a `ScriptStepError`
 * becomes a failed step whose error the summary shows, never a failed review.
 */
export async function runScriptStepRecord(
  context: ScriptStepContext,
  step: Pick<PipelineStep, "name" | "severity">,
  files: DiffFile[],
  base: ReviewStepRecord,
): Promise<{ record: ReviewStepRecord; findings: Finding[] }> {
  const source = context.loaded.scripts.get(step.name);
  if (source === undefined) {
    return { record: { ...base, error: `Script of step "${step.name}" is not available` }, findings: [] };
  }
  if (files.length === 0) return { record: base, findings: [] };
  const started = performance.now();
  try {
    const findings = await runScriptStep({
      name: step.name,
      source,
      title: context.title,
      headSha: context.headSha ?? "",
      files,
      readHeadFile: context.readHeadFile ?? (() => Promise.resolve(null)),
      limits: context.scriptLimits,
      isolation: context.server?.scriptSandbox,
      signal: context.signal,
    });
    return {
      record: { ...base, status: "completed", durationMs: performance.now() - started },
      findings: findings.map((finding) => ({ ...finding, severity: capSeverity(step, finding.severity) })),
    };
  } catch (error) {
    if (context.signal.aborted || !(error instanceof ScriptStepError)) throw error;
    return {
      record: { ...base, status: "failed", error: error.message, durationMs: performance.now() - started },
      findings: [],
    };
  }
}
