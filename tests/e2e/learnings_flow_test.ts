/**
 * Learnings end to end through the real GitHub client and OpenAI SDK against the fakes: `@loom ignore … because
 * …` on pull request 1 stores a learning; pull request 2, where the model reports the same pattern on another
 * file and line, gets no comment for it, the summary counts it as suppressed and the prompt carries the rule as
 * team guidance; once the learning is disabled pull request 3 gets the comment again. A plain `@loom ignore`
 * (no reason) stays per pull request: pull request 2 would still get that finding.
 */
import assert from "node:assert/strict";
import { loadServerConfig } from "../../lib/config/env.ts";
import { createOrganization } from "../../lib/db/organizations.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { dbTest } from "../../lib/db/testing.ts";
import { editLearning, listLearnings } from "../../lib/learnings/mod.ts";
import { silentLogger } from "../../lib/log.ts";
import { createReviewDeps } from "../../lib/runtime.ts";
import { handlePullRequestCommand } from "../../lib/commands/mod.ts";
import { reviewPullRequest } from "../../lib/review/review_pull_request.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../fakes/github.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";
import { type FakeLlmRequest, type FakeReply, startFakeOpenAI } from "../fakes/openai.ts";

const REPO = "octo-org/tools";
const RULE = "Our CLI scripts print to the console on purpose; console.log is how they report.";

function userText(request: FakeLlmRequest): string {
  return request.messages.filter((message) => message.role === "user").map((message) => message.content).join(
    "\n",
  );
}

