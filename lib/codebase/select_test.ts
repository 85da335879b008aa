import assert from "node:assert/strict";
import { buildCodeIndex } from "./code_index.ts";
import { parseCodeIndex, serializeCodeIndex } from "./serialize.ts";
import { selectContext } from "./select.ts";
import { contextFor, countWords, diffOf, repository } from "../../tests/support/code_index.ts";

const RETRY = `/** How often and how long to retry. */
export interface Policy {
  attempts: number;
  delayMs: number;
}

/** Runs \`task\` until it succeeds or the policy's attempts are spent. */
export async function retry<T>(task: () => Promise<T>, policy: Policy): Promise<T> {
  let last: unknown;
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    try {
      return await task();
    } catch (error) {
      last = error;
    }
  }
  throw last;
}
`;

const CLIENT_BASE = `import { type Policy, retry } from "./retry.ts";

const DEFAULT_POLICY: Policy = { attempts: 3, delayMs: 100 };

export async function send(url: string, body: string): Promise<Response> {
  const started = Date.now();
  const headers = { "content-type": "application/json" };
  const request = { method: "POST", headers, body };
  const response = await fetch(url, request);
  if (!response.ok) throw new Error(\`\${url}: \${response.status}\`);
  console.debug(url, Date.now() - started);
  return response;
}
`;

const CLIENT_HEAD = CLIENT_BASE.replace(
  "  const response = await fetch(url, request);",
  "  const response = await retry(() => fetch(url, request), DEFAULT_POLICY);",
);

const USERS = `import { send } from "../client.ts";

export async function loadUser(id: string): Promise<unknown> {
  const response = await send(\`/users/\${id}\`, "{}");
  return await response.json();
}
`;

/** An unrelated function of the same name: the imported one must win. */
const OTHER_RETRY = `export function retry(count: number): number {
  return count + 1;
}
`;

const SERVICE_BASE = `from .store import Store


def archive(store: Store, item_id: str) -> None:
    item = store.get(item_id)
    item.archived = True
    store.put(item)
`;

const SERVICE_HEAD = SERVICE_BASE.replace(
  "    store.put(item)",
  "    store.put(item, reason=ARCHIVE_REASON)",
);

const STORE = `ARCHIVE_REASON = "archived by user"


class Store:
    def get(self, item_id):
        return self.items[item_id]

    def put(self, item, reason=None):
        self.items[item.id] = item
        self.log.append(reason)
`;

const JOBS = `from .service import archive


def nightly(store):
    for item_id in store.expired():
        archive(store, item_id)
`;

const FILES = {
  "src/retry.ts": RETRY,
  "src/client.ts": CLIENT_HEAD,
  "src/api/users.ts": USERS,
  "tools/retry.ts": OTHER_RETRY,
  "app/service.py": SERVICE_HEAD,
  "app/store.py": STORE,
  "app/jobs.py": JOBS,
  "AGENTS.md": "Keep functions small.\nEvery change has a test.\nNo network in tests.\n",
  "src/AGENTS.md":
    "Network calls go through retry().\nLog durations at debug level.\nNever swallow errors.\n",
  "lib/AGENTS.md": "Unrelated rules for another folder.\nOne.\nTwo.\n",
  ".loom/rules/security.md": "Never log request bodies.\nValidate URLs.\nNo secrets in code.\n",
  "docs/notes.md": "Not a guideline.\n",
};

async function request(budgetTokens = 10_000) {
  const repo = repository(FILES);
  return {
    index: await buildCodeIndex(repo.files),
    files: [diffOf("src/client.ts", CLIENT_BASE, CLIENT_HEAD)],
    readFile: repo.readFile,
    budgetTokens,
    countTokens: countWords,
  };
}

Deno.test("selectContext gives the imported definitions a changed line uses, not a same-named one elsewhere", async () => {
  const selection = await selectContext(await request());
  const definitions = selection.blocks.filter((block) => block.kind === "definition");
  assert.deepEqual(definitions.map((block) => [block.source, block.symbol]), [
    ["src/retry.ts:7-18", "retry"],
    ["src/client.ts:3-3", "DEFAULT_POLICY"],
    ["src/retry.ts:1-5", "Policy"],
  ], "Policy is DEFAULT_POLICY's type: a related type, after the definitions the line uses");
  assert.equal(definitions[0].text, RETRY.split("\n").slice(6, 18).join("\n"));
  assert.ok(definitions[0].text.startsWith("/** Runs `task`"), "the doc comment comes with the definition");
  assert.ok(!selection.blocks.some((block) => block.path === "tools/retry.ts"));
});

Deno.test("selectContext ranks definitions, enclosing scope, callers, guidelines, neighbours", async () => {
  const selection = await selectContext(await request());
  assert.deepEqual(selection.blocks.map((block) => `${block.kind} ${block.source}`), [
    "definition src/retry.ts:7-18",
    "definition src/client.ts:3-3",
    "enclosing src/client.ts:5-13",
    "caller src/api/users.ts:3-6",
    "definition src/retry.ts:1-5",
    "guideline .loom/rules/security.md",
    "guideline src/AGENTS.md",
    "guideline AGENTS.md",
    "neighbour src/retry.ts:2-8",
  ]);
  const neighbour = selection.blocks.at(-1)!;
  assert.equal(
    neighbour.text,
    "2: export interface Policy {\n8: export async function retry<T>(task: () => Promise<T>, policy: Policy): Promise<T> {",
  );
  assert.equal(selection.blocks.find((block) => block.kind === "caller")!.symbol, "loadUser");
  assert.deepEqual(selection.omitted, { blocks: 0, tokens: 0 });
  for (const block of selection.blocks) {
    assert.equal(
      block.tokens,
      countWords(`#### ${block.kind}: ${block.source}\n${block.text}`),
      "text and heading",
    );
  }
});

