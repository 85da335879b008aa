import assert from "node:assert/strict";
import { runSandboxed, type SandboxResult, SandboxUnavailableError } from "./sandbox.ts";

// Generous wall-clock limits: on a loaded machine a sandboxed Deno takes seconds to start, and these tests are
// about the other limits.
const SLOW = { timeoutMs: 60_000 };

function run(source: string, limits: Parameters<typeof runSandboxed>[1] = {}): Promise<SandboxResult> {
  return runSandboxed(
    { source, files: { "src/a.ts": "export const a = 1;\n" }, stdin: "" },
    { ...limits, limits: { ...SLOW, ...limits.limits } },
  );
}

function assertLimit(result: SandboxResult, limit: string): void {
  assert.equal(
    result.status,
    "limit",
    `expected the ${limit} limit, got ${JSON.stringify(result).slice(0, 500)}`,
  );
  assert.equal((result as { limit: string }).limit, limit);
}

Deno.test("runSandboxed() stops a script allocating 1.5 GB of ArrayBuffers at the memory limit", async () => {
  const result = await run(`
const keep = [];
for (let i = 0; i < 15; i++) { keep.push(new ArrayBuffer(100 * 1024 * 1024)); new Uint8Array(keep[i]).fill(1); }
console.log("allocated", keep.length * 100, "MB");
`);
  assertLimit(result, "memory");
});

Deno.test("runSandboxed() stops a script growing 1 GB of WebAssembly memory at the memory limit", async () => {
  const result = await run(`
const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
for (let i = 0; i < 16; i++) { memory.grow(1024); new Uint8Array(memory.buffer).fill(1); }
console.log("grew", memory.buffer.byteLength);
`);
  assertLimit(result, "memory");
});

const EIGHT_WORKERS = `
const url = URL.createObjectURL(new Blob(["setInterval(() => {}, 1000);"], { type: "text/javascript" }));
const workers = [];
for (let i = 0; i < 8; i++) workers.push(new Worker(url, { type: "module" }));
await new Promise((resolve) => setTimeout(resolve, 2000));
console.log("started", workers.length);
Deno.exit(0);
`;

Deno.test("runSandboxed() stops a script starting 8 Workers: each Worker's heap counts against memory", async () => {
  assertLimit(await run(EIGHT_WORKERS), "memory");
});

Deno.test("runSandboxed() stops 8 Workers at the thread limit when memory would allow them", async () => {
  assertLimit(await run(EIGHT_WORKERS, { limits: { memoryMb: 16_000 } }), "threads");
});

Deno.test("runSandboxed() stops a busy loop at the CPU time limit", async () => {
  assertLimit(await run("while (true) {}", { limits: { cpuSeconds: 1 } }), "cpu");
});

Deno.test("runSandboxed() stops a script holding too many files open at the open file limit", async () => {
  const result = await run(`
const files = [];
for (let i = 0; i < 200; i++) files.push(await Deno.open("src/a.ts"));
console.log("opened", files.length);
`);
  assertLimit(result, "open_files");
});

Deno.test("runSandboxed() lets the script list its checkout and nothing above it", async () => {
  const result = await run(`
const seen = [];
for (const path of ["/", "/sandbox"]) seen.push(path + ":" + [...Deno.readDirSync(path)].map((entry) => entry.name).sort().join(","));
console.log(JSON.stringify(seen));
`);
  // Deno's permissions deny "/" before the namespace is consulted; the checkout is all the script can list.
  assert.equal(result.status, "exited");
  assert.match((result as { stderr: string }).stderr, /NotCapable: Requires read access to "\/"/);
  const listing = await run(`console.log([...Deno.readDirSync(".")].map((entry) => entry.name).join(","));`);
  assert.deepEqual(listing.status === "exited" ? [listing.code, listing.stdout.trim()] : listing, [0, "src"]);
});

Deno.test("runSandboxed() refuses to run without bubblewrap unless the operator opted out", async () => {
  const empty = await Deno.makeTempDir({ prefix: "loom-no-tools-" });
  try {
    await assert.rejects(
      run(`console.log("ran");`, { toolPath: empty }),
      (error: Error) =>
        error instanceof SandboxUnavailableError &&
        /needs bwrap, prlimit, setpriv, not found.*LOOM_SCRIPT_SANDBOX=deno-only/.test(error.message),
    );
    const optedOut = await run(`console.log("ran");`, { toolPath: empty, isolation: "deno-only" });
    assert.deepEqual(optedOut.status === "exited" ? optedOut.stdout : optedOut, "ran\n");
  } finally {
    await Deno.remove(empty);
  }
});
