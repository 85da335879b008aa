import assert from "node:assert/strict";
import { dbTest } from "../db/testing.ts";
import { createRepo } from "../db/repos.ts";
import { startReview } from "../db/reviews.ts";
import { sql } from "../db/mod.ts";
import { silentLogger } from "../log.ts";
import { parseDiff } from "../diff/parse.ts";
import { parseRepoConfig } from "../config/parse.ts";
import { readTarGz } from "../platforms/archive.ts";
import { type PlatformClient, PlatformError, type PullRequestRef } from "../platforms/types.ts";
import { makeGitDiff } from "../../tests/fakes/git_diff.ts";
import { tarGzOf } from "../../tests/fakes/archive.ts";
import { type CodeContextInput, createCodeContext } from "./code_context.ts";
import { renderSummary } from "./format.ts";
import type { Db } from "../db/mod.ts";

const REF: PullRequestRef = { platform: "github", repo: "octo/shop", number: 7 };
const PRICING_BASE = "export function price(amount: number): number {\n  return amount;\n}\n";
const PRICING_HEAD = "export function price(amount: number, currency: string): number {\n" +
  "  return currency === 'EUR' ? amount * 0.9 : amount;\n}\n";
const PRICING_LATER = `${PRICING_HEAD}\nexport function free(): number {\n  return price(0, "USD");\n}\n`;
const CHECKOUT = "import { price } from './pricing.ts';\n\n" +
  "export function checkoutTotal(items: { amount: number }[]): number {\n" +
  "  let total = 0;\n  for (const item of items) total += price(item.amount);\n  return total;\n}\n";
const ORDERS = "import { price } from './pricing.ts';\n\n" +
  "export function orderLine(amount: number): string {\n  return `${price(amount)} total`;\n}\n";
const AGENTS = `# Agents\n\n${
  "Prices are integer cents everywhere; never use floats for money.\n".repeat(40)
}`;

/** A platform client over commits held in memory, counting what it is asked. */
function fakeClient(commits: Record<string, Record<string, string>>, compares: Record<string, string> = {}) {
  const calls = { archive: 0, getFile: [] as string[], compare: 0 };
  const client = {
    platform: "github",
    getFile: (_pr: PullRequestRef, path: string, ref: string) => {
      calls.getFile.push(path);
      return Promise.resolve(commits[ref]?.[path] ?? null);
    },
    getArchive: (_pr: PullRequestRef, sha: string, options: { limits?: object } = {}) => {
      calls.archive++;
      const files = commits[sha];
      if (!files) return Promise.reject(new PlatformError("Not Found", { platform: "github", status: 404 }));
      return Promise.resolve(readTarGz(tarGzOf("octo-shop-abc", Object.entries(files)), options.limits));
    },
    getCompareDiff: (_pr: PullRequestRef, base: string, head: string) => {
      calls.compare++;
      return Promise.resolve(compares[`${base}...${head}`] ?? null);
    },
  } as unknown as PlatformClient;
  return { client, calls };
}

async function setup(db: Db) {
  const repo = await createRepo(db, { platform: "github", fullName: REF.repo, webhookSecret: "x" });
  const diff = await makeGitDiff({ "src/pricing.ts": { base: PRICING_BASE, head: PRICING_HEAD } });
  const head = {
    "src/pricing.ts": PRICING_HEAD,
    "src/checkout.ts": CHECKOUT,
    "src/orders.ts": ORDERS,
    "AGENTS.md": AGENTS,
    "README.md": "# Shop\n",
  };
  return { repo, diff, files: parseDiff(diff.diff), head };
}

function input(
  db: Db,
  base: {
    repo: { id: number };
    diff: { headSha: string; baseSha: string };
    files: ReturnType<typeof parseDiff>;
  },
  client: PlatformClient,
  overrides: Partial<CodeContextInput> = {},
): CodeContextInput {
  return {
    db,
    log: silentLogger,
    client,
    ref: REF,
    repoId: base.repo.id,
    headSha: base.diff.headSha,
    baseSha: base.diff.baseSha,
    files: base.files,
    signal: new AbortController().signal,
    options: { symbols: true, callers: true, guidelines: true, max_share: 0.4 },
    readHeadFile: (path) => client.getFile(REF, path, base.diff.headSha),
    ...overrides,
  };
}

