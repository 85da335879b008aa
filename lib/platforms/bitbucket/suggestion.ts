/**
 * Bitbucket Cloud has no suggested-change syntax (platforms.md §7), so a ```` ```suggestion ```` block becomes a
 * ```` ```diff ```` block that shows the anchored lines being replaced, the way pr-agent does for Bitbucket.
 */

const SUGGESTION_BLOCK = /^([ \t]*)(`{3,})suggestion[^\n]*\n([\s\S]*?)^[ \t]*\2[ \t]*$/gm;

/** True when `body` contains a ```` ```suggestion ```` fenced block. */
export function hasSuggestion(body: string): boolean {
  SUGGESTION_BLOCK.lastIndex = 0;
  return SUGGESTION_BLOCK.test(body);
}

/**
 * Rewrites every ```` ```suggestion ```` block in `body` as a ```` ```diff ```` block: the `original` lines (the
 * anchored lines at the head commit) prefixed with `-`, then the suggested lines prefixed with `+`. When the
 * original lines are unknown (`null`) only the `+` lines are shown.
 */
export function suggestionToDiffBlock(body: string, original: string[] | null): string {
  return body.replace(SUGGESTION_BLOCK, (_match, indent: string, fence: string, content: string) => {
    const replacement = content === "" ? [] : content.replace(/\n$/, "").split("\n");
    const lines = [
      ...(original ?? []).map((line) => `-${line}`),
      ...replacement.map((line) => `+${line}`),
    ];
    return [`${indent}${fence}diff`, ...lines, `${indent}${fence}`].join("\n");
  });
}
