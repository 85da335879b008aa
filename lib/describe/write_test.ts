import assert from "node:assert/strict";
import { DESCRIBE_COMMENT_MARKER, DESCRIBE_END, DESCRIBE_START } from "../markers.ts";
import type { ExistingComment, PlatformClient, PullRequest, PullRequestRef } from "../platforms/types.ts";
import { fitDescription, writeDescription } from "./write.ts";

const PR: PullRequestRef = { platform: "azure_devops", repo: "Fabrikam/cache", number: 8 };
const AZURE_MAX = 4000;

/** A client whose description and comments live in memory; `max` and `editable` shape its ability. */
function memoryClient(body: string, options: { max?: number; editable?: boolean } = {}) {
  const state = { body, comments: [] as ExistingComment[], writes: 0, reads: 0 };
  const client = {
    platform: PR.platform,
    identity: () => Promise.resolve({ id: "loom", name: "Loom" }),
    getPullRequest: () => {
      state.reads++;
      return Promise.resolve({ body: state.body } as PullRequest);
    },
    listComments: () => Promise.resolve(state.comments),
    postComment: (_pr: PullRequestRef, text: string) => {
      state.comments.push({
        id: String(state.comments.length + 1),
        body: text,
        authorId: "loom",
        inline: false,
      });
      return Promise.resolve(String(state.comments.length));
    },
    updateComment: (_pr: PullRequestRef, id: string, text: string) => {
      state.comments.find((comment) => comment.id === id)!.body = text;
      return Promise.resolve();
    },
    ...(options.editable === false ? {} : {
      maxDescriptionLength: options.max,
      updateDescription: (_pr: PullRequestRef, text: string) => {
        if (options.max !== undefined && text.length > options.max) {
          return Promise.reject(new Error("TF401181: the description is too long"));
        }
        state.writes++;
        state.body = text;
        return Promise.resolve();
      },
    }),
  } as unknown as PlatformClient;
  return { client, state };
}

const LEVELS = ["x".repeat(3000) + " full", "y".repeat(1500) + " shorter", "summary only"];

Deno.test("fitDescription() takes the richest rendering within Azure DevOps' 4,000 characters", () => {
  const short = fitDescription("Author text.", LEVELS, AZURE_MAX);
  assert.ok("body" in short && short.body.includes(" full"), "3,000 characters fit beside a short text");
  const longer = fitDescription("a".repeat(1500), LEVELS, AZURE_MAX);
  assert.ok("body" in longer && longer.body.includes(" shorter") && longer.body.length <= AZURE_MAX);
  const tight = fitDescription("a".repeat(3800), LEVELS, AZURE_MAX);
  assert.ok(
    "body" in tight && tight.body.endsWith(`summary only\n${DESCRIBE_END}`) && tight.body.length <= AZURE_MAX,
  );
  assert.deepEqual(fitDescription("a".repeat(3990), LEVELS, AZURE_MAX), {
    reason: "the description would be longer than the 4,000 characters this platform allows, even with the " +
      "shortest summary",
  });
  const unlimited = fitDescription("a".repeat(100_000), LEVELS, undefined);
  assert.ok("body" in unlimited && unlimited.body.includes(" full"));
});

Deno.test("writeDescription() on Azure DevOps writes what fits, else a comment, never a body over 4,000", async () => {
  const fits = memoryClient("Author text.", { max: AZURE_MAX });
  assert.deepEqual(await writeDescription(fits.client, PR, LEVELS, "description"), {
    where: "description",
    changed: true,
  });
  assert.ok(
    fits.state.body.startsWith(`Author text.\n\n${DESCRIBE_START}`) && fits.state.body.length <= AZURE_MAX,
  );

  const full = "a".repeat(3990);
  const crowded = memoryClient(full, { max: AZURE_MAX });
  const outcome = await writeDescription(crowded.client, PR, LEVELS, "description");
  assert.equal(outcome.where, "comment");
  assert.match((outcome as { reason: string }).reason, /longer than the 4,000 characters/);
  assert.equal(crowded.state.body, full, "the author's description is left as it was");
  assert.equal(crowded.state.writes, 0);
  assert.equal(crowded.state.comments.length, 1);
  assert.ok(crowded.state.comments[0]!.body.startsWith(LEVELS[0]!), "the comment has the full rendering");
  assert.ok(crowded.state.comments[0]!.body.endsWith(DESCRIBE_COMMENT_MARKER));
});

Deno.test("writeDescription() re-reads the body just before writing and keeps the author's latest text", async () => {
  const memory = memoryClient("Old text.");
  const client = memory.client as PlatformClient & { getPullRequest(): Promise<PullRequest> };
  const read = client.getPullRequest;
  // The author edits while the model answers: the edit is what Loom reads when it writes.
  memory.state.body = "Newer text by the author.";
  await writeDescription(client, PR, ["Loom"], "description");
  assert.equal(memory.state.body, `Newer text by the author.\n\n${DESCRIBE_START}\nLoom\n${DESCRIBE_END}`);
  assert.equal(memory.state.reads, 1);
  assert.ok(read);
});

Deno.test("writeDescription() writes nothing when nothing changes, and edits its one comment in place", async () => {
  const same = memoryClient(`Mine.\n\n${DESCRIBE_START}\nLoom\n${DESCRIBE_END}`);
  assert.deepEqual(await writeDescription(same.client, PR, ["Loom"], "description"), {
    where: "description",
    changed: false,
  });
  assert.equal(same.state.writes, 0);

  const noEdit = memoryClient("Mine.", { editable: false });
  const first = await writeDescription(noEdit.client, PR, ["One"], "description");
  assert.deepEqual(first, {
    where: "comment",
    changed: true,
    reason: "this platform does not let Loom edit the description",
  });
  await writeDescription(noEdit.client, PR, ["Two"], "description");
  assert.equal(noEdit.state.comments.length, 1, "a re-run edits the same comment");
  assert.ok(noEdit.state.comments[0]!.body.startsWith("Two"));
  assert.equal((await writeDescription(noEdit.client, PR, ["Two"], "description")).changed, false);
});

Deno.test("writeDescription() leaves broken markers alone and honours describe.location: comment", async () => {
  const broken = memoryClient(`Mine.\n\n${DESCRIBE_START}\nLoom, with its end marker deleted`);
  const outcome = await writeDescription(broken.client, PR, ["New"], "description");
  assert.equal(outcome.where, "comment");
  assert.match((outcome as { reason: string }).reason, /its end marker was removed/);
  assert.equal(broken.state.writes, 0);

  const asked = memoryClient("Mine.");
  const comment = await writeDescription(asked.client, PR, ["New"], "comment");
  assert.equal(comment.where, "comment");
  assert.equal(asked.state.body, "Mine.");
});
