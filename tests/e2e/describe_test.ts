/**
 * Describing a pull request end to end, in the real process against the GitHub and GitLab fakes, on both
 * databases: with `describe.auto`, opening the pull request writes Loom's marked section after the author's text
 * exactly once (a redelivered webhook adds nothing); the author then writes more around it and `@loom describe`
 * replaces only Loom's section; the model's request holds the diff and the author's text inside their fences;
 * a diagram that tries to break out of its block is dropped; the review history lists both runs with their
 * tokens and cost.
 */
import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import mergeRequestEvent from "../../lib/platforms/gitlab/testdata/merge-request-event.json" with {
  type: "json",
};
import noteEvent from "../../lib/platforms/gitlab/testdata/comment-merge-request-event.json" with {
  type: "json",
};
import { sql } from "../../lib/db/mod.ts";
import { DESCRIBE_END, DESCRIBE_START } from "../../lib/markers.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../fakes/github.ts";
import { startFakeGitLab } from "../fakes/gitlab.ts";
import type { FakeLlmRequest, FakeReply } from "../fakes/openai.ts";
import { type LoomProcess, startLoom, waitFor } from "../support/loom_process.ts";
import {
  BASE_SOURCE,
  HEAD_SOURCE,
  postWebhook,
  type ReviewE2e,
  REVIEWED_PATH,
  setupReviewE2e,
} from "../support/e2e_review.ts";

// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

const SECRET = "e2e-describe-secret";
const AUTHOR_TEXT = "Fixes the unbounded cache.\n\nCloses #12.";
const CONFIG = "describe:\n  auto: true\npipelines:\n  default:\n    - name: bugs\n";
const DIAGRAM =
  "sequenceDiagram\nparticipant Api\nparticipant Cache\nApi->>Cache: evict keys\nCache-->>Api: done";
const BREAKOUT = "sequenceDiagram\nA->>B: hi\n```\n<!-- loom:describe:end -->\n[click](javascript:alert(1))";

/** The describe calls among the model's requests (the review's own calls are other requests). */
function describeRequests(context: ReviewE2e): FakeLlmRequest[] {
  return context.openai.requests.filter((request) =>
    JSON.stringify(request.body).includes("pull_request_description")
  );
}

/** The first describe answer carries a diagram; the second one tries to break out of its block. */
function reply(context: () => ReviewE2e) {
  return (request: FakeLlmRequest): FakeReply => {
    if (!request.structured) return "ok";
    if (!JSON.stringify(request.body).includes("pull_request_description")) {
      return { json: { findings: [] }, usage: { inputTokens: 500, outputTokens: 5 } };
    }
    const run = describeRequests(context()).length;
    return {
      json: {
        title: "Bound the cache and evict old keys",
        summary: `Summary number ${run}: adds \`evict\` and a one-year TTL.`,
        walkthrough: [{ path: REVIEWED_PATH, change: `Adds evict (run ${run})` }],
        diagram: run === 1 ? DIAGRAM : BREAKOUT,
        ticket_fit: null,
      },
      usage: { inputTokens: 900, outputTokens: 120 },
    };
  };
}

interface Platform extends AsyncDisposable {
  env: Record<string, string>;
  /** The pull request's description as the platform holds it now. */
  body(): string;
  setBody(text: string): void;
  /** The "opened" delivery, sent under `deliveryId`. */
  open(loom: LoomProcess, deliveryId: string): Promise<{ status?: string; outcome?: string }>;
  comment(loom: LoomProcess, text: string): Promise<{ status?: string; outcome?: string }>;
  /** Loom's replies to commands. */
  replies(): string[];
}

const EXAMPLES = examples as unknown as { name: string; examples: Payload[] }[];
const example = (name: string, action: string) =>
  structuredClone(
    EXAMPLES.find((item) => item.name === name)!.examples.find((item) => item.action === action)!,
  );

