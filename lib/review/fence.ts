/** Fences for untrusted text in prompts: the diff, context blocks, questions. */

/** A fence longer than any run of backticks in `content`, so untrusted content cannot close it. */
export function fenceFor(content: string): string {
  const longest = Math.max(2, ...Array.from(content.matchAll(/`+/g), (match) => match[0].length));
  return "`".repeat(longest + 1);
}
