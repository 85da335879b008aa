/**
 * The symbols of a repository at one commit: each parsed file's definitions, call sites and imports, and the
 * guideline files it holds. Plain data, so it is cached per commit and read back by `serialize.ts`; a later
 * commit's index reuses every entry whose content hash did not change.
 */
import { type CallSite, type Definition, extractFacts } from "./extract.ts";
import { parserFor } from "./grammars.ts";
import { type LanguageId, languageOf } from "./languages.ts";
import { isGuideline } from "./guidelines.ts";

/** The format `serializeCodeIndex` writes; `parseCodeIndex` refuses any other. */
export const CODE_INDEX_FORMAT = 2;

/** A file of the repository. */
export interface SourceFile {
  path: string;
  text: string;
}

/** What the index keeps of one parsed file. */
export interface IndexedFile {
  /** SHA-256 of the text, first 16 hex digits: equal hashes mean the entry can be reused. */
  hash: string;
  language: LanguageId;
  definitions: Definition[];
  calls: CallSite[];
  imports: string[];
}

/** Symbols of a repository at one commit; serialisable so it can be cached per commit. */
export interface CodeIndex {
  format: typeof CODE_INDEX_FORMAT;
  /** Parsed files by path, in path order. */
  files: Record<string, IndexedFile>;
  /** Paths of guideline files (`AGENTS.md`, `CONTRIBUTING.md`, `.loom/rules/*.md`), sorted. */
  guidelines: string[];
}

/**
 * Files above this size are not parsed: at 256 KiB a source file is generated or data (a bundled library, a
 * parser table), its tree costs ~20 MB of wasm memory, and its definitions are not what a review needs.
 */
export const MAX_FILE_CHARS = 256 * 1024;

/** Folders whose files are vendored, generated, built or installed, not the repository's own code. */
const SKIPPED_FOLDERS = new Set([
  "node_modules",
  "bower_components",
  "vendor",
  "third_party",
  "third-party",
  "dist",
  "build",
  "target",
  "coverage",
  "__pycache__",
  ".venv",
  "venv",
  ".tox",
  ".git",
  ".next",
  ".nuxt",
  "Pods",
  "obj",
]);

/** File names that say "generated" or "minified". */
const GENERATED_NAME =
  /(\.min\.[cm]?js|\.bundle\.js|\.pb\.go|_pb2(_grpc)?\.pyi?|\.g\.cs|\.designer\.cs|\.generated\.\w+|_generated\.go|\.gen\.ts|\.d\.ts\.map)$/i;

/**
 * Why a file is not parsed, or null when it is: not a language the index reads, vendored or generated, too
 * large, or binary (a NUL in its first 8,000 characters, git's own test).
 */
export function skipReason(file: SourceFile): string | null {
  if (languageOf(file.path) === null) return "language";
  const parts = file.path.split("/");
  if (parts.slice(0, -1).some((part) => SKIPPED_FOLDERS.has(part))) return "vendored";
  if (GENERATED_NAME.test(parts[parts.length - 1])) return "generated";
  if (file.text.length > MAX_FILE_CHARS) return "size";
  if (file.text.slice(0, 8000).includes("\u0000")) return "binary";
  return null;
}

/** The content hash an entry is kept under. */
export async function contentHash(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  let hex = "";
  for (let i = 0; i < 8; i++) hex += digest[i].toString(16).padStart(2, "0");
  return hex;
}

/**
 * One file's entry. A grammar that cannot be loaded fails the whole build (every file of the language would
 * fail); a file that fails to parse gets an empty entry under its hash, so it is not retried until it changes
 * and the other 4,999 files keep their index.
 */
async function indexFile(file: SourceFile, hash: string): Promise<IndexedFile> {
  const language = languageOf(file.path)!;
  await parserFor(language);
  try {
    const facts = await extractFacts(language, file.text, { references: false });
    return { hash, language, definitions: facts.definitions, calls: facts.calls, imports: facts.imports };
  } catch {
    return { hash, language, definitions: [], calls: [], imports: [] };
  }
}

/** Adds (or replaces, or drops) `file` in `files`, reusing the old entry when its hash is unchanged. */
async function put(
  files: Map<string, IndexedFile>,
  guidelines: Set<string>,
  file: SourceFile,
): Promise<void> {
  if (isGuideline(file.path)) guidelines.add(file.path);
  if (skipReason(file) !== null) {
    files.delete(file.path);
    return;
  }
  const hash = await contentHash(file.text);
  const old = files.get(file.path);
  if (old?.hash === hash) return;
  files.set(file.path, await indexFile(file, hash));
}

function sealed(files: Map<string, IndexedFile>, guidelines: Set<string>): CodeIndex {
  const sorted: Record<string, IndexedFile> = {};
  for (const path of [...files.keys()].sort()) sorted[path] = files.get(path)!;
  return { format: CODE_INDEX_FORMAT, files: sorted, guidelines: [...guidelines].sort() };
}

/**
 * The index of a repository's files at one commit. Files are read one at a time from `files` (an archive
 * reader can stream them) and only their extracted symbols are kept.
 */
export async function buildCodeIndex(
  files: Iterable<SourceFile> | AsyncIterable<SourceFile>,
): Promise<CodeIndex> {
  const entries = new Map<string, IndexedFile>();
  const guidelines = new Set<string>();
  for await (const file of files) await put(entries, guidelines, file);
  return sealed(entries, guidelines);
}

/**
 * The index of a later commit: `changed` files re-parsed (an unchanged hash keeps the old entry), `removed`
 * paths dropped, the rest reused. `index` itself is not changed.
 */
export async function updateCodeIndex(
  index: CodeIndex,
  changed: SourceFile[],
  removed: string[],
): Promise<CodeIndex> {
  const entries = new Map(Object.entries(index.files));
  const guidelines = new Set(index.guidelines);
  for (const path of removed) {
    entries.delete(path);
    guidelines.delete(path);
  }
  for (const file of changed) await put(entries, guidelines, file);
  return sealed(entries, guidelines);
}
