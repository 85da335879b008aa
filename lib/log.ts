/** Structured JSON logs, one object per line. The only module that writes to the console. */

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

export interface LoggerOptions {
  level?: LogLevel;
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

export function createLogger(options: LoggerOptions = {}, base: Record<string, unknown> = {}): Logger {
  const threshold = LEVELS[options.level ?? "info"];
  const write = options.write ?? defaultWrite;
  const now = options.now ?? Date.now;
  const emit = (level: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
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
