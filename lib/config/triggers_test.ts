import assert from "node:assert/strict";
import { parseRepoConfig } from "./parse.ts";
import { evaluateTriggers, titleHasKeyword, type TriggerInput } from "./triggers.ts";

const BASE: TriggerInput = {
  event: "opened",
  baseRef: "main",
  title: "Add the parser",
  labels: [],
  author: "alice",
  authorIsBot: false,
  draft: false,
  changedPaths: ["src/app.ts"],
};

function triggersFrom(yaml: string) {
  return parseRepoConfig(yaml).triggers;
}

Deno.test("evaluateTriggers() runs for the default triggers", () => {
  assert.deepEqual(evaluateTriggers(triggersFrom(""), BASE), { run: true });
});

Deno.test("evaluateTriggers() decides from events, branches, drafts, authors, bots and paths", async (t) => {
  const cases: {
    name: string;
    yaml: string;
    input: Partial<TriggerInput>;
    run: boolean;
    reason?: RegExp;
  }[] = [
    { name: "every default event runs", yaml: "", input: { event: "ready_for_review" }, run: true },
    {
      name: "an event left out of events is skipped",
      yaml: "triggers: { events: [opened] }",
      input: { event: "synchronize" },
      run: false,
      reason: /Event "synchronize" is not in triggers.events/,
    },
    {
      name: "an empty events list turns reviews off",
      yaml: "triggers: { events: [] }",
      input: {},
      run: false,
      reason: /not in triggers.events/,
    },
    {
      name: "a branch glob matches nested release branches",
      yaml: "triggers: { branches: { include: [main, 'release/**'] } }",
      input: { baseRef: "release/2024/1" },
      run: true,
    },
    {
      name: "a base branch outside include is skipped",
      yaml: "triggers: { branches: { include: [main] } }",
      input: { baseRef: "develop" },
      run: false,
      reason: /Base branch "develop" does not match triggers.branches/,
    },
    {
      name: "a refs/heads/ prefix is ignored",
      yaml: "triggers: { branches: { include: [main] } }",
      input: { baseRef: "refs/heads/main" },
      run: true,
    },
    {
      name: "a negated branch pattern skips",
      yaml: "triggers: { branches: { include: ['**', '!experimental/**'] } }",
      input: { baseRef: "experimental/x" },
      run: false,
      reason: /does not match triggers.branches/,
    },
    {
      name: "branch exclude wins over include",
      yaml: "triggers: { branches: { exclude: ['gh-pages'] } }",
      input: { baseRef: "gh-pages" },
      run: false,
      reason: /does not match triggers.branches/,
    },
    {
      name: "drafts are skipped by default",
      yaml: "",
      input: { draft: true },
      run: false,
      reason: /draft and triggers.drafts is false/,
    },
    {
      name: "drafts run when enabled",
      yaml: "triggers: { drafts: true }",
      input: { draft: true },
      run: true,
    },
    {
      name: "an author outside a non-empty include is skipped",
      yaml: "triggers: { authors: { include: [alice] } }",
      input: { author: "bob" },
      run: false,
      reason: /Author "bob" does not match triggers.authors.include/,
    },
    {
      name: "author include is case-insensitive",
      yaml: "triggers: { authors: { include: [Alice] } }",
      input: { author: "alice" },
      run: true,
    },
    {
      name: "an excluded author is skipped",
      yaml: "triggers: { authors: { exclude: ['intern-*'] } }",
      input: { author: "intern-7" },
      run: false,
      reason: /Author "intern-7" matches triggers.authors.exclude/,
    },
    {
      name: "bots are skipped by default",
      yaml: "",
      input: { author: "dependabot[bot]", authorIsBot: true },
      run: false,
      reason: /is a bot and triggers.authors.bots is false/,
    },
    {
      name: "bots run when enabled",
      yaml: "triggers: { authors: { bots: true } }",
      input: { author: "dependabot[bot]", authorIsBot: true },
      run: true,
    },
    {
      name: "a bot named in include runs even with bots off",
      yaml: "triggers: { authors: { include: ['renovate*'] } }",
      input: { author: "renovate[bot]", authorIsBot: true },
      run: true,
    },
    {
      name: "an excluded bot is skipped even with bots on",
      yaml: "triggers: { authors: { bots: true, exclude: ['dependabot*'] } }",
      input: { author: "dependabot[bot]", authorIsBot: true },
      run: false,
      reason: /matches triggers.authors.exclude/,
    },
    {
      name: "one matching changed path is enough",
      yaml: "triggers: { paths: { include: ['src/**'] } }",
      input: { changedPaths: ["README.md", "src/a.ts"] },
      run: true,
    },
    {
      name: "no matching changed path skips",
      yaml: "triggers: { paths: { include: ['src/**'] } }",
      input: { changedPaths: ["README.md", "docs/a.md"] },
      run: false,
      reason: /None of the 2 changed paths match triggers.paths/,
    },
    {
      name: "a negated path pattern skips docs-only changes",
      yaml: "triggers: { paths: { include: ['!**/*.md'] } }",
      input: { changedPaths: ["README.md", "docs/guide.md"] },
      run: false,
      reason: /match triggers.paths/,
    },
    {
      name: "a negated path pattern keeps code changes",
      yaml: "triggers: { paths: { include: ['!**/*.md'] } }",
      input: { changedPaths: ["README.md", "main.go"] },
      run: true,
    },
    {
      name: "path exclude removes lock files",
      yaml: "triggers: { paths: { exclude: ['**/*.lock', 'package-lock.json'] } }",
      input: { changedPaths: ["package-lock.json", "deno.lock"] },
      run: false,
      reason: /match triggers.paths/,
    },
    {
      name: "a pull request without changed files is skipped",
      yaml: "",
      input: { changedPaths: [] },
      run: false,
      reason: /changes no files/,
    },
  ];
  for (const { name, yaml, input, run, reason } of [...cases, ...NEW_FILTER_CASES]) {
    await t.step(name, () => {
      const decision = evaluateTriggers(triggersFrom(yaml), { ...BASE, ...input });
      assert.equal(decision.run, run);
      if (!decision.run) assert.match(decision.reason, reason!);
    });
  }
});

