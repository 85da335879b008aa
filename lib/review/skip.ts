/**
 * Files a review leaves out by default: nobody wants comments on lockfiles, vendored or minified code, generated
 * sources or binaries, and they waste the token budget. Each skip carries the reason shown in the summary.
 */
import { type DiffFile, filePath } from "../diff/types.ts";

const LOCKFILES = new Set([
  "package-lock.json",
  "npm-shrinkwrap.json",
  "yarn.lock",
  "pnpm-lock.yaml",
  "bun.lockb",
  "deno.lock",
  "Cargo.lock",
  "go.sum",
  "poetry.lock",
  "Pipfile.lock",
  "uv.lock",
  "Gemfile.lock",
  "composer.lock",
  "mix.lock",
  "pubspec.lock",
  "Podfile.lock",
]);

const VENDORED = /(^|\/)(vendor|node_modules|third_party|bower_components)\//;
const MINIFIED = /\.min\.(js|css|mjs)$|\.bundle\.js$|\.map$/;
const GENERATED_NAME = /(\.(pb|gen|generated)\.\w+|_pb2\.py|\.g\.dart|\.designer\.cs)$/;
/** Go's convention, also used by protoc and many code generators. */
const GENERATED_MARKER = /(Code generated .* DO NOT EDIT|@generated)/;

/** Why `file` is not reviewed, or null when it is. */
export function skipReason(file: DiffFile): string | null {
  const path = filePath(file);
  const name = path.split("/").pop() ?? path;
  if (file.binary) return "binary file";
  if (file.status === "deleted") return "deleted file";
  if (LOCKFILES.has(name)) return "lockfile";
  if (VENDORED.test(path)) return "vendored code";
  if (MINIFIED.test(path)) return "minified or bundled file";
  if (GENERATED_NAME.test(name)) return "generated file";
  const head = file.hunks[0]?.lines.slice(0, 5) ?? [];
  if (file.status === "added" && head.some((line) => GENERATED_MARKER.test(line.content))) {
    return "generated file";
  }
  if (file.hunks.length === 0) return "no textual changes";
  return null;
}
