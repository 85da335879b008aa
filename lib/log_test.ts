import assert from "node:assert/strict";
import { chooseLogFormat, createLogger, formatTextLine } from "./log.ts";

Deno.test("createLogger writes JSON lines by default and text lines when asked", () => {
  const lines: string[] = [];
  const now = () => Date.UTC(2026, 11, 6, 6, 40, 1);
  const error = new Error('Cannot complete request to openai model "gpt-4o-mini": HTTP 500', {
    cause: new Error("socket hang up"),
  });
  createLogger({ write: (line) => lines.push(line), now }).warn("Retrying LLM request", {
    attempt: 1,
    error,
  });
  const json = JSON.parse(lines[0]!);
  assert.equal(json.message, "Retrying LLM request");
  assert.match(json.error.stack, /Error: Cannot complete/);
  createLogger({ write: (line) => lines.push(line), now, format: "text" }).child({ jobId: 4 })
    .warn("Retrying LLM request", { attempt: 1, waitMs: 1000, error });
  assert.equal(
    lines[1],
    '06:40:01 WARN  Retrying LLM request jobId=4 attempt=1 waitMs=1000 error="Cannot complete request to ' +
      'openai model \\"gpt-4o-mini\\": HTTP 500: caused by: socket hang up"',
  );
  assert.doesNotMatch(lines[1]!, /\n|at /);
});

Deno.test("formatTextLine keeps one line and quotes values with spaces", () => {
  assert.equal(
    formatTextLine(0, "info", "Loom is listening", { url: "http://localhost:8000", note: "two\nlines" }),
    '00:00:00 INFO  Loom is listening url=http://localhost:8000 note="two lines"',
  );
});

Deno.test("chooseLogFormat: text on a terminal, JSON otherwise or when LOOM_LOG_FORMAT=json", () => {
  assert.equal(chooseLogFormat(undefined, true), "text");
  assert.equal(chooseLogFormat(undefined, false), "json");
  assert.equal(chooseLogFormat("json", true), "json");
  assert.equal(chooseLogFormat("text", false), "text");
});
