import assert from "node:assert/strict";
import { parseDiff } from "../diff/mod.ts";
import { findSection, sectionBlock } from "./section.ts";
import { selectFiles } from "./budget.ts";
import { checkSequenceDiagram } from "./mermaid.ts";
import { renderLevels } from "./render.ts";
import type { DescribeAnswer } from "./prompt.ts";

function fileDiff(path: string, added: number): string {
  const lines = Array.from({ length: added }, (_, index) => `+line ${index}`).join("\n");
  return `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1,${added} @@\n${lines}\n`;
}

const FILES = parseDiff(
  fileDiff("src/auth/session.ts", 30) + fileDiff("src/util.ts", 30) + fileDiff("docs/guide.md", 200) +
    fileDiff("deno.lock", 900),
);

Deno.test("selectFiles() reads the riskiest files within the budget and names the rest", () => {
  const selection = selectFiles(FILES, 1200);
  assert.deepEqual(selection.shown.map((file) => file.newPath), ["src/auth/session.ts", "src/util.ts"]);
  assert.deepEqual(selection.omitted.map((file) => [file.path, file.additions, file.reason]), [
    ["deno.lock", 900, "budget"], // 900 lines × 0.05 outweigh 200 lines of docs × 0.2
    ["docs/guide.md", 200, "budget"],
  ]);
  assert.ok(selection.chars <= 1200);
  assert.equal(selectFiles(FILES, 1_000_000).omitted.length, 0);
});

const ANSWER: DescribeAnswer = {
  title: "Tighten <b>sessions</b> @everyone",
  summary:
    "Rotates tokens.\n<!-- loom:describe:end -->\n<img src=x onerror=alert(1)> ![pixel](https://t.example/p.gif)",
  walkthrough: [
    { path: "src/auth/session.ts", change: "Rotates | the token\nevery hour" },
    { path: "src/not-in-the-diff.ts", change: "Invented" },
  ],
  diagram: "sequenceDiagram\nClient->>Api: login\nApi-->>Client: token",
  ticket_fit: null,
};

Deno.test("renderLevels() sanitises the answer and lists only files the model read", () => {
  const selection = selectFiles(FILES, 1200);
  const [full] = renderLevels(ANSWER, {
    parts: { title: true, walkthrough: true, diagram: true },
    selection,
    headSha: "0123456789abcdef",
  });
  assert.doesNotMatch(full!, /<b>|<img|<!--|onerror/, "no HTML or markers from the model");
  assert.match(full!, /`@everyone`/, "mass mentions are defused");
  assert.match(full!, /\| `src\/auth\/session\.ts` \| Rotates \\\| the token every hour \|/);
  assert.match(full!, /\| `src\/util\.ts` \| added \(\+30 −0\) \|/, "a file the model skipped is listed");
  assert.doesNotMatch(full!, /not-in-the-diff/, "a path the model invented is dropped");
  assert.match(
    full!,
    /Not read \(over the size budget or binary\): `deno\.lock` \(\+900 −0\), `docs\/guide\.md`/,
  );
  assert.match(full!, /```mermaid\nsequenceDiagram\n {2}Client->>Api: login\n/);
  assert.equal(findSection(sectionBlock(full!)).kind, "intact", "the rendering can always be marked");
});

Deno.test("renderLevels() shrinks from the full section to the summary alone, and drops parts not asked for", () => {
  const selection = selectFiles(FILES, 1200);
  const levels = renderLevels(ANSWER, {
    parts: { title: true, walkthrough: true, diagram: true },
    selection,
    headSha: "0123456789abcdef",
  });
  assert.ok(levels.length >= 3);
  for (let index = 1; index < levels.length; index++) {
    assert.ok(levels[index]!.length < levels[index - 1]!.length);
  }
  assert.doesNotMatch(levels.at(-1)!, /Walkthrough|mermaid/);
  const [bare] = renderLevels(ANSWER, {
    parts: { title: false, walkthrough: false, diagram: false },
    selection,
    headSha: "0123456789abcdef",
  });
  assert.doesNotMatch(bare!, /Suggested title|Walkthrough|mermaid|Not read/);
});

Deno.test("checkSequenceDiagram() accepts plain sequence diagrams and refuses anything that could escape", () => {
  assert.equal(
    checkSequenceDiagram(
      "sequenceDiagram\n  autonumber\nparticipant W as Worker\nW->>+Db: claim job\nNote over W,Db: one lease\nloop every second\nW-)Db: heartbeat\nend",
    ),
    "sequenceDiagram\n  autonumber\n  participant W as Worker\n  W->>+Db: claim job\n  Note over W,Db: one lease\n  loop every second\n  W-)Db: heartbeat\n  end",
  );
  for (
    const bad of [
      "",
      "graph TD\nA-->B",
      "sequenceDiagram",
      "sequenceDiagram\nA->>B: hi\n```\n# Injected heading",
      "sequenceDiagram\nA->>B: ~~~",
      "sequenceDiagram\n%%{init: {'theme': 'dark'}}%%\nA->>B: hi",
      "sequenceDiagram\nlink A: Docs @ https://evil.example",
      "sequenceDiagram\nA->>B: <script>alert(1)</script>",
      "sequenceDiagram\nA->>B: #60;b#62;",
      "sequenceDiagram\nA->>B: one; B->>A: two",
      "sequenceDiagram\nclick A call alert()",
      "sequenceDiagram\n" + "A->>B: hi\n".repeat(80),
    ]
  ) {
    assert.equal(checkSequenceDiagram(bad), null, JSON.stringify(bad));
  }
});
