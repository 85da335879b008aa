/**
 * Web-process memory under oversized requests: a real Loom (`main.ts`, SQLite, embedded worker) receives a
 * 400 MB webhook and a 300 MB sign-in form, each chunked and with `Content-Length`, from a client that writes
 * one reused 1 MiB buffer (so this script stays small). Before each attack the kernel's peak counter (VmHWM) is
 * reset through `/proc/<pid>/clear_refs`, so each row's peak is that attack's own. Reports the answer, how much
 * of the body the server let the client send, and the peak RSS over the idle baseline.
 *
 *   deno run -A bench/oversized_body.ts [--dialect sqlite|postgres]
 */
import { createE2eDatabase, startLoom } from "../tests/support/loom_process.ts";
import { rawUpload } from "../tests/support/raw_upload.ts";

const MB = 1024 * 1024;
const SECRET_KEY = "bench-secret-key-bench-secret-key-0123456789";

async function statusField(pid: number, field: "VmRSS" | "VmHWM"): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status)?.[1] ?? 0) * 1024;
}

const dialect =
  Deno.args.includes("--dialect") && Deno.args[Deno.args.indexOf("--dialect") + 1] === "postgres"
    ? "postgres"
    : "sqlite";
await using database = await createE2eDatabase(dialect);
await using loom = await startLoom({ LOOM_DATABASE_URL: database.url, LOOM_SECRET_KEY: SECRET_KEY });
for (const path of ["/login", "/api/webhooks/github?repo=1"]) {
  await (await fetch(`${loom.url}${path}`, { method: "POST", body: "a=b" })).body?.cancel();
}
const baseline = await statusField(loom.pid, "VmRSS");
const attacks = [
  {
    name: "400 MB webhook, chunked",
    path: "/api/webhooks/github?repo=1",
    totalBytes: 400 * MB,
    chunked: true,
  },
  { name: "400 MB webhook, Content-Length", path: "/api/webhooks/github?repo=1", totalBytes: 400 * MB },
  { name: "300 MB form, chunked", path: "/login", totalBytes: 300 * MB, chunked: true },
  { name: "300 MB form, Content-Length", path: "/login", totalBytes: 300 * MB },
];
const rows = [];
for (const attack of attacks) {
  await Deno.writeTextFile(`/proc/${loom.pid}/clear_refs`, "5");
  const started = performance.now();
  const result = await rawUpload(loom.url, {
    ...attack,
    headers: {
      "content-type": attack.path === "/login" ? "application/x-www-form-urlencoded" : "application/json",
      "x-github-event": "pull_request",
    },
  });
  const peak = await statusField(loom.pid, "VmHWM");
  rows.push({
    attack: attack.name,
    status: result.status,
    "sent MB": result.sentBytes / MB,
    "ms": Math.round(performance.now() - started),
    "peak over baseline MB": Math.round((peak - baseline) / MB * 10) / 10,
  });
}
// deno-lint-ignore no-console
console.log(JSON.stringify({ dialect, baselineMb: Math.round(baseline / MB * 10) / 10, rows }, null, 2));
