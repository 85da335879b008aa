import assert from "node:assert/strict";
import fc from "fast-check";
import { buildFileDiff } from "./line_diff.ts";

/** Applies the hunks of a one-file diff to `old`, checking every hunk header's counts on the way. */
function applyDiff(diff: string, old: string): string {
  const oldLines = old === "" ? [] : old.replace(/\n$/, "").split("\n");
  let oldNoNewline = old !== "" && !old.endsWith("\n");
  const lines = diff.split("\n");
  const out: string[] = [];
  let position = 0;
  let newNoNewline = false;
  let index = lines.findIndex((line) => line.startsWith("@@"));
  if (index < 0) return old;
  while (index < lines.length && lines[index].startsWith("@@")) {
    const match = lines[index].match(/^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@$/);
    assert.ok(match, `bad hunk header ${lines[index]}`);
    const [oldStart, oldCount, newStart, newCount] = [match[1], match[2] ?? "1", match[3], match[4] ?? "1"]
      .map(Number);
    const start = oldCount === 0 ? oldStart : oldStart - 1;
    assert.ok(start >= position, "hunks overlap or go backwards");
    out.push(...oldLines.slice(position, start));
    assert.equal(out.length, newCount === 0 ? newStart : newStart - 1, "new start matches");
    position = start;
    let seenOld = 0;
    let seenNew = 0;
    index++;
    while (index < lines.length && /^[ +\-\\]/.test(lines[index])) {
      const line = lines[index];
      const text = line.slice(1);
      if (line.startsWith("\\")) {
        if (lines[index - 1].startsWith("-")) oldNoNewline = true;
        else if (lines[index - 1].startsWith("+")) newNoNewline = true;
        else newNoNewline = oldNoNewline = true;
      } else if (line.startsWith(" ")) {
        assert.equal(oldLines[position], text);
        out.push(text);
        position++;
        seenOld++;
        seenNew++;
      } else if (line.startsWith("-")) {
        assert.equal(oldLines[position], text);
        position++;
        seenOld++;
      } else {
        out.push(text);
        seenNew++;
      }
      index++;
    }
    assert.equal(seenOld, oldCount, "old count matches header");
    assert.equal(seenNew, newCount, "new count matches header");
  }
  const tail = oldLines.slice(position);
  out.push(...tail);
  if (tail.length > 0) newNoNewline = oldNoNewline;
  if (out.length === 0) return "";
  return out.join("\n") + (newNoNewline ? "" : "\n");
}

