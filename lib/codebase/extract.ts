/**
 * What one source file defines, references and calls, read from its syntax tree in one walk. The tree is
 * deleted before the function returns: the wasm heap holds one file's tree at a time, so indexing 5,000 files
 * needs no more memory than parsing the largest of them.
 */
import { type Node, type Parser, Query, type QueryCapture } from "web-tree-sitter";
import { baseName, calleeName, endLineOf, receiverName } from "./extract_names.ts";
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
  /** The last name of what it is called on, when it is a name: `Billing::Charge.call` → `Charge`, `money.Add` → `money`. */
  receiver?: string;
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

/**
 * The queries that find a language's nodes of interest: the definition, scope, call and import node types of
 * its rules, and (for references) its identifier types. Types a grammar does not have are left out, so one
 * rule table serves grammars that differ (TypeScript and JavaScript).
 */
interface LanguageQueries {
  structure: Query;
  withReferences: Query;
}

const queries = new Map<LanguageId, LanguageQueries>();

function queriesFor(language: LanguageId, parser: Parser): LanguageQueries {
  let found = queries.get(language);
  if (found) return found;
  const grammar = parser.language!;
  const spec = specFor(language);
  const known = (types: Iterable<string>) =>
    [...new Set(types)].filter((type) => grammar.idForNodeType(type, true) !== null).map((type) =>
      `(${type})`
    );
  const structure = `[${
    known([
      ...Object.keys(spec.definitions),
      ...Object.keys(spec.scopes ?? {}),
      ...Object.keys(spec.calls),
      ...Object.keys(spec.imports),
    ]).join(" ")
  }] @node`;
  const references = `[${known(spec.identifiers).join(" ")}] @reference`;
  found = {
    structure: new Query(grammar, structure),
    withReferences: new Query(grammar, `${structure}\n${references}`),
  };
  queries.set(language, found);
  return found;
}

/**
 * Parses `text` as `language` and extracts its facts; a file that does not parse cleanly still yields what it
 * can. The index leaves out `references` (every identifier of 5,000 files is not kept, and capturing them
 * doubles the time): only the changed files of a review need them.
 */
export async function extractFacts(
  language: LanguageId,
  text: string,
  options: { references?: boolean } = {},
): Promise<FileFacts> {
  const parser = await parserFor(language);
  const tree = parser.parse(text);
  if (!tree) throw new Error(`The ${language} parser returned no tree`);
  try {
    const { structure, withReferences } = queriesFor(language, parser);
    // Captures come in document order, so a definition comes before what is inside it; tree-sitter runs the
    // query inside wasm and hands over only the matching nodes, where a walk would cross into wasm at every node.
    const captures = (options.references === false ? structure : withReferences).captures(tree.rootNode);
    return collect(captures, specFor(language));
  } finally {
    tree.delete();
  }
}

function collect(captures: QueryCapture[], spec: LanguageSpec): FileFacts {
  const facts: FileFacts = { definitions: [], calls: [], references: [], imports: [] };
  const scopes: Scope[] = [];
  for (const { name, node } of captures) {
    if (name === "reference") {
      facts.references.push({ name: node.text, line: node.startPosition.row + 1 });
      continue;
    }
    const start = node.startIndex;
    while (scopes.length > 0 && start >= scopes[scopes.length - 1].endIndex) scopes.pop();
    visit(node, spec, scopes, facts);
  }
  return facts;
}

function visit(node: Node, spec: LanguageSpec, scopes: Scope[], facts: FileFacts): void {
  const type = node.type;
  const defined = spec.definitions[type];
  const scopeField = spec.scopes?.[type];
  const calleeField = spec.calls[type];
  const importOf = spec.imports[type];
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
    const calleeNode = calleeField === "" ? node : node.childForFieldName(calleeField);
    const callee = calleeName(calleeNode);
    if (callee) {
      const receiver = receiverName(node, calleeNode);
      facts.calls.push({ callee, line: node.startPosition.row + 1, ...(receiver ? { receiver } : {}) });
    }
  }
  if (importOf) facts.imports.push(...importOf(node));
}

/** A definition named by its `name` field. */
function named(node: Node, kind: string): Found | null {
  const name = node.childForFieldName("name");
  return name ? { name: baseName(name), kind } : null;
}
