/**
 * The tree-sitter runtime and its grammars, loaded once per process and each grammar only when a file of its
 * language is first parsed: a worker that reviews only Python never compiles the other grammars (the C# one
 * alone is 5 MB of wasm, about 20 MB of compiled code).
 *
 * The grammars are the prebuilt wasm files of `@vscode/tree-sitter-wasm` 0.3.1, built with tree-sitter-cli
 * 0.25.10 (ABI 14 and 15); the runtime is `web-tree-sitter` 0.25.10, the same release, so the wasm side modules
 * and the runtime that links them agree. Both versions are pinned in deno.json and move together.
 */
import { Language, Parser } from "web-tree-sitter";
// Imported so the package is part of the module graph: only then does `import.meta.resolve` give the file URL
// of its wasm files, which are data read at run time, not modules.
import "@vscode/tree-sitter-wasm/package.json" with { type: "json" };
import type { LanguageId } from "./languages.ts";

const GRAMMAR_FILE: Record<LanguageId, string> = {
  typescript: "tree-sitter-typescript.wasm",
  tsx: "tree-sitter-tsx.wasm",
  javascript: "tree-sitter-javascript.wasm",
  python: "tree-sitter-python.wasm",
  go: "tree-sitter-go.wasm",
  java: "tree-sitter-java.wasm",
  rust: "tree-sitter-rust.wasm",
  csharp: "tree-sitter-c-sharp.wasm",
  ruby: "tree-sitter-ruby.wasm",
  php: "tree-sitter-php.wasm",
};

let runtime: Promise<void> | undefined;
const parsers = new Map<LanguageId, Promise<Parser>>();

/**
 * The parser of `language`, its grammar read and compiled on the first call; concurrent callers share the one
 * load. A failed load is not kept, so the next call tries again.
 */
export function parserFor(language: LanguageId): Promise<Parser> {
  let parser = parsers.get(language);
  if (!parser) {
    parser = loadParser(language);
    parsers.set(language, parser);
    parser.catch(() => parsers.delete(language));
  }
  return parser;
}

async function loadParser(language: LanguageId): Promise<Parser> {
  runtime ??= Parser.init().catch((error) => {
    runtime = undefined;
    throw error;
  });
  const file = `@vscode/tree-sitter-wasm/wasm/${GRAMMAR_FILE[language]}`;
  try {
    await runtime;
    const grammar = await Language.load(await Deno.readFile(new URL(import.meta.resolve(file))));
    const parser = new Parser();
    parser.setLanguage(grammar);
    return parser;
  } catch (error) {
    throw new Error(`Cannot load the ${language} grammar (${file}): ${(error as Error).message}`, {
      cause: error,
    });
  }
}