function github(context: ReviewE2e): Platform {
  const fake = startFakeGitHub();
  const repo = "octo-org/cache-service";
  const pr = fake.state.addPullRequest({
    repo,
    number: 42,
    title: "Add cache eviction",
    body: AUTHOR_TEXT,
    author: "ada",
    headSha: context.diff.headSha,
    baseSha: context.diff.baseSha,
    baseRef: "main",
    diff: context.diff.diff,
    files: { [REVIEWED_PATH]: { base: BASE_SOURCE, head: HEAD_SOURCE } },
  });
  fake.state.addFile(repo, "main", ".loom/config.yaml", CONFIG);
  fake.state.setPermission(repo, "ada", "write");
  const withRepo = (payload: Payload) => {
    payload.repository.full_name = repo;
    payload.repository.name = "cache-service";
    payload.repository.owner.login = "octo-org";
    return payload;
  };
  const send = async (event: string, payload: Payload, deliveryId: string = crypto.randomUUID()) => {
    const text = JSON.stringify(payload);
    return (await postWebhook(loomOf(context), context.webhookPath, text, {
      "x-github-event": event,
      "x-github-delivery": deliveryId,
      "x-hub-signature-256": await sign(SECRET, text),
    })).body;
  };
  let commentId = 9100;
  return {
    env: { LOOM_GITHUB_API_URL: fake.url, LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN },
    body: () => pr.body,
    setBody: (text) => pr.body = text,
    open(_loom, deliveryId) {
      const payload = withRepo(example("pull_request", "opened"));
      Object.assign(payload, { number: 42 });
      Object.assign(payload.pull_request, { number: 42, draft: false, body: AUTHOR_TEXT });
      Object.assign(payload.pull_request.head, { sha: context.diff.headSha });
      Object.assign(payload.pull_request.base, { sha: context.diff.baseSha, ref: "main" });
      return send("pull_request", payload, deliveryId);
    },
    comment(_loom, text) {
      const payload = withRepo(example("issue_comment", "created"));
      payload.issue.number = 42;
      payload.issue.pull_request = { url: `https://api.github.com/repos/${repo}/pulls/42` };
      Object.assign(payload.comment, { id: commentId++, body: text });
      Object.assign(payload.comment.user, { login: "ada", type: "User" });
      Object.assign(payload.sender, { login: "ada", type: "User" });
      return send("issue_comment", payload);
    },
    replies: () =>
      fake.state.issueComments.filter((comment) => comment.body.includes("<!-- loom:reply")).map((c) =>
        c.body
      ),
    [Symbol.asyncDispose]: () => fake.close(),
  };
}

function gitlab(context: ReviewE2e): Platform {
  const fake = startFakeGitLab();
  const repo = "octo-group/cache-service";
  fake.state.addPullRequest({
    repo,
    number: 42,
    title: "Add cache eviction",
    body: AUTHOR_TEXT,
    author: "ada",
    headSha: context.diff.headSha,
    baseSha: context.diff.baseSha,
    baseRef: "main",
    headRef: "eviction",
    diff: context.diff.diff,
    files: {
      [REVIEWED_PATH]: { base: BASE_SOURCE, head: HEAD_SOURCE },
      ".loom/config.yaml": { base: CONFIG },
    },
  });
  fake.state.addMember(repo, "ada", 40);
  const stored = () => fake.state.pullRequest(repo, 42);
  const send = async (event: string, payload: Payload, deliveryId: string = crypto.randomUUID()) =>
    (await postWebhook(loomOf(context), context.webhookPath, JSON.stringify(payload), {
      "x-gitlab-event": event,
      "x-gitlab-token": SECRET,
      "idempotency-key": deliveryId,
      "x-gitlab-webhook-uuid": crypto.randomUUID(),
    })).body;
  let noteId = 9200;
  return {
    env: { LOOM_GITLAB_URL: fake.url, LOOM_GITLAB_TOKEN: fake.token },
    body: () => stored().body ?? "",
    setBody: (text) => stored().body = text,
    open(_loom, deliveryId) {
      const payload = structuredClone(mergeRequestEvent) as Payload;
      payload.project.path_with_namespace = repo;
      payload.user.username = "ada";
      Object.assign(payload.object_attributes, {
        action: "open",
        iid: 42,
        target_branch: "main",
        source_branch: "eviction",
        draft: false,
        work_in_progress: false,
        oldrev: null,
      });
      payload.object_attributes.last_commit.id = context.diff.headSha;
      return send("Merge Request Hook", payload, deliveryId);
    },
    comment(_loom, text) {
      const payload = structuredClone(noteEvent) as Payload;
      payload.project.path_with_namespace = repo;
      payload.user.username = "ada";
      Object.assign(payload.object_attributes, { id: noteId++, note: text });
      payload.merge_request.iid = 42;
      return send("Note Hook", payload);
    },
    replies: () =>
      fake.state.notes.filter((note) => note.body.includes("<!-- loom:reply")).map((n) => n.body),
    [Symbol.asyncDispose]: () => fake.close(),
  };
}

const loomProcesses = new WeakMap<ReviewE2e, LoomProcess>();
const loomOf = (context: ReviewE2e) => loomProcesses.get(context)!;

async function settled(context: ReviewE2e, loom: LoomProcess) {
  let last: unknown;
  await waitFor(async () => {
    const jobs = await context.database.db.query<{ type: string; status: string }>(
      sql`select type, status from jobs order by id`,
    );
    last = jobs;
    return jobs.length > 0 && jobs.every((job) => job.status !== "pending" && job.status !== "in_progress") ||
      undefined;
  }, () => `jobs never settled: ${JSON.stringify(last)}\n${loom.logs()}`);
}

async function describeRuns(context: ReviewE2e) {
  const rows = await context.database.db.query<Record<string, unknown>>(sql`
    select status, action, input_tokens, output_tokens, cost_usd, summary from reviews
    where kind = 'describe' order by id`);
  return rows.map((row) => ({
    status: row.status,
    action: row.action,
    tokens: Number(row.inputTokens) + Number(row.outputTokens),
    costUsd: Number(row.costUsd),
    summary: row.summary,
  }));
}