async function gitDiff(before: string | null, after: string | null): Promise<string> {
  const directory = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${directory}/a`);
    await Deno.mkdir(`${directory}/b`);
    if (before !== null) await Deno.writeTextFile(`${directory}/a/file.txt`, before);
    if (after !== null) await Deno.writeTextFile(`${directory}/b/file.txt`, after);
    const output = await new Deno.Command("git", {
      args: [
        "diff",
        "--no-index",
        "--no-color",
        "-U3",
        before === null ? "/dev/null" : "a/file.txt",
        after === null ? "/dev/null" : "b/file.txt",
      ],
      cwd: directory,
      env: { GIT_CONFIG_NOSYSTEM: "1", HOME: directory },
    }).output();
    const text = new TextDecoder().decode(output.stdout);
    // Git appends a "function context" heading after the hunk range; it is cosmetic and Loom writes none.
    return text.slice(text.indexOf("@@")).replace(/^(@@ [^@]+ @@).*$/gm, "$1");
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}

function lines(count: number, label = "line"): string {
  return Array.from({ length: count }, (_, index) => `${label} ${index + 1}\n`).join("");
}

const GIT_CASES: Record<string, [string | null, string | null]> = {
  "one changed line in the middle": [lines(20), lines(20).replace("line 10\n", "line ten\n")],
  "insertion at the start": [lines(8), "header\n" + lines(8)],
  "deletion at the end": [lines(8), lines(7)],
  "two hunks far apart": [
    lines(40),
    lines(40).replace("line 5\n", "five\n").replace("line 35\n", "thirty-five\n"),
  ],
  "nearby changes merge into one hunk": [
    lines(30),
    lines(30).replace("line 10\n", "ten\n").replace("line 16\n", "sixteen\n"),
  ],
  "final newline removed": [lines(5), lines(5).slice(0, -1)],
  "final newline added": [lines(5).slice(0, -1), lines(5)],
  "last line changed without final newline": [lines(5).slice(0, -1), lines(4) + "line five"],
  "added file": [null, lines(3)],
  "deleted file": [lines(3), null],
  "CRLF line endings": ["a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n"],
};

Deno.test("buildFileDiff() produces the same hunks as git diff", async (t) => {
  for (const [name, [before, after]] of Object.entries(GIT_CASES)) {
    await t.step(name, async () => {
      const ours = buildFileDiff({
        oldPath: "file.txt",
        newPath: "file.txt",
        oldContent: before,
        newContent: after,
      });
      assert.equal(ours.slice(ours.indexOf("@@")), await gitDiff(before, after));
    });
  }
});

Deno.test("buildFileDiff() writes git headers for modified, added, deleted and renamed files", () => {
  assert.equal(
    buildFileDiff({ oldPath: "src/a.ts", newPath: "src/a.ts", oldContent: "x\n", newContent: "y\n" }),
    "diff --git a/src/a.ts b/src/a.ts\n--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-x\n+y\n",
  );
  assert.equal(
    buildFileDiff({ oldPath: "n.ts", newPath: "n.ts", oldContent: null, newContent: "a\nb\n" }),
    "diff --git a/n.ts b/n.ts\nnew file mode 100644\n--- /dev/null\n+++ b/n.ts\n@@ -0,0 +1,2 @@\n+a\n+b\n",
  );
  assert.equal(
    buildFileDiff({ oldPath: "d.ts", newPath: "d.ts", oldContent: "a\n", newContent: null }),
    "diff --git a/d.ts b/d.ts\ndeleted file mode 100644\n--- a/d.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-a\n",
  );
  assert.equal(
    buildFileDiff({ oldPath: "old.ts", newPath: "new.ts", oldContent: "a\n", newContent: "a\n" }),
    "diff --git a/old.ts b/new.ts\nrename from old.ts\nrename to new.ts\n",
  );
  assert.equal(
    buildFileDiff({ oldPath: "old.ts", newPath: "new.ts", oldContent: "a\n", newContent: "b\n" }),
    "diff --git a/old.ts b/new.ts\nrename from old.ts\nrename to new.ts\n--- a/old.ts\n+++ b/new.ts\n@@ -1 +1 @@\n-a\n+b\n",
  );
});

Deno.test("buildFileDiff() marks binary content and skips unchanged or empty files", () => {
  assert.equal(
    buildFileDiff({ oldPath: "i.png", newPath: "i.png", oldContent: "\x89PNG\0a", newContent: "\x89PNG\0b" }),
    "diff --git a/i.png b/i.png\nBinary files a/i.png and b/i.png differ\n",
  );
  assert.equal(
    buildFileDiff({ oldPath: "i.png", newPath: "i.png", oldContent: null, newContent: "\0" }),
    "diff --git a/i.png b/i.png\nnew file mode 100644\nBinary files /dev/null and b/i.png differ\n",
  );
  assert.equal(
    buildFileDiff({ oldPath: "s.ts", newPath: "s.ts", oldContent: "same\n", newContent: "same\n" }),
    "",
  );
  assert.equal(
    buildFileDiff({ oldPath: "e.ts", newPath: "e.ts", oldContent: null, newContent: "" }),
    "diff --git a/e.ts b/e.ts\nnew file mode 100644\n",
  );
});

Deno.test("buildFileDiff() falls back to a whole-file hunk beyond maxEditLength", () => {
  const before = lines(50, "old");
  const after = lines(50, "new");
  const diff = buildFileDiff({
    oldPath: "f",
    newPath: "f",
    oldContent: before,
    newContent: after,
    maxEditLength: 5,
  });
  assert.match(diff, /^@@ -1,50 \+1,50 @@$/m);
  assert.equal(applyDiff(diff, before), after);
});

Deno.test("buildFileDiff() output applied to the old version gives the new version", () => {
  const file = fc.array(fc.constantFrom("a", "b", "c", "d", "", "  x"), { maxLength: 40 }).chain((items) =>
    fc.boolean().map((finalNewline) =>
      items.length === 0 ? "" : items.join("\n") + (finalNewline ? "\n" : "")
    )
  );
  fc.assert(
    fc.property(file, file, (before, after) => {
      const diff = buildFileDiff({ oldPath: "f", newPath: "f", oldContent: before, newContent: after });
      if (before === after) return diff === "";
      assert.equal(applyDiff(diff, before), after);
      for (const hunk of diff.split(/^@@.*@@$/m).slice(1)) {
        const body = hunk.split("\n").filter((line) => line !== "");
        const leading = body.findIndex((line) => !line.startsWith(" "));
        assert.ok(leading <= 3, "at most 3 leading context lines");
      }
      return true;
    }),
    { numRuns: 300 },
  );
});
