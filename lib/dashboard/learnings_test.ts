import assert from "node:assert/strict";
import { loadServerConfig } from "../config/env.ts";
import type { OrgLearning } from "../learnings/mod.ts";
import { learningSourceUrl } from "./learnings.ts";

function learning(platform: string, source: Partial<OrgLearning["source"]>): OrgLearning {
  return {
    id: 1,
    orgId: 1,
    repoId: 2,
    rule: "r",
    pathGlobs: [],
    suppress: null,
    source: { kind: "ignore", url: null, commentId: "55", prNumber: 7, ...source },
    enabled: true,
    status: "active",
    createdBy: "ada",
    createdAt: 0,
    updatedBy: "ada",
    updatedAt: 0,
    repo: { id: 2, platform, fullName: "acme/api" },
  };
}

Deno.test("learningSourceUrl() links the source comment on its platform, or the pull request", () => {
  const config = loadServerConfig({ LOOM_GITLAB_URL: "https://gitlab.acme.test" });
  assert.equal(
    learningSourceUrl(config, learning("github", {})),
    "https://github.com/acme/api/pull/7#issuecomment-55",
  );
  assert.equal(
    learningSourceUrl(config, learning("github", { kind: "reaction" })),
    "https://github.com/acme/api/pull/7#discussion_r55",
    "a reaction is on an inline comment",
  );
  assert.equal(
    learningSourceUrl(config, learning("gitlab", {})),
    "https://gitlab.acme.test/acme/api/-/merge_requests/7#note_55",
  );
  assert.equal(
    learningSourceUrl(config, learning("azure_devops", {})),
    `${config.azureDevopsUrl.replace(/\/+$/, "")}/acme/_git/api/pullrequest/7`,
  );
  assert.equal(
    learningSourceUrl(config, learning("github", { url: "https://x.test/c" })),
    "https://x.test/c",
  );
  assert.equal(learningSourceUrl(config, learning("github", { prNumber: null })), null);
  assert.equal(learningSourceUrl(config, { ...learning("github", {}), repo: null }), null);
});
