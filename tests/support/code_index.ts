/**
 * Helpers for the code index's tests: a diff of one file between two texts, in the shape `lib/diff` parses
 * from a platform, and a repository read from a plain record.
 */
import { structuredPatch } from "diff";
import { parseDiff } from "../../lib/diff/mod.ts";
import type { DiffFile } from "../../lib/diff/types.ts";
import { buildCodeIndex, selectContext, type SourceFile } from "../../lib/codebase/mod.ts";

/** The parsed `git diff` of `path` from `base` to `head` (base null: an added file), with 3 lines of context. */
export function diffOf(path: string, base: string | null, head: string): DiffFile {
  const patch = structuredPatch(path, path, base ?? "", head, "", "", { context: 3 });
  const header = base === null
    ? `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n`
    : `diff --git a/${path} b/${path}\n--- a/${path}\n+++ b/${path}\n`;
  const hunks = patch.hunks.map((hunk) =>
    `@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@\n${hunk.lines.join("\n")}\n`
  );
  const [file] = parseDiff(header + hunks.join(""));
  return file;
}

/** The repository's files as `SourceFile`s, and a `readFile` over them. */
export function repository(files: Record<string, string>): {
  files: SourceFile[];
  readFile(path: string): Promise<string | null>;
} {
  return {
    files: Object.entries(files).map(([path, text]) => ({ path, text })),
    readFile: (path) => Promise.resolve(files[path] ?? null),
  };
}

/** A token count for tests: one token per word-ish run, so budgets in tests read as counts of words. */
export function countWords(text: string): number {
  return (text.match(/\S+/g) ?? []).length;
}

/**
 * The context selected for changing `path` from `base` to its text in `files`, each block as
 * `kind source symbol`, with a budget large enough for everything.
 */
export async function contextFor(
  files: Record<string, string>,
  path: string,
  base: string,
): Promise<string[]> {
  const repo = repository(files);
  const selection = await selectContext({
    index: await buildCodeIndex(repo.files),
    files: [diffOf(path, base, files[path])],
    readFile: repo.readFile,
    budgetTokens: 100_000,
    countTokens: countWords,
  });
  return selection.blocks.map((block) => `${block.kind} ${block.source} ${block.symbol ?? ""}`.trim());
}
