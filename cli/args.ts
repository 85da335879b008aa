/** Command-line arguments of `deno task review`. */
import { parseArgs } from "node:util";
import type { ReviewTarget } from "./git.ts";

/** Output formats of the review command. */
export const FORMATS = ["terminal", "json", "markdown", "sarif"] as const;
export type OutputFormat = typeof FORMATS[number];

/** Parsed `review` arguments. */
export interface ReviewArgs {
  /** `null` when no mode was given: the working tree, or the pull request's base with `--post` in CI. */
  target: ReviewTarget | null;
  format: OutputFormat;
  post: boolean;
  quiet: boolean;
  /** Exit by the findings even when some steps failed (a review where no step ran still fails). */
  allowPartial: boolean;
  help: boolean;
  /** Folder inside the repository to review; defaults to the current directory. */
  cwd?: string;
}

export const REVIEW_USAGE = `Usage: deno task review [options]

Reviews local changes with the repository's .loom/config.yaml and the LOOM_LLM_* model settings.

What to review (at most one; default: uncommitted changes, untracked files included):
  --staged              the index (what the next commit contains)
  --base <ref>          the current branch against <ref> (git diff <ref>...HEAD)
  --range <a..b>        an explicit range (a..b or a...b)

Output:
  --format <name>       terminal (default), json, markdown or sarif; results go to stdout
  --quiet               no progress lines on stderr
  --post                also post the review to the pull request (GitHub Actions or GitLab CI)
  --allow-partial       when some steps failed, exit by the findings of the steps that ran
  -C, --cwd <dir>       run as if started in <dir>
  -h, --help            this text

Exit codes: 0 no changes requested, 1 the configuration's request_changes_on rule was met, 2 error,
3 some steps failed (a partial review, unless --allow-partial) or every step failed (nothing was reviewed).`;

/**
 * Parses `review` arguments.
 * @throws {TypeError} for unknown options, a missing value, an unknown format or several modes at once
 */
export function parseReviewArgs(argv: string[]): ReviewArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        base: { type: "string" },
        staged: { type: "boolean", default: false },
        range: { type: "string" },
        format: { type: "string", default: "terminal" },
        post: { type: "boolean", default: false },
        "allow-partial": { type: "boolean", default: false },
        quiet: { type: "boolean", short: "q", default: false },
        cwd: { type: "string", short: "C" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    throw new TypeError(`Cannot parse arguments: ${(error as Error).message}`, { cause: error });
  }
  const format = values.format as OutputFormat;
  if (!FORMATS.includes(format)) {
    throw new TypeError(`Cannot use format "${values.format}": expected one of ${FORMATS.join(", ")}`);
  }
  const modes = [
    values.staged ? "--staged" : null,
    values.base ? "--base" : null,
    values.range ? "--range" : null,
  ]
    .filter((mode) => mode !== null);
  if (modes.length > 1) {
    throw new TypeError(`Cannot combine ${modes.join(" and ")}: choose one thing to review`);
  }
  let target: ReviewTarget | null = null;
  if (values.staged) target = { kind: "staged" };
  else if (values.base !== undefined) {
    if (values.base.trim() === "") throw new TypeError('Cannot use --base "": expected a branch or commit');
    target = { kind: "base", base: values.base };
  } else if (values.range !== undefined) target = parseRange(values.range);
  return {
    target,
    format,
    post: values.post,
    quiet: values.quiet,
    allowPartial: values["allow-partial"],
    help: values.help,
    ...(values.cwd === undefined ? {} : { cwd: values.cwd }),
  };
}

/**
 * Parses `a..b` or `a...b`.
 * @throws {TypeError} when either side is missing
 */
export function parseRange(text: string): ReviewTarget {
  const match = /^(.+?)(\.{2,3})(.+)$/.exec(text);
  if (match === null) {
    throw new TypeError(`Cannot parse range "${text}": expected <from>..<to> or <from>...<to>`);
  }
  return { kind: "range", from: match[1]!, to: match[3]!, symmetric: match[2] === "..." };
}
