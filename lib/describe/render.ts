/**
 * The Markdown of Loom's description section, from the model's answer. The answer is untrusted (the diff it read
 * can steer it), so every part of it passes `sanitizeMarkdown`/`sanitizeLine` (no HTML, no spoofed markers, no
 * mass mentions, safe links), table cells cannot break their row, walkthrough rows name only files whose diff
 * the model was shown, and the diagram is posted only when `checkSequenceDiagram` accepts it.
 *
 * `renderLevels` gives the section at decreasing sizes — everything, then without the diagram, then with a
 * shortened walkthrough, then the summary alone — so a platform that limits the description's length (Azure
 * DevOps: 4,000 characters) gets the richest one that fits.
 */
import { filePath } from "../diff/types.ts";
import { sanitizeLine, sanitizeMarkdown } from "../review/sanitize.ts";
import type { FileSelection, OmittedFile } from "./budget.ts";
import { checkSequenceDiagram } from "./mermaid.ts";
import type { DescribeAnswer, DescribeParts } from "./prompt.ts";

/** Most characters of a walkthrough cell, and most rows of the fullest table: a description stays readable. */
const MAX_CELL = 300;
const MAX_ROWS = 60;

export interface RenderContext {
  parts: DescribeParts;
  selection: FileSelection;
  headSha: string;
}

/** A table cell: one sanitised line whose pipes cannot end the cell. */
function cell(text: string): string {
  const line = sanitizeLine(text);
  return (line.length > MAX_CELL ? `${line.slice(0, MAX_CELL - 1)}…` : line).replaceAll("|", "\\|") || "—";
}

/** A path as inline code, with a backtick run longer than any inside it. */
function code(path: string): string {
  const text = sanitizeLine(path).replaceAll("|", "\\|");
  const longest = Math.max(0, ...Array.from(text.matchAll(/`+/g), (match) => match[0].length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}${longest > 0 ? " " : ""}${text}${longest > 0 ? " " : ""}${ticks}`;
}

function omittedLine(files: readonly OmittedFile[], limit: number): string {
  const listed = files.slice(0, limit).map((file) =>
    `${code(file.path)} (+${file.additions} −${file.deletions})`
  );
  const more = files.length > limit ? `, and ${files.length - limit} more` : "";
  return `Not read (over the size budget or binary): ${listed.join(", ")}${more}.`;
}

interface Pieces {
  title: string | null;
  summary: string;
  ticket: string | null;
  rows: string[];
  omitted: readonly OmittedFile[];
  diagram: string | null;
  footer: string;
}

function pieces(answer: DescribeAnswer, context: RenderContext): Pieces {
  const shown = new Map(context.selection.shown.map((file) => [filePath(file), file]));
  const seen = new Set<string>();
  const rows: string[] = [];
  if (context.parts.walkthrough) {
    for (const entry of answer.walkthrough) {
      const path = entry.path.trim().replace(/^[ab]\//, "");
      if (!shown.has(path) || seen.has(path)) continue;
      seen.add(path);
      rows.push(`| ${code(path)} | ${cell(entry.change)} |`);
    }
    // A shown file the model skipped is still listed, so the table covers every file it read.
    for (const [path, file] of shown) {
      if (!seen.has(path)) {
        rows.push(`| ${code(path)} | ${file.status} (+${file.additions} −${file.deletions}) |`);
      }
    }
  }
  const title = sanitizeLine(answer.title);
  const diagram = context.parts.diagram && answer.diagram !== null
    ? checkSequenceDiagram(answer.diagram)
    : null;
  return {
    title: context.parts.title && title !== "" ? title : null,
    summary: sanitizeMarkdown(answer.summary.trim()),
    ticket: answer.ticket_fit === null || answer.ticket_fit.trim() === ""
      ? null
      : sanitizeLine(answer.ticket_fit),
    rows,
    omitted: context.parts.walkthrough ? context.selection.omitted : [],
    diagram,
    footer:
      `_Written by Loom for ${context.headSha.slice(0, 12)}. \`@loom describe\` writes this section again; ` +
      "text outside it is never changed._",
  };
}

function assemble(piece: Pieces, options: { rows: number; omitted: number; diagram: boolean }): string {
  const out = ["### Loom's description", ""];
  if (piece.title !== null) out.push(`**Suggested title:** ${piece.title}`, "");
  if (piece.summary !== "") out.push(piece.summary, "");
  if (piece.ticket !== null) out.push(`**Tickets:** ${piece.ticket}`, "");
  if (piece.rows.length > 0 && options.rows > 0) {
    out.push(
      "#### Walkthrough",
      "",
      "| File | Change |",
      "| --- | --- |",
      ...piece.rows.slice(0, options.rows),
    );
    if (piece.rows.length > options.rows) {
      out.push(`| … | ${piece.rows.length - options.rows} more file(s) |`);
    }
    out.push("");
  }
  if (piece.omitted.length > 0 && options.omitted > 0) {
    out.push(omittedLine(piece.omitted, options.omitted), "");
  }
  if (piece.diagram !== null && options.diagram) {
    out.push("#### Sequence diagram", "", "```mermaid", piece.diagram, "```", "");
  }
  out.push(piece.footer);
  return out.join("\n");
}

/** The section's Markdown at decreasing sizes, richest first (see the module comment); never empty. */
export function renderLevels(answer: DescribeAnswer, context: RenderContext): string[] {
  const piece = pieces(answer, context);
  const all = piece.rows.length;
  const levels = [
    assemble(piece, { rows: Math.min(all, MAX_ROWS), omitted: 50, diagram: true }),
    assemble(piece, { rows: Math.min(all, MAX_ROWS), omitted: 10, diagram: false }),
    assemble(piece, { rows: Math.min(all, 10), omitted: 0, diagram: false }),
    assemble(piece, { rows: 0, omitted: 0, diagram: false }),
  ];
  return [...new Set(levels)];
}
