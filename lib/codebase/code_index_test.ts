import assert from "node:assert/strict";
import {
  buildCodeIndex,
  CODE_INDEX_FORMAT,
  MAX_FILE_CHARS,
  skipReason,
  updateCodeIndex,
} from "./code_index.ts";
import { parseCodeIndex, serializeCodeIndex } from "./serialize.ts";

const UTIL =
  `export function slug(text: string): string {\n  return text.toLowerCase().replace(/\\W+/g, "-");\n}\n`;
const MAIN =
  `import { slug } from "./util.ts";\n\nexport function title(name: string): string {\n  return slug(name).toUpperCase();\n}\n`;
const TOOL = `def run(args):\n    return main(args)\n`;

async function* streamed(files: Record<string, string>) {
  for (const [path, text] of Object.entries(files)) yield { path, text };
}

Deno.test("buildCodeIndex parses source files and skips vendored, generated, binary, large and unknown ones", async () => {
  const index = await buildCodeIndex(streamed({
    "src/util.ts": UTIL,
    "src/main.ts": MAIN,
    "tools/run.py": TOOL,
    "node_modules/left-pad/index.js": "module.exports = function leftPad() {};\n",
    "vendor/lib/a.go": "package a\nfunc A() {}\n",
    "web/app.min.js": "function a(){}\n",
    "api/service.pb.go": "package api\nfunc Generated() {}\n",
    "src/blob.ts": "export const a = 1;\u0000\u0001\n",
    "src/huge.ts": `export const big = "${"x".repeat(MAX_FILE_CHARS)}";\n`,
    "README.md": "# readme\n",
    "AGENTS.md": "Be kind.\n",
    "src/CONTRIBUTING.md": "Run the tests.\n",
    ".loom/rules/style.md": "Short names.\n",
  }));
  assert.deepEqual(Object.keys(index.files), ["src/main.ts", "src/util.ts", "tools/run.py"]);
  assert.deepEqual(index.guidelines, [".loom/rules/style.md", "AGENTS.md", "src/CONTRIBUTING.md"]);
  assert.equal(index.files["src/util.ts"].language, "typescript");
  assert.deepEqual(index.files["src/main.ts"].definitions, [
    { name: "title", kind: "function", startLine: 3, endLine: 5 },
  ]);
  assert.deepEqual(index.files["src/main.ts"].imports, ["./util.ts"]);
  assert.deepEqual(index.files["src/main.ts"].calls, [
    { callee: "toUpperCase", line: 4 },
    { callee: "slug", line: 4 },
  ]);
  assert.equal(index.files["tools/run.py"].language, "python");
  assert.match(index.files["src/util.ts"].hash, /^[0-9a-f]{16}$/);
  assert.deepEqual(
    ["node_modules/x/a.js", "a.min.js", "b.ts", "c.ts", "d.txt"].map((path, i) =>
      skipReason({ path, text: i === 2 ? "\u0000" : i === 3 ? "x".repeat(MAX_FILE_CHARS + 1) : "" })
    ),
    ["vendored", "generated", "binary", "size", "language"],
  );
});

Deno.test("updateCodeIndex reuses unchanged entries, re-parses changed files and drops removed ones", async () => {
  const first = await buildCodeIndex([
    { path: "src/util.ts", text: UTIL },
    { path: "src/main.ts", text: MAIN },
    { path: "tools/run.py", text: TOOL },
    { path: "AGENTS.md", text: "Be kind.\n" },
  ]);
  const renamed = MAIN.replace("export function title", "export function heading");
  const second = await updateCodeIndex(
    first,
    [
      { path: "src/util.ts", text: UTIL },
      { path: "src/main.ts", text: renamed },
      { path: "src/new.ts", text: "export class Fresh {}\n" },
    ],
    ["tools/run.py", "AGENTS.md"],
  );
  assert.deepEqual(Object.keys(second.files), ["src/main.ts", "src/new.ts", "src/util.ts"]);
  assert.equal(
    second.files["src/util.ts"],
    first.files["src/util.ts"],
    "an unchanged hash keeps the very entry",
  );
  assert.notEqual(second.files["src/main.ts"].hash, first.files["src/main.ts"].hash);
  assert.equal(second.files["src/main.ts"].definitions[0].name, "heading");
  assert.equal(second.files["src/new.ts"].definitions[0].kind, "class");
  assert.deepEqual(second.guidelines, []);
  assert.deepEqual(
    Object.keys(first.files),
    ["src/main.ts", "src/util.ts", "tools/run.py"],
    "the old index is kept",
  );
  assert.equal(first.files["src/main.ts"].definitions[0].name, "title");

  const rebuilt = await buildCodeIndex([
    { path: "src/util.ts", text: UTIL },
    { path: "src/main.ts", text: renamed },
    { path: "src/new.ts", text: "export class Fresh {}\n" },
  ]);
  assert.equal(serializeCodeIndex(second), serializeCodeIndex(rebuilt), "an update equals a fresh build");
});

Deno.test("serializeCodeIndex and parseCodeIndex round-trip, and an index of another format is refused", async () => {
  const index = await buildCodeIndex([
    { path: "src/util.ts", text: UTIL },
    { path: "src/main.ts", text: MAIN },
    { path: "tools/run.py", text: "class Runner:\n    def go(self):\n        return shell.run(self)\n" },
    { path: ".loom/rules/a.md", text: "Rule.\n" },
  ]);
  const text = serializeCodeIndex(index);
  const parsed = parseCodeIndex(text);
  assert.deepEqual(parsed, index);
  assert.equal(parsed.files["tools/run.py"].definitions[1].container, "Runner");
  assert.deepEqual(parsed.files["tools/run.py"].calls, [{ callee: "run", line: 3, receiver: "shell" }]);
  assert.equal(serializeCodeIndex(parsed), text);
  assert.ok(text.length < JSON.stringify(index).length, "tuples are smaller than the object form");

  const old = JSON.stringify({ ...JSON.parse(text), format: CODE_INDEX_FORMAT - 1 });
  assert.throws(() => parseCodeIndex(old), /Not a code index of format 2: it is format 1/);
  assert.throws(() => parseCodeIndex(JSON.stringify({ files: {} })), /no marker/);
  assert.throws(() => parseCodeIndex("{"), /not JSON/);
  const broken = JSON.parse(text);
  broken.files[0][3][0][2] = "one";
  assert.throws(() => parseCodeIndex(JSON.stringify(broken)), /a bad definition/);
});