const quarter = (text: string) => Math.ceil(text.length / 4);

function summaryInput(headSha: string) {
  return {
    headSha,
    filesReviewed: 1,
    inline: [],
    unanchored: [],
    alreadyPosted: 0,
    skippedFiles: [],
    steps: [],
    costUsd: 0,
  };
}

dbTest(
  "createCodeContext() selects a chunk's blocks once for all its steps, within its share of the budget",
  async ({ db }) => {
    const base = await setup(db);
    const { client, calls } = fakeClient({ [base.diff.headSha]: base.head });
    // 0.5 × 400 = 200 tokens: both callers fit, the long guideline does not.
    const context = createCodeContext(input(db, base, client, {
      chunkTokens: 400,
      options: { symbols: true, callers: true, guidelines: true, max_share: 0.5 },
    }))!;
    const chunk = base.files.map((file) => ({ file }));
    const first = await context.contextFor({ files: chunk, countTokens: quarter });
    // Another step over the same chunk, with another model's counter: the same blocks, nothing asked again.
    const second = await context.contextFor({ files: chunk, countTokens: (text) => text.length });
    assert.deepEqual(second, first);
    assert.equal(calls.archive, 1);
    assert.deepEqual(
      first.map((block) => `${block.kind} ${block.source}`).filter((line) => line.startsWith("caller")),
      ["caller src/checkout.ts:3-7", "caller src/orders.ts:3-5"],
    );
    assert.ok(
      first.reduce((sum, block) => sum + quarter(block.text), 0) <= 200,
      "within max_share × chunkTokens",
    );
    const coverage = context.coverage()!;
    assert.equal(coverage.blocks, first.length);
    assert.ok(coverage.omittedTokens > 0, `the guideline did not fit: ${JSON.stringify(coverage)}`);
    assert.equal(coverage.note, undefined);

    const summary = renderSummary({ ...summaryInput(base.diff.headSha), codeContext: coverage });
    const given =
      `Code context: ${coverage.blocks} blocks (${coverage.tokens} tokens) of repository code and ` +
      "guidelines beside the diff";
    assert.ok(
      summary.includes(
        coverage.omittedBlocks > 0
          ? `${given}; ${coverage.omittedBlocks} more (${coverage.omittedTokens} tokens) did not fit its budget.`
          : `${given}; ${coverage.omittedTokens} tokens were cut to fit its budget.`,
      ),
      summary,
    );
    const left = renderSummary({
      ...summaryInput(base.diff.headSha),
      codeContext: { ...coverage, omittedBlocks: 2 },
    });
    assert.match(left, /; 2 more \([\d,]+ tokens\) did not fit its budget\./);
    const saved = await db.query<{ commitSha: string; complete: unknown }>(
      sql`select commit_sha, complete from code_indexes`,
    );
    assert.deepEqual(saved.map((row) => [row.commitSha, !!row.complete]), [[base.diff.headSha, true]]);
  },
);

dbTest("context: false (or every kind off) builds no index and downloads nothing", async ({ db }) => {
  const base = await setup(db);
  const { client, calls } = fakeClient({ [base.diff.headSha]: base.head });
  for (
    const yaml of ["context: false", "context:\n  symbols: false\n  callers: false\n  guidelines: false"]
  ) {
    const { context: options } = parseRepoConfig(yaml);
    assert.equal(createCodeContext(input(db, base, client, { options })), undefined, yaml);
  }
  assert.deepEqual(parseRepoConfig("context: true").context, parseRepoConfig("").context);
  assert.equal(calls.archive, 0);
  assert.deepEqual(calls.getFile, []);
});

