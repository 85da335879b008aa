/**
 * A GitHub fake seeded with one pull request (a modified, an added, a removed, a renamed and a binary file) and
 * the helpers the GitHub client's tests share.
 */
import assert from "node:assert/strict";
import { silentLogger } from "../../lib/log.ts";
import { PlatformError, type PullRequestRef } from "../../lib/platforms/types.ts";
import { createGitHubClient } from "../../lib/platforms/github/client.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";
import {
  FAKE_GITHUB_TOKEN,
  type FakeGitHub,
  type FakeGitHubOptions,
  startFakeGitHub,
} from "../fakes/github.ts";

export const PR: PullRequestRef = { platform: "github", repo: "octo/hello", number: 7 };

export function lines(count: number, tag = ""): string {
  return Array.from({ length: count }, (_, index) => `line ${index + 1}${tag}`).join("\n") + "\n";
}

export const APP_BASE = lines(20);
export const APP_HEAD = APP_BASE.replace("line 3\n", "line 3 changed\n").replace(
  "line 15\n",
  "line 15\nnew 15b\n",
);

export async function seed(fake: FakeGitHub) {
  const { diff, baseSha, headSha } = await makeGitDiff({
    "src/app.ts": { base: APP_BASE, head: APP_HEAD },
    "src/added.ts": { head: "export const added = 1;\n" },
    "src/removed.ts": { base: "gone\n" },
    "docs/old.md": { base: lines(10) },
    "docs/new.md": { head: lines(10).replace("line 5", "line five") },
    "assets/logo.png": { head: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 3, 0]) },
  }, { renames: { "docs/old.md": "docs/new.md" } });
  fake.state.addPullRequest({
    repo: PR.repo,
    number: PR.number,
    title: "Add the thing",
    author: "mona",
    headSha,
    baseSha,
    headRef: "feature/thing",
    baseRef: "main",
    diff,
    files: {
      "src/app.ts": { base: APP_BASE, head: APP_HEAD },
      "src/added.ts": { head: "export const added = 1;\n" },
    },
  });
  return { diff, baseSha, headSha };
}

export async function withFake(
  options: FakeGitHubOptions,
  run: (fake: FakeGitHub, seeded: Awaited<ReturnType<typeof seed>>) => Promise<void>,
): Promise<void> {
  await using fake = startFakeGitHub(options);
  const seeded = await seed(fake);
  await run(fake, seeded);
}

export function tokenClient(fake: FakeGitHub, token = FAKE_GITHUB_TOKEN) {
  return createGitHubClient({ baseUrl: fake.url, token, log: silentLogger });
}

export async function rejectsWith(
  promise: Promise<unknown>,
  expected: { status?: number; retryable: boolean },
) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof PlatformError, `expected PlatformError, got ${error}`);
    assert.equal(error.platform, "github");
    if (expected.status !== undefined) assert.equal(error.status, expected.status);
    assert.equal(error.retryable, expected.retryable);
    assert.match(error.message, /^Cannot /);
    return true;
  });
}
