/**
 * Triggers on every platform, through the path production takes: a real-shaped delivery (the go-playground and
 * @octokit/webhooks-examples payloads the parsers are tested on) is parsed by the platform's webhook parser into
 * the review job, and `reviewPullRequest` reads the pull request from the platform's fake over real HTTP with the
 * real client, loads `.loom/config.yaml` from the base branch and decides. Each new filter — labels (include and
 * exclude, case-insensitive), title keywords, drafts, bots and the manual mode — skips with its reason, and a
 * label added later (on Bitbucket Data Center, which has no labels, a new title) starts the review the first
 * delivery skipped.
 */
import assert from "node:assert/strict";
import examples from "@octokit/webhooks-examples" with { type: "json" };
import { loadServerConfig } from "../../lib/config/env.ts";
import { createRepo } from "../../lib/db/repos.ts";
import { dbTest, type TestDatabase } from "../../lib/db/testing.ts";
import { silentLogger } from "../../lib/log.ts";
import { createReviewDeps } from "../../lib/runtime.ts";
import { isReviewEvent } from "../../lib/pull_request.ts";
import type { PlatformId, PullRequestEvent, WebhookEvent } from "../../lib/platforms/types.ts";
import { githubWebhook } from "../../lib/platforms/github/webhook.ts";
import { gitlabWebhook } from "../../lib/platforms/gitlab/webhook.ts";
import { giteaWebhook } from "../../lib/platforms/gitea/webhook.ts";
import { bitbucketWebhook } from "../../lib/platforms/bitbucket/webhook.ts";
import { azureDevopsWebhook } from "../../lib/platforms/azure_devops/webhook.ts";
import { bitbucketServerWebhook } from "../../lib/platforms/bitbucket_server/webhook.ts";
import { type ReviewOutcome, reviewPullRequest } from "../../lib/review/review_pull_request.ts";
import { FAKE_GITHUB_TOKEN, startFakeGitHub } from "../fakes/github.ts";
import { startFakeGitLab } from "../fakes/gitlab.ts";
import { startFakeGitea } from "../fakes/gitea.ts";
import { startFakeBitbucket } from "../fakes/bitbucket.ts";
import { startFakeAzureDevops } from "../fakes/azure_devops.ts";
import { startFakeBitbucketServer } from "../fakes/bitbucket_server.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { type GitDiffResult, makeGitDiff } from "../fakes/git_diff.ts";
import { BASE_SOURCE, findingsReply, HEAD_SOURCE, REVIEWED_PATH } from "../support/e2e_review.ts";

// deno-lint-ignore no-explicit-any
type Payload = Record<string, any>;

/** What the pull request looks like on the platform when the review starts. */
interface Facts {
  title: string;
  labels: string[];
  draft: boolean;
  bot: boolean;
}

interface FakePlatform extends AsyncDisposable {
  env: Record<string, string>;
  /** Seeds (or re-seeds) the pull request with these facts and `.loom/config.yaml` on its base branch. */
  seed(facts: Facts, config: string): void;
}

interface PlatformCase {
  id: PlatformId;
  repo: string;
  number: number;
  /** Whether the platform has labels (Bitbucket Cloud has none). */
  labels: boolean;
  /** Whether the fake can seed a bot author. */
  bots: boolean;
  start(diff: GitDiffResult): FakePlatform;
  /** The platform's delivery for a new pull request, parsed. */
  opened(): Promise<WebhookEvent | null>;
  /** The platform's delivery for a label added to an open pull request, parsed. */
  labelled(): Promise<WebhookEvent | null>;
}

const FIXTURES = new URL("../../lib/platforms/", import.meta.url);

async function fixture(path: string): Promise<Payload> {
  return JSON.parse(await Deno.readTextFile(new URL(path, FIXTURES)));
}

function octokitExample(action: string): Payload {
  const definition = (examples as unknown as { name: string; examples: Payload[] }[])
    .find((item) => item.name === "pull_request")!;
  return structuredClone(definition.examples.find((item) => item.action === action)!);
}

const CONFIG_FILES = (config: string) => ({ ".loom/config.yaml": { base: config, head: config } });
const FILES = (config: string) => ({
  [REVIEWED_PATH]: { base: BASE_SOURCE, head: HEAD_SOURCE },
  ...CONFIG_FILES(config),
});