/** The model flags every added `console.log` line, and (in PR 1 only) a second, unrelated problem. */
function reply(request: FakeLlmRequest): FakeReply {
  if (!request.structured || !request.messages.some((m) => m.content.includes("Review focus"))) {
    return { json: { findings: [] } };
  }
  if (!userText(request).includes("bugs")) return { json: { findings: [] } };
  const findings = [];
  for (const section of userText(request).split(/^### File: /m).slice(1)) {
    const path = section.slice(0, section.indexOf(" ("));
    for (const match of section.matchAll(/^R(\d+) \+.*console\.log.*$/gm)) {
      findings.push({
        path,
        line: Number(match[1]),
        side: "RIGHT",
        severity: "warning",
        title: `Avoid \`console.log\` in production code (line ${match[1]})`,
        body: "Use the logger.",
      });
    }
  }
  return { json: { findings } };
}

dbTest(
  "a learning from `@loom ignore … because …` suppresses the pattern on later pull requests",
  async (database) => {
    const { db } = database;
    const github = startFakeGitHub();
    const openai = await startFakeOpenAI({ reply });
    try {
      const server = loadServerConfig({
        LOOM_GITHUB_API_URL: github.url,
        LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
        LOOM_LLM_PROVIDER: "openai",
        LOOM_LLM_MODEL: "gpt-4o-mini",
        LOOM_LLM_BASE_URL: openai.url,
        LOOM_LLM_API_KEY: "sk-test",
        LOOM_LLM_CACHE_TTL_MS: "0",
        LOOM_PUBLIC_URL: "https://loom.example.com",
      });
      const organization = await createOrganization(db, { name: "Octo" });
      const repo = await createRepo(db, {
        platform: "github",
        fullName: REPO,
        webhookSecret: "unused",
        organizationId: organization.id,
      });
      github.state.setPermission(REPO, "ada", "write");
      const deps = createReviewDeps(server, db, silentLogger);
      // Only the bugs step, so each pull request makes one model call the test can read.
      github.state.addFile(
        REPO,
        "main",
        ".loom/config.yaml",
        [
          "pipelines:",
          "  default:",
          "    - { name: bugs, prompt: 'builtin:bugs' }",
        ].join("\n"),
      );

      const review = async (number: number, path: string, line: string, above = "") => {
        const diff = await makeGitDiff({
          [path]: { base: "export {};\n", head: `export {};\n${above}${line}\n` },
        });
        github.state.addPullRequest({
          repo: REPO,
          number,
          title: `Change ${number}`,
          author: "lin",
          headSha: diff.headSha,
          baseSha: diff.baseSha,
          diff: diff.diff,
        });
        const before = openai.requests.length;
        const outcome = await reviewPullRequest(deps, {
          id: number,
          payload: {
            platform: "github",
            repoId: repo.id,
            repo: REPO,
            number,
            headSha: diff.headSha,
            baseSha: diff.baseSha,
            baseRef: "main",
            headRef: `change-${number}`,
            title: `Change ${number}`,
            author: "lin",
            authorIsBot: false,
            draft: false,
            action: "opened",
          },
        }, new AbortController().signal);
        assert.equal(outcome.status, "completed");
        const posted = github.state.reviews.filter((item) => item.number === number);
        return {
          comments: posted.flatMap((item) => item.comments.map((comment) => comment.body)),
          summary: posted.map((item) => item.body).join("\n"),
          prompts: openai.requests.slice(before).map(userText),
        };
      };
      const command = (number: number, commentId: string, body: string) =>
        handlePullRequestCommand({ ...deps, server }, {
          id: Number(commentId),
          payload: {
            platform: "github",
            repoId: repo.id,
            repo: REPO,
            number,
            commentId,
            body,
            author: "ada",
            deliveryId: `d-${commentId}`,
          },
        }, new AbortController().signal);

      const first = await review(1, "scripts/build.ts", 'console.log("built");');
      assert.equal(first.comments.length, 1);
      assert.match(first.comments[0]!, /Avoid `console.log` in production code/);

      assert.deepEqual(
        await command(1, "501", `@loom ignore Avoid console.log in production code (line 2) because ${RULE}`),
        { status: "done", command: "ignore" },
      );
      const [learning] = await listLearnings(db, { repoId: repo.id });
      assert.ok(learning, "the command stored a learning");
      assert.equal(learning.rule, RULE);
      assert.deepEqual(learning.suppress, {
        title: "avoid console.log in production code (line)",
        step: null,
      });
      assert.deepEqual(learning.source, { kind: "ignore", url: null, commentId: "501", prNumber: 1 });
      assert.equal(learning.createdBy, "ada");
      const confirmation = github.state.issueComments.at(-1)!.body;
      assert.match(confirmation, /nor on later pull requests in this repository/);
      assert.match(confirmation, new RegExp(`https://loom\\.example\\.com/learnings/${learning.id}`));

      // Another file, another line: the same pattern is held back and the rule reaches the prompt.
      const second = await review(
        2,
        "scripts/deploy.ts",
        'console.log("deployed");',
        "// Deploys.\n// Loudly.\n",
      );
      assert.deepEqual(second.comments, []);
      assert.match(second.summary, /1 finding suppressed by learnings/);
      assert.equal(second.prompts.length, 1);
      assert.match(
        second.prompts[0]!,
        /R4 \+console\.log\("deployed"\);/,
        "the model reported line 4 this time",
      );
      assert.match(second.prompts[0]!, /Team guidance:[\s\S]*console\.log is how they report/);

      await editLearning(db, learning.id, { enabled: false }, "ada");
      const third = await review(3, "scripts/test.ts", 'console.log("tested");');
      assert.equal(third.comments.length, 1, "a disabled learning suppresses nothing");
      assert.doesNotMatch(third.summary, /suppressed by learnings/);
      assert.doesNotMatch(third.prompts[0]!, /Team guidance/);

      // Without a reason the ignore stays on its pull request.
      await command(3, "502", "@loom ignore Avoid console.log in production code");
      assert.match(github.state.issueComments.at(-1)!.body, /will not post .* on this pull request again/);
      assert.equal((await listLearnings(db, { repoId: repo.id })).length, 1);
      const fourth = await review(4, "scripts/lint.ts", 'console.log("linted");');
      assert.equal(fourth.comments.length, 1);
    } finally {
      await openai.close();
      await github.close();
    }
  },
);
