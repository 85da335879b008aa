import assert from "node:assert/strict";
import type { Finding } from "../findings.ts";
import { fingerprint, mergeDuplicateFindings, normaliseTitle } from "./fingerprint.ts";
import { fingerprintMarker, readFingerprints } from "../markers.ts";

function finding(overrides: Partial<Finding>): Finding {
  return {
    path: "src/app.ts",
    line: 20,
    side: "RIGHT",
    severity: "warning",
    title: "Unused variable `total`",
    body: "Remove it.",
    step: "bugs",
    ...overrides,
  };
}

Deno.test("fingerprint() is 16 hex characters and stable", () => {
  const fp = fingerprint(finding({}));
  assert.match(fp, /^[0-9a-f]{16}$/);
  assert.equal(fingerprint(finding({})), fp);
});

Deno.test("fingerprint() keeps its value for a finding shifted by 10 lines", () => {
  const before = finding({ line: 20, endLine: 22, title: "Off-by-one in loop on line 20" });
  const after = finding({ line: 30, endLine: 32, title: "Off-by-one in loop on line 30" });
  assert.equal(fingerprint(after), fingerprint(before));
});

Deno.test("fingerprint() ignores case, spacing, quotes, severity and body", () => {
  const base = fingerprint(finding({}));
  assert.equal(fingerprint(finding({ title: "  unused   VARIABLE total. " })), base);
  assert.equal(fingerprint(finding({ severity: "blocker", body: "Other words" })), base);
});

Deno.test("fingerprint() differs by step, path and title", () => {
  const base = fingerprint(finding({}));
  assert.notEqual(fingerprint(finding({ step: "style" })), base);
  assert.notEqual(fingerprint(finding({ path: "src/other.ts" })), base);
  assert.notEqual(fingerprint(finding({ title: "Unused variable `count`" })), base);
});

Deno.test("normaliseTitle() strips line references but keeps other digits", () => {
  assert.equal(normaliseTitle("Null check missing at L42"), "null check missing at line");
  assert.equal(normaliseTitle("See lines 10-12 and #L5-L9"), "see line and #line");
  assert.equal(normaliseTitle("Crash in app.ts:42:7!"), "crash in app.ts");
  assert.equal(normaliseTitle("Use SHA256 instead of MD5"), "use sha256 instead of md5");
  assert.equal(normaliseTitle("Retry 3 times"), "retry 3 times");
});

Deno.test("fingerprintMarker() wraps the fingerprint in an HTML comment", () => {
  assert.equal(fingerprintMarker("0123456789abcdef"), "<!-- loom:fp=0123456789abcdef -->");
});

Deno.test("fingerprintMarker() rejects values that are not hex", () => {
  assert.throws(() => fingerprintMarker("abc --> <b>"), TypeError);
  assert.throws(() => fingerprintMarker(""), /Cannot build a fingerprint marker from "": expected/);
});

Deno.test("readFingerprints() finds every marker once, in order", () => {
  const first = fingerprint(finding({}));
  const second = fingerprint(finding({ step: "style" }));
  const body = `Text\n${fingerprintMarker(first)}\nmore ${fingerprintMarker(second)} and ` +
    `<!--loom:fp=${first.toUpperCase()}--> and <!-- other:fp=ffffffffffffffff -->`;
  assert.deepEqual(readFingerprints(body), [first, second]);
  assert.deepEqual(readFingerprints("no markers"), []);
});

Deno.test("readFingerprints() reads back what fingerprintMarker() writes", () => {
  const fp = fingerprint(finding({}));
  assert.deepEqual(readFingerprints(`**Title**\n\nBody\n\n${fingerprintMarker(fp)}`), [fp]);
});

Deno.test("mergeDuplicateFindings() merges the same issue from different steps and keeps the most severe", () => {
  const merged = mergeDuplicateFindings([
    finding({ step: "bugs", severity: "info", line: 20 }),
    finding({
      step: "security",
      severity: "blocker",
      line: 22,
      title: "unused variable total",
      body: "Drop it.",
    }),
    finding({ step: "style", severity: "warning", line: 19, endLine: 21, title: "Unused variable 'total'." }),
  ]);
  assert.deepEqual(merged, [
    finding({
      step: "security",
      severity: "blocker",
      line: 22,
      title: "unused variable total",
      body: "Drop it.\n\nAlso reported by `bugs`, `style`.",
    }),
  ]);
});

Deno.test("mergeDuplicateFindings() keeps findings apart when lines, titles, path or side differ", () => {
  const findings = [
    finding({ step: "bugs", line: 20 }),
    finding({ step: "style", line: 23 }),
    finding({ step: "security", line: 20, title: "Unused variable `count`" }),
    finding({ step: "perf", line: 20, path: "src/other.ts" }),
    finding({ step: "docs", line: 20, side: "LEFT" }),
  ];
  assert.deepEqual(mergeDuplicateFindings(findings), findings);
});

Deno.test("mergeDuplicateFindings() does not merge findings of the same step", () => {
  const findings = [finding({ line: 20 }), finding({ line: 21 })];
  assert.deepEqual(mergeDuplicateFindings(findings), findings);
});

Deno.test("mergeDuplicateFindings() accepts near-identical titles", () => {
  const merged = mergeDuplicateFindings([
    finding({ step: "bugs", title: "Possible SQL injection in query builder" }),
    finding({ step: "security", title: "SQL injection in query builder" }),
  ]);
  assert.equal(merged.length, 1);
  assert.equal(merged[0].body, "Remove it.\n\nAlso reported by `security`.");
});
