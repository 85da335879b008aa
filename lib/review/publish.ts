/**
 * What one review run posts to its pull request, decided in one place for the worker and for `review --post` in
 * CI, so the two cannot drift apart:
 * - a finding is posted once per pull request: one whose fingerprint is in an earlier inline comment or an
 *   earlier summary (Loom's own comments only), or that someone ignored (`@loom ignore`), is never posted or
 *   listed as new again, inline or in the summary. Where the platform replaces the summary with the next one
 *   (GitLab, Bitbucket, Azure DevOps: `summaryEditedInPlace`), the new summary carries the findings the earlier
 *   one listed and this run still reports under "Still open from earlier reviews", with their fingerprints, so
 *   they stay listed exactly once instead of vanishing; where every review keeps its own summary (GitHub, Gitea)
 *   the earlier one still shows them and nothing is carried;
 * - anchored findings go inline (most severe first, up to `output.max_comments`), the rest in the summary with
 *   their hidden fingerprints;
 * - the verdict is decided from what is posted, and a run whose steps did not all run never approves (its
 *   summary names the failed steps, `lib/review/outcome.ts`);
 * - nothing is posted when the head already has a summary (a retried job or a re-run CI job), unless a new
 *   summary is asked for (`@loom review`).
 * `planPublication` and `renderPublication` are pure; `publishReview` is the single call that posts the review.
 */
import type { OutputConfig } from "../config/schema.ts";
import { decideReviewEvent } from "./policy.ts";
import { PLATFORM_CAPABILITIES } from "../platforms/mod.ts";
import { type DiffFile, filePath } from "../diff/types.ts";
import type {
  ExistingComment,
  PlatformClient,
  PlatformId,
  PullRequestRef,
  ReviewEvent,
  ReviewOutput,
} from "../platforms/types.ts";
import { fingerprintMarker, readFingerprints, readSummaryHeads } from "../markers.ts";
import { fingerprint } from "./fingerprint.ts";
import { type Finding, SEVERITY_RANK } from "../findings.ts";
import { renderInlineBody, renderSummary, type SummaryInput } from "./format.ts";
import { outcomeEvent, type RunOutcome } from "./outcome.ts";

/** Everything the decision depends on. */
export interface PublicationInput {
  /** Where the review is posted: whether its summary replaces the earlier one decides what is carried. */
  platform: PlatformId;
  /** The commit the review is posted against. */
  headSha: string;
  output: OutputConfig;
  /** Findings anchored to a line of the pull request's diff. */
  anchored: readonly Finding[];
  /** Findings on lines outside the diff. */
  unanchored: readonly Finding[];
  /** The pull request's comments before this run posted anything. */
  existing: readonly ExistingComment[];
  /** Fingerprints someone asked Loom not to post again. */
  ignored?: ReadonlySet<string>;
  /** Post a new summary even when the head has one (`@loom review`). */
  repostSummary?: boolean;
  /** Which steps ran; absent means every step did. */
  outcome?: RunOutcome;
}

/** What one run posts. */
export interface Publication {
  headSha: string;
  /** Posted as inline comments, most severe first. */
  inline: Finding[];
  /** Listed in the summary: unanchored, over `max_comments`, or inline comments turned off. */
  summaryFindings: Finding[];
  /**
   * Findings of this run that only an earlier summary listed, carried into a summary that replaces it
   * (`summaryEditedInPlace`); empty where earlier summaries stay visible. Not new: they do not count for the
   * verdict.
   */
  carried: Finding[];
  /** Findings of this run an earlier review already posted (inline or in a summary), or that were ignored. */
  alreadyPosted: number;
  /** The head already has Loom's summary and no new one was asked for. */
  alreadySummarised: boolean;
  /** The verdict from the posted findings; `null` when the configuration posts nothing for them. */
  event: ReviewEvent | null;
  /** Whether `publishReview` posts anything. */
  post: boolean;
  outcome: RunOutcome;
}

