/** `ConfigError`: every problem in a repository configuration, with key paths and source positions. */
import { CONFIG_ERROR_MARKER } from "../markers.ts";

/** The file every repository configuration lives in. */
export const CONFIG_PATH = ".loom/config.yaml";

/** One problem in a configuration file. */
export interface ConfigIssue {
  /** Key path such as `pipelines.default[1].severity`; empty for the document itself. */
  path: string;
  message: string;
  /** 1-based line in the file, when the problem can be placed. */
  line?: number;
  /** 1-based column in the file, when the problem can be placed. */
  column?: number;
  /** The likely intended key or value ("did you mean"). */
  suggestion?: string;
}

/** Options for `ConfigError`. */
export interface ConfigErrorOptions {
  /** The file the issues are in; defaults to `.loom/config.yaml`. */
  file?: string;
  /** The branch the file was read from, named in the PR comment. */
  ref?: string;
  cause?: unknown;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** `triggers.drafts (line 4, column 11)`, or just the path when the position is unknown. */
export function formatIssueLocation(issue: ConfigIssue): string {
  const path = issue.path === "" ? "(top level)" : issue.path;
  if (issue.line === undefined) return path;
  return `${path} (line ${issue.line}${issue.column === undefined ? "" : `, column ${issue.column}`})`;
}

/** The issue's message with its suggestion appended. */
export function formatIssueMessage(issue: ConfigIssue): string {
  return issue.suggestion === undefined
    ? issue.message
    : `${issue.message}. Did you mean "${issue.suggestion}"?`;
}

/**
 * A repository configuration that cannot be used. It is permanent: retrying the job cannot fix it, so the
 * worker posts `toMarkdown()` on the pull request once and stops.
 */
export class ConfigError extends Error {
  readonly issues: ConfigIssue[];
  readonly file: string;
  readonly ref?: string;
  /** Always false: only a new commit on the base branch can fix a configuration. */
  readonly retryable = false;

  constructor(issues: ConfigIssue[], options: ConfigErrorOptions = {}) {
    const file = options.file ?? CONFIG_PATH;
    const details = issues.map((issue) => `${formatIssueLocation(issue)}: ${formatIssueMessage(issue)}`);
    super(`Cannot load "${file}": ${plural(issues.length, "problem")}: ${details.join("; ")}`, {
      cause: options.cause,
    });
    this.name = "ConfigError";
    this.issues = issues;
    this.file = file;
    this.ref = options.ref;
  }

  /** The pull-request comment explaining every problem; Markdown every platform renders. */
  toMarkdown(): string {
    const where = this.ref === undefined ? "" : ` on the base branch \`${escapeCode(this.ref)}\``;
    const lines = [
      CONFIG_ERROR_MARKER,
      `### Loom could not read \`${this.file}\``,
      "",
      `Loom did not review this pull request because \`${this.file}\`${where} has ${
        plural(this.issues.length, "problem")
      }:`,
      "",
      "| Key | Where | Problem |",
      "| --- | --- | --- |",
      ...this.issues.map((issue) =>
        `| ${issue.path === "" ? "(top level)" : `\`${escapeCode(issue.path)}\``} | ${
          issue.line === undefined
            ? "–"
            : `line ${issue.line}${issue.column === undefined ? "" : `, column ${issue.column}`}`
        } | ${escapeCell(formatIssueMessage(issue))} |`
      ),
      "",
      "Loom reads its configuration from the base branch, so editing the file in this pull request does not " +
      "change this review. Fix the file on the base branch, then push again or comment `@loom review`.",
      "",
      `Check a configuration locally with \`deno task config:check ${this.file}\`.`,
    ];
    return lines.join("\n");
  }

  /** Plain-text listing for terminals: `file:line:column: path: message`, one problem per line. */
  toText(): string {
    return this.issues.map((issue) => {
      const position = issue.line === undefined
        ? this.file
        : `${this.file}:${issue.line}${issue.column === undefined ? "" : `:${issue.column}`}`;
      return `${position}: ${issue.path === "" ? "(top level)" : issue.path}: ${formatIssueMessage(issue)}`;
    }).join("\n");
  }
}

function escapeCode(text: string): string {
  return text.replaceAll("`", "'");
}

/** Keeps user-controlled text from breaking out of a table cell or injecting HTML. */
function escapeCell(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll("|", "\\|")
    .replace(/\r?\n/g, " ");
}
