/**
 * Makes model and script output safe to post as Loom: a model can be steered by the diff it reads, so its text
 * is untrusted. Outside code, raw HTML (tags, comments, so also spoofed `<!-- loom:… -->` markers) is removed;
 * links keep only `http:`, `https:`, `mailto:` or relative targets; images become plain links, so a remote
 * image (a tracking pixel) is never fetched by a reader's browser; mass mentions (`@everyone`, `@here`,
 * `@channel`, GitLab's `@all`, team mentions such as `@org/team`) are put in code so no platform notifies
 * anyone. Inside code nothing renders and nothing is changed, except that a `<!-- loom` opener is broken so a
 * marker reader cannot find a marker there; an unclosed fence is closed so it cannot swallow what Loom appends.
 *
 * Every platform Loom posts to (GitHub, GitLab, Gitea, Bitbucket, Azure DevOps) renders CommonMark-style
 * fences, inline code, links and images, and decodes HTML entities, which is why entity-encoded schemes and
 * `&#64;` mentions are decoded before they are judged. Where the dialects differ — suggestion blocks — is
 * `format.ts`'s business (`renderSuggestion`), which fences with `fenceFor`.
 */

const ALLOWED_SCHEMES = new Set(["http", "https", "mailto"]);
// Broadcast words on any platform: Slack-style words some platforms relay, and GitLab's `@all`.
const MASS_MENTION = /(^|[^A-Za-z0-9_`/.-])@(everyone|here|channel|all|room)(?![A-Za-z0-9_-])/gi;
// `@org/team` (GitHub, Gitea) and `@group/subgroup` (GitLab) notify every member.
const TEAM_MENTION = /(^|[^A-Za-z0-9_`/.-])@([A-Za-z0-9][A-Za-z0-9_.-]*\/[A-Za-z0-9][A-Za-z0-9_./-]*)/g;

