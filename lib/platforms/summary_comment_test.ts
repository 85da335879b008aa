import assert from "node:assert/strict";
import { SUMMARY_MARKER } from "../markers.ts";
import { appendUnanchored, type SummaryWriter, upsertSummary } from "./summary_comment.ts";
import type { ExistingComment, PullRequestRef } from "./types.ts";

const PR: PullRequestRef = { platform: "bitbucket", repo: "ws/repo", number: 7 };

/** A pull request's comments in memory, written by `loom` (id 1) unless said otherwise. */
function thread(initial: ExistingComment[]) {
  const comments = [...initial];
  const calls: string[] = [];
  const writer: SummaryWriter = {
    listComments: () => Promise.resolve(comments.map((comment) => ({ ...comment }))),
    identity: () => Promise.resolve({ id: "1", name: "loom" }),
    postComment: (_pr, body) => {
      calls.push("post");
      comments.push({ id: String(comments.length + 100), body, authorId: "1", inline: false });
      return Promise.resolve(String(comments.length + 99));
    },
    updateComment: (_pr, id, body) => {
      calls.push(`update ${id}`);
      comments.find((comment) => comment.id === id)!.body = body;
      return Promise.resolve();
    },
  };
  return { writer, comments, calls };
}

Deno.test("upsertSummary() posts the first summary with its marker and edits that one on every later run", async () => {
  const { writer, comments, calls } = thread([]);
  const first = await upsertSummary(writer, PR, "First look");
  const second = await upsertSummary(writer, PR, "Second look");
  assert.deepEqual(calls, ["post", `update ${first}`]);
  assert.equal(second, first);
  assert.equal(comments.length, 1);
  assert.equal(comments[0].body, `Second look\n\n${SUMMARY_MARKER}`);
});

Deno.test("upsertSummary() leaves a summary marker typed by someone else, and Loom's inline comments, alone", async () => {
  const { writer, comments, calls } = thread([
    { id: "5", body: `copied ${SUMMARY_MARKER}`, authorId: "2", inline: false },
    { id: "6", body: `inline ${SUMMARY_MARKER}`, authorId: "1", inline: true, path: "a.ts", line: 3 },
  ]);
  await upsertSummary(writer, PR, "Review");
  assert.deepEqual(calls, ["post"]);
  assert.equal(comments[0].body, `copied ${SUMMARY_MARKER}`);
  assert.equal(comments[1].body, `inline ${SUMMARY_MARKER}`);
});

Deno.test("appendUnanchored() lists comments outside the diff under the summary, and nothing when there are none", () => {
  assert.equal(appendUnanchored("Sum", []), "Sum");
  assert.equal(
    appendUnanchored("Sum", [{ path: "a.ts", line: 9, side: "RIGHT", body: "Check this" }]),
    "Sum\n\n### Comments on lines outside the diff\n\n- `a.ts:9`\n\nCheck this",
  );
});
