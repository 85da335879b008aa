/**
 * What the command-line entry points share: their view of the process (arguments, environment, streams) so
 * tests can run them in-process, and the model wiring the server also uses (limits, fallback, prices).
 */
import type { ServerConfig } from "../lib/config/env.ts";
import type { ResolvedModel } from "../lib/config/models.ts";
import type { LlmClient, LlmProviderId, TokenUsage } from "../lib/llm/mod.ts";
import { createModelWiring } from "../lib/llm/models.ts";
import { createLogger, type Logger } from "../lib/log.ts";

/** A stream that text is written to. */
export interface TextSink {
  write(text: string): Promise<void>;
}

/** The process as a command sees it. */
export interface CommandIo {
  args: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  /** Results. */
  stdout: TextSink;
  /** Progress and errors. */
  stderr: TextSink;
  /** Whether stdout is a terminal (colours are used only then, and only without `NO_COLOR`). */
  stdoutIsTerminal: boolean;
  readTextFile(path: string): Promise<string>;
  signal?: AbortSignal;
  /** Passed to platform clients; the global `fetch` when absent. */
  fetch?: typeof fetch;
}

const ENCODER = new TextEncoder();

function sink(stream: { write(data: Uint8Array): Promise<number> }): TextSink {
  return {
    async write(text) {
      const bytes = ENCODER.encode(text);
      let written = 0;
      while (written < bytes.length) written += await stream.write(bytes.subarray(written));
    },
  };
}

/** The real process: `Deno.args`, `Deno.env`, standard streams. Only entry points call it. */
export function processIo(): CommandIo {
  return {
    args: Deno.args,
    env: Deno.env.toObject(),
    cwd: Deno.cwd(),
    stdout: sink(Deno.stdout),
    stderr: sink(Deno.stderr),
    stdoutIsTerminal: Deno.stdout.isTerminal(),
    readTextFile: (path) => Deno.readTextFile(path),
  };
}

/** Whether to colour stdout: a terminal, and `NO_COLOR` unset or empty (https://no-color.org). */
export function wantsColor(io: Pick<CommandIo, "env" | "stdoutIsTerminal">): boolean {
  return io.stdoutIsTerminal && !io.env.NO_COLOR;
}

/** A logger whose lines (warnings and errors: retries, fallbacks) go to stderr as JSON. */
export function stderrLogger(io: Pick<CommandIo, "stderr">, level: "warn" | "debug" = "warn"): Logger {
  // A person reads the CLI's stderr (a terminal or a CI log): one human-readable line per event, a retry included.
  return createLogger({ level, format: "text", write: (line) => void io.stderr.write(`${line}\n`) });
}

/** Model factories for one command run. */
export interface CliModels {
  createLlm(model: ResolvedModel): LlmClient;
  costOf(provider: LlmProviderId, model: string, usage: TokenUsage): number;
}

/** The worker's model wiring without its cache: the same limits, fallbacks and prices for one run. */
export function createCliModels(server: ServerConfig, log: Logger): CliModels {
  return createModelWiring({
    concurrency: server.llmConcurrency,
    providerConcurrency: server.llmProviderConcurrency,
    priceOverrides: server.env.LOOM_LLM_PRICES,
    log,
  });
}
