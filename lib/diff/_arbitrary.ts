/** fast-check generators of valid two-way `DiffFile`s, for this folder's property tests only. */
import fc from "fast-check";
import type { DiffFile, DiffLine, FileStatus, Hunk } from "./types.ts";

// Characters that exercise git's path quoting: spaces, quotes, backslashes, tabs, newlines, non-ASCII, " b/".
const PATH_CHARACTERS = [
  "a",
  "b",
  "z",
  "/",
  ".",
  "-",
  " ",
  '"',
  "\\",
  "\t",
  "\n",
  "\u00e9",
  "\u{1f600}",
  "_",
];
const CONTENT_CHARACTERS = [
  "x",
  "-",
  "+",
  " ",
  "@",
  "\\",
  "\t",
  "\r",
  "\u00e9",
  "\ufffd",
  "\u{1f600}",
  "d",
  "/",
];
const MODES = ["100644", "100755", "120000", "160000"];

const path = fc.array(fc.constantFrom(...PATH_CHARACTERS), { minLength: 1, maxLength: 10 }).map((chars) =>
  chars.join("")
);

// A trailing `\r` would read back as a CRLF ending, and a newline would end the line.
const text = fc.array(fc.constantFrom(...CONTENT_CHARACTERS), { maxLength: 12 })
  .map((chars) => chars.join(""))
  .filter((value) => !value.endsWith("\r"));

interface LineSpec {
  kind: "add" | "del" | "context";
  content: string;
  crlf: boolean;
  noNewline: string | null;
}

const lineSpec: fc.Arbitrary<LineSpec> = fc.record({
  kind: fc.constantFrom("add" as const, "del" as const, "context" as const),
  content: text,
  crlf: fc.boolean(),
  noNewline: fc.option(fc.oneof(fc.constant("No newline at end of file"), text), { freq: 6 }),
});

const header = fc.array(fc.constantFrom("f", "(", ")", " ", "{", "@", "\u00e9"), { maxLength: 8 })
  .map((chars) => chars.join(""));

function buildHunk(oldStart: number, newStart: number, headerText: string, specs: LineSpec[]): Hunk {
  const lines: DiffLine[] = [];
  let oldLine = oldStart;
  let newLine = newStart;
  for (const spec of specs) {
    const line: DiffLine = { kind: spec.kind, content: spec.content };
    if (spec.kind !== "add") line.oldLine = oldLine++;
    if (spec.kind !== "del") line.newLine = newLine++;
    if (spec.crlf) line.crlf = true;
    lines.push(line);
    if (spec.noNewline !== null) lines.push({ kind: "no_newline", content: spec.noNewline });
  }
  return {
    oldStart,
    oldLines: oldLine - oldStart,
    newStart,
    newLines: newLine - newStart,
    header: headerText,
    lines,
  };
}

const hunk = fc.tuple(
  fc.nat({ max: 5000 }),
  fc.nat({ max: 5000 }),
  header,
  fc.array(lineSpec, { maxLength: 12 }),
)
  .map(([oldStart, newStart, headerText, specs]) => buildHunk(oldStart, newStart, headerText, specs));

/** Any valid two-way file: consistent counts, numbering and status-dependent fields. */
export const diffFile: fc.Arbitrary<DiffFile> = fc.record({
  status: fc.constantFrom<FileStatus>("added", "deleted", "modified", "renamed", "copied"),
  oldPath: path,
  newPath: path,
  binary: fc.boolean(),
  modes: fc.option(
    fc.tuple(fc.constantFrom(...MODES), fc.constantFrom(...MODES)).filter(([a, b]) => a !== b),
  ),
  similarity: fc.option(fc.integer({ min: 0, max: 100 })),
  hunks: fc.array(hunk, { maxLength: 4 }),
}).map((spec) => {
  const hunks = spec.binary ? [] : spec.hunks;
  const file: DiffFile = {
    oldPath: spec.status === "added" ? null : spec.oldPath,
    newPath: spec.status === "deleted" ? null : spec.status === "modified" ? spec.oldPath : spec.newPath,
    status: spec.status,
    binary: spec.binary,
    hunks,
    additions: 0,
    deletions: 0,
  };
  for (const h of hunks) {
    for (const line of h.lines) {
      if (line.kind === "add") file.additions++;
      else if (line.kind === "del") file.deletions++;
    }
  }
  if (spec.status === "added") file.newMode = spec.modes?.[1] ?? "100644";
  else if (spec.status === "deleted") file.oldMode = spec.modes?.[0] ?? "100644";
  else if (spec.modes !== null) [file.oldMode, file.newMode] = spec.modes;
  if ((spec.status === "renamed" || spec.status === "copied") && spec.similarity !== null) {
    file.similarity = spec.similarity;
  }
  return file;
});

/** Strings made of diff-like fragments, to feed the parser things that almost parse. */
export const diffLikeText: fc.Arbitrary<string> = fc.array(
  fc.oneof(
    fc.constantFrom(
      "diff --git ",
      "diff --cc ",
      "a/x b/x",
      '"a/\\303\\251 x"',
      "\n",
      "\r\n",
      "--- ",
      "+++ ",
      "/dev/null",
      "@@ -1,2 +1,3 @@",
      "@@@ -1 -1 +1,2 @@@",
      "@@ -",
      ",",
      "+",
      "-",
      " ",
      "\\ No newline at end of file",
      "rename from ",
      "copy to ",
      "similarity index 9%",
      "new file mode 100644",
      "deleted file mode ",
      "old mode 100644",
      "mode 100644,100644..100755",
      "Binary files a and b differ",
      "GIT binary patch",
      '"',
      "\\",
      "\t",
      "99999999999999999999",
    ),
    fc.string({ unit: "binary", maxLength: 6 }),
  ),
  { maxLength: 40 },
).map((parts) => parts.join(""));