Deno.test("selectContext resolves Python references through relative imports and finds callers", async () => {
  const selection = await selectContext({
    ...await request(),
    files: [diffOf("app/service.py", SERVICE_BASE, SERVICE_HEAD)],
  });
  assert.deepEqual(
    selection.blocks.map((block) => `${block.kind} ${block.source} ${block.symbol ?? ""}`.trim()),
    [
      "definition app/store.py:8-10 put",
      "definition app/store.py:1-1 ARCHIVE_REASON",
      "caller app/jobs.py:4-6 nightly",
      "definition app/store.py:4-10 Store",
      "guideline .loom/rules/security.md",
      "guideline AGENTS.md",
      "neighbour app/store.py:1-4",
    ],
  );
});

Deno.test("selectContext skips a definition the diff already shows in full", async () => {
  async function definitionsGiven(gap: string) {
    const base =
      `export function mean(values: number[]): number {\n  return 0;\n}\n${gap}const total = (values: number[]) => values.reduce((a, b) => a + b, 0);\n`;
    const head = base.replace("  return 0;", "  return total(values) / values.length;");
    const repo = repository({ "src/stats.ts": head });
    const selection = await selectContext({
      index: await buildCodeIndex(repo.files),
      files: [diffOf("src/stats.ts", base, head)],
      readFile: repo.readFile,
      budgetTokens: 1000,
      countTokens: countWords,
    });
    return selection.blocks.map((block) => `${block.kind} ${block.source}`);
  }
  assert.deepEqual(await definitionsGiven(""), [], "total() is on a context line of the diff");
  assert.deepEqual(
    await definitionsGiven("\n\n\n"),
    ["definition src/stats.ts:7-7"],
    "three lines further it is not",
  );
});

Deno.test("selectContext options turn off kinds of context", async () => {
  const base = await request();
  const noCallers = await selectContext({ ...base, options: { callers: false } });
  assert.ok(!noCallers.blocks.some((block) => block.kind === "caller"));
  assert.ok(noCallers.blocks.some((block) => block.kind === "definition"));
  const noGuidelines = await selectContext({ ...base, options: { guidelines: false } });
  assert.ok(!noGuidelines.blocks.some((block) => block.kind === "guideline"));
  const guidelinesOnly = await selectContext({ ...base, options: { symbols: false, callers: false } });
  assert.deepEqual([...new Set(guidelinesOnly.blocks.map((block) => block.kind))], ["guideline"]);
});

Deno.test("selectContext packs into the budget: the best blocks first, the rest cut or counted as omitted", async () => {
  const full = await selectContext(await request());
  const total = full.blocks.reduce((sum, block) => sum + block.tokens, 0);
  const budget = Math.floor(total / 2);
  const packed = await selectContext(await request(budget));
  const used = packed.blocks.reduce((sum, block) => sum + block.tokens, 0);
  assert.ok(used <= budget, `${used} tokens used of ${budget}`);
  assert.equal(packed.blocks[0].source, "src/retry.ts:7-18");
  assert.ok(packed.omitted.blocks > 0);
  assert.ok(packed.omitted.tokens >= total - used - 10 * packed.blocks.length);
  const none = await selectContext(await request(0));
  assert.deepEqual(none.blocks, []);
  assert.equal(none.omitted.blocks, full.blocks.length);
  assert.equal(none.omitted.tokens, total);
});

Deno.test("selectContext gives the same blocks for the same request", async () => {
  const first = await selectContext(await request(120));
  const second = await selectContext(await request(120));
  assert.equal(JSON.stringify(second), JSON.stringify(first));
});

Deno.test("selectContext gives a method below the lines a long class is cut to as a block of its own", async () => {
  const fields = Array.from({ length: 70 }, (_, i) => `  field${i} = ${i};`).join("\n");
  const registry =
    `export class Registry {\n${fields}\n  lookup(name: string): number {\n    return 0;\n  }\n}\n`;
  const base =
    `import { Registry } from "./registry.ts";\n\nexport function find(registry: Registry): number {\n  return 1;\n}\n`;
  const head = base.replace("  return 1;", '  return (registry as Registry).lookup("a");');
  const blocks = await contextFor({ "src/registry.ts": registry, "src/find.ts": head }, "src/find.ts", base);
  assert.deepEqual(blocks.filter((block) => block.startsWith("definition")), [
    "definition src/registry.ts:1-60 Registry",
    "definition src/registry.ts:72-74 lookup",
  ]);
});

Deno.test("selectContext gives the same blocks from an index read back from its serialised form", async () => {
  const direct = await request(300);
  const cached = { ...direct, index: parseCodeIndex(serializeCodeIndex(direct.index)) };
  assert.equal(JSON.stringify(await selectContext(cached)), JSON.stringify(await selectContext(direct)));
});
