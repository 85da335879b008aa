/** Reads `@loom …` commands out of pull-request comments. Pure: no I/O. */

/** A command given in a comment. */
export type Command =
  | { kind: "review" }
  | { kind: "pause" }
  | { kind: "resume" }
  | { kind: "explain"; question: string }
  | { kind: "ignore"; finding: string }
  | { kind: "help" }
  | { kind: "unknown"; verb: string };

/** Every verb Loom understands, for help texts. */
export const COMMAND_VERBS = ["review", "pause", "resume", "explain", "ignore", "help"] as const;

// A mention at the start of a line: "@loom review", not "ask @loom later" or "foo@loom.dev".
const MENTION = /^@loom\b[:,]?[ \t]*(.*)$/i;

/** The lines of `body` outside fenced code blocks and quotes, where a command can be. */
function commandLines(body: string): string[] {
  const lines: string[] = [];
  let fenced = false;
  for (const raw of body.replaceAll("\r\n", "\n").split("\n")) {
    const line = raw.trim();
    if (/^(```|~~~)/.test(line)) {
      fenced = !fenced;
      continue;
    }
    if (!fenced && !line.startsWith(">")) lines.push(line);
  }
  return lines;
}

/**
 * The first command in a comment, or `null` when the comment gives none. Commands start a line with `@loom`;
 * mentions inside code blocks or quoted replies do not count. `explain` takes the rest of the comment as its
 * question; `ignore` takes the rest of its line.
 * @example
 * ```ts
 * parseCommand("@loom explain why is this cache unbounded?"); // { kind: "explain", question: "why is …" }
 * ```
 */
export function parseCommand(body: string): Command | null {
  const lines = commandLines(body);
  for (const [index, line] of lines.entries()) {
    const match = MENTION.exec(line);
    if (match === null) continue;
    const rest = match[1]!.trim();
    const verb = rest.split(/\s+/, 1)[0]!.toLowerCase();
    const argument = rest.slice(verb.length).trim();
    switch (verb) {
      case "":
      case "help":
        return { kind: "help" };
      case "review":
        return { kind: "review" };
      case "pause":
        return { kind: "pause" };
      case "resume":
        return { kind: "resume" };
      case "explain": {
        const question = [argument, ...lines.slice(index + 1)].join("\n").trim();
        return question.length === 0 ? { kind: "help" } : { kind: "explain", question };
      }
      case "ignore": {
        const finding = argument.replace(/^["'`“]+|["'`”]+$/g, "").trim();
        return finding.length === 0 ? { kind: "help" } : { kind: "ignore", finding };
      }
      default:
        return { kind: "unknown", verb };
    }
  }
  return null;
}
