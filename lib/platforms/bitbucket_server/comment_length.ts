/**
 * Data Center refuses a comment over 32,768 characters. A summary of a large review can pass that, so the text
 * is cut to fit with a note saying so, and Loom's hidden markers (summary, reviewed head, fingerprints) are kept
 * whole at its end: cutting one would make Loom post its summary again, or repeat a finding.
 */

/** Data Center's limit on a comment's text. */
export const MAX_COMMENT_CHARS = 32_768;

const MARKER = /<!-- loom:[^>]*-->/g;
const NOTE =
  "\n\n… (cut to fit Bitbucket Data Center's comment limit; the full review is on Loom's review page)";

/** `text` unchanged when it fits, else cut with a note and every Loom marker kept. */
export function fitComment(text: string, limit = MAX_COMMENT_CHARS): string {
  if (text.length <= limit) return text;
  const markers = text.match(MARKER) ?? [];
  const tail = markers.length > 0 ? `\n\n${markers.join("\n")}` : "";
  const room = Math.max(0, limit - NOTE.length - tail.length);
  let visible = text.replace(MARKER, "").slice(0, room);
  // Never end between the two halves of a surrogate pair.
  if (/[\uD800-\uDBFF]$/.test(visible)) visible = visible.slice(0, -1);
  return `${visible}${NOTE}${tail}`.slice(0, Math.max(limit, tail.length));
}
