/**
 * Loom's hidden comment markers, every format and every reader: the summary and its head commit, finding
 * fingerprints, the progress comment, command replies, replies that resolved a thread, the configuration-error
 * comment and the bounds of the generated part of a pull request's description. Loom finds its own earlier comments by them — to edit a summary or progress comment in place, and to
 * post nothing twice.
 *
 * Anyone can type `<!-- loom:summary -->` into a comment, so a marker counts only in a comment written by
 * Loom's own platform identity: readers take the comments through `ownComments` first. A drive-by comment with
 * a summary marker for the head must not stop a review, and one with the progress marker must not be edited.
 */

/** The summary comment every adapter looks for to edit in place. */
export const SUMMARY_MARKER = "<!-- loom:summary -->";
/** How summaries were marked where the platform strips HTML comments; still recognised, no longer written. */
const LEGACY_SUMMARY_MARKER = "[//]: # (loom:summary)";
/** The progress comment, edited as steps finish. */
export const PROGRESS_MARKER = "<!-- loom:progress -->";
/** The comment explaining a broken `.loom/config.yaml`. */
export const CONFIG_ERROR_MARKER = "<!-- loom:config-error -->";

/** Where Loom's part of a pull request's description begins and ends (`lib/describe/section.ts`). */
export const DESCRIBE_START = "<!-- loom:describe:start -->";
export const DESCRIBE_END = "<!-- loom:describe:end -->";
/** The comment that holds the description where Loom cannot (or is told not to) edit the description itself. */
export const DESCRIBE_COMMENT_MARKER = "<!-- loom:describe -->";

const ANY_MARKER = /<!--\s*loom:/;
const HEAD = /<!-- loom:(?:summary )?head=([0-9a-zA-Z]+) -->/g;
const FINGERPRINT_MARKER = /<!--\s*loom:fp=([0-9a-fA-F]{8,64})\s*-->/g;
const RESOLVED_MARKER = /<!-- loom:resolved=([0-9A-Za-z_.:-]+) -->/g;
const FINGERPRINT = /^[0-9a-f]{8,64}$/;

/**
 * Marks Loom's summary of one head commit, so a retried job finds it instead of posting another. The plain
 * `SUMMARY_MARKER` is what adapters look for to edit the summary in place; the head goes separately.
 */
export function summaryMarker(headSha: string): string {
  return `${SUMMARY_MARKER}\n<!-- loom:head=${headSha} -->`;
}

/** Whether `body` is marked as a summary. */
export function hasSummaryMarker(body: string): boolean {
  return body.includes(SUMMARY_MARKER) || body.includes(LEGACY_SUMMARY_MARKER);
}

/** `summary` with the summary marker appended unless it carries one. */
export function withSummaryMarker(summary: string): string {
  return hasSummaryMarker(summary) ? summary : `${summary}\n\n${SUMMARY_MARKER}`;
}

/** The head commits a summary says it reviewed. */
export function readSummaryHeads(body: string): string[] {
  // The combined `loom:summary head=` form is what summaries posted before the split carry.
  return Array.from(body.matchAll(HEAD), (match) => match[1]!);
}

/**
 * The hidden HTML comment that carries a fingerprint in a posted comment body.
 * @throws {TypeError} when `fp` is not 8 to 64 lowercase hex characters, which also keeps `-->` out of it.
 */
export function fingerprintMarker(fp: string): string {
  if (!FINGERPRINT.test(fp)) {
    throw new TypeError(
      `Cannot build a fingerprint marker from "${fp}": expected 8 to 64 lowercase hex characters`,
    );
  }
  return `<!-- loom:fp=${fp} -->`;
}

/** Every fingerprint marked in `body`, lowercased, without repeats, in order of appearance. */
export function readFingerprints(body: string): string[] {
  const found = new Set<string>();
  for (const match of body.matchAll(FINGERPRINT_MARKER)) found.add(match[1]!.toLowerCase());
  return [...found];
}

/** The hidden marker of Loom's reply to one comment. */
export function replyMarker(commentId: string): string {
  return `<!-- loom:reply to=${commentId.replace(/[^0-9A-Za-z_.:-]/g, "")} -->`;
}

/**
 * Marks Loom's reply that resolved the thread of one of its inline comments, so the thread is never answered or
 * resolved again: a person who reopens it has the last word.
 */
export function resolvedMarker(commentId: string): string {
  return `<!-- loom:resolved=${commentId.replace(/[^0-9A-Za-z_.:-]/g, "")} -->`;
}

/** The comment ids `body` says Loom resolved the threads of. */
export function readResolvedIds(body: string): string[] {
  return Array.from(body.matchAll(RESOLVED_MARKER), (match) => match[1]!);
}

/**
 * Whether a comment body carries any Loom marker. The webhook receiver, which does not know Loom's identity,
 * uses it to leave Loom's own comments alone; a person who types a marker only silences their own command.
 */
export function isLoomComment(body: string): boolean {
  return ANY_MARKER.test(body);
}

/**
 * The comments written by Loom's own identity, the only ones whose markers count. A comment without a known
 * author is not Loom's.
 */
export function ownComments<T extends { authorId?: string }>(
  comments: readonly T[],
  identity: { id: string },
): T[] {
  return comments.filter((comment) => comment.authorId !== undefined && comment.authorId === identity.id);
}
