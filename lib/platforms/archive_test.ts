import assert from "node:assert/strict";
import { readTarGz } from "./archive.ts";
import { tarGzOf, tarOf } from "../../tests/fakes/archive.ts";

async function collect(archive: ReturnType<typeof readTarGz>) {
  const files: Record<string, string> = {};
  for await (const file of archive.files) files[file.path] = file.text;
  return files;
}

function gzip(bytes: Uint8Array<ArrayBuffer>): ReadableStream<Uint8Array<ArrayBuffer>> {
  return new Blob([bytes]).stream().pipeThrough(new CompressionStream("gzip"));
}

async function run(command: string, args: string[], cwd: string): Promise<Uint8Array<ArrayBuffer>> {
  const output = await new Deno.Command(command, { args, cwd, stdout: "piped", stderr: "piped" }).output();
  if (!output.success) throw new Error(new TextDecoder().decode(output.stderr));
  return output.stdout;
}

Deno.test("readTarGz gives the text files under the top folder and counts what it skipped", async () => {
  const longPath = `src/${"deep/".repeat(25)}module.ts`;
  const archive = readTarGz(
    tarGzOf("acme-web-0123abc", [
      ["README.md", "# Web\n"],
      ["src/a.ts", "export const a = 1;\n"],
      [longPath, "export const deep = true;\n"],
      ["logo.png", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 1, 2])],
      ["big.ts", "x".repeat(300 * 1024)],
      ["notes.bin", "skip me"],
    ], "0123abc0123abc0123abc0123abc0123abc0123a"),
    { wanted: (path) => !path.endsWith(".bin") },
  );
  const files = await collect(archive);
  assert.deepEqual(files, {
    "README.md": "# Web\n",
    "src/a.ts": "export const a = 1;\n",
    [longPath]: "export const deep = true;\n",
  });
  assert.deepEqual(archive.stats.files, 3);
  assert.deepEqual(archive.stats.skippedBinary, 1);
  assert.deepEqual(archive.stats.skippedLarge, 1);
  assert.deepEqual(archive.stats.skippedUnwanted, 1);
  assert.deepEqual(archive.stats.truncated, false);
});

Deno.test("readTarGz reads what git archive and GNU tar write", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const longName = `${"nested/".repeat(20)}long_file_name_over_one_hundred_bytes.py`;
    await Deno.mkdir(`${dir}/repo/${longName.split("/").slice(0, -1).join("/")}`, { recursive: true });
    await Deno.writeTextFile(`${dir}/repo/main.go`, "package main\n");
    await Deno.writeTextFile(`${dir}/repo/${longName}`, "def f():\n    return 1\n");
    await Deno.symlink("main.go", `${dir}/repo/link.go`);
    const git = ["-c", "user.email=a@b.c", "-c", "user.name=A"];
    await run("git", ["init", "-q"], `${dir}/repo`);
    await run("git", ["add", "."], `${dir}/repo`);
    await run("git", [...git, "commit", "-qm", "first"], `${dir}/repo`);
    const fromGit = await run(
      "git",
      ["archive", "--format=tar", "--prefix=repo-1a2b3c/", "HEAD"],
      `${dir}/repo`,
    );
    assert.deepEqual(await collect(readTarGz(gzip(fromGit))), {
      "main.go": "package main\n",
      [longName]: "def f():\n    return 1\n",
    });
    // GNU tar writes long names as a separate `L` entry before the file.
    const fromTar = await run("tar", ["--format=gnu", "-cf", "-", "repo/main.go", `repo/${longName}`], dir);
    assert.deepEqual(await collect(readTarGz(gzip(fromTar))), {
      "main.go": "package main\n",
      [longName]: "def f():\n    return 1\n",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("readTarGz stops at the file and byte caps and says the snapshot is incomplete", async () => {
  const many = Array.from(
    { length: 10 },
    (_, index) => [`f${index}.ts`, `// ${index}\n`] as [string, string],
  );
  const byCount = readTarGz(tarGzOf("top", many), { maxFiles: 4 });
  assert.deepEqual(Object.keys(await collect(byCount)).length, 4);
  assert.deepEqual(byCount.stats.truncated, true);

  const bySize = readTarGz(tarGzOf("top", many.map(([path]) => [path, "y".repeat(1000)])), {
    maxTotalBytes: 3500,
  });
  assert.deepEqual(Object.keys(await collect(bySize)).length, 3);
  assert.deepEqual(bySize.stats.truncated, true);
  assert.deepEqual(bySize.stats.bytes, 3000);
});

Deno.test("readTarGz cancels the download when the reader stops early", async () => {
  let cancelled = false;
  const files = Array.from(
    { length: 50 },
    (_, index) => [`f${index}.ts`, `// ${index}\n`] as [string, string],
  );
  const compressed = new Uint8Array(await new Response(gzip(tarOf("top", files))).arrayBuffer());
  let offset = 0;
  // Served 64 bytes at a time, so the reader is still downloading when it stops.
  const body = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (offset >= compressed.length) return controller.close();
      controller.enqueue(compressed.slice(offset, offset + 64));
      offset += 64;
    },
    cancel() {
      cancelled = true;
    },
  });
  for await (const _file of readTarGz(body).files) break;
  assert(cancelled);
});

Deno.test("readTarGz leaves out paths that climb out of the repository and refuses a corrupt header", async () => {
  const files = await collect(readTarGz(tarGzOf("top", [["../escape.ts", "x"], ["ok.ts", "y"]])));
  assert.deepEqual(files, { "ok.ts": "y" });

  const tar = tarOf("top", [["a.ts", "a"]]);
  tar[512 + 10] ^= 0xff; // the file header's name, after the top folder's entry
  await assert.rejects(() => collect(readTarGz(gzip(tar))), /checksum/);

  const cut = tarOf("top", [["a.ts", "a".repeat(2000)]]).subarray(0, 1400);
  await assert.rejects(() => collect(readTarGz(gzip(cut))), /ends inside an entry/);
});
