/**
 * Loom's part of a pull request's description: the text between `DESCRIBE_START` and `DESCRIBE_END`
 * (`lib/markers.ts`), each alone on its line. Pure functions over strings.
 *
 * Guarantee: the author's text is never changed. Splicing replaces exactly the marked section (markers
 * included) and keeps every byte before and after it; a description without a section keeps every byte and gets
 * the section appended after a blank line. What counts as a marker:
 * - a line whose trimmed text is the marker, outside fenced code: a marker quoted in a code block (a pull request
 *   about Loom itself) is the author's text;
 * - exactly one start before exactly one end is Loom's section (`intact`); none of either is `absent` — also what
 *   an author who deleted both markers leaves: the text that was inside is theirs now and stays, and a new run
 *   appends a fresh section;
 * - anything else (one marker deleted, markers swapped or repeated) is `broken`: where Loom's text ends cannot be
 *   told from the author's, so nothing is spliced and the caller writes elsewhere (a comment).
 * Text an author edits inside an intact section is Loom's section still: a new run replaces it (docs/commands.md
 * says to write outside the markers).
 */
import { DESCRIBE_END, DESCRIBE_START } from "../markers.ts";

export type SectionState =
  | { kind: "absent" }
  /** `from`: where the start marker begins; `to`: just after the end marker (what surrounds both lines stays). */
  | { kind: "intact"; from: number; to: number }
  | { kind: "broken"; reason: string };

interface MarkerLine {
  marker: "start" | "end";
  from: number;
  to: number;
}

/** The marker lines of `body` outside fenced code, and whether a fence is still open at its end. */
function scan(body: string): { markers: MarkerLine[]; openFence: string | null } {
  const markers: MarkerLine[] = [];
  let fence: { char: string; length: number } | null = null;
  let offset = 0;
  for (const line of body.split("\n")) {
    const text = line.replace(/\r$/, "");
    const from = offset;
    offset += line.length + 1;
    if (fence === null) {
      const opener = /^ {0,3}(`{3,}|~{3,})/.exec(text);
      if (opener !== null && !(opener[1]![0] === "`" && text.slice(opener[0].length).includes("`"))) {
        fence = { char: opener[1]![0]!, length: opener[1]!.length };
        continue;
      }
      const trimmed = text.trim();
      const marker = trimmed === DESCRIBE_START ? "start" : trimmed === DESCRIBE_END ? "end" : null;
      if (marker !== null) {
        const at = from + text.indexOf(trimmed);
        markers.push({ marker, from: at, to: at + trimmed.length });
      }
      continue;
    }
    const closer = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(text);
    if (closer !== null && closer[1]![0] === fence.char && closer[1]!.length >= fence.length) fence = null;
  }
  return { markers, openFence: fence === null ? null : fence.char.repeat(fence.length) };
}

/** Where Loom's section is in `body`, if anywhere (see the module comment). */
export function findSection(body: string): SectionState {
  const { markers } = scan(body);
  const starts = markers.filter((line) => line.marker === "start");
  const ends = markers.filter((line) => line.marker === "end");
  if (starts.length === 0 && ends.length === 0) return { kind: "absent" };
  if (starts.length === 1 && ends.length === 1 && starts[0]!.from < ends[0]!.from) {
    return { kind: "intact", from: starts[0]!.from, to: ends[0]!.to };
  }
  if (starts.length === 0) return { kind: "broken", reason: "its start marker was removed" };
  if (ends.length === 0) return { kind: "broken", reason: "its end marker was removed" };
  if (starts.length > 1 || ends.length > 1) {
    return { kind: "broken", reason: "its markers appear more than once" };
  }
  return { kind: "broken", reason: "its end marker comes before its start marker" };
}

/** The marked block for `content` (the rendered description, which must hold no marker line itself). */
export function sectionBlock(content: string): string {
  const { markers, openFence } = scan(content);
  if (markers.length > 0 || openFence !== null) {
    throw new TypeError("Cannot mark a description section whose text holds a marker line or an open fence");
  }
  return `${DESCRIBE_START}\n${content.trim()}\n${DESCRIBE_END}`;
}

/**
 * `body` with Loom's section set to `content`: replaced where it is intact, appended where there is none.
 * @returns the new body, or `broken` with the reason when the markers were edited (nothing to splice safely)
 */
export function spliceSection(
  body: string,
  content: string,
): { body: string } | { broken: string } {
  const block = sectionBlock(content);
  const state = findSection(body);
  if (state.kind === "broken") return { broken: state.reason };
  if (state.kind === "intact") return { body: body.slice(0, state.from) + block + body.slice(state.to) };
  if (body === "") return { body: block };
  // An author's fence left open would swallow the section, and the next run would not find it: close it first.
  const { openFence } = scan(body);
  const closed = openFence === null ? body : `${body}${body.endsWith("\n") ? "" : "\n"}${openFence}`;
  const separator = closed.endsWith("\n\n") ? "" : closed.endsWith("\n") ? "\n" : "\n\n";
  return { body: closed + separator + block };
}

/** The author's text alone: `body` without an intact section (what the model is shown of the description). */
export function authorText(body: string): string {
  const state = findSection(body);
  if (state.kind !== "intact") return body;
  return (body.slice(0, state.from).trimEnd() + "\n\n" + body.slice(state.to).trimStart()).trim();
}