Deno.test("titleHasKeyword() matches whole words without case", () => {
  assert.equal(titleHasKeyword("WIP: parser", "wip"), true);
  assert.equal(titleHasKeyword("[WIP] parser", "WIP"), true);
  assert.equal(titleHasKeyword("Parser (wip)", "WIP"), true);
  assert.equal(titleHasKeyword("Wipe the cache", "WIP"), false);
  assert.equal(titleHasKeyword("Swipe", "WIP"), false);
  assert.equal(titleHasKeyword("Fix parser [Skip Review]", "[skip review]"), true);
  assert.equal(titleHasKeyword("Fix parser[skip review]now", "[skip review]"), true);
  assert.equal(titleHasKeyword("Fix parser", "   "), false);
});

Deno.test("evaluateTriggers() lets a requested review through every filter of automatic ones", () => {
  const triggers = triggersFrom(`triggers:
  mode: manual
  events: []
  labels: { include: [ai-review], exclude: [no-review] }
  title: { skip_keywords: [WIP] }
  authors: { exclude: [bob] }
`);
  const input: TriggerInput = {
    ...BASE,
    event: "manual",
    title: "WIP: parser",
    labels: ["no-review"],
    author: "bob",
    authorIsBot: true,
    draft: true,
  };
  assert.deepEqual(evaluateTriggers(triggers, input), { run: true });
  // Branches and paths still hold: outside them the configuration wants nothing reviewed.
  const outside = evaluateTriggers(
    triggersFrom("triggers: { mode: manual, branches: { include: [main] } }"),
    {
      ...input,
      baseRef: "develop",
    },
  );
  assert.equal(outside.run, false);
});