/** Sanitises Markdown written by a model (or a repository's script) for posting as Loom. */
export function sanitizeMarkdown(text: string): string {
  const lines = text.replaceAll("\0", "").replace(/\r\n?/g, "\n").split("\n");
  const out: string[] = [];
  let prose: string[] = [];
  let fence: { char: string; length: number } | null = null;
  const flush = () => {
    if (prose.length > 0) out.push(sanitizeProse(prose.join("\n")));
    prose = [];
  };
  for (const line of lines) {
    const opener = /^ {0,3}(`{3,}|~{3,})/.exec(line);
    if (fence === null) {
      if (opener !== null && !(opener[1]![0] === "`" && line.slice(opener[0].length).includes("`"))) {
        flush();
        fence = { char: opener[1]![0]!, length: opener[1]!.length };
        out.push(defuseCode(line));
      } else {
        prose.push(line);
      }
      continue;
    }
    out.push(defuseCode(line));
    const closer = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
    if (closer !== null && closer[1]![0] === fence.char && closer[1]!.length >= fence.length) fence = null;
  }
  flush();
  if (fence !== null) out.push(fence.char.repeat(fence.length));
  return out.join("\n");
}

/** One line for a title or table cell: sanitised, with line breaks folded into spaces. */
export function sanitizeLine(text: string): string {
  // Runs of spaces left where tags were removed are folded too: `**title **` would not render bold.
  return sanitizeMarkdown(text.replace(/\s*[\r\n]+\s*/g, " ")).replace(/ {2,}/g, " ").trim();
}

/**
 * Code renders as typed and a suggestion must apply as written, so only the opener of a Loom marker is broken
 * (no real code contains `<!-- loom:`), which keeps marker readers from finding one inside code.
 */
export function defuseCode(code: string): string {
  return code.replace(/<!--(?=\s*loom)/gi, "<!\u200B--");
}

/** Prose outside fences: inline code spans are kept (defused), everything between them is cleaned. */
function sanitizeProse(text: string): string {
  let result = "";
  let rest = text;
  while (rest.length > 0) {
    const open = /`+/.exec(rest);
    if (open === null) break;
    const closeAt = findClosingRun(rest, open.index + open[0].length, open[0].length);
    if (closeAt === -1) {
      // An unmatched run of backticks is literal text.
      result += cleanText(rest.slice(0, open.index + open[0].length));
      rest = rest.slice(open.index + open[0].length);
      continue;
    }
    result += cleanText(rest.slice(0, open.index));
    result += defuseCode(rest.slice(open.index, closeAt + open[0].length));
    rest = rest.slice(closeAt + open[0].length);
  }
  return result + cleanText(rest);
}

/** Index of the next run of exactly `length` backticks at or after `from`, or -1. */
function findClosingRun(text: string, from: number, length: number): number {
  const runs = /`+/g;
  runs.lastIndex = from;
  for (let match = runs.exec(text); match !== null; match = runs.exec(text)) {
    if (match[0].length === length) return match.index;
  }
  return -1;
}

function cleanText(text: string): string {
  let result = text
    // `&#64;everyone` renders as `@everyone`; judge mentions as the reader sees them.
    .replace(/&#0*64;|&#x0*40;|&commat;/gi, "@")
    .replace(/<!--[\s\S]*?(?:-->|$)/g, "")
    .replace(/<\/?[A-Za-z][A-Za-z0-9-]*(?:\s[^<>]*)?\/?>/g, "")
    .replace(/<[!?][^<>]*>/g, "");
  result = result.replace(
    /^( {0,3}\[[^\]\n]+\]:[ \t]*)(<[^>\n]*>|\S+)/gm,
    (match, head: string, target: string) => allowedTarget(target) ? match : `${head}#`,
  );
  result = rewriteLinks(result);
  return result
    .replace(/</g, "&lt;")
    .replace(MASS_MENTION, (_match, before: string, word: string) => `${before}\`@${word}\``)
    .replace(TEAM_MENTION, (_match, before: string, team: string) => `${before}\`@${team}\``);
}

/**
 * Images become links (`![alt](url)` → `[alt](url)`), and a link whose target is not allowed keeps only its
 * text. Targets are read up to the balanced closing parenthesis, as CommonMark does.
 */
function rewriteLinks(text: string): string {
  let result = "";
  let index = 0;
  const opener = /(!?)\[([^\[\]\n]*)\]\(/g;
  for (let match = opener.exec(text); match !== null; match = opener.exec(text)) {
    const start = match.index + match[0].length;
    const end = closingParenthesis(text, start);
    if (end === -1) continue;
    const target = text.slice(start, end).trim().split(/\s+(?=["'(])/)[0] ?? "";
    const label = match[2]!;
    result += text.slice(index, match.index);
    result += allowedTarget(target) ? `[${label || "image"}](${text.slice(start, end)})` : label;
    index = end + 1;
    opener.lastIndex = index;
  }
  return (result + text.slice(index)).replace(/!\[/g, "[");
}

function closingParenthesis(text: string, from: number): number {
  let depth = 0;
  for (let index = from; index < text.length; index++) {
    const char = text[index];
    if (char === "\\") index++;
    else if (char === "\n" && text[index + 1] === "\n") return -1;
    else if (char === "(") depth++;
    else if (char === ")") {
      if (depth === 0) return index;
      depth--;
    }
  }
  return -1;
}

/** Whether a link target is `http(s):`, `mailto:` or has no scheme, judged after entity decoding. */
export function allowedTarget(target: string): boolean {
  const decoded = target
    .replace(/^<|>$/g, "")
    .replace(
      /&#x([0-9a-f]+);?/gi,
      (_match, hex: string) => String.fromCodePoint(parseInt(hex, 16) % 0x110000),
    )
    .replace(/&#([0-9]+);?/g, (_match, decimal: string) => String.fromCodePoint(Number(decimal) % 0x110000))
    .replace(/&colon;/gi, ":")
    .replace(/&(?:tab|newline);/gi, "")
    // Browsers ignore control characters and whitespace inside a scheme (`java\tscript:`).
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0020\u007F-\u009F]/g, "");
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(decoded);
  return scheme === null || ALLOWED_SCHEMES.has(scheme[1]!.toLowerCase());
}
