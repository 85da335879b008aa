/**
 * The reading rules of Go, Java, Rust, C#, Ruby and PHP (see `spec.ts` for what a rule states). Node types are
 * those of the grammars in `@vscode/tree-sitter-wasm` 0.3.1.
 */
import type { Node } from "web-tree-sitter";
import { baseName } from "./extract_names.ts";
import type { LanguageId } from "./languages.ts";
import type { Found, LanguageSpec } from "./spec.ts";

/** The text of a string literal's content: the first `*string_content*` or `string_fragment` below `node`. */
function stringContent(node: Node): string | null {
  const inner = node.descendantsOfType([
    "interpreted_string_literal_content",
    "raw_string_literal_content",
    "string_content",
    "string_fragment",
  ])[0];
  return inner?.text ?? null;
}

/** Go: `func (s *Store) Get` is a method of `Store`. */
function goMethod(node: Node): Found | null {
  const name = node.childForFieldName("name");
  const receiver = node.childForFieldName("receiver")?.namedChildren[0]?.childForFieldName("type");
  if (!name) return null;
  return { name: name.text, kind: "method", ...(receiver ? { container: baseName(receiver) } : {}) };
}

/** Go: a type is a struct, an interface or another type. */
function goType(node: Node): Found | null {
  const name = node.childForFieldName("name");
  const type = node.childForFieldName("type")?.type;
  if (!name) return null;
  return {
    name: name.text,
    kind: type === "struct_type" ? "struct" : type === "interface_type" ? "interface" : "type",
  };
}

/** Go: a package-level `const`. */
function goConst(node: Node): Found | null {
  const name = node.childForFieldName("name");
  return name && node.parent?.parent?.type === "source_file" ? { name: name.text, kind: "const" } : null;
}

const GO: LanguageSpec = {
  definitions: {
    function_declaration: "function",
    method_declaration: goMethod,
    type_spec: goType,
    type_alias: "type",
    const_spec: goConst,
  },
  calls: { call_expression: "function", composite_literal: "type" },
  identifiers: new Set(["identifier", "type_identifier"]),
  imports: { import_spec: (node) => [stringContent(node) ?? ""].filter((path) => path !== "") },
};

/** Java and C#: a field that is a constant (`static final`, `const`). */
function constantField(node: Node): Found | null {
  const modifiers = node.namedChildren.filter((child) =>
    child?.type === "modifiers" || child?.type === "modifier"
  )
    .map((child) => child!.text).join(" ");
  if (!/\bconst\b|\bstatic\b.*\bfinal\b|\bfinal\b.*\bstatic\b/.test(modifiers)) return null;
  const declarator = node.descendantsOfType("variable_declarator")[0];
  const name = declarator?.childForFieldName("name") ?? declarator?.namedChildren[0];
  return name ? { name: name.text, kind: "const" } : null;
}

const JAVA: LanguageSpec = {
  definitions: {
    class_declaration: "class",
    interface_declaration: "interface",
    enum_declaration: "enum",
    record_declaration: "record",
    annotation_type_declaration: "interface",
    method_declaration: "function",
    constructor_declaration: "function",
    field_declaration: constantField,
  },
  calls: { method_invocation: "name", object_creation_expression: "type" },
  identifiers: new Set(["identifier", "type_identifier"]),
  imports: {
    import_declaration: (node) =>
      node.namedChildren.filter((child) => child?.type === "scoped_identifier").map((child) => child!.text),
  },
};

/** Rust: `mod name { … }` is a module; `mod name;` is an import of `name.rs` or `name/mod.rs` beside the file. */
function rustModule(node: Node): Found | null {
  const name = node.childForFieldName("name");
  return name && node.childForFieldName("body") ? { name: name.text, kind: "module" } : null;
}

function rustUse(node: Node): string[] {
  const argument = node.childForFieldName("argument");
  if (!argument) return [];
  const path = argument.type === "scoped_use_list" || argument.type === "use_as_clause"
    ? argument.childForFieldName("path")
    : argument;
  return path ? [path.text] : [];
}

