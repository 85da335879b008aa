/**
 * What the schema says about itself: the option names valid at a key path (for "did you mean") and the
 * option reference `docs/config.md` is checked against. The only file that reads zod's internal definitions
 * (`_zod.def`), so a zod upgrade that changes them is fixed here alone.
 */
import type { z } from "zod";
import { RepoConfig } from "./schema.ts";

/** Unwraps defaults, optionals and pipes down to the object, array or record underneath. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    const def = current._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
    if ((def.type === "default" || def.type === "optional" || def.type === "prefault") && def.innerType) {
      current = def.innerType;
    } else if (def.type === "pipe" && def.in) {
      // `z.preprocess` is a pipe from a transform into the schema that validates: the schema is the option.
      const into = (def as { out?: z.ZodType }).out;
      current = def.in._zod.def.type === "transform" && into ? into : def.in;
    } else return current;
  }
}

/** The option names valid at `path`, for "did you mean" on unknown keys. */
export function keysAt(path: readonly PropertyKey[]): string[] {
  let schema: z.ZodType = RepoConfig;
  for (const segment of path) {
    const def = unwrap(schema)._zod.def as {
      type: string;
      shape?: Record<string, z.ZodType>;
      element?: z.ZodType;
      valueType?: z.ZodType;
    };
    if (def.type === "object" && def.shape?.[String(segment)]) schema = def.shape[String(segment)];
    else if (def.type === "array" && def.element) schema = def.element;
    else if (def.type === "record" && def.valueType) schema = def.valueType;
    else return [];
  }
  const def = unwrap(schema)._zod.def as { type: string; shape?: Record<string, z.ZodType> };
  return def.type === "object" && def.shape ? Object.keys(def.shape) : [];
}

/** One documented option of the schema. */
export interface ConfigOption {
  /** `triggers.branches.include`, `models.<name>.provider`, `pipelines.<name>[].severity` */
  path: string;
  /** Human type: `true or false`, `list of strings`, `"llm" | "script"`… */
  type: string;
  /** The default as YAML, `undefined` for required options and for sections. */
  default?: string;
  /** True when the option must be set (inside a model, persona, step or path instruction). */
  required: boolean;
  description: string;
  /** Sections (mappings and lists of mappings) hold other options. */
  section: boolean;
}

function typeName(schema: z.ZodType): string {
  const def = unwrap(schema)._zod.def as {
    type: string;
    entries?: Record<string, string>;
    values?: unknown[];
    element?: z.ZodType;
    format?: string;
  };
  switch (def.type) {
    case "enum":
      return Object.values(def.entries ?? {}).map((value) => JSON.stringify(value)).join(" | ");
    case "literal":
      return (def.values ?? []).map((value) => JSON.stringify(value)).join(" | ");
    case "boolean":
      return "true or false";
    case "number":
      return def.format === "safeint" ? "whole number" : "number";
    case "string":
      return "string";
    case "array": {
      const element = typeName(def.element!);
      return element.includes("|") ? `list of (${element})` : `list of ${element}s`;
    }
    case "object":
      return "mapping";
    case "record":
      return "mapping of names";
    case "union":
      return (unwrap(schema)._zod.def as unknown as { options: z.ZodType[] }).options.map(typeName).join(
        " or ",
      );
    default:
      return def.type;
  }
}

function yamlInline(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(yamlInline).join(", ")}]`;
  return typeof value === "string" ? JSON.stringify(value) : String(value);
}

/** Every option of `RepoConfig`, depth first, with its type, default and description. */
export function configOptions(): ConfigOption[] {
  const options: ConfigOption[] = [];
  const visit = (schema: z.ZodType, path: string, required: boolean) => {
    const description = schema.description ?? unwrap(schema).description ?? "";
    const outer = schema._zod.def as { type: string; defaultValue?: unknown };
    const inner = unwrap(schema);
    const def = inner._zod.def as {
      type: string;
      shape?: Record<string, z.ZodType>;
      element?: z.ZodType;
      valueType?: z.ZodType;
    };
    const elementIsObject = def.type === "array" && unwrap(def.element!)._zod.def.type === "object";
    const section = def.type === "object" || def.type === "record" || elementIsObject;
    if (path !== "") {
      const option: ConfigOption = { path, type: typeName(schema), required, description, section };
      if (!section && outer.type === "default") option.default = yamlInline(outer.defaultValue);
      if (elementIsObject) option.type = "list of mappings";
      options.push(option);
    }
    if (def.type === "object") {
      for (const [key, child] of Object.entries(def.shape!)) {
        const childType = child._zod.def.type;
        visit(
          child,
          path === "" ? key : `${path}.${key}`,
          childType !== "default" && childType !== "optional",
        );
      }
    } else if (def.type === "record") {
      visit(def.valueType!, `${path}.<name>`, false);
    } else if (elementIsObject) {
      const element = unwrap(def.element!)._zod.def as unknown as { shape: Record<string, z.ZodType> };
      for (const [key, child] of Object.entries(element.shape)) {
        const childType = child._zod.def.type;
        visit(child, `${path}[].${key}`, childType !== "default" && childType !== "optional");
      }
    }
  };
  visit(RepoConfig, "", false);
  return options;
}

/**
 * The Markdown `docs/config.md` shows above an option's example: heading, description, type and default. A
 * test checks the document contains this block for every option, so the reference cannot drift from the schema.
 */
export function renderOptionDoc(option: ConfigOption): string {
  const lines = [`### \`${option.path}\``, "", option.description, "", `- Type: ${option.type}`];
  if (option.required) lines.push("- Required");
  else if (option.default !== undefined) lines.push(`- Default: \`${option.default}\``);
  else if (!option.section) lines.push("- Default: unset");
  return lines.join("\n");
}