/** Decides what one run posts; pure. */
export function planPublication(input: PublicationInput): Publication {
  const { output } = input;
  const inlinePosted = new Set<string>();
  const summarised = new Set<string>();
  for (const comment of input.existing) {
    // A summary's fingerprints count as posted too: Gitea and GitHub cannot edit an earlier review body, so a
    // finding listed again would show twice, and where the summary is edited it is carried instead (below).
    const into = readSummaryHeads(comment.body).length > 0 ? summarised : inlinePosted;
    for (const found of readFingerprints(comment.body)) into.add(found);
  }
  const ignored = input.ignored ?? new Set<string>();
  const isNew = (finding: Finding) => {
    const fp = fingerprint(finding);
    return !inlinePosted.has(fp) && !summarised.has(fp) && !ignored.has(fp);
  };
  const fresh = input.anchored.filter(isNew);
  const newInline = output.inline_comments ? [...fresh].sort(bySeverity) : [];
  const inline = newInline.slice(0, output.max_comments);
  const summaryFindings = [
    ...newInline.slice(output.max_comments),
    ...(output.inline_comments ? [] : fresh),
    ...input.unanchored.filter(isNew),
  ];
  const carried = PLATFORM_CAPABILITIES[input.platform].summaryEditedInPlace
    ? uniqueByFingerprint([...input.anchored, ...input.unanchored].filter((finding) => {
      const fp = fingerprint(finding);
      return summarised.has(fp) && !inlinePosted.has(fp) && !ignored.has(fp);
    })).sort(bySeverity)
    : [];
  const alreadySummarised = !input.repostSummary &&
    input.existing.some((comment) => readSummaryHeads(comment.body).includes(input.headSha));
  const outcome = input.outcome ?? { status: "completed", failedSteps: [] };
  const event = outcomeEvent(
    outcome,
    decideReviewEvent(output, [...inline, ...summaryFindings].map((finding) => finding.severity)),
    output.summary,
  );
  return {
    headSha: input.headSha,
    inline,
    summaryFindings,
    carried,
    alreadyPosted: input.anchored.length + input.unanchored.length - inline.length - summaryFindings.length,
    alreadySummarised,
    event,
    post: !alreadySummarised && event !== null && (output.summary || inline.length > 0),
    outcome,
  };
}

/** The first finding of each fingerprint: two steps can report the same problem. */
function uniqueByFingerprint(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((finding) => {
    const fp = fingerprint(finding);
    if (seen.has(fp)) return false;
    seen.add(fp);
    return true;
  });
}

/** The parts of the summary that describe the run rather than the publication. */
export type SummaryDetails = Omit<
  SummaryInput,
  "headSha" | "inline" | "unanchored" | "carried" | "alreadyPosted" | "outcome"
>;

/**
 * The summary text: findings, counts and steps, followed by the fingerprints of the findings it lists (new and
 * carried), which the next review reads back so that it lists none of them as new.
 */
export function renderPublication(publication: Publication, details: SummaryDetails): string {
  return renderSummary({
    ...details,
    headSha: publication.headSha,
    inline: publication.inline,
    unanchored: publication.summaryFindings,
    carried: publication.carried,
    alreadyPosted: publication.alreadyPosted,
    outcome: publication.outcome,
  }) + [...publication.summaryFindings, ...publication.carried]
    .map((finding) => "\n" + fingerprintMarker(fingerprint(finding))).join("");
}

/** The review as the platform receives it; `files` gives platforms without suggestions the replaced lines. */
export function reviewOutput(
  platform: PlatformId,
  publication: Publication & { event: ReviewEvent },
  options: { summary: string; files?: readonly DiffFile[] },
): ReviewOutput {
  return {
    headSha: publication.headSha,
    summary: options.summary,
    event: publication.event,
    comments: publication.inline.map((finding) => ({
      path: finding.path,
      line: finding.endLine ?? finding.line,
      startLine: finding.endLine !== undefined && finding.endLine !== finding.line ? finding.line : undefined,
      side: finding.side,
      severity: finding.severity,
      body: renderInlineBody(
        platform,
        finding,
        fingerprintMarker(fingerprint(finding)),
        options.files === undefined ? undefined : originalLines(options.files, finding),
      ),
    })),
  };
}

/**
 * Posts the publication as one review, when it posts anything; every review Loom posts goes through here.
 * @returns whether a review was posted
 * @throws {PlatformError} when the platform rejects the review
 */
export async function publishReview(
  client: PlatformClient,
  ref: PullRequestRef,
  publication: Publication,
  options: { summary: string; files?: readonly DiffFile[] },
): Promise<boolean> {
  if (!publication.post || publication.event === null) return false;
  await client.postReview(
    ref,
    reviewOutput(client.platform, { ...publication, event: publication.event }, options),
  );
  return true;
}

function bySeverity(a: Finding, b: Finding): number {
  return SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity];
}

/** The diff's text of `finding.line..endLine` on its side, for platforms that show a replacement as a diff. */
function originalLines(files: readonly DiffFile[], finding: Finding): string[] {
  const file = files.find((candidate) => filePath(candidate) === finding.path);
  const end = finding.endLine ?? finding.line;
  const found = new Map<number, string>();
  for (const hunk of file?.hunks ?? []) {
    for (const line of hunk.lines) {
      const number = finding.side === "RIGHT" ? line.newLine : line.oldLine;
      if (number !== undefined && number >= finding.line && number <= end) found.set(number, line.content);
    }
  }
  return [...found.keys()].sort((a, b) => a - b).map((number) => found.get(number)!);
}
