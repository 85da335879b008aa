/** Reads `@loom …` commands out of pull-request comments. Pure: no I/O. */

/** A command given in a comment. */
export type Command =
  | { kind: "review" }
  | { kind: "pause" }
  | { kind: "resume" }
  | { kind: "ask"; question: string }
  | IgnoreCommand
  | { kind: "describe" }
  | { kind: "help" }
  | { kind: "unknown"; verb: string };

/**
 * `@loom ignore <finding>`: stop posting the finding on this pull request. With a reason (`… because <reason>`,
 * or a following line starting "because" or "reason:") it also teaches Loom a learning, scoped to the repository
 * unless `for the organization` is given, and to the globs after `in` (each with a `*` or `/`) when given.
 */
export interface IgnoreCommand {
  kind: "ignore";
  finding: string;
  reason?: string;
  scope?: "repository" | "organization";
  paths?: string[];
}

/** Every verb Loom understands, for help texts. */
export const COMMAND_VERBS = [
  "review",
  "pause",
  "resume",
  "ask",
  "explain",
  "ignore",
  "describe",
  "help",
] as const;

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
 * mentions inside code blocks or quoted replies do not count. `ask` (and `explain`, its older name) takes the rest
 * of the comment as its question; `ignore` takes the rest of its line.
 * @example
 * ```ts
 * parseCommand("@loom ask why is this cache unbounded?"); // { kind: "ask", question: "why is …" }
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
      case "describe":
        return { kind: "describe" };
      case "ask":
      case "explain": {
        const question = [argument, ...lines.slice(index + 1)].join("\n").trim();
        return question.length === 0 ? { kind: "help" } : { kind: "ask", question };
      }
      case "ignore":
        return parseIgnore(argument, lines.slice(index + 1));
      default:
        return { kind: "unknown", verb };
    }
  }
  return null;
}

const QUOTES = /^["'`“]+|["'`”]+$/g;
const BECAUSE = /(?:^|\s)because\b[:,]?\s*/i;
const REASON_LINE = /^(?:because\b|reason\s*:)[:,]?\s*/i;
const ORGANIZATION = /\s+(?:for|across)\s+(?:the\s+|this\s+|our\s+)?(?:org|organization|organisation)$/i;
// "in src/**", "in scripts/, tools/*.ts": globs have a "*" or "/", so "Unused import in parser" stays a title.
const IN_GLOBS = /\s+in\s+((?:\S*[*/]\S*)(?:\s*,\s*\S*[*/]\S*)*)$/i;

/**
 * The ignore command's parts. Without a reason the argument is the finding as before (quotes dropped); with one,
 * `in <globs>` and `for the organization` at the end of the finding set the learning's paths and scope. A quoted
 * finding may contain the words "in" and "because".
 */
function parseIgnore(argument: string, following: string[]): Command {
  let head = argument;
  let reason = "";
  const quoted = /^(["“'`])(.+?)(["”'`])(.*)$/.exec(argument);
  const searchFrom = quoted ? quoted[1]!.length + quoted[2]!.length + quoted[3]!.length : 0;
  const because = BECAUSE.exec(argument.slice(searchFrom));
  if (because !== null) {
    head = argument.slice(0, searchFrom + because.index).trim();
    reason = argument.slice(searchFrom + because.index + because[0].length).trim();
  }
  const rest = following.join("\n").trim();
  if (reason.length > 0 && rest.length > 0) reason = `${reason}\n${rest}`;
  else if (because !== null && reason.length === 0) reason = rest;
  else if (because === null && REASON_LINE.test(rest)) reason = rest.replace(REASON_LINE, "").trim();
  if (reason.length === 0) {
    const finding = (because !== null ? head : argument).replace(QUOTES, "").trim();
    return finding.length === 0 ? { kind: "help" } : { kind: "ignore", finding };
  }
  let scope: "repository" | "organization" = "repository";
  let paths: string[] = [];
  let finding = quoted ? quoted[2]! : head;
  let modifiers = quoted ? ` ${quoted[4]!.slice(0, Math.max(0, head.length - searchFrom)).trim()}` : "";
  // The modifiers end the finding, in either order.
  for (let round = 0; round < 2; round++) {
    const target = quoted ? modifiers : finding;
    const organization = ORGANIZATION.exec(target);
    const globs = organization === null ? IN_GLOBS.exec(target) : null;
    const match = organization ?? globs;
    if (match === null) break;
    if (organization !== null) scope = "organization";
    if (globs !== null) paths = globs[1]!.split(/\s*,\s*/).filter((glob) => glob.length > 0);
    if (quoted) modifiers = modifiers.slice(0, match.index);
    else finding = finding.slice(0, match.index);
  }
  finding = finding.replace(QUOTES, "").trim();
  if (finding.length === 0) return { kind: "help" };
  return { kind: "ignore", finding, reason, scope, paths };
}
