import assert from "node:assert/strict";
import { compileFilter, compileGlobs } from "./globs.ts";

Deno.test("compileGlobs() applies negation with last match winning", async (t) => {
  const cases: { patterns: string[]; input: string; expected: boolean }[] = [
    { patterns: [], input: "a.ts", expected: false },
    { patterns: ["**"], input: "a.ts", expected: true },
    { patterns: ["**"], input: ".github/workflows/ci.yml", expected: true },
    { patterns: ["src/**"], input: "docs/a.md", expected: false },
    { patterns: ["src/**", "!src/gen/**"], input: "src/gen/a.ts", expected: false },
    { patterns: ["src/**", "!src/gen/**"], input: "src/a.ts", expected: true },
    { patterns: ["src/**", "!src/gen/**", "src/gen/keep.ts"], input: "src/gen/keep.ts", expected: true },
    { patterns: ["!docs/**"], input: "src/a.ts", expected: true },
    { patterns: ["!docs/**"], input: "docs/a.md", expected: false },
    { patterns: ["*.{ts,tsx}"], input: "App.tsx", expected: true },
    { patterns: ["*.ts"], input: "src/a.ts", expected: false },
  ];
  for (const { patterns, input, expected } of cases) {
    await t.step(`${JSON.stringify(patterns)} on "${input}" is ${expected}`, () => {
      assert.equal(compileGlobs(patterns)(input), expected);
    });
  }
});

Deno.test("compileGlobs() ignores case only when asked", () => {
  assert.equal(compileGlobs(["Dependabot*"])("dependabot[bot]"), false);
  assert.equal(compileGlobs(["Dependabot*"], { nocase: true })("dependabot[bot]"), true);
});

Deno.test("compileFilter() excludes what exclude matches even when included", () => {
  const filter = compileFilter({ include: ["**"], exclude: ["**/*.lock", "vendor/**"] });
  assert.equal(filter("src/a.ts"), true);
  assert.equal(filter("deno.lock"), false);
  assert.equal(filter("vendor/lib/a.ts"), false);
});
