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

/**
 * Where the last name of a qualified or member expression is, per node type across the grammars: a field, or
 * the last named child. Other node types (a generic name, a parenthesised callee) lead on to their first named
 * child. One lookup per step: asking a node for each possible field would cross into wasm once per field.
 */
const LAST_NAME: Record<string, string> = {
  member_expression: "property",
  selector_expression: "field",
  qualified_type: "name",
  field_expression: "field",
  scoped_identifier: "name",
  scoped_type_identifier: "<last>",
  generic_type: "<first>",
  generic_function: "function",
  attribute: "attribute",
  member_access_expression: "name",
  qualified_name: "<last>",
  scope_resolution: "name",
  pointer_type: "<first>",
  call_expression: "function",
  call: "function",
};

/**
 * The last name of a callee or type expression: `a.b.save` → `save`, `pkg::Thing::new` → `new`,
 * `List<int>` → `List`. Null for computed callees (`fns[0]()`). Bounded to 8 steps: callee chains deeper than
 * that are generated code.
 */
export function calleeName(node: Node | null): string | null {
  let current = node;
  for (let step = 0; current && step < 8; step++) {
    const type = current.type;
    if (NAME_TYPES.has(type)) return current.text;
    const where = LAST_NAME[type];
    current = where === undefined || where === "<first>"
      ? current.firstNamedChild
      : where === "<last>"
      ? current.lastNamedChild
      : current.childForFieldName(where);
  }
  return null;
}

/** The name a node spells, without qualification or type arguments. */
export function baseName(node: Node): string {
  return NAME_TYPES.has(node.type) ? node.text : (calleeName(node) ?? node.text);
}