const RUST: LanguageSpec = {
  definitions: {
    function_item: "function",
    function_signature_item: "function",
    struct_item: "struct",
    enum_item: "enum",
    union_item: "struct",
    trait_item: "trait",
    type_item: "type",
    const_item: "const",
    static_item: "const",
    macro_definition: "function",
    mod_item: rustModule,
  },
  scopes: { impl_item: "type" },
  calls: { call_expression: "function", macro_invocation: "macro", struct_expression: "name" },
  identifiers: new Set(["identifier", "type_identifier"]),
  imports: {
    use_declaration: rustUse,
    mod_item: (node) => {
      const name = node.childForFieldName("name");
      return name && !node.childForFieldName("body") ? [`./${name.text}`] : [];
    },
  },
};

const CSHARP: LanguageSpec = {
  definitions: {
    class_declaration: "class",
    interface_declaration: "interface",
    struct_declaration: "struct",
    record_declaration: "record",
    record_struct_declaration: "record",
    enum_declaration: "enum",
    delegate_declaration: "type",
    method_declaration: "function",
    constructor_declaration: "function",
    local_function_statement: "function",
    property_declaration: "property",
    field_declaration: constantField,
  },
  scopes: { namespace_declaration: "name", file_scoped_namespace_declaration: "name" },
  calls: { invocation_expression: "function", object_creation_expression: "type" },
  identifiers: new Set(["identifier"]),
  imports: {
    using_directive: (node) => {
      const name = node.namedChildren.find((child) =>
        child?.type === "qualified_name" || child?.type === "identifier"
      );
      return name ? [name.text] : [];
    },
  },
};

/** Ruby: a constant assigned in a module, a class or the file. */
function rubyConstant(node: Node): Found | null {
  const left = node.childForFieldName("left");
  if (left?.type !== "constant") return null;
  const holder = node.parent?.type === "body_statement" ? node.parent.parent : node.parent;
  return holder && ["program", "class", "module"].includes(holder.type)
    ? { name: left.text, kind: "const" }
    : null;
}

/** Ruby: `require "x"` and `require_relative "x"`. */
function rubyRequire(node: Node): string[] {
  const method = node.childForFieldName("method")?.text;
  if (method !== "require" && method !== "require_relative") return [];
  const argument = node.childForFieldName("arguments")?.namedChildren[0];
  const path = argument?.type === "string" ? stringContent(argument) : null;
  if (!path) return [];
  return [method === "require_relative" && !path.startsWith(".") ? `./${path}` : path];
}

const RUBY: LanguageSpec = {
  definitions: {
    method: "function",
    singleton_method: "function",
    class: "class",
    module: "module",
    assignment: rubyConstant,
  },
  calls: { call: "method" },
  identifiers: new Set(["identifier", "constant"]),
  imports: { call: rubyRequire },
};

/** PHP: `use App\Models\User;`, and grouped `use App\Support\{Money, Clock};`. */
function phpUse(node: Node): string[] {
  const clause = node.namedChildren.find((child) =>
    child?.type === "qualified_name" || child?.type === "name"
  );
  if (!clause) return [];
  const group = node.parent?.type === "namespace_use_group" ? node.parent.parent : null;
  const prefix = group?.namedChildren.find((child) => child?.type === "namespace_name")?.text;
  return [prefix ? `${prefix}\\${clause.text}` : clause.text];
}

/** PHP: `require_once __DIR__ . '/helpers.php'` names a file beside this one. */
function phpRequire(node: Node): string[] {
  const path = stringContent(node);
  if (!path) return [];
  return [path.startsWith("/") ? `.${path}` : path];
}

const PHP: LanguageSpec = {
  definitions: {
    function_definition: "function",
    method_declaration: "function",
    class_declaration: "class",
    interface_declaration: "interface",
    trait_declaration: "trait",
    enum_declaration: "enum",
    const_element: (node) => {
      const name = node.namedChildren.find((child) => child?.type === "name");
      return name ? { name: name.text, kind: "const" } : null;
    },
  },
  calls: {
    function_call_expression: "function",
    member_call_expression: "name",
    nullsafe_member_call_expression: "name",
    scoped_call_expression: "name",
    object_creation_expression: "",
  },
  identifiers: new Set(["name"]),
  imports: {
    namespace_use_clause: phpUse,
    require_expression: phpRequire,
    require_once_expression: phpRequire,
    include_expression: phpRequire,
    include_once_expression: phpRequire,
  },
};

export const MORE_SPECS: Partial<Record<LanguageId, LanguageSpec>> = {
  go: GO,
  java: JAVA,
  rust: RUST,
  csharp: CSHARP,
  ruby: RUBY,
  php: PHP,
};
