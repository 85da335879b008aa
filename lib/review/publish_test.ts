import assert from "node:assert/strict";
import { OutputConfig } from "../config/schema.ts";
import type { ExistingComment } from "../platforms/types.ts";
import { fingerprintMarker, summaryMarker } from "../markers.ts";
import { fingerprint } from "./fingerprint.ts";
import type { Finding } from "../findings.ts";
import { planPublication, renderPublication, reviewOutput } from "./publish.ts";

function finding(title: string, severity: Finding["severity"], line = 3): Finding {
  return { path: "src/a.ts", line, side: "RIGHT", severity, title, body: `${title}.`, step: "bugs" };
}

const output = OutputConfig.parse({ max_comments: 1, request_changes_on: "blocker" });
const comment = (body: string, inline = false): ExistingComment => ({ id: body.slice(0, 8), body, inline });

Deno.test("planPublication() posts the most severe anchored findings inline and the rest in the summary", () => {
  const info = finding("Rename", "info", 1);
  const blocker = finding("Null dereference", "blocker", 2);
  const outside = finding("Outside", "warning", 90);
  const publication = planPublication({
    headSha: "h1",
    output,
    anchored: [info, blocker],
    unanchored: [outside],
    existing: [],
  });
  assert.deepEqual(publication.inline, [blocker]);
  assert.deepEqual(publication.summaryFindings, [info, outside]);
  assert.equal(publication.event, "REQUEST_CHANGES");
  assert.equal(publication.post, true);
  const summary = renderPublication(publication, {
    filesReviewed: 1,
    skippedFiles: [],
    steps: [],
    costUsd: 0,
  });
  assert.ok(
    summary.includes(fingerprintMarker(fingerprint(info))),
    "summary findings carry their fingerprint",
  );
  assert.ok(!summary.includes(fingerprintMarker(fingerprint(blocker))));
  const review = reviewOutput("github", { ...publication, event: "REQUEST_CHANGES" }, { summary });
  assert.deepEqual(review.comments.map((posted) => [posted.path, posted.line]), [["src/a.ts", 2]]);
});

Deno.test("planPublication() skips inline and ignored fingerprints but repeats summary-only ones", () => {
  const inlined = finding("Posted inline", "warning", 1);
  const summarised = finding("Only in the summary", "warning", 2);
  const ignored = finding("Ignored", "blocker", 3);
  const publication = planPublication({
    headSha: "h2",
    output: OutputConfig.parse({}),
    anchored: [inlined, summarised, ignored],
    unanchored: [],
    existing: [
      comment(`Earlier\n${fingerprintMarker(fingerprint(inlined))}`, true),
      comment(`## Loom review\n${summaryMarker("h1")}\n${fingerprintMarker(fingerprint(summarised))}`),
    ],
    ignored: new Set([fingerprint(ignored)]),
  });
  assert.deepEqual(publication.inline, [summarised]);
  assert.equal(publication.alreadyPosted, 2);
  assert.notEqual(publication.event, "REQUEST_CHANGES", "the ignored blocker does not decide the verdict");
});

Deno.test("planPublication() posts nothing for a head that has a summary unless a new one is asked for", () => {
  const input = {
    headSha: "h1",
    output: OutputConfig.parse({}),
    anchored: [finding("New", "warning")],
    unanchored: [],
    existing: [comment(`## Loom review\n${summaryMarker("h1")}`)],
  };
  assert.equal(planPublication(input).post, false);
  assert.equal(planPublication(input).alreadySummarised, true);
  assert.equal(planPublication({ ...input, repostSummary: true }).post, true);
});