const PLATFORMS: PlatformCase[] = [
  {
    id: "github",
    repo: "octo-org/cache",
    number: 3,
    labels: true,
    bots: true,
    start(diff) {
      const fake = startFakeGitHub();
      return {
        env: { LOOM_GITHUB_API_URL: fake.url, LOOM_GITHUB_TOKEN: FAKE_GITHUB_TOKEN },
        seed(facts, config) {
          fake.state.addPullRequest({
            repo: "octo-org/cache",
            number: 3,
            title: facts.title,
            labels: facts.labels,
            draft: facts.draft,
            author: facts.bot ? "renovate[bot]" : "ada",
            authorType: facts.bot ? "Bot" : "User",
            headSha: diff.headSha,
            baseSha: diff.baseSha,
            diff: diff.diff,
            files: FILES(config),
          });
          fake.state.addFile("octo-org/cache", "main", ".loom/config.yaml", config);
        },
        [Symbol.asyncDispose]: () => fake.close(),
      };
    },
    opened: () => Promise.resolve(githubParse(octokitExample("opened"))),
    labelled: () => Promise.resolve(githubParse(octokitExample("labeled"))),
  },
  {
    id: "gitlab",
    repo: "group/cache",
    number: 5,
    labels: true,
    bots: true,
    start(diff) {
      const fake = startFakeGitLab();
      return {
        env: { LOOM_GITLAB_URL: fake.url, LOOM_GITLAB_TOKEN: fake.token },
        seed(facts, config) {
          fake.state.addPullRequest({
            repo: "group/cache",
            number: 5,
            title: facts.title,
            labels: facts.labels,
            draft: facts.draft,
            author: facts.bot ? "project_12_bot_5f1e" : "ada",
            headSha: diff.headSha,
            baseSha: diff.baseSha,
            diff: diff.diff,
            files: FILES(config),
          });
        },
        [Symbol.asyncDispose]: () => fake.close(),
      };
    },
    opened: async () =>
      gitlabWebhook.parse(new Headers(), await fixture("gitlab/testdata/merge-request-event.json")),
    async labelled() {
      const hook = await fixture("gitlab/testdata/merge-request-event.json");
      hook.object_attributes.action = "update";
      // The recorded update changes the labels (API → Platform) and nothing else the triggers read.
      delete hook.changes.draft;
      return gitlabWebhook.parse(new Headers(), hook);
    },
  },
  {
    id: "gitea",
    repo: "example/cache",
    number: 2,
    labels: true,
    bots: true,
    start(diff) {
      const fake = startFakeGitea();
      return {
        env: { LOOM_GITEA_URL: fake.url, LOOM_GITEA_TOKEN: fake.token },
        seed(facts, config) {
          fake.state.addPullRequest({
            repo: "example/cache",
            number: 2,
            title: facts.title,
            labels: facts.labels,
            draft: facts.draft,
            author: facts.bot ? "renovate-bot" : "ada",
            headSha: diff.headSha,
            baseSha: diff.baseSha,
            diff: diff.diff,
            files: FILES(config),
          });
        },
        [Symbol.asyncDispose]: () => fake.close(),
      };
    },
    opened: async () => giteaParse(await fixture("gitea/testdata/pull-request-event.json")),
    async labelled() {
      const hook = await fixture("gitea/testdata/pull-request-event.json");
      hook.action = "label_updated";
      hook.pull_request.labels = [{ id: 1, name: "ai-review", color: "ededed", description: "", url: "" }];
      return giteaParse(hook);
    },
  },
  {
    id: "bitbucket",
    repo: "team/cache",
    number: 6,
    labels: false,
    bots: false,
    start(diff) {
      const fake = startFakeBitbucket();
      return {
        env: {
          LOOM_BITBUCKET_URL: fake.apiUrl,
          LOOM_BITBUCKET_TOKEN: fake.token,
          LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
        },
        seed(facts, config) {
          fake.state.addPullRequest({
            repo: "team/cache",
            number: 6,
            title: facts.title,
            draft: facts.draft,
            author: "ada",
            headSha: diff.headSha,
            baseSha: diff.baseSha,
            baseRef: "main",
            headRef: "feature",
            diff: diff.diff,
            files: FILES(config),
          });
        },
        [Symbol.asyncDispose]: () => fake.close(),
      };
    },
    opened: async () =>
      bitbucketWebhook.parse(
        new Headers({ "x-event-key": "pullrequest:created", "x-request-uuid": crypto.randomUUID() }),
        await fixture("bitbucket/testdata/cloud/pull-request-created.json"),
      ),
    labelled: async () =>
      bitbucketWebhook.parse(
        new Headers({ "x-event-key": "pullrequest:updated", "x-request-uuid": crypto.randomUUID() }),
        await fixture("bitbucket/testdata/cloud/pull-request-updated.json"),
      ),
  },
  {
    id: "bitbucket_server",
    repo: "PLAT/cache",
    number: 4,
    labels: false,
    bots: false,
    start(diff) {
      const fake = startFakeBitbucketServer();
      return {
        env: {
          LOOM_BITBUCKET_SERVER_URL: fake.url,
          LOOM_BITBUCKET_SERVER_TOKEN: fake.token,
          LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
        },
        seed(facts, config) {
          fake.state.addPullRequest({
            repo: "PLAT/cache",
            number: 4,
            title: facts.title,
            draft: facts.draft,
            author: "ada",
            headSha: diff.headSha,
            baseSha: diff.baseSha,
            baseRef: "main",
            headRef: "feature",
            diff: diff.diff,
            files: FILES(config),
          });
        },
        [Symbol.asyncDispose]: () => fake.close(),
      };
    },
    opened: async () =>
      bitbucketServerWebhook.parse(
        new Headers({ "x-event-key": "pr:opened", "x-request-id": crypto.randomUUID() }),
        await fixture("bitbucket/testdata/server/pr-opened.json"),
      ),
    async labelled() {
      // Data Center has no labels; the title edit is what can let a skipped pull request in.
      const hook = await fixture("bitbucket/testdata/server/pr-modified.json");
      hook.previousTitle = "WIP: Feature";
      return bitbucketServerWebhook.parse(
        new Headers({ "x-event-key": "pr:modified", "x-request-id": crypto.randomUUID() }),
        hook,
      );
    },
  },
  {
    id: "azure_devops",
    repo: "Fabrikam/cache",
    number: 8,
    labels: true,
    bots: false,
    start(diff) {
      const fake = startFakeAzureDevops();
      return {
        env: {
          LOOM_AZURE_DEVOPS_URL: `${fake.url}/${fake.organization}`,
          LOOM_AZURE_DEVOPS_TOKEN: fake.token,
          LOOM_PLATFORM_COMMENT_DELAY_MS: "0",
        },
        seed(facts, config) {
          fake.state.addPullRequest({
            repo: "Fabrikam/cache",
            number: 8,
            title: facts.title,
            labels: facts.labels,
            draft: facts.draft,
            author: "ada@example.com",
            headSha: diff.headSha,
            baseSha: diff.baseSha,
            baseRef: "main",
            headRef: "feature",
            files: FILES(config),
          });
        },
        [Symbol.asyncDispose]: () => fake.close(),
      };
    },
    opened: async () =>
      azureDevopsWebhook.parse(
        new Headers(),
        await fixture("azure_devops/testdata/git.pullrequest.created.json"),
      ),
    async labelled() {
      // Azure DevOps sends every change of an open pull request, a label added included, as an update.
      const notification = await fixture("azure_devops/testdata/git.pullrequest.updated.json");
      notification.resource.status = "active";
      notification.resource.labels = [{ id: "label-1", name: "ai-review", active: true }];
      return azureDevopsWebhook.parse(new Headers(), notification);
    },
  },
];

