/**
 * What one review run posts to its pull request, decided in one place for the worker and for `review --post` in
 * CI, so the two cannot drift apart:
 * - a finding whose fingerprint is in an earlier inline comment, or that someone ignored (`@loom ignore`), is
 *   not posted again; a fingerprint that lived only in an earlier summary is posted again, because GitLab,
 *   Bitbucket and Azure DevOps replace the summary with the next one and the finding would otherwise vanish;
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
  /** Findings of this run an earlier review already posted, or that were ignored. */
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
  // Only comments outside Loom's summaries count as posted: the next summary replaces the previous one.
  const posted = new Set(
    input.existing.filter((comment) => readSummaryHeads(comment.body).length === 0)
      .flatMap((comment) => readFingerprints(comment.body)),
  );
  for (const ignored of input.ignored ?? []) posted.add(ignored);
  const isNew = (finding: Finding) => !posted.has(fingerprint(finding));
  const fresh = input.anchored.filter(isNew);
  const newInline = output.inline_comments ? [...fresh].sort(bySeverity) : [];
  const inline = newInline.slice(0, output.max_comments);
  const summaryFindings = [
    ...newInline.slice(output.max_comments),
    ...(output.inline_comments ? [] : fresh),
    ...input.unanchored.filter(isNew),
  ];
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
    alreadyPosted: input.anchored.length + input.unanchored.length - inline.length - summaryFindings.length,
    alreadySummarised,
    event,
    post: !alreadySummarised && event !== null && (output.summary || inline.length > 0),
    outcome,
  };
}

/** The parts of the summary that describe the run rather than the publication. */
export type SummaryDetails = Omit<
  SummaryInput,
  "headSha" | "inline" | "unanchored" | "alreadyPosted" | "outcome"
>;

/** The summary text: findings, counts and steps, followed by the fingerprints of the summary's findings. */
export function renderPublication(publication: Publication, details: SummaryDetails): string {
  return renderSummary({
    ...details,
    headSha: publication.headSha,
    inline: publication.inline,
    unanchored: publication.summaryFindings,
    alreadyPosted: publication.alreadyPosted,
    outcome: publication.outcome,
  }) + publication.summaryFindings.map((finding) => "\n" + fingerprintMarker(fingerprint(finding))).join("");
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
