/**
 * The model's Mermaid sequence diagram, checked before it is posted inside a ```mermaid block. The diagram is
 * model output steered by an untrusted diff, and Mermaid is a language of its own: a fence or `~~~` would end the
 * block and let Markdown (or a spoofed marker) follow, `%%{init}%%` directives reconfigure the renderer, `link`
 * and `links` attach URLs to participants, and `<`/`>`, `#`, `;`, braces and backslashes carry HTML, entity codes
 * and statement breaks. So the text is accepted only when every line is one of the plain sequence-diagram
 * statements below and its free text holds none of those characters; anything else drops the diagram (the rest of
 * the description is posted without it).
 */

/** Most lines and characters per line of a diagram worth reading in a pull request. */
const MAX_LINES = 60;
const MAX_LINE_LENGTH = 200;

const NAME = String.raw`[A-Za-z0-9_][A-Za-z0-9_ .-]{0,59}`;
/** Free text of a message, note or block label. */
const TEXT = String.raw`[^\x60~<>{}#;%\\]{0,160}`;
const ARROW = String.raw`(?:-->>|->>|-->|->|--x|-x|--\)|-\))[+-]?`;

const STATEMENTS: RegExp[] = [
  /^autonumber$/,
  new RegExp(`^(?:participant|actor) ${NAME}(?: as ${TEXT})?$`),
  new RegExp(`^${NAME}\\s*${ARROW}\\s*${NAME}\\s*:${TEXT}$`),
  new RegExp(`^[Nn]ote (?:left of|right of|over) ${NAME}(?:\\s*,\\s*${NAME})?\\s*:${TEXT}$`),
  new RegExp(`^(?:activate|deactivate) ${NAME}$`),
  new RegExp(`^(?:loop|alt|else|opt|par|and|critical|option|break)(?: ${TEXT})?$`),
  /^end$/,
];

/**
 * The diagram's text, normalised (trimmed lines, no blank ones), when it is a plain sequence diagram; `null`
 * when it is empty, too long, or has a line that is not a plain statement (see the module comment).
 */
export function checkSequenceDiagram(text: string): string | null {
  const lines = text.replace(/\r\n?/g, "\n").split("\n").map((line) => line.trim()).filter((line) =>
    line !== ""
  );
  if (lines[0] !== "sequenceDiagram" || lines.length < 2 || lines.length > MAX_LINES) return null;
  for (const line of lines.slice(1)) {
    if (line.length > MAX_LINE_LENGTH) return null;
    // `link`/`links` would parse as a participant named "link"; they are never allowed.
    if (/^links?\b/i.test(line)) return null;
    if (!STATEMENTS.some((statement) => statement.test(line))) return null;
  }
  return [lines[0], ...lines.slice(1).map((line) => `  ${line}`)].join("\n");
}
