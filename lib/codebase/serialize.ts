/**
 * The index as text, for the per-commit cache: compact JSON with each definition and call as a tuple (a
 * 5,000-file index is ~1/3 the size of the object form), headed by a format marker. An index written by another
 * format version is refused, not guessed at: the caller rebuilds it.
 */
import { CODE_INDEX_FORMAT, type CodeIndex, type IndexedFile } from "./code_index.ts";
import type { Definition } from "./extract.ts";
import type { LanguageId } from "./languages.ts";

const MARKER = "loom-code-index";

type DefinitionTuple = [string, string, number, number] | [string, string, number, number, string];
/** path, hash, language, definitions, calls as [callee, line, receiver or "", callee, …], imports */
type FileTuple = [string, string, string, DefinitionTuple[], Array<string | number>, string[]];

interface Serialized {
  marker: typeof MARKER;
  format: number;
  guidelines: string[];
  files: FileTuple[];
}

/** The index as compact JSON; equal indexes give equal text. */
export function serializeCodeIndex(index: CodeIndex): string {
  const files: FileTuple[] = Object.keys(index.files).sort().map((path) => {
    const file = index.files[path];
    return [
      path,
      file.hash,
      file.language,
      file.definitions.map((d): DefinitionTuple =>
        d.container === undefined
          ? [d.name, d.kind, d.startLine, d.endLine]
          : [d.name, d.kind, d.startLine, d.endLine, d.container]
      ),
      file.calls.flatMap((call) => [call.callee, call.line, call.receiver ?? ""]),
      file.imports,
    ];
  });
  const serialized: Serialized = {
    marker: MARKER,
    format: CODE_INDEX_FORMAT,
    guidelines: index.guidelines,
    files,
  };
  return JSON.stringify(serialized);
}

function fail(detail: string): never {
  throw new Error(`Not a code index of format ${CODE_INDEX_FORMAT}: ${detail}`);
}

const isString = (value: unknown): value is string => typeof value === "string";
const isLine = (value: unknown): value is number => Number.isInteger(value) && (value as number) > 0;

function readDefinition(tuple: unknown): Definition {
  if (!Array.isArray(tuple) || tuple.length < 4 || tuple.length > 5) fail("a definition is not a tuple");
  const [name, kind, startLine, endLine, container] = tuple;
  if (!isString(name) || !isString(kind) || !isLine(startLine) || !isLine(endLine)) fail("a bad definition");
  if (container !== undefined && !isString(container)) fail("a bad container");
  return { name, kind, startLine, endLine, ...(container !== undefined ? { container } : {}) };
}

function readFile(tuple: unknown): [string, IndexedFile] {
  if (!Array.isArray(tuple) || tuple.length !== 6) fail("a file is not a tuple");
  const [path, hash, language, definitions, calls, imports] = tuple;
  if (!isString(path) || !isString(hash) || !isString(language)) fail("a file has no path, hash or language");
  if (
    !Array.isArray(definitions) || !Array.isArray(calls) || calls.length % 3 !== 0 || !Array.isArray(imports)
  ) {
    fail(`${path}: bad lists`);
  }
  const callSites = [];
  for (let i = 0; i < calls.length; i += 3) {
    const [callee, line, receiver] = [calls[i], calls[i + 1], calls[i + 2]];
    if (!isString(callee) || !isLine(line) || !isString(receiver)) fail(`${path}: a bad call`);
    callSites.push({ callee, line, ...(receiver !== "" ? { receiver } : {}) });
  }
  if (!imports.every(isString)) fail(`${path}: a bad import`);
  return [path, {
    hash,
    language: language as LanguageId,
    definitions: definitions.map(readDefinition),
    calls: callSites,
    imports,
  }];
}

/** The index `text` holds; throws on anything but this format version's output. */
export function parseCodeIndex(text: string): CodeIndex {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    fail(`not JSON (${(error as Error).message})`);
  }
  const serialized = value as Partial<Serialized> | null;
  if (typeof serialized !== "object" || serialized === null || serialized.marker !== MARKER) {
    fail("no marker");
  }
  if (serialized.format !== CODE_INDEX_FORMAT) fail(`it is format ${String(serialized.format)}`);
  if (!Array.isArray(serialized.guidelines) || !serialized.guidelines.every(isString)) fail("bad guidelines");
  if (!Array.isArray(serialized.files)) fail("no files");
  const files: Record<string, IndexedFile> = {};
  for (const tuple of serialized.files) {
    const [path, file] = readFile(tuple);
    files[path] = file;
  }
  return { format: CODE_INDEX_FORMAT, files, guidelines: [...serialized.guidelines] };
}
