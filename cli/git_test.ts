import assert from "node:assert/strict";
import { configRef, createFileReader, openGit, readDiff, revisionExists } from "./git.ts";
import { createTestRepo } from "./testing.ts";

Deno.test("createFileReader() reads files at a ref or in the working tree, and null for missing paths", async () => {
  await using repo = await createTestRepo();
  await repo.write({ ".loom/config.yaml": "version: 1\n", "src/a.ts": "a\n" });
  await repo.commit("One");
  await repo.write({ ".loom/config.yaml": "version: 1 # edited\n" });
  const git = await openGit(`${repo.dir}/src`);
  assert.equal(git.root, await Deno.realPath(repo.dir));
  const atHead = createFileReader(git, "HEAD");
  assert.equal(await atHead(".loom/config.yaml"), "version: 1\n");
  assert.equal(await atHead("missing.md"), null);
  assert.equal(await atHead("src"), null, "a folder is not a file");
  const worktree = createFileReader(git, null);
  assert.equal(await worktree(".loom/config.yaml"), "version: 1 # edited\n");
  assert.equal(await worktree("missing.md"), null);
  assert.equal(await worktree("src"), null);
});

Deno.test("readDiff() reviews a repository without commits from its index", async () => {
  await using repo = await createTestRepo();
  await repo.write({ "staged.ts": "export {};\n", "untracked.ts": "x\n" });
  await repo.git("add", "staged.ts");
  const git = await openGit(repo.dir);
  assert.equal(await revisionExists(git, "HEAD"), false);
  const diff = await readDiff(git, { kind: "worktree" });
  assert.match(diff, /^\+\+\+ b\/staged\.ts$/m);
  assert.match(diff, /^\+\+\+ b\/untracked\.ts$/m);
});

Deno.test("configRef() reads local work from the working tree and ranges from their start", () => {
  assert.equal(configRef({ kind: "worktree" }), null);
  assert.equal(configRef({ kind: "staged" }), null);
  assert.equal(configRef({ kind: "base", base: "origin/main" }), "origin/main");
  assert.equal(configRef({ kind: "range", from: "v1", to: "v2", symmetric: false }), "v1");
});

Deno.test("createFileReader() reads the index when the ref is empty", async () => {
  await using repo = await createTestRepo();
  await repo.write({ "a.txt": "one\n" });
  await repo.commit("One");
  await repo.write({ "a.txt": "two\n" });
  await repo.git("add", "a.txt");
  await repo.write({ "a.txt": "three\n" });
  const git = await openGit(repo.dir);
  assert.equal(await createFileReader(git, "")("a.txt"), "two\n");
  assert.equal(await createFileReader(git, "HEAD")("a.txt"), "one\n");
  assert.equal(await createFileReader(git, null)("a.txt"), "three\n");
});
