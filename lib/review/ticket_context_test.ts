import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import type { Repo } from "../db/repos.ts";
import { silentLogger } from "../log.ts";
import { createGitHubClient } from "../platforms/github/client.ts";
import type { PullRequest } from "../platforms/types.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { reviewTickets, TICKET_TIMEOUT_MS } from "./ticket_context.ts";

const REPO = { id: 1, platform: "github", fullName: "octo/hello", host: "github.com" } as Repo;
const REF = { platform: "github" as const, repo: "octo/hello", number: 42 };
const PR: PullRequest = {
  ref: REF,
  title: "Free evicted keys",
  body: "Fixes #7 and #8",
  labels: [],
  author: "ada",
  draft: false,
  state: "open",
  headSha: "b".repeat(40),
  headRef: "7-evict",
  baseSha: "a".repeat(40),
  baseRef: "main",
};

Deno.test("reviewTickets gives every chunk the same ticket blocks and notes what was and was not read", async () => {
  await using fake = startFakeGitHub();
  fake.state.addIssue({ repo: "octo/hello", number: 7, title: "Evicted keys stay", body: "Free them." });
  const timeouts: (number | undefined)[] = [];
  const tickets = await reviewTickets({
    server: loadServerConfig({ LOOM_PLATFORM_TIMEOUT_MS: "60000" }),
    log: silentLogger,
    createClient: (_repo, options) => {
      timeouts.push(options?.timeoutMs);
      return createGitHubClient({ baseUrl: fake.url, token: FAKE_GITHUB_TOKEN, log: silentLogger });
    },
  }, {
    repo: REPO,
    ref: REF,
    pr: PR,
    config: { enabled: true, max: 5 },
    signal: new AbortController().signal,
  });
  assert.deepEqual(timeouts, [TICKET_TIMEOUT_MS], "tickets get their own, shorter deadline");
  const first = await tickets.contextFor!({ files: [], countTokens: () => 0 } as never);
  const second = await tickets.contextFor!({ files: [], countTokens: () => 0 } as never);
  assert.deepEqual(first, second);
  assert.deepEqual(first.map((block) => [block.kind, block.source]), [["ticket", "issue #7"]]);
  assert.deepEqual(tickets.notes, [
    "Tickets read as context: issue #7.",
    "Ticket context: issue #8 could not be read; the review went on without it.",
  ]);
});

Deno.test("reviewTickets reads nothing when tickets are off", async () => {
  let created = 0;
  const tickets = await reviewTickets({
    server: loadServerConfig({}),
    log: silentLogger,
    createClient: () => {
      created++;
      throw new Error("no client should be made");
    },
  }, {
    repo: REPO,
    ref: REF,
    pr: PR,
    config: { enabled: false, max: 5 },
    signal: new AbortController().signal,
  });
  assert.deepEqual(tickets, { notes: [] });
  assert.equal(created, 0);
});
