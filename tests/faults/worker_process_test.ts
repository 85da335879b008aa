/**
 * The worker process as a container runs it: its own `/healthz` and token-protected `/metrics` on
 * `LOOM_WORKER_METRICS_PORT` (the liveness probe and the scrape target), and a clean exit on SIGTERM.
 */
import assert from "node:assert/strict";
import { createE2eDatabase, freePort, waitFor } from "../support/loom_process.ts";

const WORKER = new URL("../../worker/main.ts", import.meta.url).pathname;

for (const dialect of ["sqlite", "postgres"] as const) {
  Deno.test(`worker/main.ts serves health and metrics, then exits cleanly on SIGTERM [${dialect}]`, async () => {
    await using database = await createE2eDatabase(dialect);
    const port = freePort();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", WORKER],
      env: {
        LOOM_DATABASE_URL: database.url,
        LOOM_SECRET_KEY: "worker-secret-key-worker-secret-key-012345",
        LOOM_HOSTNAME: "127.0.0.1",
        LOOM_WORKER_METRICS_PORT: String(port),
        LOOM_METRICS_TOKEN: "scrape-token",
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text()]);
    let exited = false;
    try {
      const base = `http://127.0.0.1:${port}`;
      await waitFor(
        async () => {
          try {
            const response = await fetch(`${base}/healthz`);
            return response.ok ? await response.json() : undefined;
          } catch {
            return undefined;
          }
        },
        () => "the worker's /healthz never answered",
        60_000,
      );
      const denied = await fetch(`${base}/metrics`);
      await denied.body?.cancel();
      assert.equal(denied.status, 401);
      const metrics = await fetch(`${base}/metrics`, { headers: { authorization: "Bearer scrape-token" } });
      assert.equal(metrics.status, 200);
      const text = await metrics.text();
      assert.match(text, /^loom_jobs\{state="pending"\} 0$/m);
      assert.match(text, /^loom_metrics_database_up 1$/m);
      child.kill("SIGTERM");
      const status = await child.status;
      exited = true;
      const [stdout] = await output;
      assert.equal(status.code, 0, stdout);
      assert.match(stdout, /"message":"Shutting down","signal":"SIGTERM"/);
      assert.match(stdout, /"message":"Worker stopped"/);
    } finally {
      if (!exited) {
        child.kill("SIGKILL");
        await child.status;
        await output;
      }
    }
  });
}
