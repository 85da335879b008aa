import assert from "node:assert/strict";
import { parseRange, parseReviewArgs } from "./args.ts";

Deno.test("parseReviewArgs() defaults to the working tree and the terminal format", () => {
  assert.deepEqual(parseReviewArgs([]), {
    target: null,
    format: "terminal",
    post: false,
    quiet: false,
    allowPartial: false,
    help: false,
  });
});

Deno.test("parseReviewArgs() reads each mode, the format and the flags", () => {
  assert.deepEqual(parseReviewArgs(["--staged"]).target, { kind: "staged" });
  assert.deepEqual(parseReviewArgs(["--base", "origin/main"]).target, { kind: "base", base: "origin/main" });
  assert.deepEqual(parseReviewArgs(["--base=main"]).target, { kind: "base", base: "main" });
  assert.deepEqual(parseReviewArgs(["--range", "v1.2..HEAD"]).target, {
    kind: "range",
    from: "v1.2",
    to: "HEAD",
    symmetric: false,
  });
  const parsed = parseReviewArgs(["--format", "sarif", "--post", "-q", "--allow-partial", "-C", "sub"]);
  assert.deepEqual(parsed, {
    target: null,
    format: "sarif",
    post: true,
    quiet: true,
    allowPartial: true,
    help: false,
    cwd: "sub",
  });
});

Deno.test("parseReviewArgs() rejects unknown options, formats and combined modes", () => {
  assert.throws(
    () => parseReviewArgs(["--frmat", "json"]),
    /^TypeError: Cannot parse arguments: Unknown option '--frmat'/,
  );
  assert.throws(
    () => parseReviewArgs(["--format", "xml"]),
    /Cannot use format "xml": expected one of terminal, json/,
  );
  assert.throws(
    () => parseReviewArgs(["--staged", "--range", "a..b"]),
    /Cannot combine --staged and --range/,
  );
  assert.throws(() => parseReviewArgs(["--base", ""]), /Cannot use --base ""/);
});

Deno.test("parseRange() accepts two and three dots and rejects a single ref", () => {
  assert.deepEqual(parseRange("main...feature"), {
    kind: "range",
    from: "main",
    to: "feature",
    symmetric: true,
  });
  assert.deepEqual(parseRange("abc123..def456"), {
    kind: "range",
    from: "abc123",
    to: "def456",
    symmetric: false,
  });
  assert.throws(() => parseRange("main"), /^TypeError: Cannot parse range "main": expected <from>\.\.<to>/);
  assert.throws(() => parseRange("main.."), /Cannot parse range "main\.\."/);
});
