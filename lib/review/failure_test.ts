import assert from "node:assert/strict";
import { ConfigError } from "../config/errors.ts";
import { LlmError } from "../llm/types.ts";
import { PlatformError } from "../platforms/types.ts";
import { explainFailure } from "./failure.ts";
import { decideRunOutcome, describeOutcome, outcomeCommitState, outcomeEvent } from "./outcome.ts";
import { UnreviewableError } from "./unreviewable.ts";

Deno.test("explainFailure() says why in plain words and what to do next", () => {
  const platform = (status: number) =>
    explainFailure(new PlatformError("Cannot get pull request 7", { platform: "gitlab", status }), 1);
  assert.match(platform(401).reason, /^GitLab refused Loom's credential \(401\)/);
  assert.match(platform(401).nextStep, /Replace the GitLab token/);
  assert.match(platform(403).reason, /^GitLab denied Loom access \(403\)/);
  assert.match(platform(403).nextStep, /read access to the repository/);
  assert.match(platform(404).reason, /^GitLab could not find the pull request or repository \(404\)/);
  const config = explainFailure(
    new ConfigError([{ path: "output.max_coments", message: "Unknown key" }], { ref: "main" }),
    1,
  );
  assert.match(config.reason, /configuration cannot be used: .*max_coments/);
  assert.match(config.nextStep, /^Fix \.loom\/config\.yaml on the base branch "main"/);
  const model = explainFailure(new LlmError("OpenAI answered 503", { provider: "openai", status: 503 }), 5);
  assert.equal(model.reason, "The model provider kept failing (after 5 attempts): OpenAI answered 503");
  const missing = explainFailure(
    new UnreviewableError("Cannot review: no credentials", { nextStep: "Set one" }),
    1,
  );
  assert.deepEqual(missing, { reason: "Cannot review: no credentials", nextStep: "Set one" });
  assert.match(explainFailure(new Error("Job timed out after 300000 ms"), 5).reason, /after 5 attempts/);
});

Deno.test("decideRunOutcome() is completed only when every step ran", () => {
  const ran = { name: "bugs", status: "completed" as const, error: null };
  const noFiles = { name: "docs", status: "skipped" as const, error: null };
  const refused = { name: "security", status: "failed" as const, error: "OpenAI answered 401" };
  const noPrompt = {
    name: "style",
    status: "skipped" as const,
    error: "Prompt library:style is not available",
  };
  assert.equal(decideRunOutcome([ran, noFiles]).status, "completed");
  assert.deepEqual(decideRunOutcome([ran, refused, noPrompt]), {
    status: "partial",
    failedSteps: [{ name: "security", error: "OpenAI answered 401" }, {
      name: "style",
      error: "Prompt library:style is not available",
    }],
  });
  const nothing = decideRunOutcome([refused, noFiles]);
  assert.equal(nothing.status, "failed");
  assert.equal(
    describeOutcome(nothing),
    "Nothing was reviewed: every step failed (security: OpenAI answered 401)",
  );
  assert.equal(outcomeEvent(nothing, "APPROVE", true), "COMMENT", "never approves");
  assert.equal(outcomeEvent(nothing, "REQUEST_CHANGES", true), "REQUEST_CHANGES");
  assert.equal(outcomeCommitState(nothing, null, { on_step_failure: "fail" }), "failure");
  assert.equal(outcomeCommitState(nothing, null, { on_step_failure: "neutral" }), "error");
  assert.equal(
    outcomeCommitState(decideRunOutcome([ran]), "COMMENT", { on_step_failure: "fail" }),
    "success",
  );
});
