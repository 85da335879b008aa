/**
 * Logs, one line per event: JSON objects by default (what log collectors read), or human-readable lines
 * (`06:40:01 WARN  Retrying LLM request provider=openai attempt=1 error="HTTP 500"`) for a person at a
 * terminal. The only module that writes to the console.
 */

export type LogLevel = "debug" | "info" | "warn" | "error";
const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger that adds `fields` (request id, job id…) to every line. */
  child(fields: Record<string, unknown>): Logger;
}

/** `json`: one JSON object per line; `text`: one human-readable line, errors as their messages. */
export type LogFormat = "json" | "text";

export interface LoggerOptions {
  level?: LogLevel;
  format?: LogFormat;
  /** Where lines go; defaults to stdout/stderr. Tests pass an array collector. */
  write?: (line: string, level: LogLevel) => void;
  now?: () => number;
}

function defaultWrite(line: string, level: LogLevel): void {
  // deno-lint-ignore no-console
  if (level === "error" || level === "warn") console.error(line);
  // deno-lint-ignore no-console
  else console.log(line);
}

function serializeError(error: unknown): unknown {
  if (!(error instanceof Error)) return error;
  return {
    name: error.name,
    message: error.message,
    stack: error.stack,
    cause: error.cause === undefined ? undefined : serializeError(error.cause),
  };
}

/** The message of an error and of each cause, on one line: `Cannot post: HTTP 502: caused by: socket hang up`. */
function errorMessage(error: Error): string {
  const messages: string[] = [];
  for (
    let current: unknown = error;
    current instanceof Error && messages.length < 5;
    current = current.cause
  ) {
    if (!messages.some((message) => message.includes(current instanceof Error ? current.message : ""))) {
      messages.push(current.message);
    }
  }
  return messages.join(": caused by: ");
}

function textValue(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(errorMessage(value).replace(/\s+/g, " "));
  if (typeof value === "string") {
    const flat = value.replace(/\s+/g, " ");
    return /^[^\s"=]+$/.test(flat) ? flat : JSON.stringify(flat);
  }
  return JSON.stringify(value) ?? String(value);
}

/** One human-readable line: time, level, message, then `key=value` fields (errors by message, no stack). */
export function formatTextLine(
  time: number,
  level: LogLevel,
  message: string,
  fields: Record<string, unknown>,
): string {
  const parts = [new Date(time).toISOString().slice(11, 19), level.toUpperCase().padEnd(5), message];
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) parts.push(`${key}=${textValue(value)}`);
  }
  return parts.join(" ").replace(/[\r\n]+/g, " ");
}

/**
 * The format for a process: `LOOM_LOG_FORMAT` (`json` or `text`) when set, otherwise text on a terminal and
 * JSON everywhere else (containers, files, pipes).
 */
export function chooseLogFormat(setting: string | undefined, isTerminal: boolean): LogFormat {
  if (setting === "json" || setting === "text") return setting;
  return isTerminal ? "text" : "json";
}

/** Writes a block of plain text for a person (the start-up banner) to stderr, apart from the log lines. */
export function printBanner(lines: string[]): void {
  // deno-lint-ignore no-console
  console.error(lines.join("\n"));
}

export function createLogger(options: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  const threshold = LEVELS[options.level ?? "info"];
  const write = options.write ?? defaultWrite;
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    if (options.format === "text") {
      write(formatTextLine(now(), level, message, { ...base, ...fields }), level);
      return;
    }
    const entry: Record<string, unknown> = { time: new Date(now()).toISOString(), level, message, ...base };
    for (const [key, value] of Object.entries(fields ?? {})) entry[key] = serializeError(value);
    write(JSON.stringify(entry), level);
  };
  return {
    debug: (message, fields) => emit("debug", message, fields),
    info: (message, fields) => emit("info", message, fields),
    warn: (message, fields) => emit("warn", message, fields),
    error: (message, fields) => emit("error", message, fields),
    child: (fields) => createLogger(options, { ...base, ...fields }),
  };
}

/** A logger that drops everything; for tests that do not look at logs. */
export const silentLogger: Logger = createLogger({ write: () => {} });
