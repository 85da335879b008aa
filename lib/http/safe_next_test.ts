import assert from "node:assert/strict";
import { safeNext } from "./safe_next.ts";

/** Values a browser could follow off-site if `next` were checked by prefix; all must fall back to `/`. */
const OPEN_REDIRECT_PAYLOADS = [
  "//evil.example",
  "///evil.example",
  "////evil.example/",
  "/\\evil.example",
  "/\\/evil.example",
  "\\\\evil.example",
  "/\t/evil.example/",
  "/\n/evil.example/",
  "/\r\n/evil.example/",
  "/ /evil.example/".replace(" ", "\t"),
  "/.//evil.example",
  "/./\\evil.example",
  "/../..//evil.example",
  "https://evil.example/",
  "https:evil.example",
  "https:/evil.example",
  "http://localhost:8000@evil.example/",
  "javascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  " //evil.example",
  "\t//evil.example",
  "evil.example",
  "",
];

Deno.test("safeNext() sends every known open-redirect spelling to /", () => {
  for (const payload of OPEN_REDIRECT_PAYLOADS) {
    assert.equal(safeNext(payload, "https://loom.example.com"), "/", JSON.stringify(payload));
  }
  assert.equal(safeNext(undefined), "/");
});

Deno.test("safeNext() keeps same-origin paths with their query and fragment", () => {
  assert.equal(
    safeNext("/reviews?status=failed#top", "https://loom.example.com"),
    "/reviews?status=failed#top",
  );
  assert.equal(safeNext("/repos/12", "https://loom.example.com"), "/repos/12");
  assert.equal(safeNext("/a/../reviews"), "/reviews");
  assert.equal(safeNext("/%2F%2Fevil.example"), "/%2F%2Fevil.example", "an encoded slash stays in the path");
});
