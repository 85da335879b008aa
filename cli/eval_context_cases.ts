/**
 * The context recall cases of `deno task eval --context-only`: each folder under `evals/context/` is a small
 * repository at the pull request's head (`head/`), the changed files as they were at base (`base/`; a path
 * missing from `head/` was removed, a path listed in `added` is new), and `case.json` naming the definitions a
 * reviewer must see to find the bug. The diff is made by git itself from base and head, so the cases are
 * plain files anyone can read and edit, and the diff is exactly what a platform would send.
 *
 * A case is refused (with the case and the reason) when a needed definition is not honest: its lines must
 * exist at head, name the symbol, and lie outside every line the review already shows for the diff.
 */
import { join, relative, sep } from "node:path";
import { z } from "zod";
import { parseDiff } from "../lib/diff/mod.ts";
import { type DiffFile, filePath } from "../lib/diff/types.ts";
import { autoContextLines, expandContext, trimContext } from "../lib/review/context.ts";

/** A definition the reviewer must see: a path and an inclusive range of head lines, named by its symbol. */
export const NeededDefinition = z.object({
  path: z.string().min(1),
  /** `name`, `Type.method`, `Type::method` or `Type#method`; the last part must appear in the lines. */
  symbol: z.string().min(1),
  /**
   * `definition`: code the change uses (a function, type or constant), its doc comment included when that states
   * the contract; `caller`: a calling function of changed code, without its doc comment.
   */
  role: z.enum(["definition", "caller"]),
  lines: z.tuple([z.int().positive(), z.int().positive()]).refine(([start, end]) => start <= end, {
    message: "must be [start, end] with start ≤ end",
  }),
}).strict();
export type NeededDefinition = z.infer<typeof NeededDefinition>;

/** `case.json`. */
export const ContextCaseMeta = z.object({
  title: z.string().min(1),
  language: z.string().min(1),
  /** The bug a reviewer should find with the needed definitions in view. */
  description: z.string().min(1),
  /** Head paths that are new in the change (they have no `base/` copy). */
  added: z.array(z.string().min(1)).optional(),
  needed: z.array(NeededDefinition).min(1),
}).strict();
export type ContextCaseMeta = z.infer<typeof ContextCaseMeta>;

/** A loaded case: its head tree, its diff (parsed and as the review shows it) and what must be found. */
export interface ContextCase extends ContextCaseMeta {
  id: string;
  /** Every head file, by repository path. */
  head: Map<string, string>;
  /** `git diff` between base and head. */
  diff: string;
  /**
   * The diff's files as a review's prompt shows them: hunks widened with the head lines the review would add
   * (`autoContextLines` for the number of files), so "outside the hunk" means outside what the model sees.
   */
  files: DiffFile[];
}

/** Reads every file under `folder`, keyed by its path relative to it with `/` separators. */
async function readTree(folder: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (current: string) => {
    for await (const entry of Deno.readDir(current)) {
      const path = join(current, entry.name);
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile) {
        files.set(relative(folder, path).split(sep).join("/"), await Deno.readTextFile(path));
      }
    }
  };
  try {
    await walk(folder);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return files;
    throw error;
  }
  return files;
}

