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
    platform: "github",
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

Deno.test("planPublication() lists no finding again that an earlier inline comment or summary holds, or that was ignored", () => {
  const inlined = finding("Posted inline", "warning", 1);
  const summarised = finding("Only in the summary", "blocker", 2);
  const ignored = finding("Ignored", "blocker", 3);
  const outside = finding("Outside the diff", "info", 90);
  const fresh = finding("New on this push", "warning", 4);
  for (
    const platform of ["github", "gitlab", "gitea", "bitbucket", "bitbucket_server", "azure_devops"] as const
  ) {
    const publication = planPublication({
      platform,
      headSha: "h2",
      output: OutputConfig.parse({}),
      anchored: [inlined, summarised, ignored, fresh],
      unanchored: [outside],
      existing: [
        comment(`Earlier\n${fingerprintMarker(fingerprint(inlined))}`, true),
        comment(
          `## Loom review\n${summaryMarker("h1")}\n${fingerprintMarker(fingerprint(summarised))}\n` +
            fingerprintMarker(fingerprint(outside)),
        ),
      ],
      ignored: new Set([fingerprint(ignored)]),
    });
    assert.deepEqual(publication.inline, [fresh], platform);
    assert.deepEqual(publication.summaryFindings, [], platform);
    assert.equal(publication.alreadyPosted, 4, platform);
    assert.equal(publication.event, "COMMENT", `${platform}: only new findings decide the verdict`);
  }
});

Deno.test("planPublication() carries summary-only findings into a summary that replaces the earlier one, and only there", () => {
  const summarised = finding("Only in the summary", "warning", 2);
  const outside = finding("Outside the diff", "info", 90);
  const inlined = finding("Posted inline", "warning", 1);
  const ignored = finding("Ignored", "blocker", 90);
  const input = {
    headSha: "h2",
    output: OutputConfig.parse({}),
    anchored: [summarised, inlined],
    unanchored: [outside, ignored],
    existing: [
      comment(`Earlier\n${fingerprintMarker(fingerprint(inlined))}`, true),
      comment(
        `## Loom review\n${summaryMarker("h1")}\n${fingerprintMarker(fingerprint(summarised))}\n` +
          `${fingerprintMarker(fingerprint(outside))}\n${fingerprintMarker(fingerprint(ignored))}`,
      ),
    ],
    ignored: new Set([fingerprint(ignored)]),
  };
  const details = { filesReviewed: 1, skippedFiles: [], steps: [], costUsd: 0 };
  for (const platform of ["gitlab", "bitbucket", "bitbucket_server", "azure_devops"] as const) {
    const publication = planPublication({ ...input, platform });
    assert.deepEqual(publication.carried, [summarised, outside], platform);
    const summary = renderPublication(publication, details);
    const still = summary.slice(summary.indexOf("### Still open from earlier reviews"));
    assert.ok(still.includes(summarised.title) && still.includes(outside.title), platform);
    assert.ok(!summary.includes(ignored.title) && !summary.includes(inlined.title), platform);
    assert.ok(summary.includes(fingerprintMarker(fingerprint(outside))), "carried fingerprints are kept");
    assert.equal(summary.split(`**${summarised.title}**`).length, 2, "listed once");
    assert.match(summary, /No new problems found/);
  }
  for (const platform of ["github", "gitea"] as const) {
    const publication = planPublication({ ...input, platform });
    assert.deepEqual(publication.carried, [], platform);
    const summary = renderPublication(publication, details);
    assert.ok(!summary.includes(summarised.title) && !summary.includes(outside.title), platform);
    assert.ok(!summary.includes(fingerprintMarker(fingerprint(outside))), platform);
    assert.match(summary, /4 finding\(s\) from an earlier review are not repeated\./);
  }
});

Deno.test("planPublication() posts nothing for a head that has a summary unless a new one is asked for", () => {
  const input = {
    platform: "gitea" as const,
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