function githubParse(payload: Payload): WebhookEvent | null {
  const headers = new Headers({ "x-github-event": "pull_request", "x-github-delivery": crypto.randomUUID() });
  return githubWebhook.parse(headers, payload);
}

function giteaParse(payload: Payload): WebhookEvent | null {
  return giteaWebhook.parse(new Headers({ "x-gitea-event": "pull_request" }), payload);
}

const FILTERS = `triggers:
  labels:
    include: [ai-review]
    exclude: [no-review]
  title:
    skip_keywords: [WIP]
`;
/** For Bitbucket, which has no labels: the other filters alone. */
const NO_LABEL_FILTERS = `triggers:
  labels:
    exclude: [no-review]
  title:
    skip_keywords: [WIP]
`;
const MANUAL = "triggers:\n  mode: manual\n";

const READY: Facts = { title: "Add cache eviction", labels: ["ai-review"], draft: false, bot: false };

async function runPlatform(database: TestDatabase, platform: PlatformCase): Promise<void> {
  const diff = await makeGitDiff({ [REVIEWED_PATH]: { base: BASE_SOURCE, head: HEAD_SOURCE } });
  await using fake = platform.start(diff);
  await using openai = await startFakeOpenAI({ reply: findingsReply });
  const server = loadServerConfig({
    ...fake.env,
    LOOM_LLM_PROVIDER: "openai",
    LOOM_LLM_MODEL: "gpt-4o-mini",
    LOOM_LLM_BASE_URL: openai.url,
    LOOM_LLM_API_KEY: "sk-test",
    LOOM_LLM_CACHE_TTL_MS: "0",
  });
  const repo = await createRepo(database.db, {
    platform: platform.id,
    fullName: platform.repo,
    webhookSecret: "unused",
  });
  let jobId = 0;
  /** Runs the review job the delivery becomes, with fresh dependencies (the configuration cache is per process). */
  const review = async (event: WebhookEvent | null | "manual"): Promise<ReviewOutcome> => {
    assert.ok(
      event === "manual" || event?.kind === "pull_request",
      `${platform.id}: not a pull request event`,
    );
    const parsed = event === "manual" ? null : event as PullRequestEvent;
    const action = parsed?.action ?? "manual";
    assert.ok(action === "manual" || isReviewEvent(action), `${platform.id}: ${action} starts no review`);
    const deps = createReviewDeps(server, database.db, silentLogger);
    jobId += 1;
    return await reviewPullRequest(deps, {
      id: jobId,
      payload: {
        platform: platform.id,
        repoId: repo.id,
        repo: platform.repo,
        number: platform.number,
        headSha: diff.headSha,
        baseSha: diff.baseSha,
        baseRef: "main",
        headRef: "feature",
        title: parsed?.title ?? READY.title,
        author: parsed?.author ?? "ada",
        authorIsBot: parsed?.authorIsBot ?? false,
        draft: parsed?.draft ?? false,
        action,
      },
    }, new AbortController().signal);
  };
  const skipped = async (
    event: WebhookEvent | null,
    config: string,
    facts: Partial<Facts>,
    reason: RegExp,
  ) => {
    fake.seed({ ...READY, ...facts }, config);
    const outcome = await review(event);
    assert.equal(outcome.status, "skipped", `${platform.id}: ${JSON.stringify(facts)} was reviewed`);
    assert.match((outcome as { reason: string }).reason, reason, platform.id);
  };
  const opened = await platform.opened();
  const labelled = await platform.labelled();
  assert.equal((opened as PullRequestEvent).action, "opened", platform.id);
  // GitHub, GitLab and Gitea name a label change `edited` (Data Center a title change); Azure DevOps and
  // Bitbucket Cloud send one update for all.
  assert.equal(
    (labelled as PullRequestEvent).action,
    ["azure_devops", "bitbucket"].includes(platform.id) ? "synchronize" : "edited",
    platform.id,
  );

  if (platform.labels) {
    await skipped(opened, FILTERS, { labels: [] }, /has no labels and triggers.labels.include is set/);
    await skipped(
      opened,
      FILTERS,
      { labels: ["bug"] },
      /None of the labels "bug" match triggers.labels.include/,
    );
    await skipped(
      labelled,
      FILTERS,
      { labels: ["AI-Review", "No-Review"] },
      /Label "No-Review" matches triggers.labels.exclude/,
    );
  } else {
    await skipped(opened, FILTERS, { labels: [] }, /This platform has no labels/);
  }
  const config = platform.labels ? FILTERS : NO_LABEL_FILTERS;
  await skipped(labelled, config, { title: "WIP: Add cache eviction" }, /Title contains "WIP"/);
  await skipped(labelled, config, { draft: true }, /draft and triggers.drafts is false/);
  if (platform.bots) {
    await skipped(labelled, config, { bot: true }, /is a bot and triggers.authors.bots is false/);
  }

  // The label is on now (or, on Bitbucket, nothing filters): the delivery of the change starts the review.
  fake.seed(READY, config);
  const ran = await review(labelled);
  assert.equal(ran.status, "completed", `${platform.id}: ${JSON.stringify(ran)}`);
  assert.ok(openai.requests.length > 0, platform.id);

  await skipped(opened, MANUAL, {}, /triggers.mode is "manual": only "@loom review" starts a review/);
  fake.seed({ ...READY, title: "WIP: asked for anyway", draft: true }, MANUAL);
  const asked = await review("manual");
  assert.equal(asked.status, "completed", `${platform.id}: ${JSON.stringify(asked)}`);
}

for (const platform of PLATFORMS) {
  dbTest(
    `triggers filter ${platform.id} deliveries by labels, title, draft, bots and mode`,
    async (database) => {
      await runPlatform(database, platform);
    },
  );
}