// No user or system git configuration (diff.noprefix, diff.mnemonicPrefix, colour) may change the output.
const GIT_ENV = { GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", LC_ALL: "C" };

async function git(directory: string, args: string[]): Promise<string> {
  const output = await new Deno.Command("git", {
    args: ["-c", "core.autocrlf=false", "-c", "core.quotepath=false", ...args],
    cwd: directory,
    env: GIT_ENV,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const message = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`Cannot run "git ${args.join(" ")}": exit code ${output.code}: ${message}`);
  }
  return new TextDecoder().decode(output.stdout);
}

async function writeFiles(directory: string, files: Iterable<[string, string]>): Promise<void> {
  for (const [path, text] of files) {
    const target = join(directory, path);
    await Deno.mkdir(join(target, ".."), { recursive: true });
    await Deno.writeTextFile(target, text);
  }
}

/**
 * `git diff` from base to head: the base versions are staged in a throwaway repository, the head versions
 * written over them (new files marked with intent to add), and git compares the index with the work tree.
 */
export async function diffBaseToHead(
  base: ReadonlyMap<string, string>,
  head: ReadonlyMap<string, string>,
  added: readonly string[],
): Promise<string> {
  const directory = await Deno.makeTempDir({ prefix: "loom_context_case_" });
  try {
    await git(directory, ["init", "--quiet"]);
    await writeFiles(directory, base);
    await git(directory, ["add", "--all"]);
    for (const path of base.keys()) {
      const text = head.get(path);
      if (text === undefined) await Deno.remove(join(directory, path));
      else await writeFiles(directory, [[path, text]]);
    }
    await writeFiles(directory, added.map((path) => [path, head.get(path)!]));
    if (added.length > 0) await git(directory, ["add", "--intent-to-add", "--", ...added]);
    return await git(directory, ["diff", "--no-color", "--no-ext-diff", "--no-renames"]);
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

/** The new-file lines the review shows for `path` (context and added lines of its widened hunks). */
function shownLines(files: readonly DiffFile[], path: string): Set<number> {
  const lines = new Set<number>();
  for (const file of files) {
    if (filePath(file) !== path) continue;
    for (const hunk of file.hunks) {
      for (const line of hunk.lines) if (line.newLine !== undefined) lines.add(line.newLine);
    }
  }
  return lines;
}

/** Why a needed definition is not a fair test, or null when it is. */
function neededProblem(
  item: NeededDefinition,
  head: ReadonlyMap<string, string>,
  files: DiffFile[],
): string | null {
  const text = head.get(item.path);
  if (text === undefined) return `"${item.path}" is not a head file`;
  const lines = text.split("\n");
  const [start, end] = item.lines;
  if (end > lines.length) {
    return `lines ${start}-${end} run past the end of "${item.path}" (${lines.length} lines)`;
  }
  const name = item.symbol.split(/\.|::|#/).at(-1)!;
  if (!lines.slice(start - 1, end).some((line) => line.includes(name))) {
    return `"${item.symbol}" does not appear in ${item.path}:${start}-${end}`;
  }
  const shown = shownLines(files, item.path);
  for (let line = start; line <= end; line++) {
    if (shown.has(line)) {
      return `${item.path}:${start}-${end} is already in the diff the review shows (line ${line})`;
    }
  }
  return null;
}

/**
 * Loads one case folder.
 * @throws {SyntaxError} for a `case.json` that does not fit, a base or added file that makes no change, or a
 *   needed definition that is not honest (see the module comment)
 */
export async function loadContextCase(folder: string, id: string): Promise<ContextCase> {
  const where = `case "${id}"`;
  let meta: ContextCaseMeta;
  try {
    const parsed = ContextCaseMeta.safeParse(JSON.parse(await Deno.readTextFile(join(folder, "case.json"))));
    if (!parsed.success) {
      const problems = parsed.error.issues.map((issue) => `"${issue.path.join(".")}" ${issue.message}`);
      throw new SyntaxError(problems.join("; "));
    }
    meta = parsed.data;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new SyntaxError(`Cannot load ${where}: it has no case.json`);
    }
    throw new SyntaxError(`Cannot load ${where}: case.json: ${(error as Error).message}`, { cause: error });
  }
  const head = await readTree(join(folder, "head"));
  const base = await readTree(join(folder, "base"));
  const added = meta.added ?? [];
  for (const path of added) {
    if (!head.has(path)) throw new SyntaxError(`Cannot load ${where}: added file "${path}" is not in head/`);
    if (base.has(path)) throw new SyntaxError(`Cannot load ${where}: added file "${path}" is also in base/`);
  }
  const diff = await diffBaseToHead(base, head, added);
  if (diff.trim() === "") throw new SyntaxError(`Cannot load ${where}: base/ and head/ do not differ`);
  const parsed = parseDiff(diff);
  const lines = autoContextLines(parsed.length);
  const readFile = (path: string) => Promise.resolve(head.get(path) ?? null);
  const files = (await expandContext(parsed, { readFile, lines })).map((file) => trimContext(file, lines));
  for (const item of meta.needed) {
    const problem = neededProblem(item, head, files);
    if (problem !== null) throw new SyntaxError(`Cannot load ${where}: needed "${item.symbol}": ${problem}`);
  }
  return { id, ...meta, head, diff, files };
}

/**
 * Loads the cases under `folder`, in name order; folders whose name starts with `.` or `_` are not cases.
 * @param only ids to load; an unknown one is an error
 * @throws {RangeError} for an unknown id in `only`, or when the folder holds no case
 */
export async function loadContextCases(folder: string, only?: readonly string[]): Promise<ContextCase[]> {
  const ids: string[] = [];
  for await (const entry of Deno.readDir(folder)) {
    if (entry.isDirectory && !/^[._]/.test(entry.name)) ids.push(entry.name);
  }
  ids.sort();
  const unknown = only?.find((id) => !ids.includes(id));
  if (unknown !== undefined) throw new RangeError(`Cannot find case "${unknown}" in "${folder}"`);
  const chosen = only === undefined ? ids : ids.filter((id) => only.includes(id));
  if (chosen.length === 0) throw new RangeError(`Cannot find any case in "${folder}"`);
  const cases: ContextCase[] = [];
  for (const id of chosen) cases.push(await loadContextCase(join(folder, id), id));
  return cases;
}
