import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import Ajv04 from "ajv-draft-04";
import addFormats from "ajv-formats";
import sarifSchema from "@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json" with { type: "json" };
import { BUILTIN_PROMPTS } from "../lib/config/load.ts";
import { type FakeLlmRequest, type FakeReply, startFakeOpenAI } from "../tests/fakes/openai.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../tests/fakes/github.ts";
import { startFakeGitLab } from "../tests/fakes/gitlab.ts";
import { runReviewCommand } from "./review.ts";
import { createTestRepo, recordingIo, type TestRepo } from "./testing.ts";

const PAGER_BASE = `export function page<T>(items: T[], index: number, size: number): T[] {
  const start = index * size;
  return items.slice(start, start + size);
}
`;

const PAGER_HEAD = `export function page<T>(items: T[], index: number, size: number): T[] {
  const start = (index + 1) * size;
  return items.slice(start, start + size);
}

export function pageCount(total: number, size: number): number {
  return Math.floor(total / size);
}
`;

const CONFIG = `pipelines:
  default:
    - name: bugs
    - name: security
output:
  request_changes_on: blocker
`;

const BLOCKER = {
  path: "src/pager.ts",
  line: 2,
  side: "RIGHT",
  severity: "blocker",
  title: "Pages start one page late",
  body: "`index + 1` skips the first page: page 0 now returns items `size..2*size`.",
  suggestion: "  const start = index * size;",
};

const WARNING = {
  path: "src/pager.ts",
  line: 7,
  side: "RIGHT",
  severity: "warning",
  title: "pageCount drops the last partial page",
  body: "Use `Math.ceil` so 11 items of 5 make 3 pages.",
};

/** The fake model: the bugs step reports what the test scripts, the security step finds nothing. */
function scriptedModel(bugs: (request: FakeLlmRequest) => unknown[]) {
  return (request: FakeLlmRequest): FakeReply => {
    const focus = request.messages.at(-1)!.content;
    if (focus.includes(BUILTIN_PROMPTS.bugs)) return { json: { findings: bugs(request) } };
    return { json: { findings: [] } };
  };
}

/** The rules come first, then the diff every step's call shares, then the step's focus. */
function userDiff(request: FakeLlmRequest): string {
  return request.messages[1]!.content;
}

async function pagerRepo(): Promise<TestRepo> {
  const repo = await createTestRepo();
  await repo.write({ ".loom/config.yaml": CONFIG, "src/pager.ts": PAGER_BASE, "README.md": "# Pager\n" });
  await repo.commit("Add pager");
  await repo.git("checkout", "--quiet", "-b", "feature");
  await repo.write({ "src/pager.ts": PAGER_HEAD });
  await repo.commit("Count pages");
  return repo;
}

function modelEnv(url: string): Record<string, string> {
  return {
    LOOM_LLM_PROVIDER: "openai",
    LOOM_LLM_MODEL: "gpt-4o-mini",
    LOOM_LLM_BASE_URL: url,
    LOOM_LLM_API_KEY: "sk-test",
  };
}

Deno.test("runReviewCommand() reviews a branch against --base and exits 1 when a blocker requests changes", async () => {
  await using repo = await pagerRepo();
  await using openai = await startFakeOpenAI({ reply: scriptedModel(() => [BLOCKER, WARNING]) });
  const io = recordingIo({
    args: ["--base", "main", "--format", "json"],
    env: modelEnv(openai.url),
    cwd: repo.dir,
  });
  const code = await runReviewCommand(io);
  assert.equal(code, 1, io.output.stderr);
  const report = JSON.parse(io.output.stdout);
  assert.equal(report.verdict, "REQUEST_CHANGES");
  assert.equal(report.exitCode, 1);
  assert.equal(report.target, "changes since main");
  assert.deepEqual(report.config, { source: "repository", ref: "main" });
  assert.equal(report.filesReviewed, 1);
  assert.deepEqual(report.findings, [
    { ...BLOCKER, step: "bugs", inDiff: true },
    { ...WARNING, step: "bugs", inDiff: true },
  ]);
  assert.deepEqual(report.steps.map((step: { name: string; status: string }) => [step.name, step.status]), [
    ["bugs", "completed"],
    ["security", "completed"],
  ]);
  // Two calls of 10 input and 5 output tokens each (the fake's usage).
  assert.deepEqual(
    { inputTokens: report.usage.inputTokens, outputTokens: report.usage.outputTokens },
    { inputTokens: 20, outputTokens: 10 },
  );
  assert.ok(report.usage.costUsd > 0, "gpt-4o-mini has a price");
  assert.match(io.output.stderr, /^Reviewing changes since main: 1 file with bugs, security$/m);
  assert.match(io.output.stderr, /^ {2}✓ bugs · openai\/gpt-4o-mini · 10 in \/ 5 out · /m);
  assert.equal(openai.requests.length, 2);
  assert.match(userDiff(openai.requests[0]!), /R7 \+ {2}return Math\.floor\(total \/ size\);/);
  assert.match(userDiff(openai.requests[0]!), /Pull request title \(untrusted\): "Count pages"/);
});

