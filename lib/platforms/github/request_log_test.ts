import assert from "node:assert/strict";
import { createLogger } from "../../log.ts";
import { createGitHubClient } from "./client.ts";

Deno.test("GitHub requests log at debug, without an 'id undefined' when the server sends no request id", async () => {
  const lines: string[] = [];
  const log = createLogger({ level: "debug", format: "text", write: (line) => lines.push(line) });
  // A GitHub Enterprise proxy that strips `x-github-request-id`.
  const fetchWithoutId: typeof fetch = () =>
    Promise.resolve(
      new Response(JSON.stringify({ login: "loom-bot", id: 1 }), {
        status: 200,
        headers: { "content-type": "application/json" },
      }),
    );
  const client = createGitHubClient({
    baseUrl: "https://ghe.example/api/v3",
    token: "t",
    log,
    fetch: fetchWithoutId,
  });
  const octokit = (client as unknown as { octokit?: { request(route: string): Promise<unknown> } }).octokit;
  if (octokit) await octokit.request("GET /user");
  else {await client.getFile({ platform: "github", repo: "o/r", number: 1 }, "README.md", "main").catch(
      () => {},
    );}
  const requestLines = lines.filter((line) => line.includes("GET /"));
  assert.ok(requestLines.length >= 1, lines.join("\n"));
  for (const line of requestLines) {
    assert.match(line, /^\d\d:\d\d:\d\d DEBUG /, "request lines are debug detail");
    assert.doesNotMatch(line, /with id undefined/);
  }
});
