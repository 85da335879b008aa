import assert from "node:assert/strict";
import { join } from "node:path";
import { parseDiff } from "../../diff/parse.ts";
import type { SandboxLimits } from "./sandbox.ts";
import { parseScriptOutput, runScriptStep, runScriptStepRecord, ScriptStepError } from "./script.ts";

const DIFF = `diff --git a/src/app.ts b/src/app.ts
index 1111111..2222222 100644
--- a/src/app.ts
+++ b/src/app.ts
@@ -1,2 +1,3 @@
 export const a = 1;
+// TODO remove this
 export const b = 2;
`;
const HEAD = "export const a = 1;\n// TODO remove this\nexport const b = 2;\n";

function options(source: string, limits?: Partial<SandboxLimits>) {
  return {
    name: "todos",
    source,
    title: "Add a comment",
    headSha: "2222222",
    files: parseDiff(DIFF),
    readHeadFile: (path: string) => Promise.resolve(path === "src/app.ts" ? HEAD : null),
    limits,
    signal: new AbortController().signal,
  };
}

/** A script that reports `value` as the title of one finding, so tests can read what it observed. */
function reporting(expression: string): string {
  return `
let value;
try { value = await (async () => { ${expression} })(); } catch (error) { value = "denied: " + error.name; }
console.log(JSON.stringify({ findings: [{ path: "src/app.ts", line: 2, title: String(value) }] }));
`;
}

Deno.test("runScriptStep() gives the script the diff on stdin and the head files in its directory", async () => {
  const findings = await runScriptStep(options(`
const input = JSON.parse(await new Response(Deno.stdin.readable).text());
const findings = [];
for (const file of input.files) {
  const text = await Deno.readTextFile(file.newPath);
  text.split("\\n").forEach((line, index) => {
    if (line.includes("TODO")) findings.push({ path: file.newPath, line: index + 1, severity: "info", title: "Unresolved TODO", body: input.title });
  });
}
console.log(JSON.stringify({ findings }));
`));
  assert.deepEqual(findings, [{
    path: "src/app.ts",
    line: 2,
    side: "RIGHT",
    severity: "info",
    title: "Unresolved TODO",
    body: "Add a comment",
    step: "todos",
  }]);
});

Deno.test("runScriptStep() keeps environment secrets from the script", async () => {
  Deno.env.set("LOOM_SCRIPT_TEST_SECRET", "hunter2");
  try {
    const [read] = await runScriptStep(options(reporting(`return Deno.env.get("LOOM_SCRIPT_TEST_SECRET");`)));
    assert.equal(read!.title, "denied: NotCapable");
    const [all] = await runScriptStep(options(reporting(`return JSON.stringify(Deno.env.toObject());`)));
    assert.equal(all!.title, "denied: NotCapable");
  } finally {
    Deno.env.delete("LOOM_SCRIPT_TEST_SECRET");
  }
});

Deno.test("runScriptStep() stops the script from opening network connections", async () => {
  let requests = 0;
  await using server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, () => {
    requests++;
    return new Response("secret");
  });
  const url = `http://127.0.0.1:${server.addr.port}/`;
  const [viaFetch] = await runScriptStep(options(reporting(`return await (await fetch("${url}")).text();`)));
  assert.match(viaFetch!.title, /^denied: /);
  const [viaSocket] = await runScriptStep(
    options(
      reporting(
        `const c = await Deno.connect({ hostname: "127.0.0.1", port: ${server.addr.port} }); c.close(); return "connected";`,
      ),
    ),
  );
  assert.equal(viaSocket!.title, "denied: NotCapable");
  assert.equal(requests, 0, "the server saw no request");
});