Deno.test("evaluateTriggers() does not modify its inputs", () => {
  const triggers = triggersFrom("triggers: { paths: { include: ['src/**'] } }");
  const before = structuredClone(triggers);
  const input = { ...BASE, changedPaths: ["src/a.ts"] };
  evaluateTriggers(triggers, input);
  assert.deepEqual(triggers, before);
  assert.deepEqual(input.changedPaths, ["src/a.ts"]);
});

/** The label, title and mode filters, on the words of every platform's payloads. */
const NEW_FILTER_CASES: {
  name: string;
  yaml: string;
  input: Partial<TriggerInput>;
  run: boolean;
  reason?: RegExp;
}[] = [
  {
    name: "manual mode skips every automatic event",
    yaml: "triggers: { mode: manual }",
    input: { event: "opened" },
    run: false,
    reason: /triggers.mode is "manual": only "@loom review" starts a review/,
  },
  {
    name: "manual mode reviews when asked",
    yaml: "triggers: { mode: manual }",
    input: { event: "manual" },
    run: true,
  },
  {
    name: "auto mode is the default",
    yaml: "triggers: { mode: auto }",
    input: { event: "synchronize" },
    run: true,
  },
  {
    name: "an edit of the title or labels is an event like the others",
    yaml: "triggers: { events: [opened] }",
    input: { event: "edited" },
    run: false,
    reason: /Event "edited" is not in triggers.events/,
  },
  {
    name: "a label in include runs, without case",
    yaml: "triggers: { labels: { include: [AI-Review] } }",
    input: { labels: ["bug", "ai-review"] },
    run: true,
  },
  {
    name: "no label in include skips",
    yaml: "triggers: { labels: { include: [ai-review] } }",
    input: { labels: ["bug"] },
    run: false,
    reason: /None of the labels "bug" match triggers.labels.include/,
  },
  {
    name: "no labels at all with include skips",
    yaml: "triggers: { labels: { include: [ai-review] } }",
    input: { labels: [] },
    run: false,
    reason: /has no labels and triggers.labels.include is set/,
  },
  {
    name: "an excluded label skips, without case",
    yaml: "triggers: { labels: { exclude: [no-review] } }",
    input: { labels: ["No-Review"] },
    run: false,
    reason: /Label "No-Review" matches triggers.labels.exclude/,
  },
  {
    name: "exclude wins over include",
    yaml: "triggers: { labels: { include: [ai-review], exclude: [no-review] } }",
    input: { labels: ["ai-review", "no-review"] },
    run: false,
    reason: /matches triggers.labels.exclude/,
  },
  {
    name: "a platform without labels runs when only exclude is set",
    yaml: "triggers: { labels: { exclude: [no-review] } }",
    input: { labels: null },
    run: true,
  },
  {
    name: "a platform without labels skips when include is set",
    yaml: "triggers: { labels: { include: [ai-review] } }",
    input: { labels: null },
    run: false,
    reason: /This platform has no labels/,
  },
  {
    name: "the default skip keywords skip",
    yaml: "",
    input: { title: "Bump deps [skip review]" },
    run: false,
    reason: /Title contains "\[skip review\]" \(triggers.title.skip_keywords\)/,
  },
  {
    name: "a configured keyword skips as a whole word",
    yaml: "triggers: { title: { skip_keywords: [WIP] } }",
    input: { title: "wip: parser" },
    run: false,
    reason: /Title contains "WIP"/,
  },
  {
    name: "a keyword inside a longer word does not skip",
    yaml: "triggers: { title: { skip_keywords: [WIP] } }",
    input: { title: "Wipe stale caches" },
    run: true,
  },
  {
    name: "an empty keyword list turns the check off",
    yaml: "triggers: { title: { skip_keywords: [] } }",
    input: { title: "Bump deps [skip review]" },
    run: true,
  },
];