dbTest(
  "a later head updates an earlier head's cached index from the comparison, without the archive",
  async ({ db }) => {
    const base = await setup(db);
    const later = await makeGitDiff({ "src/pricing.ts": { base: PRICING_BASE, head: PRICING_LATER } });
    const pushed = await makeGitDiff({ "src/pricing.ts": { base: PRICING_HEAD, head: PRICING_LATER } });
    const { client, calls } = fakeClient({
      [base.diff.headSha]: base.head,
      [later.headSha]: { ...base.head, "src/pricing.ts": PRICING_LATER },
    }, { [`${base.diff.headSha}...${later.headSha}`]: pushed.diff });
    await startReview(db, {
      repoId: base.repo.id,
      prNumber: REF.number,
      headSha: base.diff.headSha,
      title: "t",
      author: "a",
    });
    const first = createCodeContext(input(db, base, client))!;
    await first.contextFor({ files: base.files.map((file) => ({ file })), countTokens: quarter });
    assert.equal(calls.archive, 1);

    calls.getFile = [];
    const laterFiles = parseDiff(later.diff);
    const next = createCodeContext(input(db, { ...base, diff: later, files: laterFiles }, client, {
      readHeadFile: (path) => client.getFile(REF, path, later.headSha),
    }))!;
    const blocks = await next.contextFor({
      files: laterFiles.map((file) => ({ file })),
      countTokens: quarter,
    });
    assert.equal(calls.archive, 1, "no second download");
    assert.equal(calls.compare, 1);
    assert.ok(blocks.some((block) => block.kind === "caller" && block.source.startsWith("src/checkout.ts:")));
    assert.equal(next.coverage()?.note, undefined);
    const saved = await db.query<{ commitSha: string }>(
      sql`select commit_sha from code_indexes order by created_at`,
    );
    assert.deepEqual(saved.map((row) => row.commitSha).sort(), [base.diff.headSha, later.headSha].sort());
  },
);

dbTest("an archive cut at its cap is used, kept as incomplete, and the summary says so", async ({ db }) => {
  const base = await setup(db);
  const { client } = fakeClient({ [base.diff.headSha]: base.head });
  const context = createCodeContext(input(db, base, client, { limits: { maxFiles: 2 } }))!;
  await context.contextFor({ files: base.files.map((file) => ({ file })), countTokens: quarter });
  assert.match(context.coverage()?.note ?? "", /larger than the index reads \(stopped after 2 files/);
  const saved = await db.query<{ complete: unknown }>(sql`select complete from code_indexes`);
  assert.deepEqual(saved.map((row) => !!row.complete), [false]);
  // The next review of the same head reads it from the cache and still says it is partial.
  const again = createCodeContext(input(db, base, client, { limits: { maxFiles: 2 } }))!;
  await again.contextFor({ files: base.files.map((file) => ({ file })), countTokens: quarter });
  assert.match(again.coverage()?.note ?? "", /larger than the index reads/);
});

dbTest(
  "an archive the platform refuses falls back to the diff's files, uncached, and says why",
  async ({ db }) => {
    const base = await setup(db);
    const { client, calls } = fakeClient({});
    const context = createCodeContext(input(db, base, client, {
      readHeadFile: (path) => Promise.resolve(path === "src/pricing.ts" ? PRICING_HEAD : null),
    }))!;
    const blocks = await context.contextFor({
      files: base.files.map((file) => ({ file })),
      countTokens: quarter,
    });
    assert.equal(calls.archive, 1);
    assert.ok(
      !blocks.some((block) => block.source.startsWith("src/checkout.ts")),
      "nothing outside the diff",
    );
    assert.match(
      context.coverage()?.note ?? "",
      /^the repository index was unavailable \(the repository could not be read \(Not Found\)\), so only the changed files were read$/,
    );
    assert.equal((await db.query(sql`select 1 from code_indexes`)).length, 0);
  },
);

dbTest("a cancelled job is not turned into a fallback", async ({ db }) => {
  const base = await setup(db);
  const { client } = fakeClient({ [base.diff.headSha]: base.head });
  const controller = new AbortController();
  controller.abort(new DOMException("cancelled", "AbortError"));
  const context = createCodeContext(input(db, base, client, { signal: controller.signal }))!;
  await assert.rejects(
    context.contextFor({ files: base.files.map((file) => ({ file })), countTokens: quarter }),
    (error: unknown) => error instanceof DOMException && error.name === "AbortError",
  );
});

Deno.test("joinContext() gives each source's blocks in turn, and nothing when there is no source", async () => {
  const { joinContext } = await import("./review_context.ts");
  const ticket = { kind: "ticket", source: "#12", text: "Prices take a currency." };
  const caller = { kind: "caller", source: "src/checkout.ts:3-7", text: "price(item.amount)" };
  assert.equal(joinContext(undefined, undefined), undefined);
  const joined = joinContext(() => Promise.resolve([ticket]), undefined, () => Promise.resolve([caller]))!;
  assert.deepEqual(await joined({ files: [], countTokens: quarter }), [ticket, caller]);
});
