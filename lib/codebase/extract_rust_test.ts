import assert from "node:assert/strict";
import { contextFor } from "../../tests/support/code_index.ts";
import { extractFacts } from "./extract.ts";

const CACHE = `use crate::store::{Item, Store};
use std::collections::HashMap;

mod keys;

/// Entries kept before the oldest is evicted.
pub const CAPACITY: usize = 1024;

pub struct Cache {
    items: HashMap<String, Item>,
}

pub trait Lookup {
    fn lookup(&self, id: &str) -> Option<Item>;
}

impl Lookup for Cache {
    fn lookup(&self, id: &str) -> Option<Item> {
        let key = keys::normalise(id);
        self.items.get(&key).cloned()
    }
}

impl Cache {
    pub fn new() -> Self {
        Cache { items: HashMap::with_capacity(CAPACITY) }
    }
}

macro_rules! cached {
    ($cache:expr, $id:expr) => {
        $cache.lookup($id)
    };
}

pub mod metrics {
    pub fn hits() -> u64 {
        0
    }
}
`;

Deno.test("Rust: functions, impl methods with their type, structs, traits, consts, macros, modules, uses", async () => {
  const facts = await extractFacts("rust", CACHE);
  assert.deepEqual(
    facts.definitions.map((d) => [d.name, d.kind, d.startLine, d.endLine, d.container ?? ""]),
    [
      ["CAPACITY", "const", 7, 7, ""],
      ["Cache", "struct", 9, 11, ""],
      ["Lookup", "trait", 13, 15, ""],
      ["lookup", "method", 14, 14, "Lookup"],
      ["lookup", "method", 18, 21, "Cache"],
      ["new", "method", 25, 27, "Cache"],
      ["cached", "function", 30, 34, ""],
      ["metrics", "module", 36, 40, ""],
      ["hits", "function", 37, 39, "metrics"],
    ],
  );
  assert.deepEqual(facts.imports, ["crate::store", "std::collections::HashMap", "./keys"]);
  assert.deepEqual(facts.calls.filter((call) => call.line === 19 || call.line === 26), [
    { callee: "normalise", line: 19, receiver: "keys" },
    { callee: "Cache", line: 26 },
    { callee: "with_capacity", line: 26, receiver: "HashMap" },
  ]);
});

const KEYS = `/// Lower-cases and trims an id so equal ids share one entry.
pub fn normalise(id: &str) -> String {
    id.trim().to_lowercase()
}
`;

const SERVER = `use crate::cache::Cache;

pub fn serve(cache: &Cache, id: &str) -> String {
    match cache.lookup(id) {
        Some(item) => item.name,
        None => String::new(),
    }
}
`;

Deno.test("Rust: a changed method gets the function of a declared module and its callers", async () => {
  const head = CACHE.replace("let key = keys::normalise(id);", "let key = keys::normalise(id.trim());");
  const blocks = await contextFor(
    {
      "src/cache.rs": head,
      "src/cache/keys.rs": KEYS,
      "src/server.rs": SERVER,
    },
    "src/cache.rs",
    CACHE,
  );
  assert.deepEqual(blocks, [
    "definition src/cache/keys.rs:1-4 normalise",
    "caller src/server.rs:3-8 serve",
    "neighbour src/cache/keys.rs:2-2",
  ]);
});
