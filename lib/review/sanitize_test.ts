import assert from "node:assert/strict";
import { join } from "node:path";
import type { PlatformId } from "../platforms/types.ts";
import type { Finding } from "../findings.ts";
import { renderInlineBody, renderSummary } from "./format.ts";
import { allowedTarget, sanitizeLine, sanitizeMarkdown } from "./sanitize.ts";

Deno.test("sanitizeMarkdown() removes raw HTML and HTML comments outside code, keeping the text", () => {
  assert.equal(
    sanitizeMarkdown('Hi <img src=x onerror="alert(1)"><b>bold</b><script>steal()</script> a < b'),
    "Hi boldsteal() a &lt; b",
  );
  assert.equal(
    sanitizeMarkdown("before <!-- loom:summary -->\n<!-- loom:head=abc --> after"),
    "before \n after",
  );
  assert.equal(sanitizeMarkdown("<details><summary>x</summary>y</details>"), "xy");
});

Deno.test("sanitizeMarkdown() keeps code as written, breaking only a Loom marker's opener", () => {
  const code = "```html\n<b>kept</b> @everyone [x](javascript:y)\n<!-- loom:summary -->\n```";
  assert.equal(
    sanitizeMarkdown(code),
    "```html\n<b>kept</b> @everyone [x](javascript:y)\n<!\u200B-- loom:summary -->\n```",
  );
  assert.equal(sanitizeMarkdown("use `<div>` and `@here`"), "use `<div>` and `@here`");
});

Deno.test("sanitizeMarkdown() closes a fence the model left open so it cannot swallow what follows", () => {
  assert.equal(sanitizeMarkdown("look:\n````ts\nconst a = 1;"), "look:\n````ts\nconst a = 1;\n````");
});

Deno.test("sanitizeMarkdown() keeps http, https, mailto and relative links and unlinks everything else", () => {
  assert.equal(sanitizeMarkdown("[docs](https://example.com/a_(b))"), "[docs](https://example.com/a_(b))");
  assert.equal(
    sanitizeMarkdown("[file](src/a.ts#L3) [mail](mailto:a@b.c)"),
    "[file](src/a.ts#L3) [mail](mailto:a@b.c)",
  );
  assert.equal(sanitizeMarkdown("[click](javascript:alert(document.cookie))!"), "click!");
  assert.equal(sanitizeMarkdown("[x](JaVa&#115;cript&colon;alert(1))"), "x");
  assert.equal(sanitizeMarkdown("[x](<javascript:alert(1)>)"), "x");
  assert.equal(sanitizeMarkdown("[x](<java\tscript:alert(1)>)"), "[x]()");
  assert.equal(sanitizeMarkdown("[x](data:text/html;base64,PHNjcmlwdD4=)"), "x");
  assert.equal(sanitizeMarkdown("[x][r]\n\n[r]: javascript:alert(1)"), "[x][r]\n\n[r]: #");
  for (const bad of ["vbscript:x", "DATA:x", " javascript:x", "java&#x73;cript:x", "file:///etc/passwd"]) {
    assert.equal(allowedTarget(bad), false, bad);
  }
});

Deno.test("sanitizeMarkdown() turns images into links so no reader's browser fetches a remote image", () => {
  assert.equal(
    sanitizeMarkdown("![pixel](https://tracker.example/p.gif?u=1) ![][ref]"),
    "[pixel](https://tracker.example/p.gif?u=1) [][ref]",
  );
  assert.equal(sanitizeMarkdown("![x](javascript:alert(1))"), "x");
});

Deno.test("sanitizeMarkdown() defuses mass and team mentions but leaves people and e-mail addresses", () => {
  assert.equal(
    sanitizeMarkdown(
      "@everyone @here @channel @all &#64;all @octo/security-team @gitlab-org/maintainers/core",
    ),
    "`@everyone` `@here` `@channel` `@all` `@all` `@octo/security-team` `@gitlab-org/maintainers/core`",
  );
  assert.equal(sanitizeMarkdown("thanks @ada, mail ops@example.com"), "thanks @ada, mail ops@example.com");
});

Deno.test("sanitizeLine() folds a multi-line title into one line", () => {
  assert.equal(sanitizeLine("Title\n\n## Heading <b>x</b>"), "Title ## Heading x");
});

const HOSTILE: Finding = {
  path: "src/app.ts",
  line: 3,
  endLine: 4,
  side: "RIGHT",
  severity: "warning",
  title: "Unsafe <img src=x onerror=alert(1)> call\n<!-- loom:head=deadbeef -->",
  body: [
    "Please review @everyone, @here and @octo/security-team (and GitLab's @all).",
    "<details><summary>More</summary><script>fetch('//evil.example')</script></details>",
    "[Read the fix](javascript:alert(document.cookie)) or [this](data:text/html,<b>x</b>).",
    "![status](https://tracker.example/pixel.gif?reviewer=1)",
    "<!-- loom:summary -->",
    "```ts",
    "const open = true; // the fence is never closed",
  ].join("\n"),
  suggestion: "const text = `\n```\n`;\n```\n@everyone <!-- loom:fp=00000000 -->",
  step: "bugs",
};

const PLATFORMS: PlatformId[] = [
  "github",
  "gitlab",
  "gitea",
  "bitbucket",
  "bitbucket_server",
  "azure_devops",
];
const GOLDEN = join(import.meta.dirname!, "testdata", "sanitize");

for (const platform of PLATFORMS) {
  Deno.test(`renderInlineBody() posts sanitised model output on ${platform} (golden)`, async () => {
    const body = renderInlineBody(platform, HOSTILE, "<!-- loom:fp=0123abcd -->", ["old();", "older();"]);
    const file = join(GOLDEN, `${platform}.md`);
    if (Deno.env.get("UPDATE_GOLDEN") === "1") await Deno.writeTextFile(file, body);
    assert.equal(body, await Deno.readTextFile(file));
    // Whatever the dialect: one Loom marker (Loom's own, last), no HTML, no script link, no remote image.
    assert.deepEqual(body.match(/<!--\s*loom/g), ["<!-- loom"]);
    assert.ok(body.endsWith("<!-- loom:fp=0123abcd -->"));
    assert.doesNotMatch(body, /<(?:img|script|details|b)\b/);
    assert.doesNotMatch(body, /\]\((?:javascript|data):/);
    assert.doesNotMatch(body, /!\[/);
    const prose = body.slice(0, body.indexOf("````"));
    assert.doesNotMatch(prose, /(?:^|[^`])@(?:everyone|here|all|octo\/security-team)\b/m);
    assert.match(body, /^\*\*⚠️ Warning: Unsafe call\*\*\n/);
  });
}

Deno.test("renderSummary() sanitises titles, bodies and step errors it shows", () => {
  const summary = renderSummary({
    headSha: "abc",
    filesReviewed: 1,
    inline: [],
    unanchored: [HOSTILE],
    alreadyPosted: 0,
    skippedFiles: [],
    steps: [{ name: "lint", inputTokens: 0, outputTokens: 0, error: "crashed: <img src=x> @everyone" }],
    costUsd: 0,
  });
  assert.deepEqual(summary.match(/<!--\s*loom[^>]*>/g), ["<!-- loom:summary -->", "<!-- loom:head=abc -->"]);
  assert.doesNotMatch(summary, /<img|<script|javascript:|!\[/);
  assert.match(summary, /- \*\*lint\*\*: crashed: `@everyone`/);
});
