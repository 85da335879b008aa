/**
 * The learnings acceptance flow's moving parts, shared by the end-to-end and browser tests: a repository of an
 * organization on the fake GitHub, a fake OpenAI model that flags every added `console.log` line, reviews of new
 * pull requests and `@loom` commands run through the real clients, and what each review posted.
 */
import { loadServerConfig, type ServerConfig } from "../../lib/config/env.ts";
import type { Db } from "../../lib/db/mod.ts";
import { createOrganization, type Organization } from "../../lib/db/organizations.ts";
import { createRepo, type Repo } from "../../lib/db/repos.ts";
import { silentLogger } from "../../lib/log.ts";
import { createReviewDeps } from "../../lib/runtime.ts";
import { type CommandOutcome, handlePullRequestCommand } from "../../lib/commands/mod.ts";
import { reviewPullRequest } from "../../lib/review/review_pull_request.ts";
import { FAKE_GITHUB_TOKEN, type FakeGitHub, startFakeGitHub } from "../fakes/github.ts";
import { makeGitDiff } from "../fakes/git_diff.ts";
import { type FakeLlmRequest, type FakeReply, startFakeOpenAI } from "../fakes/openai.ts";
import { TEST_SECRET_KEY } from "./app_server.ts";

export const FLOW_REPO = "octo-org/tools";
export const CONSOLE_TITLE = "Avoid `console.log` in production code";

export function userText(request: FakeLlmRequest): string {
  return request.messages.filter((message) => message.role === "user").map((message) => message.content).join(
    "\n",
  );
}

/** Flags every added `console.log` line, with the line number in the title as models often write it. */
function reply(request: FakeLlmRequest): FakeReply {
  if (!request.structured) return { json: { findings: [] } };
  const findings = [];
  for (const section of userText(request).split(/^### File: /m).slice(1)) {
    const path = section.slice(0, section.indexOf(" ("));
    for (const match of section.matchAll(/^R(\d+) \+.*console\.log.*$/gm)) {
      findings.push({
        path,
        line: Number(match[1]),
        side: "RIGHT",
        severity: "warning",
        title: `${CONSOLE_TITLE} (line ${match[1]})`,
        body: "Use the logger.",
      });
    }
  }
  return { json: { findings } };
}

export interface ReviewResult {
  comments: string[];
  summary: string;
  prompts: string[];
}

export interface LearningsFlow extends AsyncDisposable {
  github: FakeGitHub;
  server: ServerConfig;
  organization: Organization;
  repo: Repo;
  /** Opens pull request `number` adding `line` to `path` (after the `above` lines) and reviews it. */
  review(number: number, path: string, line: string, above?: string): Promise<ReviewResult>;
  /** Runs a command comment by `ada` (who has write access) on pull request `number`. */
  command(number: number, commentId: string, body: string): Promise<CommandOutcome>;
  /** The body of the last conversation comment (Loom's replies). */
  lastReply(): string;
}

export async function startLearningsFlow(
  db: Db,
  options: { publicUrl?: string } = {},
): Promise<LearningsFlow> {
  const github = startFakeGitHub();
  const openai = await startFakeOpenAI({ reply });
  const server = loadServerConfig({
    LOOM_SECRET_KEY: TEST_SECRET_KEY,
    LOOM_GITHUB_API_URL: github.url,
    LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN,
    LOOM_LLM_PROVIDER: "openai",
    LOOM_LLM_MODEL: "gpt-4o-mini",
    LOOM_LLM_BASE_URL: openai.url,
    LOOM_LLM_API_KEY: "sk-test",
    LOOM_LLM_CACHE_TTL_MS: "0",
    LOOM_PUBLIC_URL: options.publicUrl ?? "https://loom.example.com",
    LOOM_DB_REQUEST_TIMEOUT_MS: "10000",
  });
  const organization = await createOrganization(db, { name: "Octo" });
  const repo = await createRepo(db, {
    platform: "github",
    fullName: FLOW_REPO,
    webhookSecret: "unused",
    organizationId: organization.id,
  });
  github.state.setPermission(FLOW_REPO, "ada", "write");
  // Only the bugs step, so each pull request makes one model call.
  github.state.addFile(
    FLOW_REPO,
    "main",
    ".loom/config.yaml",
    "pipelines:\n  default:\n    - { name: bugs, prompt: 'builtin:bugs' }\n",
  );
  const deps = createReviewDeps(server, db, silentLogger);
  // Each review is its own job: a job id seen before would be a retry of that review.
  let jobs = 0;
  return {
    github,
    server,
    organization,
    repo,
    async review(number, path, line, above = "") {
      const diff = await makeGitDiff({
        [path]: { base: "export {};\n", head: `export {};\n${above}${line}\n` },
      });
      github.state.addPullRequest({
        repo: FLOW_REPO,
        number,
        title: `Change ${number}`,
        author: "lin",
        headSha: diff.headSha,
        baseSha: diff.baseSha,
        diff: diff.diff,
      });
      const before = openai.requests.length;
      const outcome = await reviewPullRequest(deps, {
        id: ++jobs,
        payload: {
          platform: "github",
          repoId: repo.id,
          repo: FLOW_REPO,
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
      if (outcome.status !== "completed") throw new Error(`Review of #${number} ended ${outcome.status}`);
      const posted = github.state.reviews.filter((item) => item.number === number);
      return {
        comments: posted.flatMap((item) => item.comments.map((comment) => comment.body)),
        summary: posted.map((item) => item.body).join("\n"),
        prompts: openai.requests.slice(before).map(userText),
      };
    },
    command(number, commentId, body) {
      return handlePullRequestCommand({ ...deps, server }, {
        id: Number(commentId),
        payload: {
          platform: "github",
          repoId: repo.id,
          repo: FLOW_REPO,
          number,
          commentId,
          body,
          author: "ada",
          deliveryId: `d-${commentId}`,
        },
      }, new AbortController().signal);
    },
    lastReply: () => github.state.issueComments.at(-1)?.body ?? "",
    async [Symbol.asyncDispose]() {
      await openai.close();
      await github.close();
    },
  };
}
