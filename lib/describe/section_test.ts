import assert from "node:assert/strict";
import fc from "fast-check";
import { DESCRIBE_END, DESCRIBE_START } from "../markers.ts";
import { authorText, findSection, sectionBlock, spliceSection } from "./section.ts";

function splice(body: string, content: string): string {
  const result = spliceSection(body, content);
  if ("broken" in result) throw new Error(`unexpected broken section: ${result.broken}`);
  return result.body;
}

/** Author text: prose, lists, code fences (closed or not), CRLF line ends, HTML comments — never a marker line. */
const authorTexts = fc.array(
  fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom(
      "\n",
      "\r\n",
      "\n\n",
      "```",
      "```ts\n",
      "~~~\n",
      "- item\n",
      "<!-- note -->",
      "  ",
      "> quote\n",
    ),
    fc.constantFrom("loom:describe:start", "<!-- loom:describe", "`<!-- loom:describe:end -->`"),
  ),
  { maxLength: 30 },
).map((parts) => parts.join("")).filter((text) => findSection(text).kind === "absent");

/** Loom's rendered text: any Markdown without marker lines and with its fences closed. */
const sections = fc.array(
  fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.constantFrom("\n", "| a | b |\n", "```mermaid\nsequenceDiagram\n```\n"),
  ),
  { minLength: 1, maxLength: 10 },
).map((parts) => parts.join("").replaceAll("`", "'").replaceAll("~", "-") + " end");

Deno.test("spliceSection() keeps the author's text byte for byte and appends one section", () => {
  fc.assert(
    fc.property(authorTexts, sections, (author, content) => {
      const body = splice(author, content);
      assert.ok(body.startsWith(author), "the author's text is a prefix, unchanged");
      const state = findSection(body);
      assert.equal(state.kind, "intact", "the section is found again, even after an open fence");
      assert.ok(authorText(body).startsWith(author.trim()), "the prompt is shown the author's text");
      assert.ok(!authorText(body).includes(DESCRIBE_START), "and not Loom's section");
    }),
    { numRuns: 300 },
  );
});

Deno.test("spliceSection() on a re-run replaces only the section, wherever the author wrote around it", () => {
  fc.assert(
    fc.property(authorTexts, authorTexts, sections, sections, (before, after, first, second) => {
      const once = splice(before, first);
      // The author writes more after Loom's section, then asks again.
      const edited = `${once}\n\n${after.replace(/^\s*/, "")}`;
      const state = findSection(edited);
      fc.pre(state.kind === "intact");
      const again = splice(edited, second);
      const { from, to } = state as { from: number; to: number };
      assert.equal(again, edited.slice(0, from) + sectionBlock(second) + edited.slice(to));
      assert.equal(splice(again, second), again, "the same content again changes nothing");
      assert.equal(splice(splice(once, second), first), once, "replacing is reversible: nothing else moved");
    }),
    { numRuns: 300 },
  );
});

Deno.test("spliceSection() appends after a blank line and replaces the marked block in place", () => {
  assert.equal(splice("", "Hello"), `${DESCRIBE_START}\nHello\n${DESCRIBE_END}`);
  assert.equal(splice("Fixes #3.", "Hello"), `Fixes #3.\n\n${DESCRIBE_START}\nHello\n${DESCRIBE_END}`);
  assert.equal(splice("Fixes #3.\n", "Hello"), `Fixes #3.\n\n${DESCRIBE_START}\nHello\n${DESCRIBE_END}`);
  const crlf = `Intro\r\n\r\n${DESCRIBE_START}\r\nold\r\n${DESCRIBE_END}\r\nOutro by the author\r\n`;
  assert.equal(
    splice(crlf, "new"),
    `Intro\r\n\r\n${DESCRIBE_START}\nnew\n${DESCRIBE_END}\r\nOutro by the author\r\n`,
    "CRLF text around the section is kept as it was",
  );
});

Deno.test("spliceSection() replaces what the author edited inside the section, and nothing outside it", () => {
  const body = splice("My notes.", "Loom's summary");
  const edited = body.replace("Loom's summary", "Loom's summary, corrected by the author").concat("\nP.S.");
  assert.equal(
    splice(edited, "Fresh summary"),
    `My notes.\n\n${DESCRIBE_START}\nFresh summary\n${DESCRIBE_END}\nP.S.`,
  );
});

Deno.test("spliceSection() treats deleted markers as the author's text and edited markers as broken", () => {
  const body = splice("My notes.", "Loom's summary");
  const unmarked = body.replace(`${DESCRIBE_START}\n`, "").replace(`\n${DESCRIBE_END}`, "");
  assert.equal(findSection(unmarked).kind, "absent");
  assert.equal(
    splice(unmarked, "New"),
    `My notes.\n\nLoom's summary\n\n${DESCRIBE_START}\nNew\n${DESCRIBE_END}`,
    "the text the author took over stays; a fresh section follows it",
  );
  assert.deepEqual(spliceSection(body.replace(DESCRIBE_END, ""), "New"), {
    broken: "its end marker was removed",
  });
  assert.deepEqual(spliceSection(body.replace(DESCRIBE_START, ""), "New"), {
    broken: "its start marker was removed",
  });
  assert.deepEqual(spliceSection(`${body}\n${DESCRIBE_START}\nx\n${DESCRIBE_END}`, "New"), {
    broken: "its markers appear more than once",
  });
  assert.deepEqual(spliceSection(`${DESCRIBE_END}\nx\n${DESCRIBE_START}`, "New"), {
    broken: "its end marker comes before its start marker",
  });
});

Deno.test("spliceSection() ignores markers quoted in code and closes an author's open fence first", () => {
  const quoted = `How to use it:\n\n\`\`\`md\n${DESCRIBE_START}\nanything\n${DESCRIBE_END}\n\`\`\`\n`;
  assert.equal(findSection(quoted).kind, "absent");
  assert.ok(splice(quoted, "New").startsWith(quoted));
  const open = "Run this:\n```sh\ndeno task check";
  const body = splice(open, "New");
  assert.equal(body, `${open}\n\`\`\`\n\n${DESCRIBE_START}\nNew\n${DESCRIBE_END}`);
  assert.equal(findSection(body).kind, "intact");
  assert.equal(splice(body, "Newer"), body.replace("\nNew\n", "\nNewer\n"));
});

Deno.test("sectionBlock() refuses text that holds a marker line or leaves a fence open", () => {
  assert.throws(() => sectionBlock(`a\n${DESCRIBE_END}\nb`), TypeError);
  assert.throws(() => sectionBlock("```mermaid\nsequenceDiagram"), TypeError);
});

Deno.test("authorText() is the description without Loom's section", () => {
  const body = `Intro\n\n${DESCRIBE_START}\nLoom\n${DESCRIBE_END}\n\nOutro`;
  assert.equal(authorText(body), "Intro\n\nOutro");
  assert.equal(authorText("Only mine"), "Only mine");
});
