import assert from "node:assert/strict";
import type { Finding } from "../findings.ts";
import { isSupported, PLATFORM_CAPABILITIES, type PlatformId } from "../platforms/mod.ts";
import { readSummaryHeads } from "../markers.ts";
import { renderInlineBody, renderSuggestion, renderSummary, type SummaryInput } from "./format.ts";

function finding(overrides: Partial<Finding>): Finding {
  return {
    path: "src/app.ts",
    line: 10,
    side: "RIGHT",
    severity: "warning",
    title: "A problem",
    body: "Why it matters.",
    step: "bugs",
    ...overrides,
  };
}

function summary(overrides: Partial<SummaryInput>): string {
  return renderSummary({
    headSha: "abc123",
    filesReviewed: 3,
    inline: [],
    unanchored: [],
    alreadyPosted: 0,
    skippedFiles: [],
    steps: [],
    costUsd: 0,
    ...overrides,
  });
}

Deno.test("renderSuggestion() uses each platform's syntax", () => {
  const single = finding({ suggestion: "fixed();" });
  const range = finding({ line: 10, endLine: 12, suggestion: "a();\nb();" });
  assert.equal(renderSuggestion("github", single), "```suggestion\nfixed();\n```");
  assert.equal(renderSuggestion("gitlab", single), "```suggestion:-0+0\nfixed();\n```");
  assert.equal(renderSuggestion("gitlab", range), "```suggestion:-2+0\na();\nb();\n```");
  assert.equal(renderSuggestion("azure_devops", range), "```suggestion\na();\nb();\n```");
  assert.equal(renderSuggestion("bitbucket_server", single), "```suggestion\nfixed();\n```");
  assert.equal(
    renderSuggestion("bitbucket_server", range, ["one();", "two();", "three();"]),
    "```diff\n-one();\n-two();\n-three();\n+a();\n+b();\n```",
    "Bitbucket Data Center applies a suggestion to one line only, so a range gets a diff block",
  );
  for (const platform of ["gitea", "bitbucket"] as const) {
    assert.equal(renderSuggestion(platform, single, ["broken();"]), "```diff\n-broken();\n+fixed();\n```");
  }
  assert.equal(
    renderSuggestion("github", finding({ side: "LEFT", suggestion: "x" }), ["y"]),
    "```diff\n-y\n+x\n```",
    "GitHub suggests only on the new side",
  );
});

Deno.test("renderSuggestion() writes a committable block exactly where the capability matrix says so", () => {
  const single = finding({ suggestion: "fixed();" });
  for (const [platform, capabilities] of Object.entries(PLATFORM_CAPABILITIES)) {
    const rendered = renderSuggestion(platform as PlatformId, single, ["broken();"]);
    assert.equal(
      rendered.startsWith("```suggestion"),
      isSupported(capabilities.suggestions),
      `${platform}: the matrix and the comment disagree: ${rendered}`,
    );
  }
});

Deno.test("renderInlineBody() puts the severity, suggestion, step and marker in order", () => {
  const body = renderInlineBody("github", finding({ suggestion: "fixed();" }), "<!-- loom:fp=0123abcd -->");
  assert.equal(
    body,
    "**⚠️ Warning: A problem**\n\nWhy it matters.\n\n```suggestion\nfixed();\n```\n\n<sub>Loom · bugs</sub>\n\n" +
      "<!-- loom:fp=0123abcd -->",
  );
});

Deno.test("renderSummary() tabulates findings per file with the steps that reported them", () => {
  const text = summary({
    inline: [finding({ severity: "blocker", path: "src/auth.ts" }), finding({ step: "security" })],
    unanchored: [finding({ severity: "info", path: "README.md", step: "docs" })],
  });
  assert.match(text, /Reviewed 3 files: 1 blocker, 1 warning, 1 info\./);
  const table = text.slice(text.indexOf("| File | Blocker"));
  const rows = table.split("\n").slice(2, 5);
  assert.deepEqual(rows, [
    "| `src/auth.ts` | 1 | 0 | 0 | bugs |",
    "| `src/app.ts` | 0 | 1 | 0 | security |",
    "| `README.md` | 0 | 0 | 1 | docs |",
  ]);
  assert.deepEqual(readSummaryHeads(text), ["abc123"]);
});

