/**
 * Parsing speed on a generated ~50,000-line diff, Loom's `parseDiff` against the `parse-diff` npm package.
 *
 *   deno bench bench/diff_bench.ts
 *
 * Memory is measured separately by `diff_memory.ts`; results are in docs/benchmarks.md.
 */
import parseDiffNpm from "parse-diff";
import { createLineMap, type DiffFile, parseDiff } from "../lib/diff/mod.ts";
import { generateLargeDiff } from "./diff_memory.ts";

const TEXT = generateLargeDiff();
let sink: unknown;

// No warm-up loop at the top level and no parse before the parser benchmarks: parsing here made V8 pretenure
// the parsers' allocations (results that outlive many iterations), which tripled parseDiff's time under
// `deno bench` and measured the garbage collector instead of the parser.

Deno.bench({
  name: "parseDiff (loom)",
  group: "parse ~50k-line diff",
  baseline: true,
  warmup: 50,
  n: 300,
  fn: () => {
    sink = parseDiff(TEXT);
  },
});

Deno.bench({
  name: "parse-diff (npm)",
  group: "parse ~50k-line diff",
  warmup: 50,
  n: 300,
  fn: () => {
    sink = parseDiffNpm(TEXT);
  },
});

let files: DiffFile[] | null = null;

Deno.bench({
  name: "createLineMap() for every file + one lookup per diff line",
  fn: () => {
    files ??= parseDiff(TEXT);
    let found = 0;
    for (const file of files) {
      const map = createLineMap(file);
      for (const hunk of file.hunks) {
        for (const line of hunk.lines) {
          if (line.newLine !== undefined && map.has("RIGHT", line.newLine)) found++;
        }
      }
    }
    sink = found;
  },
});

addEventListener("unload", () => {
  // Keeps the results observable so no engine can drop the parse as dead code.
  if (sink === Symbol.for("never")) throw new Error("Cannot happen: sink holds a symbol");
});
