import assert from "node:assert/strict";
import { extractFacts } from "./extract.ts";
import { languageOf } from "./languages.ts";

const TYPESCRIPT = `import { retry, type Policy } from "./retry.ts";
import * as log from "../log.ts";
export { helper } from "./helper.ts";

export const MAX_ATTEMPTS = 3;
let counter = 0;

/** Sends one request. */
export async function send(url: string, policy: Policy): Promise<Response> {
  const response = await retry(() => fetch(url), policy);
  log.info("sent", { url });
  return response;
}

export const parse = (text: string): Payload => JSON.parse(text);

export interface Payload {
  id: string;
}

export type Handler = (payload: Payload) => void;

export enum Mode {
  Fast,
  Safe,
}

export abstract class Client<T> extends Base implements Sender {
  private readonly onError = (error: Error) => this.report(error);

  constructor(private readonly policy: Policy) {
    super();
  }

  async get(id: string): Promise<T> {
    return this.decode(await send(\`/items/\${id}\`, this.policy));
  }

  abstract decode(response: Response): Promise<T>;
}

namespace Internal {
  export function reset(): void {
    counter = 0;
  }
}
`;

Deno.test("TypeScript: definitions with kinds, containers and line ranges", async () => {
  const facts = await extractFacts("typescript", TYPESCRIPT);
  assert.deepEqual(
    facts.definitions.map((d) => [d.name, d.kind, d.startLine, d.endLine, d.container ?? ""]),
    [
      ["MAX_ATTEMPTS", "const", 5, 5, ""],
      ["send", "function", 9, 13, ""],
      ["parse", "function", 15, 15, ""],
      ["Payload", "interface", 17, 19, ""],
      ["Handler", "type", 21, 21, ""],
      ["Mode", "enum", 23, 26, ""],
      ["Client", "class", 28, 40, ""],
      ["onError", "method", 29, 29, "Client"],
      ["constructor", "method", 31, 33, "Client"],
      ["get", "method", 35, 37, "Client"],
      ["decode", "method", 39, 39, "Client"],
      ["Internal", "namespace", 42, 46, ""],
      ["reset", "function", 43, 45, "Internal"],
    ],
  );
});

Deno.test("TypeScript: calls by last name, imports as written, identifiers and types referenced", async () => {
  const facts = await extractFacts("typescript", TYPESCRIPT);
  assert.deepEqual(facts.imports, ["./retry.ts", "../log.ts", "./helper.ts"]);
  assert.deepEqual(facts.calls.filter((call) => call.line === 10 || call.line === 11 || call.line === 36), [
    { callee: "retry", line: 10 },
    { callee: "fetch", line: 10 },
    { callee: "info", line: 11, receiver: "log" },
    { callee: "decode", line: 36 },
    { callee: "send", line: 36 },
  ]);
  const onLine9 = facts.references.filter((reference) => reference.line === 9).map((reference) =>
    reference.name
  );
  assert.deepEqual(onLine9, ["send", "url", "policy", "Policy", "Promise", "Response"]);
});

Deno.test("TSX and JavaScript: components, classes and arrow functions", async () => {
  const tsx = `import { useState } from "preact/hooks";
export function Counter({ start }: { start: number }) {
  const [count, setCount] = useState(start);
  return <button onClick={() => setCount(count + 1)}>{format(count)}</button>;
}
`;
  const facts = await extractFacts("tsx", tsx);
  assert.deepEqual(facts.definitions.map((d) => [d.name, d.kind, d.startLine, d.endLine]), [[
    "Counter",
    "function",
    2,
    5,
  ]]);
  assert.deepEqual(facts.calls.map((call) => call.callee), ["useState", "setCount", "format"]);

  const js = `const { join } = require("node:path");
class Store {
  constructor(root) { this.root = root; }
  path(name) { return join(this.root, name); }
}
module.exports.open = function open(root) { return new Store(root); };
const load = async (root) => open(root).path("x");
`;
  const javascript = await extractFacts("javascript", js);
  assert.deepEqual(javascript.definitions.map((d) => [d.name, d.kind, d.startLine, d.container ?? ""]), [
    ["Store", "class", 2, ""],
    ["constructor", "method", 3, "Store"],
    ["path", "method", 4, "Store"],
    ["load", "function", 7, ""],
  ]);
  assert.deepEqual(javascript.calls.map((call) => call.callee), ["require", "join", "Store", "path", "open"]);
});

const PYTHON = `import os.path
from typing import Optional
from .store import Store, open_store as opener
from . import events

DEFAULT_ROOT = "/var/lib/app"
cache = {}


class Repository(Base):
    """Items on disk."""

    def __init__(self, root: str = DEFAULT_ROOT) -> None:
        self.store = Store(root)

    @property
    def size(self) -> int:
        return len(self.store.items())

    def save(self, item: "Item") -> Optional[str]:
        def key(value):
            return os.path.join(self.store.root, value.id)
        events.emit("save", key(item))
        return self.store.put(key(item), item)


async def load(root):
    return await opener(root).read_all()
`;

Deno.test("Python: classes, methods, nested functions, module constants, imports", async () => {
  const facts = await extractFacts("python", PYTHON);
  assert.deepEqual(
    facts.definitions.map((d) => [d.name, d.kind, d.startLine, d.endLine, d.container ?? ""]),
    [
      ["DEFAULT_ROOT", "const", 6, 6, ""],
      ["Repository", "class", 10, 24, ""],
      ["__init__", "method", 13, 14, "Repository"],
      ["size", "method", 17, 18, "Repository"],
      ["save", "method", 20, 24, "Repository"],
      ["key", "function", 21, 22, "save"],
      ["load", "function", 27, 28, ""],
    ],
  );
  assert.deepEqual(facts.imports, ["os.path", "typing", ".store", ".events"]);
  assert.deepEqual(facts.calls.filter((call) => call.line >= 22 && call.line <= 24), [
    { callee: "join", line: 22, receiver: "path" },
    { callee: "emit", line: 23, receiver: "events" },
    { callee: "key", line: 23 },
    { callee: "put", line: 24, receiver: "store" },
    { callee: "key", line: 24 },
  ]);
  const onLine13 = facts.references.filter((reference) => reference.line === 13).map((reference) =>
    reference.name
  );
  assert.deepEqual(onLine13, ["__init__", "self", "root", "str", "DEFAULT_ROOT"]);
});

Deno.test("languageOf: extensions and names the index parses, null for the rest", () => {
  assert.deepEqual(
    [
      "a.ts",
      "b.mts",
      "c.tsx",
      "d.jsx",
      "e.cjs",
      "f.py",
      "g.go",
      "h.java",
      "i.rs",
      "j.cs",
      "k.rb",
      "Rakefile",
      "l.php",
    ]
      .map(languageOf),
    [
      "typescript",
      "typescript",
      "tsx",
      "javascript",
      "javascript",
      "python",
      "go",
      "java",
      "rust",
      "csharp",
      "ruby",
      "ruby",
      "php",
    ],
  );
  assert.deepEqual([".env", "README.md", "Makefile", "x.json", "noext"].map(languageOf), [
    null,
    null,
    null,
    null,
    null,
  ]);
});