Deno.test("renderSummary() groups the findings not posted inline by the configured grouping", () => {
  const unanchored = [
    finding({ severity: "info", path: "b.ts", title: "Info in b" }),
    finding({ severity: "blocker", path: "a.ts", title: "Blocker in a" }),
    finding({ severity: "warning", path: "b.ts", title: "Warning in b", step: "security" }),
  ];
  const bySeverity = summary({ unanchored, grouping: "severity" });
  const headings = [...bySeverity.matchAll(/^#### (.+)$/gm)].map((match) => match[1]);
  assert.deepEqual(headings, ["🛑 Blocker", "⚠️ Warning", "💡 Info"]);
  const byFile = summary({ unanchored, grouping: "file" });
  assert.deepEqual([...byFile.matchAll(/^#### (.+)$/gm)].map((match) => match[1]), ["`a.ts`", "`b.ts`"]);
  assert.ok(byFile.indexOf("Warning in b") < byFile.indexOf("Info in b"), "most severe first in a group");
  const byStep = summary({ unanchored, grouping: "step" });
  assert.deepEqual([...byStep.matchAll(/^#### (.+)$/gm)].map((match) => match[1]), [
    "Step `bugs`",
    "Step `security`",
  ]);
});

Deno.test("renderSummary() reports skipped files by reason, redactions, failures and per-step cost", () => {
  const skippedFiles = [
    ...Array.from({ length: 23 }, (_, index) => ({ path: `docs/p${index}.md`, reason: "over budget" })),
    { path: "yarn.lock", reason: "lockfile" },
  ];
  const text = summary({
    skippedFiles,
    redactions: { github_token: 2, jwt: 1 },
    steps: [
      { name: "bugs", model: "gpt-4o-mini", inputTokens: 1200, outputTokens: 80, calls: 3, costUsd: 0.0021 },
      { name: "security", inputTokens: 0, outputTokens: 0, error: "Model timed out" },
    ],
    costUsd: 0.0021,
    incrementalFrom: "0123456789abcdef0123",
  });
  assert.match(text, /Skipped files \(24\)/);
  assert.match(text, /- over budget: `docs\/p0.md`, .*`docs\/p19.md` and 3 more/);
  assert.match(text, /- lockfile: `yarn.lock`/);
  assert.match(text, /3 value\(s\) that look like credentials \(github_token ×2, jwt ×1\)/);
  assert.match(text, /- \*\*security\*\*: Model timed out/);
  assert.match(text, /\| bugs \| gpt-4o-mini \| 3 \| 0 \| 1200 \| 0 \| 80 \| \$0\.0021 \|/);
  assert.match(text, /since the last reviewed commit 0123456789ab were reviewed\./);
  assert.match(text, /tokens 1200 in \/ 80 out · \$0\.0021/);
});

Deno.test("renderSummary() shows cached prompt tokens per step and in the footer", () => {
  const text = renderSummary({
    headSha: "abc",
    filesReviewed: 1,
    inline: [],
    unanchored: [],
    alreadyPosted: 0,
    skippedFiles: [],
    steps: [
      {
        name: "bugs",
        model: "gpt-4o-mini",
        inputTokens: 3000,
        cachedInputTokens: 2048,
        outputTokens: 40,
        costUsd: 0.1,
      },
      { name: "security", model: "gpt-4o-mini", inputTokens: 3000, outputTokens: 40, costUsd: 0.2 },
    ],
    costUsd: 0.3,
  });
  assert.match(text, /\| Tokens in \| Cached in \| Tokens out \|/);
  assert.match(text, /\| bugs \| gpt-4o-mini \| — \| 0 \| 3000 \| 2048 \| 40 \| \$0\.1000 \|/);
  assert.match(text, /\| security \| gpt-4o-mini \| — \| 0 \| 3000 \| 0 \| 40 \|/);
  assert.match(text, /tokens 6000 in \(2048 cached\) \/ 80 out/);
});
