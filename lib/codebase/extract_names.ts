/**
 * Names read from syntax nodes the same way in every grammar: the last name of a qualified or member
 * expression, and the last line a node covers.
 */
import type { Node } from "web-tree-sitter";

/**
 * The last line a node covers: a node that ends at column 0 (a Python block swallows its final newline) ends
 * on the line before.
 */
export function endLineOf(node: Node): number {
  const end = node.endPosition;
  return end.column === 0 && end.row > node.startPosition.row ? end.row : end.row + 1;
}

/** Node types that are a plain name in some grammar. */
const NAME_TYPES = new Set([
  "identifier",
  "property_identifier",
  "private_property_identifier",
  "type_identifier",
  "field_identifier",
  "constant",
  "name",
  "simple_identifier",
]);

/** Fields that hold the last name of a qualified or member expression, most specific first. */
const LAST_NAME_FIELDS = [
  "property",
  "name",
  "field",
  "attribute",
  "method",
  "type",
  "function",
  "constructor",
];

/**
 * The last name of a callee or type expression: `a.b.save` → `save`, `pkg::Thing::new` → `new`,
 * `List<int>` → `List`. Null for computed callees (`fns[0]()`). Bounded to 8 steps: callee chains deeper than
 * that are generated code.
 */
export function calleeName(node: Node | null): string | null {
  let current = node;
  for (let step = 0; current && step < 8; step++) {
    if (NAME_TYPES.has(current.type)) return current.text;
    let next: Node | null = null;
    for (const field of LAST_NAME_FIELDS) {
      next = current.childForFieldName(field);
      if (next) break;
    }
    current = next ?? current.firstNamedChild;
  }
  return null;
}

/** The name a node spells, without qualification or type arguments. */
export function baseName(node: Node): string {
  return NAME_TYPES.has(node.type) ? node.text : (calleeName(node) ?? node.text);
}