/** The text between `start` and `end` lines of a prompt. */
function between(text: string, start: string, end: string): string {
  const from = text.indexOf(`${start}\n`);
  const to = text.indexOf(`\n${end}`, from);
  assert.ok(from >= 0 && to > from, `the prompt has a ${start} … ${end} section`);
  return text.slice(from, to);
}

const PLATFORMS = {
  GitHub: { id: "github" as const, start: github },
  GitLab: { id: "gitlab" as const, start: gitlab },
};

for (const [name, platformCase] of Object.entries(PLATFORMS)) {
  for (const dialect of ["sqlite", "postgres"] as const) {
    Deno.test(`${name}: describe.auto writes Loom's section once, @loom describe replaces only it [${dialect}]`, async () => {
      let current: ReviewE2e | undefined;
      await using context = current = await setupReviewE2e({
        dialect,
        platform: platformCase.id,
        fullName: platformCase.id === "github" ? "octo-org/cache-service" : "octo-group/cache-service",
        webhookSecret: SECRET,
        reply: (request) => reply(() => current!)(request),
      });
      await using platform = platformCase.start(context);
      await using loom = await startLoom({ ...context.env, ...platform.env, LOOM_LLM_CACHE_TTL_MS: "0" });
      loomProcesses.set(context, loom);

      // Opened, then delivered again under the same id and once more under a new one (a redelivery).
      assert.equal((await platform.open(loom, "delivery-open-1")).outcome, "enqueued");
      assert.equal((await platform.open(loom, "delivery-open-1")).status, "duplicate");
      await settled(context, loom);
      await platform.open(loom, "delivery-open-2");
      await settled(context, loom);
      assert.equal(
        describeRequests(context).length,
        1,
        "the model was asked once for the opened pull request",
      );
      const first = platform.body();
      assert.ok(first.startsWith(`${AUTHOR_TEXT}\n\n${DESCRIBE_START}\n`), first);
      assert.ok(first.endsWith(DESCRIBE_END), first);
      assert.match(first, /\*\*Suggested title:\*\* Bound the cache and evict old keys/);
      assert.match(first, /Summary number 1/);
      assert.match(first, /\| `src\/cache\.ts` \| Adds evict \(run 1\) \|/);
      assert.ok(first.includes(`\`\`\`mermaid\n${DIAGRAM.split("\n")[0]}\n  participant Api`), first);

      // The model saw the diff and the author's text, each inside its fence.
      const prompt = describeRequests(context)[0]!.messages.find((message) =>
        message.role === "user"
      )!.content;
      assert.match(between(prompt, "DIFF START", "DIFF END"), /for \(let i = 0; i <= keys\.length; i\+\+\)/);
      assert.match(between(prompt, "DESCRIPTION START", "DESCRIPTION END"), /Closes #12\./);
      assert.match(between(prompt, "TITLE START", "TITLE END"), /Add cache eviction/);

      // The author writes around Loom's section, then asks again.
      const edited = `Intro by the author.\n\n${first}\n\nP.S. by the author.`;
      platform.setBody(edited);
      assert.equal((await platform.comment(loom, "@loom describe")).outcome, "enqueued");
      await settled(context, loom);
      assert.equal(describeRequests(context).length, 2);
      const second = platform.body();
      const [before, after] = [
        edited.slice(0, edited.indexOf(DESCRIBE_START)),
        edited.slice(edited.indexOf(DESCRIBE_END)),
      ];
      assert.ok(second.startsWith(before), "the author's text before the section is unchanged");
      assert.ok(second.endsWith(after), "the author's text after the section is unchanged");
      assert.match(second, /Summary number 2/);
      assert.doesNotMatch(second, /Summary number 1/, "Loom's old section is gone");
      assert.equal(second.split(DESCRIBE_START).length, 2, "one section");
      assert.doesNotMatch(
        second,
        /```mermaid|javascript:/,
        "a diagram that breaks out of its block is dropped",
      );
      const secondPrompt = describeRequests(context)[1]!.messages.find((message) =>
        message.role === "user"
      )!.content;
      assert.doesNotMatch(
        secondPrompt,
        /Summary number 1/,
        "the model is shown the author's text, not Loom's",
      );
      assert.match(secondPrompt, /P\.S\. by the author\./);
      assert.match(platform.replies().at(-1)!, /Updated Loom's section of the description/);

      // Both runs are in the review history with their tokens and cost.
      const runs = await describeRuns(context);
      assert.deepEqual(runs.map((run) => [run.status, run.action, run.tokens]), [
        ["completed", "opened", 1020],
        ["completed", "manual", 1020],
      ]);
      assert.ok(runs.every((run) => run.costUsd > 0), JSON.stringify(runs));
    });
  }
}
