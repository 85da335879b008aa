import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { createPlatformClient, PLATFORM_CLIENTS, type PlatformId } from "./mod.ts";

/** A platform that accepts every request and never answers, until the test ends. */
function startSilentPlatform() {
  const stop = new AbortController();
  const server = Deno.serve(
    { port: 0, hostname: "127.0.0.1", onListen: () => {} },
    (request) =>
      new Promise<Response>((resolve) => {
        const answer = () => resolve(new Response("late", { status: 503 }));
        stop.signal.addEventListener("abort", answer, { once: true });
        request.signal.addEventListener("abort", answer, { once: true });
      }),
  );
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    async close() {
      stop.abort();
      await server.shutdown();
    },
  };
}

function configFor(url: string, timeoutMs: number) {
  return loadServerConfig({
    LOOM_PLATFORM_TIMEOUT_MS: String(timeoutMs),
    LOOM_GITHUB_API_URL: url,
    LOOM_GITHUB_TOKEN: "ghp_silent",
    LOOM_GITLAB_URL: url,
    LOOM_GITLAB_TOKEN: "glpat-silent",
    LOOM_GITEA_URL: url,
    LOOM_GITEA_TOKEN: "silent",
    LOOM_BITBUCKET_URL: url,
    LOOM_BITBUCKET_TOKEN: "silent",
    LOOM_BITBUCKET_SERVER_URL: url,
    LOOM_BITBUCKET_SERVER_TOKEN: "silent",
    LOOM_AZURE_DEVOPS_URL: `${url}/org`,
    LOOM_AZURE_DEVOPS_TOKEN: "silent",
  });
}

const ref = (platform: PlatformId) => ({
  platform,
  repo: platform === "azure_devops"
    ? "project/repo"
    : platform === "bitbucket_server"
    ? "OCTO/app"
    : "octo/app",
  number: 1,
});

/** How long a rejected call took, in ms; fails when it did not reject within `withinMs`. */
async function rejectsWithin(call: Promise<unknown>, withinMs: number): Promise<number> {
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const outcome = await Promise.race([
    call.then(() => "answered", () => "rejected"),
    new Promise((resolve) => (timer = setTimeout(() => resolve("hung"), withinMs))),
  ]);
  clearTimeout(timer);
  assert.equal(outcome, "rejected");
  return performance.now() - started;
}

Deno.test("every platform client gives up on a request that never answers after LOOM_PLATFORM_TIMEOUT_MS", async () => {
  const silent = startSilentPlatform();
  try {
    const config = configFor(silent.url, 300);
    for (const platform of Object.keys(PLATFORM_CLIENTS) as PlatformId[]) {
      const client = createPlatformClient(platform, config);
      const elapsed = await rejectsWithin(client.getPullRequest(ref(platform)), 10_000);
      assert.ok(elapsed >= 250, `${platform} waited ${elapsed} ms, not its deadline`);
    }
  } finally {
    await silent.close();
  }
});

Deno.test("every platform client's requests stop when the job's signal aborts", async () => {
  const silent = startSilentPlatform();
  try {
    // The deadline is an hour: only the job's signal can end these requests.
    const config = configFor(silent.url, 3_600_000);
    for (const platform of Object.keys(PLATFORM_CLIENTS) as PlatformId[]) {
      const job = new AbortController();
      const client = createPlatformClient(platform, config, { signal: job.signal });
      const pending = client.getDiff(ref(platform));
      setTimeout(() => job.abort(new Error("Job was cancelled")), 100);
      await rejectsWithin(pending, 10_000);
    }
  } finally {
    await silent.close();
  }
});