Deno.test("runReviewCommand() exits 0 when no finding meets request_changes_on", async () => {
  await using repo = await pagerRepo();
  await using openai = await startFakeOpenAI({ reply: scriptedModel(() => [WARNING]) });
  const io = recordingIo({ args: ["--base", "main", "--quiet"], env: modelEnv(openai.url), cwd: repo.dir });
  assert.equal(await runReviewCommand(io), 0, io.output.stderr);
  assert.equal(io.output.stderr, "", "--quiet prints no progress");
  assert.match(
    io.output.stdout,
    /^src\/pager\.ts:7 warning pageCount drops the last partial page \[bugs\]$/m,
  );
  assert.match(io.output.stdout, /^Verdict: comments only$/m);
});

Deno.test("runReviewCommand() reviews uncommitted changes, untracked files included, by default", async () => {
  await using repo = await pagerRepo();
  await repo.write({
    "src/pager.ts": PAGER_HEAD + "// wip\n",
    "src/new_module.ts": "export const answer = 42;\n",
  });
  await using openai = await startFakeOpenAI({
    reply: scriptedModel(() => [{ ...WARNING, path: "src/new_module.ts", line: 1 }]),
  });
  const io = recordingIo({ args: ["--format", "json"], env: modelEnv(openai.url), cwd: repo.dir });
  assert.equal(await runReviewCommand(io), 0, io.output.stderr);
  const diff = userDiff(openai.requests[0]!);
  assert.match(diff, /### File: src\/pager\.ts \(modified\)/);
  assert.match(diff, /R9 \+\/\/ wip/);
  assert.match(diff, /### File: src\/new_module\.ts \(added\)/);
  assert.doesNotMatch(diff, /^R\d+ \+ {2}return Math\.floor/m, "committed lines are only context here");
  const report = JSON.parse(io.output.stdout);
  assert.equal(report.target, "uncommitted changes");
  assert.deepEqual(report.config, { source: "repository", ref: "(working tree)" });
  assert.deepEqual(report.findings.map((f: { path: string; inDiff: boolean }) => [f.path, f.inDiff]), [
    ["src/new_module.ts", true],
  ]);
});

Deno.test("runReviewCommand() --staged reviews only the index", async () => {
  await using repo = await pagerRepo();
  await repo.write({
    "src/staged.ts": "export const staged = true;\n",
    "src/unstaged.ts": "export const no = 1;\n",
  });
  await repo.git("add", "src/staged.ts");
  await using openai = await startFakeOpenAI({ reply: scriptedModel(() => []) });
  const io = recordingIo({
    args: ["--staged", "--format", "json"],
    env: modelEnv(openai.url),
    cwd: repo.dir,
  });
  assert.equal(await runReviewCommand(io), 0, io.output.stderr);
  const diff = userDiff(openai.requests[0]!);
  assert.match(diff, /### File: src\/staged\.ts \(added\)/);
  assert.doesNotMatch(diff, /unstaged/);
  assert.equal(JSON.parse(io.output.stdout).target, "staged changes");
});

Deno.test("runReviewCommand() --range reviews commits between two refs with the config at the range start", async () => {
  await using repo = await pagerRepo();
  const from = (await repo.git("rev-parse", "main")).trim();
  // A later commit turns the bugs step off; the range's own config (at its start) still runs it.
  await repo.write({
    ".loom/config.yaml": CONFIG.replace("- name: bugs", "- name: bugs\n      enabled: false"),
  });
  await repo.commit("Disable bugs");
  await using openai = await startFakeOpenAI({ reply: scriptedModel(() => [BLOCKER]) });
  const io = recordingIo({
    args: ["--range", `${from.slice(0, 12)}..HEAD`, "--format", "json"],
    env: modelEnv(openai.url),
    cwd: repo.dir,
  });
  assert.equal(await runReviewCommand(io), 1, io.output.stderr);
  const report = JSON.parse(io.output.stdout);
  assert.equal(report.target, `${from.slice(0, 12)}..HEAD`);
  assert.deepEqual(report.steps.map((step: { name: string }) => step.name), ["bugs", "security"]);
  assert.equal(report.findings[0].title, BLOCKER.title);
});

Deno.test("runReviewCommand() without a repository config uses the built-in default pipeline", async () => {
  await using repo = await createTestRepo();
  await repo.write({ "app.py": "print('hi')\n" });
  await repo.commit("Start");
  await repo.write({ "app.py": "print('hi')\nprint(eval(input()))\n" });
  await using openai = await startFakeOpenAI({ reply: () => ({ json: { findings: [] } }) });
  const io = recordingIo({ args: ["--format", "json"], env: modelEnv(openai.url), cwd: repo.dir });
  assert.equal(await runReviewCommand(io), 0, io.output.stderr);
  const report = JSON.parse(io.output.stdout);
  assert.deepEqual(report.config, { source: "default", ref: "(working tree)" });
  assert.deepEqual(report.steps.map((step: { name: string }) => step.name), [
    "bugs",
    "security",
    "performance",
  ]);
});

Deno.test("runReviewCommand() terminal output is coloured only on a terminal without NO_COLOR", async () => {
  await using repo = await pagerRepo();
  await using openai = await startFakeOpenAI({ reply: scriptedModel(() => [BLOCKER]) });
  const run = async (stdoutIsTerminal: boolean, extra: Record<string, string> = {}) => {
    const io = recordingIo({
      args: ["--base", "main", "-q"],
      env: { ...modelEnv(openai.url), ...extra },
      cwd: repo.dir,
      stdoutIsTerminal,
    });
    assert.equal(await runReviewCommand(io), 1, io.output.stderr);
    return io.output.stdout;
  };
  const plain = await run(false);
  assert.equal(plain.includes("\x1b["), false);
  assert.match(plain, /^src\/pager\.ts:2 blocker Pages start one page late \[bugs\]$/m);
  assert.match(plain, /^ {6}\+ {3}const start = index \* size;$/m);
  assert.match(plain, /^1 finding in 1 file \(changes since main\): 1 blocker, 0 warning, 0 info$/m);
  assert.match(plain, /^Verdict: changes requested$/m);
  const coloured = await run(true);
  assert.ok(coloured.includes("\x1b[31mblocker\x1b[39m"), coloured);
  assert.equal(await run(true, { NO_COLOR: "1" }), plain);
});

Deno.test("runReviewCommand() --format markdown lists every finding with its location", async () => {
  await using repo = await pagerRepo();
  await using openai = await startFakeOpenAI({ reply: scriptedModel(() => [BLOCKER, WARNING]) });
  const io = recordingIo({
    args: ["--base", "main", "--format", "markdown"],
    env: modelEnv(openai.url),
    cwd: repo.dir,
  });
  assert.equal(await runReviewCommand(io), 1, io.output.stderr);
  const markdown = io.output.stdout;
  assert.match(markdown, /^## Loom review$/m);
  assert.match(
    markdown,
    /^2 finding\(s\) in 1 file\(s\) \(changes since main\): 1 blocker, 1 warning, 0 info\.$/m,
  );
  assert.ok(markdown.includes("| 🛑 blocker | `src/pager.ts:2` | Pages start one page late | bugs |"));
  assert.ok(markdown.includes("#### `src/pager.ts:7` — pageCount drops the last partial page"));
  assert.ok(markdown.includes("```\n  const start = index * size;\n```"));
});

Deno.test("runReviewCommand() --format sarif writes a log valid against the SARIF 2.1.0 schema", async () => {
  await using repo = await pagerRepo();
  await using openai = await startFakeOpenAI({
    reply: scriptedModel(() => [
      BLOCKER,
      WARNING,
      { ...WARNING, line: 3, side: "LEFT", title: "Removed guard", body: "Was needed." },
      { ...WARNING, path: "src/other.ts", line: 40, title: "Outside the diff", body: "Not changed here." },
    ]),
  });
  const io = recordingIo({
    args: ["--base", "main", "--format", "sarif"],
    env: modelEnv(openai.url),
    cwd: repo.dir,
  });
  assert.equal(await runReviewCommand(io), 1, io.output.stderr);
  const log = JSON.parse(io.output.stdout);
  // The schema's language-tag pattern is not valid in Unicode mode, so patterns compile without the u flag.
  const ajv = new Ajv04.default({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats.default(ajv);
  const validate = ajv.compile(sarifSchema);
  const valid: boolean = validate(log);
  assert.ok(valid, JSON.stringify(validate.errors, null, 2));
  const run = log.runs[0];
  assert.equal(log.version, "2.1.0");
  assert.deepEqual(run.tool.driver.rules.map((rule: { id: string }) => rule.id), [
    "loom/bugs",
    "loom/security",
  ]);
  assert.deepEqual(
    run.results.map((result: { level: string; ruleId: string }) => [result.ruleId, result.level]),
    [["loom/bugs", "warning"], ["loom/bugs", "error"], ["loom/bugs", "warning"], ["loom/bugs", "warning"]],
  );
  const [outside, blocker, left] = [run.results[0], run.results[1], run.results[2]];
  assert.deepEqual(blocker.locations[0].physicalLocation, {
    artifactLocation: { uri: "src/pager.ts", uriBaseId: "SRCROOT" },
    region: { startLine: 2 },
  });
  assert.equal(
    blocker.fixes[0].artifactChanges[0].replacements[0].insertedContent.text,
    `${BLOCKER.suggestion}\n`,
  );
  assert.equal(left.properties.side, "LEFT");
  assert.equal(left.locations[0].physicalLocation.region, undefined, "old-file lines carry no region");
  assert.equal(outside.properties.inDiff, false);
  assert.equal(outside.locations[0].physicalLocation.artifactLocation.uri, "src/other.ts");
  // An invalid log must fail, so the check above is not vacuous.
  assert.equal(validate({ ...log, runs: [{ ...run, results: [{ ...blocker, level: "fatal" }] }] }), false);
});

Deno.test("runReviewCommand() reports a broken config, an unknown ref and bad arguments with exit code 2", async (t) => {
  await using repo = await pagerRepo();
  await using openai = await startFakeOpenAI();
  const env = modelEnv(openai.url);
  await t.step("broken config", async () => {
    await repo.write({
      ".loom/config.yaml": "pipelines:\n  default:\n    - name: bugs\n      severty: blocker\n",
    });
    const io = recordingIo({ args: [], env, cwd: repo.dir });
    assert.equal(await runReviewCommand(io), 2);
    assert.match(io.output.stderr, /severty/);
    await repo.git("checkout", "--", ".loom/config.yaml");
  });
  await t.step("unknown ref", async () => {
    const io = recordingIo({ args: ["--base", "no-such-branch"], env, cwd: repo.dir });
    assert.equal(await runReviewCommand(io), 2);
    assert.match(io.output.stderr, /^loom review: Cannot run "git diff .*no-such-branch\.\.\.HEAD"/m);
  });
  await t.step("two modes", async () => {
    const io = recordingIo({ args: ["--staged", "--base", "main"], env, cwd: repo.dir });
    assert.equal(await runReviewCommand(io), 2);
    assert.match(io.output.stderr, /^Cannot combine --staged and --base: choose one thing to review$/m);
  });
  await t.step("--post outside CI", async () => {
    const io = recordingIo({ args: ["--post"], env, cwd: repo.dir });
    assert.equal(await runReviewCommand(io), 2);
    assert.match(io.output.stderr, /not running in GitHub Actions/);
  });
  await t.step("not a repository", async () => {
    const outside = await Deno.makeTempDir();
    try {
      const io = recordingIo({ args: [], env, cwd: outside });
      assert.equal(await runReviewCommand(io), 2);
      assert.match(io.output.stderr, /rev-parse --show-toplevel/);
    } finally {
      await Deno.remove(outside, { recursive: true });
    }
  });
  assert.equal(openai.requests.length, 0, "no model call happens after an error");
});

Deno.test("runReviewCommand() --post in GitHub Actions posts one review and nothing again on a re-run", async () => {
  await using repo = await pagerRepo();
  await using openai = await startFakeOpenAI({ reply: scriptedModel(() => [BLOCKER, WARNING]) });
  await using github = startFakeGitHub();
  const baseSha = (await repo.git("rev-parse", "main")).trim();
  const headSha = (await repo.git("rev-parse", "HEAD")).trim();
  await repo.git("update-ref", "refs/remotes/origin/main", baseSha);
  github.state.addPullRequest({
    repo: "octo/pager",
    number: 12,
    headSha,
    baseSha,
    diff: await repo.git("diff", "--no-color", "-M", "main...HEAD"),
  });
  const event = { pull_request: { number: 12, head: { sha: headSha }, base: { ref: "main", sha: baseSha } } };
  const env = {
    ...modelEnv(openai.url),
    GITHUB_ACTIONS: "true",
    GITHUB_EVENT_NAME: "pull_request",
    GITHUB_EVENT_PATH: "/github/workflow/event.json",
    GITHUB_REPOSITORY: "octo/pager",
    GITHUB_API_URL: github.url,
    GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
  };
  const files = { "/github/workflow/event.json": JSON.stringify(event) };
  // No mode on the command line: the pull request's base (origin/main) is used.
  const io = recordingIo({ args: ["--post", "--format", "json"], env, cwd: repo.dir, files });
  assert.equal(await runReviewCommand(io), 1, io.output.stderr);
  assert.equal(JSON.parse(io.output.stdout).target, "changes since origin/main");
  assert.match(io.output.stderr, /^Posted to octo\/pager#12: 2 inline, 0 in the summary$/m);
  assert.equal(github.state.reviews.length, 1);
  const review = github.state.reviews[0]!;
  assert.equal(review.event, "REQUEST_CHANGES");
  assert.equal(review.commitId, headSha);
  assert.deepEqual(review.comments.map((comment) => [comment.path, comment.line]), [["src/pager.ts", 2], [
    "src/pager.ts",
    7,
  ]]);
  assert.ok(review.comments[0]!.body.includes("```suggestion\n  const start = index * size;\n```"));

  const again = recordingIo({ args: ["--post", "-q"], env, cwd: repo.dir, files });
  assert.equal(await runReviewCommand(again), 1, again.output.stderr);
  assert.equal(github.state.reviews.length, 1, "a re-run posts no second review");
});

Deno.test("runReviewCommand() --post in GitLab CI posts discussions on the merge request", async () => {
  await using repo = await pagerRepo();
  await using openai = await startFakeOpenAI({ reply: scriptedModel(() => [BLOCKER]) });
  await using gitlab = startFakeGitLab();
  const baseSha = (await repo.git("rev-parse", "main")).trim();
  const headSha = (await repo.git("rev-parse", "HEAD")).trim();
  gitlab.state.addPullRequest({
    repo: "group/pager",
    number: 3,
    headSha,
    baseSha,
    diff: await repo.git("diff", "--no-color", "-M", "main...HEAD"),
  });
  const env = {
    ...modelEnv(openai.url),
    GITLAB_CI: "true",
    CI_PIPELINE_SOURCE: "merge_request_event",
    CI_SERVER_URL: gitlab.url,
    CI_PROJECT_PATH: "group/pager",
    CI_MERGE_REQUEST_IID: "3",
    CI_MERGE_REQUEST_DIFF_BASE_SHA: baseSha,
    CI_MERGE_REQUEST_TARGET_BRANCH_NAME: "main",
    CI_COMMIT_SHA: headSha,
    LOOM_GITLAB_TOKEN: gitlab.token,
  };
  const io = recordingIo({ args: ["--post", "-q"], env, cwd: repo.dir });
  assert.equal(await runReviewCommand(io), 1, io.output.stderr);
  assert.equal(gitlab.state.discussions.length, 1);
  const discussion = gitlab.state.discussions[0]!;
  assert.equal(discussion.position?.new_line, 2);
  assert.match(discussion.body, /Pages start one page late/);
  assert.ok(gitlab.state.notes.some((note) => note.body.includes("## Loom review")), "the summary is a note");
});

Deno.test("runReviewCommand() --post in GitLab CI keeps a summary-only finding when a new head replaces the summary", async () => {
  // A finding on a line outside the diff lives only in the summary note, which GitLab edits in place: the run for
  // the next head must list it again, or it vanishes from the merge request.
  const outside = {
    path: "README.md",
    line: 1,
    side: "RIGHT",
    severity: "warning",
    title: "README does not mention page sizes",
    body: "Document that pages are zero-based.",
  };
  await using repo = await pagerRepo();
  await using openai = await startFakeOpenAI({ reply: scriptedModel(() => [BLOCKER, outside]) });
  await using gitlab = startFakeGitLab();
  const baseSha = (await repo.git("rev-parse", "main")).trim();
  const run = async () => {
    const headSha = (await repo.git("rev-parse", "HEAD")).trim();
    gitlab.state.addPullRequest({
      repo: "group/pager",
      number: 3,
      headSha,
      baseSha,
      diff: await repo.git("diff", "--no-color", "-M", "main...HEAD"),
    });
    const io = recordingIo({
      args: ["--post", "-q"],
      env: {
        ...modelEnv(openai.url),
        GITLAB_CI: "true",
        CI_SERVER_URL: gitlab.url,
        CI_PROJECT_PATH: "group/pager",
        CI_MERGE_REQUEST_IID: "3",
        CI_MERGE_REQUEST_DIFF_BASE_SHA: baseSha,
        CI_COMMIT_SHA: headSha,
        LOOM_GITLAB_TOKEN: gitlab.token,
      },
      cwd: repo.dir,
    });
    assert.equal(await runReviewCommand(io), 1, io.output.stderr);
    const summaries = gitlab.state.notes.filter((note) => note.body.includes("## Loom review"));
    assert.equal(summaries.length, 1, "one summary note, edited in place");
    return summaries[0]!.body;
  };
  assert.match(await run(), /README does not mention page sizes/);
  await repo.write({ "src/pager.ts": PAGER_HEAD + "// Pages are zero-based.\n" });
  await repo.commit("Explain pages");
  const second = await run();
  assert.match(second, /README does not mention page sizes/, "the summary-only finding is still listed");
  assert.equal(gitlab.state.discussions.length, 1, "the inline finding is not posted again");
});

Deno.test("runReviewCommand() exits 3 when the model refuses every call, even with --allow-partial", async () => {
  await using repo = await pagerRepo();
  await using openai = await startFakeOpenAI({
    reply: () => ({ status: 401, body: { error: { message: "Incorrect API key provided" } } }),
  });
  for (const args of [["--base", "main"], ["--base", "main", "--allow-partial"]]) {
    const io = recordingIo({ args, env: modelEnv(openai.url), cwd: repo.dir });
    assert.equal(await runReviewCommand(io), 3, io.output.stderr);
    assert.match(io.output.stdout, /Nothing was reviewed in 1 file .*every step failed/);
    assert.doesNotMatch(io.output.stdout, /No problems found/);
    assert.match(io.output.stderr, /^loom review: Nothing was reviewed: every step failed \(bugs: .*401/m);
  }
});

Deno.test("runReviewCommand() exits 3 for a partial review unless --allow-partial, and names the failed step", async () => {
  await using repo = await pagerRepo();
  await using openai = await startFakeOpenAI({
    reply: (request) => {
      if (request.messages.at(-1)!.content.includes(BUILTIN_PROMPTS.security)) {
        return { status: 401, body: { error: { message: "Incorrect API key provided" } } };
      }
      return scriptedModel(() => [WARNING])(request);
    },
  });
  const strict = recordingIo({
    args: ["--base", "main", "--format", "json"],
    env: modelEnv(openai.url),
    cwd: repo.dir,
  });
  assert.equal(await runReviewCommand(strict), 3, strict.output.stderr);
  const report = JSON.parse(strict.output.stdout);
  assert.equal(report.outcome.status, "partial");
  assert.deepEqual(report.outcome.failedSteps.map((step: { name: string }) => step.name), ["security"]);
  assert.equal(report.exitCode, 3);
  assert.match(strict.output.stderr, /^loom review: Partial review: step security failed/m);

  const allowed = recordingIo({
    args: ["--base", "main", "--allow-partial", "-q"],
    env: modelEnv(openai.url),
    cwd: repo.dir,
  });
  assert.equal(await runReviewCommand(allowed), 0, "exits by the findings: a warning requests no changes");
  assert.match(allowed.output.stderr, /Partial review: step security failed/, "said even with --quiet");
});

Deno.test("cli/review.ts runs as a program and exits with the review's code", async () => {
  await using repo = await pagerRepo();
  await using openai = await startFakeOpenAI({ reply: scriptedModel(() => [BLOCKER]) });
  const output = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      `--config=${fileURLToPath(new URL("../deno.json", import.meta.url))}`,
      fileURLToPath(new URL("./review.ts", import.meta.url)),
      "--base",
      "main",
      "--format=json",
    ],
    // The caller's folder (INIT_CWD under `deno task`) and LOOM_* settings must not leak in from this process.
    clearEnv: true,
    env: {
      ...modelEnv(openai.url),
      ...Object.fromEntries(["PATH", "HOME", "DENO_DIR"].flatMap((name) => {
        const value = Deno.env.get(name);
        return value === undefined ? [] : [[name, value]];
      })),
      INIT_CWD: repo.dir,
    },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(output.stderr);
  assert.equal(output.code, 1, stderr);
  assert.equal(JSON.parse(new TextDecoder().decode(output.stdout)).findings[0].title, BLOCKER.title);
  assert.match(stderr, /✓ bugs/);
});

Deno.test("runReviewCommand() gives the model context lines from the reviewed version of each file", async () => {
  await using repo = await createTestRepo();
  const lines = Array.from({ length: 20 }, (_, index) => `export const line${index + 1} = ${index + 1};`);
  await repo.write({ "src/numbers.ts": lines.join("\n") + "\n" });
  await repo.commit("Numbers");
  lines[9] = "export const line10 = 100;";
  await repo.write({ "src/numbers.ts": lines.join("\n") + "\n" });
  await repo.git("add", "src/numbers.ts");
  // An unstaged edit must not leak into a --staged review's context.
  lines[5] = "export const line6 = 'unstaged';";
  await repo.write({ "src/numbers.ts": lines.join("\n") + "\n" });
  await using openai = await startFakeOpenAI({ reply: () => ({ json: { findings: [] } }) });
  const io = recordingIo({ args: ["--staged", "-q"], env: modelEnv(openai.url), cwd: repo.dir });
  assert.equal(await runReviewCommand(io), 0, io.output.stderr);
  const diff = userDiff(openai.requests[0]!);
  assert.match(diff, /R10 \+export const line10 = 100;/);
  // Four lines above the change (the default for a small pull request): one beyond git's three, read from the index.
  assert.match(
    diff,
    /R6 {2}export const line6 = 6;/,
    "read from the index, beyond git's three lines of context",
  );
  assert.doesNotMatch(diff, /line5/);
  assert.doesNotMatch(diff, /unstaged/);
});

Deno.test("runReviewCommand() with nothing changed calls no model and exits 0", async () => {
  await using repo = await pagerRepo();
  await using openai = await startFakeOpenAI();
  const io = recordingIo({ args: ["--format", "json"], env: modelEnv(openai.url), cwd: repo.dir });
  assert.equal(await runReviewCommand(io), 0, io.output.stderr);
  assert.equal(io.output.stderr, "Nothing to review in uncommitted changes\n");
  assert.deepEqual(JSON.parse(io.output.stdout).findings, []);
  assert.equal(openai.requests.length, 0);
});

Deno.test("runReviewCommand() reports each model retry on one readable stderr line", async () => {
  await using repo = await pagerRepo();
  let failures = 0;
  await using openai = await startFakeOpenAI({
    reply: (request) => {
      if (failures < 2) {
        failures++;
        return { status: 500, headers: { "retry-after": "0" } };
      }
      return scriptedModel(() => [])(request);
    },
  });
  const io = recordingIo({
    args: ["--base", "main", "--format", "json"],
    env: modelEnv(openai.url),
    cwd: repo.dir,
  });
  assert.equal(await runReviewCommand(io), 0, io.output.stderr);
  const retries = io.output.stderr.split("\n").filter((line) => line.includes("Retrying LLM request"));
  assert.equal(retries.length, 2, io.output.stderr);
  for (const line of retries) {
    assert.match(
      line,
      /^\d\d:\d\d:\d\d WARN {2}Retrying LLM request provider=openai model=gpt-4o-mini attempt=\d+ /,
    );
    assert.match(line, /error="Cannot complete request to openai model .*: HTTP 500/);
  }
  assert.doesNotMatch(io.output.stderr, /^\s+at /m, "no stack traces");
  assert.doesNotMatch(io.output.stderr, /^\{"time"/m, "no JSON log lines");
});