Deno.test("runScriptStep() stops the script from writing, inside or outside its directory", async () => {
  const outside = await Deno.makeTempDir({ prefix: "loom-script-test-" });
  try {
    const target = join(outside, "escaped.txt");
    const [out] = await runScriptStep(
      options(reporting(`await Deno.writeTextFile(${JSON.stringify(target)}, "x"); return "wrote";`)),
    );
    assert.equal(out!.title, "denied: NotCapable");
    await assert.rejects(Deno.stat(target), Deno.errors.NotFound);
    const [inside] = await runScriptStep(
      options(reporting(`await Deno.writeTextFile("src/app.ts", "x"); return "wrote";`)),
    );
    assert.equal(inside!.title, "denied: NotCapable");
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("runScriptStep() stops the script from reading outside its checkout, also through imports", async () => {
  const [read] = await runScriptStep(options(reporting(`return await Deno.readTextFile("/etc/hostname");`)));
  assert.equal(read!.title, "denied: NotCapable");
  await assert.rejects(
    runScriptStep(options(`import text from "/etc/hostname" with { type: "text" };\nconsole.log(text);`)),
    (error: Error) =>
      error instanceof ScriptStepError && /crashed: exit code 1: .*Requires read access/.test(error.message),
  );
});

Deno.test("runScriptStep() reports a script that runs past its time limit", async () => {
  await assert.rejects(
    runScriptStep(options("while (true) {}", { timeoutMs: 1000 })),
    (error: Error) => error instanceof ScriptStepError && /timed out/.test(error.message),
  );
});

Deno.test("runScriptStep() reports a script that exceeds its memory limit", async () => {
  await assert.rejects(
    runScriptStep(
      options("const keep = []; while (true) keep.push(new Array(1e6).fill(1));", { memoryMb: 32 }),
    ),
    (error: Error) =>
      error instanceof ScriptStepError &&
      /was stopped at the memory limit \(32 MB heap, 592 MB of writable memory in all\)/.test(error.message),
  );
});

Deno.test("runScriptStep() names the limit a script hit and its value", async () => {
  await assert.rejects(
    runScriptStep(options("const keep = []; while (true) keep.push(new ArrayBuffer(64 * 1024 * 1024));")),
    (error: Error) =>
      error instanceof ScriptStepError &&
      error.message ===
        'Script step "todos" was stopped at the memory limit (128 MB heap, 688 MB of writable memory in all)',
  );
  await assert.rejects(
    runScriptStep(options("while (true) {}", { timeoutMs: 60_000, cpuSeconds: 1 })),
    (error: Error) => error.message === 'Script step "todos" was stopped at the CPU time limit (1 s)',
  );
});

Deno.test("runScriptStep() reports a crash with its error message", async () => {
  await assert.rejects(
    runScriptStep(options(`throw new Error("config table missing");`)),
    (error: Error) =>
      error instanceof ScriptStepError && /crashed: exit code 1: .*config table missing/.test(error.message),
  );
});

Deno.test("parseScriptOutput() rejects empty output, invalid JSON and the wrong shape", () => {
  assert.throws(() => parseScriptOutput('Script step "x"', "  "), /printed no output/);
  assert.throws(() => parseScriptOutput('Script step "x"', "{findings"), /printed invalid JSON/);
  assert.throws(
    () => parseScriptOutput('Script step "x"', JSON.stringify({ findings: [{ path: "a", line: 0 }] })),
    /does not match the schema: findings\.0\.line: .*findings\.0\.title/,
  );
  assert.deepEqual(
    parseScriptOutput("s", JSON.stringify({ findings: [{ path: "a.ts", line: 3, title: "T" }] })),
    { findings: [{ path: "a.ts", line: 3, side: "RIGHT", severity: "warning", title: "T", body: "" }] },
  );
});

const BASE_RECORD = {
  name: "todos",
  provider: null,
  model: null,
  status: "skipped" as const,
  inputTokens: 0,
  outputTokens: 0,
  costUsd: 0,
  cached: false,
  durationMs: 0,
  error: null,
};

Deno.test("runScriptStepRecord() turns a failing script into a failed step, not a failed review", async () => {
  const context = {
    loaded: { scripts: new Map([["todos", "Deno.exit(3);"]]) },
    title: "t",
    signal: new AbortController().signal,
  };
  const run = await runScriptStepRecord(
    context,
    { name: "todos", severity: "blocker" },
    parseDiff(DIFF),
    BASE_RECORD,
  );
  assert.equal(run.record.status, "failed");
  assert.match(run.record.error!, /^Script step "todos" crashed: exit code 3/);
  assert.deepEqual(run.findings, []);
});

Deno.test("runScriptStepRecord() caps the severity of a script's findings at the step's", async () => {
  const source =
    `console.log(JSON.stringify({ findings: [{ path: "src/app.ts", line: 2, severity: "blocker", title: "T" }] }));`;
  const context = {
    loaded: { scripts: new Map([["todos", source]]) },
    title: "t",
    signal: new AbortController().signal,
  };
  const run = await runScriptStepRecord(
    context,
    { name: "todos", severity: "info" },
    parseDiff(DIFF),
    BASE_RECORD,
  );
  assert.equal(run.record.status, "completed");
  assert.equal(run.findings[0]!.severity, "info");
  const missing = await runScriptStepRecord(
    { ...context, loaded: { scripts: new Map() } },
    { name: "todos", severity: "info" },
    parseDiff(DIFF),
    BASE_RECORD,
  );
  assert.match(missing.record.error!, /Script of step "todos" is not available/);
});
