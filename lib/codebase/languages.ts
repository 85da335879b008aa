/**
 * Which language a repository file is written in, from its name alone: the index parses only files this
 * table names, so a language is added here together with its grammar and its extraction rules.
 */

/** The languages the code index parses. */
export type LanguageId =
  | "typescript"
  | "tsx"
  | "javascript"
  | "python"
  | "go"
  | "java"
  | "rust"
  | "csharp"
  | "ruby"
  | "php";

const BY_EXTENSION: Record<string, LanguageId> = {
  ts: "typescript",
  mts: "typescript",
  cts: "typescript",
  tsx: "tsx",
  js: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  jsx: "javascript",
  py: "python",
  pyi: "python",
  go: "go",
  java: "java",
  rs: "rust",
  cs: "csharp",
  rb: "ruby",
  rake: "ruby",
  php: "php",
};

/** Files that are Ruby without an extension. */
const BY_NAME: Record<string, LanguageId> = { Rakefile: "ruby", Gemfile: "ruby" };

/**
 * The language of `path` ("typescript", "python", …), or null for a file the index does not parse. Type
 * declaration files (`.d.ts`) are TypeScript: they hold the definitions a reviewer needs for a library's types.
 */
export function languageOf(path: string): LanguageId | null {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const byName = BY_NAME[name];
  if (byName) return byName;
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return null;
  return BY_EXTENSION[name.slice(dot + 1).toLowerCase()] ?? null;
}

/**
 * The family a language resolves names in: TypeScript, TSX and JavaScript import each other, so a definition in
 * any of them is "the same language" when a reference is resolved.
 */
export function languageFamily(language: string): string {
  return language === "typescript" || language === "tsx" || language === "javascript" ? "js" : language;
}
