/**
 * `scheduleAutoDescribe`: `describe.auto` describes a pull request once, when its first review runs — the
 * `opened` review, or the review of the push that superseded it before it started.
 */
import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { createRepo } from "../db/repos.ts";
import { startReview } from "../db/reviews.ts";
import { dbTest } from "../db/testing.ts";
import { createLogger } from "../log.ts";
import type { PlatformClient } from "../platforms/types.ts";
import type { TaskPayloads } from "../queue/mod.ts";
import { scheduleAutoDescribe } from "./job.ts";

const SERVER = loadServerConfig({
  LOOM_LLM_PROVIDER: "openai",
  LOOM_LLM_MODEL: "gpt-4o-mini",
  LOOM_LLM_API_KEY: "sk-test",
});

function payload(repoId: number, action: "opened" | "synchronize", headSha: string) {
  return {
    platform: "github",
    repoId,
    repo: "octo/app",
    number: 7,
    headSha,
    baseSha: "b0",
    baseRef: "main",
    headRef: "feature",
    title: "Paging",
    author: "ada",
    authorIsBot: false,
    draft: false,
    action,
  } satisfies TaskPayloads["review_pull_request"];
}

/** A client whose repository configuration is `yaml`: all the scheduler reads from the platform. */
function clientWith(yaml: string): PlatformClient {
  return {
    platform: "github",
    getFile: (_pr: unknown, path: string) => Promise.resolve(path === ".loom/config.yaml" ? yaml : null),
  } as unknown as PlatformClient;
}

for (
  const [name, yaml, action, earlier, expected] of [
    ["an opened pull request is described", "describe:\n  auto: true\n", "opened", false, true],
    [
      "a push that superseded the opened review before it ran gets the description",
      "describe:\n  auto: true\n",
      "synchronize",
      false,
      true,
    ],
    [
      "a later push of a reviewed pull request gets none",
      "describe:\n  auto: true\n",
      "synchronize",
      true,
      false,
    ],
    ["a repository without describe.auto gets none", "", "opened", false, false],
  ] as const
) {
  dbTest(`scheduleAutoDescribe(): ${name}`, async ({ db }) => {
    const repo = await createRepo(db, { platform: "github", fullName: "octo/app", webhookSecret: "x" });
    if (earlier) {
      await startReview(db, { repoId: repo.id, prNumber: 7, headSha: "h1", title: "Paging", author: "ada" });
    }
    const scheduled = await scheduleAutoDescribe(
      {
        db,
        server: SERVER,
        log: createLogger({ level: "error" }),
        createClient: () => clientWith(yaml),
        createLlm: () => {
          throw new Error("scheduling never calls a model");
        },
      },
      { id: 41, payload: payload(repo.id, action, "h2") },
      new AbortController().signal,
    );
    assert.equal(scheduled?.created ?? false, expected);
  });
}
