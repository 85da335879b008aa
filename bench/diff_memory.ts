/**
 * Heap retained by a parsed ~50,000-line diff, Loom's `parseDiff` against the `parse-diff` npm package, and the
 * shared fixture generator that `diff_bench.ts` also uses.
 *
 *   deno run --v8-flags=--expose-gc bench/diff_memory.ts
 */
import parseDiffNpm from "parse-diff";
import { parseDiff } from "../lib/diff/mod.ts";

/** Shape of the generated diff. */
export interface LargeDiffOptions {
  files?: number;
  hunksPerFile?: number;
  seed?: number;
}

/**
 * A deterministic git diff that looks like a large pull request: mostly modified files with several hunks of
 * context, deletions and additions, plus some added and deleted files. The defaults give about 50,000 lines.
 */
export function generateLargeDiff(options: LargeDiffOptions = {}): string {
  const { files = 620, hunksPerFile = 8 } = options;
  let state = options.seed ?? 42;
  // A fixed LCG rather than Math.random so every run parses the same text.
  const random = (limit: number) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % limit;
  };
  const words = [
    "const",
    "value",
    "return",
    "await",
    "fetch(url)",
    "if (x) {",
    "}",
    "items.map((item) =>",
    "// why",
  ];
  const codeLine = () => {
    let line = "  ".repeat(random(4));
    const count = 2 + random(8);
    for (let index = 0; index < count; index++) line += words[random(words.length)] + " ";
    return line + `n${random(100000)};`;
  };
  const out: string[] = [];
  for (let fileIndex = 0; fileIndex < files; fileIndex++) {
    const path = `src/module_${fileIndex % 37}/file_${fileIndex}.ts`;
    const kind = random(20);
    if (kind === 0) {
      const count = 60 + random(60);
      out.push(`diff --git a/${path} b/${path}`, "new file mode 100644", "index 0000000..1234567");
      out.push("--- /dev/null", `+++ b/${path}`, `@@ -0,0 +1,${count} @@`);
      for (let index = 0; index < count; index++) out.push("+" + codeLine());
      continue;
    }
    if (kind === 1) {
      const count = 40 + random(40);
      out.push(`diff --git a/${path} b/${path}`, "deleted file mode 100644", "index 1234567..0000000");
      out.push(`--- a/${path}`, "+++ /dev/null", `@@ -1,${count} +0,0 @@`);
      for (let index = 0; index < count; index++) out.push("-" + codeLine());
      continue;
    }
    out.push(
      `diff --git a/${path} b/${path}`,
      "index 89abcde..f012345 100644",
      `--- a/${path}`,
      `+++ b/${path}`,
    );
    let oldStart = 1 + random(20);
    let newStart = oldStart;
    for (let hunkIndex = 0; hunkIndex < hunksPerFile; hunkIndex++) {
      const body: string[] = [];
      let oldCount = 0;
      let newCount = 0;
      const context = () => {
        body.push(" " + codeLine());
        oldCount++;
        newCount++;
      };
      for (let index = 0; index < 3; index++) context();
      const deletions = random(4);
      const additions = random(6);
      for (let index = 0; index < deletions; index++) {
        body.push("-" + codeLine());
        oldCount++;
      }
      for (let index = 0; index < additions; index++) {
        body.push("+" + codeLine());
        newCount++;
      }
      for (let index = 0; index < 3; index++) context();
      out.push(
        `@@ -${oldStart},${oldCount} +${newStart},${newCount} @@ function block${hunkIndex}() {`,
        ...body,
      );
      const gap = 10 + random(40);
      oldStart += oldCount + gap;
      newStart += newCount + gap;
    }
  }
  return out.join("\n") + "\n";
}

interface Measurement {
  retainedBytes: number;
  growthBytes: number;
}

function measure(gc: () => void, text: string, parse: (text: string) => unknown): Measurement {
  const retained: number[] = [];
  const growth: number[] = [];
  for (let run = 0; run < 7; run++) {
    gc();
    gc();
    const before = Deno.memoryUsage().heapUsed;
    let result: unknown = parse(text);
    growth.push(Deno.memoryUsage().heapUsed - before);
    gc();
    gc();
    retained.push(Deno.memoryUsage().heapUsed - before);
    // Read the result after measuring so it is certainly alive during the second collection.
    if (result === null) break;
    result = null;
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)];
  return { retainedBytes: median(retained), growthBytes: median(growth) };
}

if (import.meta.main) {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) {
    throw new Error("Cannot measure memory: gc() is not exposed: run with --v8-flags=--expose-gc");
  }
  const text = generateLargeDiff();
  const lineCount = text.split("\n").length - 1;
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(2)} MB`;
  const rows = [
    ["parseDiff (loom)", measure(gc, text, parseDiff)],
    ["parse-diff (npm)", measure(gc, text, parseDiffNpm)],
  ] as const;
  const report = [
    `input: ${lineCount} lines, ${mb(text.length)} of text (kept alive during both measurements)`,
    ...rows.map(([name, result]) =>
      `${name}: retained ${mb(result.retainedBytes)}, heap growth during parse ${mb(result.growthBytes)}`
    ),
  ];
  await Deno.stdout.write(new TextEncoder().encode(report.join("\n") + "\n"));
}
