/**
 * Oversized requests against a real Loom process (SQLite, embedded worker): its memory stays within 50 MB of the
 * baseline while a 400 MB webhook and a 300 MB sign-in form arrive, with and without `Content-Length`, and every
 * one of them is answered 413.
 */
import assert from "node:assert/strict";
import { createE2eDatabase, startLoom } from "../support/loom_process.ts";
import { rawUpload } from "../support/raw_upload.ts";
import { TEST_SECRET_KEY } from "../support/app_server.ts";

const MB = 1024 * 1024;

async function residentBytes(pid: number, field: "VmRSS" | "VmHWM"): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  const kilobytes = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status)?.[1];
  assert.ok(kilobytes, `/proc/${pid}/status has ${field}`);
  return Number(kilobytes) * 1024;
}

/** Resets the kernel's peak-RSS counter (VmHWM) so it measures only what follows. */
async function resetPeak(pid: number): Promise<boolean> {
  try {
    await Deno.writeTextFile(`/proc/${pid}/clear_refs`, "5");
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name:
    "a 400 MB webhook and a 300 MB form get 413 while the server's RSS stays within 50 MB of its baseline",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    await using database = await createE2eDatabase("sqlite");
    await using loom = await startLoom({ LOOM_DATABASE_URL: database.url, LOOM_SECRET_KEY: TEST_SECRET_KEY });
    // Warm the routes so their modules and the first request's allocations are in the baseline.
    for (const path of ["/login", "/setup", "/api/webhooks/github?repo=1"]) {
      const response = await fetch(`${loom.url}${path}`, { method: "POST", body: "a=b" });
      await response.body?.cancel();
    }
    const baseline = await residentBytes(loom.pid, "VmRSS");
    const peakResets = await resetPeak(loom.pid);
    let sampledPeak = baseline;
    const sample = async () => {
      sampledPeak = Math.max(sampledPeak, await residentBytes(loom.pid, "VmRSS"));
    };
    const attacks = [
      {
        name: "400 MB webhook, chunked",
        path: "/api/webhooks/github?repo=1",
        totalBytes: 400 * MB,
        chunked: true,
      },
      { name: "400 MB webhook, Content-Length", path: "/api/webhooks/github?repo=1", totalBytes: 400 * MB },
      { name: "300 MB form, Content-Length", path: "/login", totalBytes: 300 * MB },
      { name: "300 MB form, chunked", path: "/login", totalBytes: 300 * MB, chunked: true },
    ];
    for (const attack of attacks) {
      const result = await rawUpload(loom.url, {
        ...attack,
        headers: {
          "content-type": attack.path === "/login" ? "application/x-www-form-urlencoded" : "application/json",
          "x-github-event": "pull_request",
        },
        onProgress: sample,
      });
      await sample();
      assert.equal(result.status, 413, `${attack.name}: ${JSON.stringify(result)}`);
      // The server stopped reading: far less than the whole body crossed the wire (socket buffers aside).
      assert.ok(result.sentBytes < attack.totalBytes / 4, `${attack.name}: sent ${result.sentBytes / MB} MB`);
    }
    const peak = peakResets ? Math.max(sampledPeak, await residentBytes(loom.pid, "VmHWM")) : sampledPeak;
    const growth = (peak - baseline) / MB;
    assert.ok(
      growth < 50,
      `RSS grew ${growth.toFixed(1)} MB over a ${(baseline / MB).toFixed(0)} MB baseline`,
    );
    const after = await fetch(`${loom.url}/healthz`);
    assert.equal(after.status, 200, "the server still answers");
    await after.body?.cancel();
  },
});
