/**
 * The shape of a language's reading rules: which node types define a name, which are calls (and the field
 * holding the callee), which are identifiers, which are imports. `extract.ts` walks a tree with them.
 */
import type { Node } from "web-tree-sitter";

/** A definition found at a node: its name, its kind, and a container when the node states one (Go receivers). */
export interface Found {
  name: string;
  kind: string;
  container?: string;
}

/** The reading rules of one language. */
export interface LanguageSpec {
  /** Node type → the kind it defines (named by its `name` field), or a function that reads the node. */
  definitions: Record<string, string | ((node: Node) => Found | null)>;
  /** Node types that are not definitions but name what is inside them (`impl Foo`): node type → name field. */
  scopes?: Record<string, string>;
  /** Node type of a call → the field holding the callee ("" for the node itself). */
  calls: Record<string, string>;
  /** Node types whose text is a referenced name. */
  identifiers: Set<string>;
  /** Node type → the import specifiers it states. */
  imports: Record<string, (node: Node) => string[]>;
}
