import assert from "node:assert/strict";
import { type Candidate, FRAME, MIN_TRIMMED_LINES, packCandidates } from "./pack.ts";
import { countWords } from "../../tests/support/code_index.ts";

function lines(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1} two three`);
}

const DEFINITION: Candidate = {
  kind: "definition",
  path: "a.ts",
  startLine: 10,
  lines: lines("d", 4),
  symbol: "f",
};
const CALLER: Candidate = { kind: "caller", path: "b.ts", startLine: 1, lines: lines("c", 10) };
const GUIDE: Candidate = {
  kind: "guideline",
  path: "AGENTS.md",
  startLine: 1,
  lines: lines("g", 2),
  wholeFile: true,
};

/** The frame's words, set aside from every budget; each block's heading (`#### kind: source`) is 3 words. */
const F = countWords(FRAME);

Deno.test("packCandidates keeps the order and gives whole blocks while they fit", () => {
  const packed = packCandidates([DEFINITION, CALLER, GUIDE], F + 15 + 33 + 9, countWords);
  assert.deepEqual(packed.blocks.map((block) => [block.kind, block.source, block.tokens]), [
    ["definition", "a.ts:10-13", 12 + 3],
    ["caller", "b.ts:1-10", 30 + 3],
    ["guideline", "AGENTS.md", 6 + 3],
  ]);
  assert.equal(packed.blocks[0].symbol, "f");
  assert.equal(packed.blocks[0].text, DEFINITION.lines.join("\n"));
  assert.deepEqual(packed.omitted, { blocks: 0, tokens: 0 });
});

Deno.test("packCandidates cuts a block to the most lines that fit, with a note of the lines cut", () => {
  // 15 for the definition leaves 28 for a 33-word caller: 7 lines (21), the note (4) and the heading (3) fit.
  const packed = packCandidates([DEFINITION, CALLER, GUIDE], F + 15 + 28, countWords);
  const caller = packed.blocks[1];
  assert.equal(caller.source, "b.ts:1-7");
  assert.equal(caller.endLine, 7);
  assert.ok(caller.text.endsWith("c7 two three\n… (3 more lines)"));
  assert.equal(caller.tokens, 28);
  assert.deepEqual(packed.blocks.map((block) => block.kind), ["definition", "caller"]);
  assert.deepEqual(packed.omitted, { blocks: 1, tokens: 33 - 28 + 9 });
});

Deno.test("packCandidates leaves out a block when fewer than the minimum lines would fit, and counts it", () => {
  const budget = F + 15 + 3 * (MIN_TRIMMED_LINES - 1) + 4 + 3;
  const packed = packCandidates([DEFINITION, CALLER, GUIDE], budget, countWords);
  assert.deepEqual(packed.blocks.map((block) => block.source), ["a.ts:10-13", "AGENTS.md"]);
  assert.deepEqual(packed.omitted, { blocks: 1, tokens: 33 });
  const cutGuide = packCandidates(
    [{ ...GUIDE, lines: lines("g", 8) }],
    F + 3 * MIN_TRIMMED_LINES + 4 + 3,
    countWords,
  );
  assert.equal(
    cutGuide.blocks[0].source,
    `AGENTS.md:1-${MIN_TRIMMED_LINES}`,
    "a cut file is named with its lines",
  );
});

Deno.test("packCandidates with no budget gives nothing and counts everything", () => {
  assert.deepEqual(packCandidates([DEFINITION, CALLER], 0, countWords), {
    blocks: [],
    omitted: { blocks: 2, tokens: 48 },
  });
  assert.deepEqual(
    packCandidates([DEFINITION], F + 14, countWords).blocks,
    [],
    "the frame is set aside first",
  );
  const bounded: Candidate = { ...DEFINITION, moreLines: 20 };
  const packed = packCandidates([bounded], 100, countWords);
  assert.ok(packed.blocks[0].text.endsWith("… (20 more lines)"), "a body bounded before packing says so");
  assert.equal(packed.blocks[0].endLine, 13);
});

Deno.test("packCandidates counts a text once per counter: packing the same candidates again counts nothing", () => {
  const counted: string[] = [];
  const counter = (text: string) => {
    counted.push(text);
    return countWords(text);
  };
  const first = packCandidates([DEFINITION, CALLER, GUIDE], F + 15 + 28, counter);
  const calls = counted.length;
  assert.ok(calls > 0);
  const second = packCandidates([DEFINITION, CALLER, GUIDE], F + 15 + 28, counter);
  assert.deepEqual(second, first);
  assert.equal(counted.length, calls, "every count of the second packing was remembered");
});
