import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { Markdown, safeHref } from "./Markdown.tsx";

const html = (text: string) => renderToString(Markdown({ text }));

Deno.test("Markdown renders emphasis, code, lists and fenced code as elements", () => {
  const out = html(
    "Use **parameterised** queries, not `concat`.\n\n- one\n- two\n\n```ts\nconst a = 1 < 2;\n```",
  );
  assert.match(out, /<strong>parameterised<\/strong>/);
  assert.match(out, /<code>concat<\/code>/);
  assert.match(out, /<ul><li>one<\/li><li>two<\/li><\/ul>/);
  assert.match(out, /<pre><code>const a = 1 &lt; 2;<\/code><\/pre>/);
});

Deno.test("Markdown shows raw HTML as text and drops script links", () => {
  const out = html(
    'Hi <script>alert(1)</script> <img src=x onerror="alert(2)"> [click](javascript:alert(3)) ' +
      "[data](data:text/html,boom) ![pixel](https://tracker.example/p.png) [docs](https://example.com/a?b=1&c=2)",
  );
  assert.doesNotMatch(out, /<script|<img|href="javascript|href="data/i);
  assert.match(out, /&lt;img src=x onerror=&quot;alert\(2\)&quot;>/);
  assert.match(out, /&lt;script>alert\(1\)&lt;\/script>/);
  assert.match(out, /<span>click<\/span>/);
  assert.match(out, /pixel \(https:\/\/tracker\.example\/p\.png\)/);
  assert.match(
    out,
    /<a href="https:\/\/example\.com\/a\?b=1&amp;c=2" rel="nofollow noopener noreferrer">docs<\/a>/,
  );
});

Deno.test("safeHref keeps http(s), mailto and same-site paths only", () => {
  assert.equal(safeHref("https://github.com/o/r/pull/1"), "https://github.com/o/r/pull/1");
  assert.equal(safeHref("/reviews/3"), "/reviews/3");
  assert.equal(safeHref("mailto:a@example.com"), "mailto:a@example.com");
  for (
    const bad of [
      "javascript:alert(1)",
      " JavaScript:alert(1)",
      "//evil.example/",
      "/\\evil.example/",
      "/\t/evil.example/",
      "/\n/evil.example/",
      "data:text/html,x",
      "vbscript:x",
    ]
  ) {
    assert.equal(safeHref(bad), null, bad);
  }
});
