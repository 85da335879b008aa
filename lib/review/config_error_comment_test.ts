/**
 * The configuration-error comment, posted through the real GitHub client on the GitHub fake: a repository
 * configuration that breaks the server's allowlists gets a comment naming the key, line and problem, and never
 * the server's allowed key variables, endpoints, or keys.
 */
import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import { ConfigError } from "../config/errors.ts";
import { createRepo } from "../db/repos.ts";
import { dbTest } from "../db/testing.ts";
import { silentLogger } from "../log.ts";
import { CONFIG_ERROR_MARKER } from "../markers.ts";
import { createReviewDeps } from "../runtime.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../../tests/fakes/github.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { reviewPullRequest } from "./review_pull_request.ts";

const REPO = "acme/api";

/** Acme's key goes to the provider only, a tenant's key to its internal gateway; Ollama needs no key. */
const ALLOWLISTS = {
  LOOM_ALLOWED_KEY_ENVS: "ACME_OPENAI_KEY, GLOBEX_KEY=https://globex-gateway.corp.internal/v1",
  LOOM_ALLOWED_BASE_URLS: "http://ollama.corp.internal:11434, https://llm-proxy.corp.internal/v1",
  LOOM_LLM_BASE_URL: "https://models.corp.internal/v1",
  ACME_OPENAI_KEY: "sk-acme-0123456789",
  GLOBEX_KEY: "sk-globex-0123456789",
};

// Acme's key pointed at Globex's gateway, and a keyless model at an endpoint the server does not allow.
const CONFIG = `models:
  default:
    provider: openai
    model: gpt-4o
    base_url: https://globex-gateway.corp.internal/v1
    api_key_env: ACME_OPENAI_KEY
  local:
    provider: openai
    model: qwen
    base_url: http://ollama.corp.internal:8080/v1
`;

dbTest(
  "a configuration that breaks the allowlists is reported on the pull request by key and line, without them",
  async (database) => {
    await using github = startFakeGitHub();
    const server = loadServerConfig({
      LOOM_GITHUB_API_URL: github.url,
      LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
      LOOM_LLM_CACHE_TTL_MS: "0",
      ...ALLOWLISTS,
    });
    const repo = await createRepo(database.db, {
      platform: "github",
      fullName: REPO,
      webhookSecret: "unused",
    });
    const diff = await makeGitDiff({
      "src/a.ts": { base: "export const a = 1;\n", head: "export const a = 2;\n" },
    });
    github.state.addPullRequest({
      repo: REPO,
      number: 1,
      title: "Change",
      author: "ada",
      headSha: diff.headSha,
      baseSha: diff.baseSha,
      headRef: "change",
      diff: diff.diff,
      files: { "src/a.ts": { base: "export const a = 1;\n", head: "export const a = 2;\n" } },
    });
    github.state.addFile(REPO, "main", ".loom/config.yaml", CONFIG);
    const payload = {
      platform: "github" as const,
      repoId: repo.id,
      repo: REPO,
      number: 1,
      headSha: diff.headSha,
      baseSha: diff.baseSha,
      baseRef: "main",
      headRef: "change",
      title: "Change",
      author: "ada",
      authorIsBot: false,
      draft: false,
      action: "opened" as const,
    };
    await assert.rejects(
      reviewPullRequest(
        createReviewDeps(server, database.db, silentLogger),
        { id: 1, payload },
        new AbortController().signal,
      ),
      ConfigError,
    );
    const posted = github.state.issueComments.filter((comment) => comment.body.includes(CONFIG_ERROR_MARKER));
    assert.equal(posted.length, 1);
    const body = posted[0]!.body;
    // The problems, where they are.
    assert.match(
      body,
      /`models\.default\.base_url` \| line 5, column 15 \| Cannot send "ACME_OPENAI_KEY" to/,
    );
    assert.match(
      body,
      /`models\.local\.base_url` \| line 10, column 15 \| Must start with a base URL the server allows/,
    );
    // Nothing of the server's: no allowed endpoint the repository did not write itself, no other key name, no key.
    for (
      const hidden of [
        "ollama.corp.internal:11434",
        "llm-proxy.corp.internal",
        "models.corp.internal",
        "GLOBEX_KEY",
        "sk-acme",
        "sk-globex",
      ]
    ) {
      assert.ok(!body.includes(hidden), `the comment shows ${hidden}`);
    }
  },
);
