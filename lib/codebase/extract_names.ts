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

/** Where a member callee keeps what it is called on, per node type across the grammars. */
const OBJECT_OF_CALLEE: Record<string, string> = {
  member_expression: "object",
  selector_expression: "operand",
  field_expression: "value",
  scoped_identifier: "path",
  attribute: "object",
  member_access_expression: "expression",
  scope_resolution: "scope",
};

/** Where a call node keeps what it is called on, for grammars whose callee is a bare name. */
const OBJECT_OF_CALL: Record<string, string> = {
  call: "receiver",
  method_invocation: "object",
  member_call_expression: "object",
  nullsafe_member_call_expression: "object",
  scoped_call_expression: "scope",
};

/** Receivers that name the object itself, not a class or module. */
const SELF = new Set(["self", "this", "cls", "static", "parent"]);

/**
 * The last name of what a call is made on: `Billing::Charge.call(x)` → `Charge`, `money.Add()` → `money`,
 * `this.store.put()` → `store`. Null for a plain call, a call on `this`/`self`, or on a computed value.
 */
export function receiverName(call: Node, callee: Node | null): string | null {
  const field = (callee && OBJECT_OF_CALLEE[callee.type]) ?? OBJECT_OF_CALL[call.type];
  if (!field) return null;
  const holder = callee && OBJECT_OF_CALLEE[callee.type] ? callee : call;
  const object = holder.childForFieldName(field);
  // A call's result (`slug(x).toUpperCase()`) is a value, not a name the callee belongs to.
  if (!object || /call|invocation/.test(object.type)) return null;
  const name = NAME_TYPES.has(object.type) ? object.text : calleeName(object);
  return name && !SELF.has(name) ? name : null;
}
