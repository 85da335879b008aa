/** Git's C-style path quoting, both directions (git `quote.c`: `quote_c_style` and `unquote_c_style`). */

const ESCAPE_OUT: Record<number, string> = {
  7: "\\a",
  8: "\\b",
  9: "\\t",
  10: "\\n",
  11: "\\v",
  12: "\\f",
  13: "\\r",
  34: '\\"',
  92: "\\\\",
};

const ESCAPE_IN: Record<string, string> = {
  a: "\x07",
  b: "\b",
  t: "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  '"': '"',
  "\\": "\\",
};

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Whether git (with the default `core.quotePath=true`) puts `path` in double quotes. */
function needsQuotes(path: string): boolean {
  for (let index = 0; index < path.length; index++) {
    const code = path.charCodeAt(index);
    if (code < 0x20 || code === 34 || code === 92 || code >= 0x7f) return true;
  }
  return false;
}

/** Quotes `path` the way git prints it in headers; paths that need no quoting come back unchanged. */
export function quotePath(path: string): string {
  if (!needsQuotes(path)) return path;
  let out = '"';
  for (const byte of encoder.encode(path)) {
    const escape = ESCAPE_OUT[byte];
    if (escape !== undefined) out += escape;
    else if (byte < 0x20 || byte >= 0x7f) out += "\\" + byte.toString(8).padStart(3, "0");
    else out += String.fromCharCode(byte);
  }
  return out + '"';
}

/** A path read from a header, and the index just after it. */
export interface ReadPath {
  path: string;
  end: number;
}

/**
 * Reads a double-quoted path starting at `start` (which holds the opening quote). Octal escapes are UTF-8 bytes;
 * invalid sequences become U+FFFD rather than an error, and an unterminated quote runs to the end of `line`.
 */
export function readQuotedPath(line: string, start: number): ReadPath {
  let out = "";
  let bytes: number[] | null = null;
  let index = start + 1;
  const flush = () => {
    if (bytes !== null) {
      out += decoder.decode(new Uint8Array(bytes));
      bytes = null;
    }
  };
  while (index < line.length) {
    const char = line[index];
    if (char === '"') {
      index++;
      break;
    }
    if (char === "\\" && index + 1 < line.length) {
      const next = line[index + 1];
      if (next >= "0" && next <= "7") {
        let digits = 1;
        while (digits < 3 && line[index + 1 + digits] >= "0" && line[index + 1 + digits] <= "7") digits++;
        (bytes ??= []).push(parseInt(line.slice(index + 1, index + 1 + digits), 8) & 0xff);
        index += 1 + digits;
        continue;
      }
      flush();
      out += ESCAPE_IN[next] ?? next;
      index += 2;
      continue;
    }
    flush();
    out += char;
    index++;
  }
  flush();
  return { path: out, end: index };
}

/**
 * Reads the path of a `---`/`+++`/`rename from` style header value: quoted or not, cut at the first tab (git
 * appends a tab to names with spaces; plain `diff -u` appends a tab and a timestamp).
 */
export function readHeaderPath(value: string): string {
  if (value.startsWith('"')) return readQuotedPath(value, 0).path;
  const tab = value.indexOf("\t");
  return tab === -1 ? value : value.slice(0, tab);
}

/** Drops git's `a/` or `b/` prefix when present. */
export function stripPrefix(path: string, prefix: "a/" | "b/"): string {
  return path.startsWith(prefix) ? path.slice(2) : path;
}

/**
 * Splits the `a/old b/new` part of a `diff --git` line. Only a fallback: `---`/`+++` and `rename from/to` lines
 * name paths unambiguously, and git writes the same name twice whenever neither of those is present, which is
 * what makes unquoted names with spaces (`a/x b/y b/x b/y`) solvable by halving.
 */
export function splitGitLinePaths(rest: string): [string, string] {
  if (rest.startsWith('"')) {
    const first = readQuotedPath(rest, 0);
    const second = rest.slice(first.end + 1);
    return [stripPrefix(first.path, "a/"), stripPrefix(readHeaderPath(second), "b/")];
  }
  const quoted = rest.indexOf(' "');
  if (quoted !== -1) {
    return [
      stripPrefix(rest.slice(0, quoted), "a/"),
      stripPrefix(readQuotedPath(rest, quoted + 1).path, "b/"),
    ];
  }
  if (rest.length % 2 === 1) {
    const middle = (rest.length - 1) / 2;
    if (rest.charCodeAt(middle) === 32) {
      const left = stripPrefix(rest.slice(0, middle), "a/");
      const right = stripPrefix(rest.slice(middle + 1), "b/");
      if (left === right) return [left, right];
    }
  }
  let split = rest.indexOf(" b/");
  if (split === -1) split = rest.indexOf(" ");
  if (split === -1) return [stripPrefix(rest, "a/"), stripPrefix(rest, "a/")];
  return [stripPrefix(rest.slice(0, split), "a/"), stripPrefix(rest.slice(split + 1), "b/")];
}
