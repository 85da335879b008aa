/**
 * What one source file defines, references and calls, read from its syntax tree in one walk. The tree is
 * deleted before the function returns: the wasm heap holds one file's tree at a time, so indexing 5,000 files
 * needs no more memory than parsing the largest of them.
 */
import type { Node, TreeCursor } from "web-tree-sitter";
import { baseName, calleeName, endLineOf } from "./extract_names.ts";
import { parserFor } from "./grammars.ts";
import type { LanguageId } from "./languages.ts";
import type { Found, LanguageSpec } from "./spec.ts";
import { specFor } from "./specs.ts";

/** A named definition: a function, method, class, interface, struct, type, enum, constant, module. */
export interface Definition {
  name: string;
  kind: string;
  /** First and last line, 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** The class, struct, impl or module it is defined in, when there is one. */
  container?: string;
}

/** A call: the callee's last name (`a.b.save()` → `save`) and its line. */
export interface CallSite {
  callee: string;
  line: number;
}

/** An identifier that is used (or declared) at a line. */
export interface Reference {
  name: string;
  line: number;
}

/** Everything extracted from one file, in source order. */
export interface FileFacts {
  definitions: Definition[];
  calls: CallSite[];
  references: Reference[];
  /** Import specifiers as written: `./util`, `os.path`, `github.com/x/y`, `crate::a::b`, `App\Models\User`. */
  imports: string[];
}

/** The walk's scope: a definition or a container (`impl`, `namespace`) the walk is inside. */
interface Scope {
  endIndex: number;
  name: string;
  kind: string;
}

/** Kinds whose functions are methods. */
const TYPE_KINDS = new Set(["class", "interface", "struct", "trait", "impl", "enum", "record"]);

/** Parses `text` as `language` and extracts its facts; a file that does not parse cleanly still yields what it can. */
export async function extractFacts(language: LanguageId, text: string): Promise<FileFacts> {
  const parser = await parserFor(language);
  const tree = parser.parse(text);
  if (!tree) throw new Error(`The ${language} parser returned no tree`);
  const cursor = tree.walk();
  try {
    return walk(cursor, text, specFor(language));
  } finally {
    cursor.delete();
    tree.delete();
  }
}

function walk(cursor: TreeCursor, text: string, spec: LanguageSpec): FileFacts {
  const facts: FileFacts = { definitions: [], calls: [], references: [], imports: [] };
  const scopes: Scope[] = [];
  for (;;) {
    const type = cursor.nodeType;
    const start = cursor.startIndex;
    while (scopes.length > 0 && start >= scopes[scopes.length - 1].endIndex) scopes.pop();
    if (spec.identifiers.has(type)) {
      facts.references.push({ name: text.slice(start, cursor.endIndex), line: cursor.startPosition.row + 1 });
    } else {
      visit(cursor, spec, scopes, facts);
    }
    if (cursor.gotoFirstChild()) continue;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) return facts;
    }
  }
}

function visit(cursor: TreeCursor, spec: LanguageSpec, scopes: Scope[], facts: FileFacts): void {
  const type = cursor.nodeType;
  const defined = spec.definitions[type];
  const scopeField = spec.scopes?.[type];
  const calleeField = spec.calls[type];
  const importOf = spec.imports[type];
  if (defined === undefined && scopeField === undefined && calleeField === undefined && !importOf) return;
  const node = cursor.currentNode;
  if (defined !== undefined) {
    const found = typeof defined === "string" ? named(node, defined) : defined(node);
    if (found) {
      const parent = scopes.at(-1);
      const container = found.container ?? parent?.name;
      const kind = found.kind === "function" && parent && TYPE_KINDS.has(parent.kind) ? "method" : found.kind;
      facts.definitions.push({
        name: found.name,
        kind,
        startLine: node.startPosition.row + 1,
        endLine: endLineOf(node),
        ...(container ? { container } : {}),
      });
      scopes.push({ endIndex: node.endIndex, name: found.name, kind });
    }
  } else if (scopeField !== undefined) {
    const name = node.childForFieldName(scopeField);
    if (name) scopes.push({ endIndex: node.endIndex, name: baseName(name), kind: "impl" });
  }
  if (calleeField !== undefined) {
    const callee = calleeName(calleeField === "" ? node : node.childForFieldName(calleeField));
    if (callee) facts.calls.push({ callee, line: node.startPosition.row + 1 });
  }
  if (importOf) facts.imports.push(...importOf(node));
}

/** A definition named by its `name` field. */
function named(node: Node, kind: string): Found | null {
  const name = node.childForFieldName("name");
  return name ? { name: baseName(name), kind } : null;
}
