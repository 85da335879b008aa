/**
 * The reading rules of TypeScript, TSX, JavaScript and Python (see `spec.ts` for what a rule states). Node
 * types are those of the grammars in `@vscode/tree-sitter-wasm` 0.3.1.
 */
import type { Node } from "web-tree-sitter";
import type { Found, LanguageSpec } from "./spec.ts";

const FUNCTION_VALUES = new Set([
  "arrow_function",
  "function_expression",
  "function",
  "generator_function",
]);

/**
 * `const f = () => …` is a function named `f`; a `const` at the top of a module is a constant. Other variables
 * are not definitions: a local `let` is not what a reviewer needs looked up.
 */
function jsVariable(node: Node): Found | null {
  const name = node.childForFieldName("name");
  if (name?.type !== "identifier") return null;
  const value = node.childForFieldName("value");
  if (value && FUNCTION_VALUES.has(value.type)) return { name: name.text, kind: "function" };
  const declaration = node.parent;
  if (declaration?.type !== "lexical_declaration" || declaration.firstChild?.type !== "const") return null;
  const holder = declaration.parent?.type === "export_statement"
    ? declaration.parent.parent
    : declaration.parent;
  return holder?.type === "program" ? { name: name.text, kind: "const" } : null;
}

/** A class field holding a function (`handle = () => …`) is a method. */
function jsField(node: Node): Found | null {
  const name = node.childForFieldName("name") ?? node.childForFieldName("property");
  const value = node.childForFieldName("value");
  return name && value && FUNCTION_VALUES.has(value.type) ? { name: name.text, kind: "function" } : null;
}

function jsImport(node: Node): string[] {
  const source = node.childForFieldName("source");
  return source ? [source.text.slice(1, -1)] : [];
}

const JS_DEFINITIONS: LanguageSpec["definitions"] = {
  function_declaration: "function",
  generator_function_declaration: "function",
  class_declaration: "class",
  class: "class",
  method_definition: "function",
  variable_declarator: jsVariable,
  field_definition: jsField,
};

export const JAVASCRIPT: LanguageSpec = {
  definitions: JS_DEFINITIONS,
  calls: { call_expression: "function", new_expression: "constructor" },
  identifiers: new Set(["identifier", "shorthand_property_identifier"]),
  imports: { import_statement: jsImport, export_statement: jsImport },
};

export const TYPESCRIPT: LanguageSpec = {
  ...JAVASCRIPT,
  definitions: {
    ...JS_DEFINITIONS,
    abstract_class_declaration: "class",
    interface_declaration: "interface",
    type_alias_declaration: "type",
    enum_declaration: "enum",
    abstract_method_signature: "function",
    function_signature: "function",
    internal_module: "namespace",
    module: "namespace",
    public_field_definition: jsField,
  },
  identifiers: new Set(["identifier", "type_identifier", "shorthand_property_identifier"]),
};

/** A module-level `UPPER_CASE = …` is a constant; other assignments are variables. */
function pythonConstant(node: Node): Found | null {
  const left = node.childForFieldName("left");
  if (left?.type !== "identifier" || !/^[A-Z][A-Z0-9_]*$/.test(left.text)) return null;
  return node.parent?.parent?.type === "module" ? { name: left.text, kind: "const" } : null;
}

/** The module a Python import name names: `a.b` → `a.b`, `c as d` → `c`. */
function importedName(name: Node | null): string {
  if (!name) return "";
  return name.type === "aliased_import" ? (name.childForFieldName("name")?.text ?? "") : name.text;
}

/** `import a.b, c as d` → `a.b`, `c`; `from ..pkg import x` → `..pkg`; `from . import x` → `.x`. */
function pythonImport(node: Node): string[] {
  const names = node.childrenForFieldName("name").map(importedName).filter((name) => name !== "");
  if (node.type === "import_statement") return names;
  const module = node.childForFieldName("module_name");
  if (!module) return [];
  return /^\.+$/.test(module.text) ? names.map((name) => module.text + name) : [module.text];
}

export const PYTHON: LanguageSpec = {
  definitions: { function_definition: "function", class_definition: "class", assignment: pythonConstant },
  calls: { call: "function" },
  identifiers: new Set(["identifier"]),
  imports: { import_statement: pythonImport, import_from_statement: pythonImport },
};
