/**
 * Rebuilds the golden diffs in this folder from real `git diff` output, one scratch repository per case.
 *
 *   deno run -A lib/diff/testdata/generate.ts          # rewrite the .diff files only
 *   deno run -A lib/diff/testdata/generate.ts --json   # also rewrite the expected .json from parseDiff
 *
 * After `--json`, read the changed .json files before committing them: they are the expectation, not output.
 * Blob ids in `index` lines depend only on content, and author/committer data is fixed, so reruns are stable.
 */
import { parseDiff } from "../parse.ts";

const HERE = new URL(".", import.meta.url);
const encoder = new TextEncoder();

interface Repo {
  dir: string;
  git(...args: string[]): Promise<Uint8Array>;
  write(path: string, content: string | Uint8Array): Promise<void>;
  commit(message: string): Promise<void>;
}

async function createRepo(): Promise<Repo> {
  const dir = await Deno.makeTempDir({ prefix: "loom-diff-" });
  const env = {
    HOME: dir,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_AUTHOR_NAME: "Loom",
    GIT_AUTHOR_EMAIL: "loom@example.com",
    GIT_COMMITTER_NAME: "Loom",
    GIT_COMMITTER_EMAIL: "loom@example.com",
    GIT_AUTHOR_DATE: "2024-01-01T00:00:00Z",
    GIT_COMMITTER_DATE: "2024-01-01T00:00:00Z",
    LANG: "C",
    LC_ALL: "C",
  };
  const git = async (...args: string[]): Promise<Uint8Array> => {
    const output = await new Deno.Command("git", { args, cwd: dir, env, clearEnv: true, stdin: "null" })
      .output();
    // `git diff` exits 1 with --exit-code semantics only when asked; a failing merge is expected in one case.
    if (!output.success && args[0] !== "merge") {
      throw new Error(`Cannot run "git ${args.join(" ")}": ${new TextDecoder().decode(output.stderr)}`);
    }
    return output.stdout;
  };
  await git("init", "-q", "-b", "main");
  await git("config", "core.autocrlf", "false");
  await git("config", "core.fileMode", "true");
  const write = async (path: string, content: string | Uint8Array) => {
    const full = `${dir}/${path}`;
    await Deno.mkdir(full.slice(0, full.lastIndexOf("/")), { recursive: true });
    await Deno.writeFile(full, typeof content === "string" ? encoder.encode(content) : content);
  };
  const commit = async (message: string) => {
    await git("add", "-A");
    await git("commit", "-q", "--allow-empty", "-m", message);
  };
  return { dir, git, write, commit };
}

function numbered(count: number, prefix = "line"): string {
  return Array.from({ length: count }, (_, index) => `${prefix} ${index + 1}\n`).join("");
}

const CASES: Record<string, (repo: Repo) => Promise<Uint8Array>> = {
  async modified_hunks(repo) {
    const body = Array.from({ length: 40 }, (_, index) => `  total += ${index};\n`).join("");
    await repo.write("src/sum.ts", `export function sum() {\n  let total = 0;\n${body}  return total;\n}\n`);
    await repo.commit("base");
    const changed = body.replace("  total += 3;\n", "  total += 3 * 2;\n  total -= 1;\n")
      .replace("  total += 30;\n", "").replace("  total += 38;\n", "  total += 38; // kept\n");
    await repo.write(
      "src/sum.ts",
      `export function sum() {\n  let total = 0;\n${changed}  return total;\n}\n`,
    );
    return repo.git("diff");
  },
  async added_and_deleted(repo) {
    await repo.write("old.txt", numbered(3));
    await repo.write("empty_old.txt", "");
    await repo.commit("base");
    await Deno.remove(`${repo.dir}/old.txt`);
    await Deno.remove(`${repo.dir}/empty_old.txt`);
    await repo.write("new.txt", numbered(2, "fresh"));
    await repo.write("empty_new.txt", "");
    await repo.git("add", "-A");
    // Two empty files are 100% similar; without --no-renames git would report a rename.
    return repo.git("diff", "--cached", "--no-renames");
  },
  async rename(repo) {
    await repo.write("lib/before.ts", numbered(20));
    await repo.write("docs/guide.md", numbered(8, "text"));
    await repo.commit("base");
    await repo.git("mv", "lib/before.ts", "lib/after.ts");
    await repo.git("mv", "docs/guide.md", "docs/handbook.md");
    await repo.write("lib/after.ts", numbered(20).replace("line 10\n", "line ten\n"));
    await repo.git("add", "-A");
    return repo.git("diff", "--cached", "-M");
  },
  async copy(repo) {
    await repo.write("src/original.ts", numbered(12));
    await repo.commit("base");
    await repo.write("src/copy.ts", numbered(12).replace("line 12\n", "line 12\nline 13\n"));
    await repo.write("src/exact.ts", numbered(12));
    await repo.git("add", "-A");
    return repo.git("diff", "--cached", "-C", "--find-copies-harder");
  },
  async mode_change(repo) {
    await repo.write("run.sh", "#!/bin/sh\necho hi\n");
    await repo.write("tool.sh", "#!/bin/sh\necho one\n");
    await repo.commit("base");
    await Deno.chmod(`${repo.dir}/run.sh`, 0o755);
    await Deno.chmod(`${repo.dir}/tool.sh`, 0o755);
    await repo.write("tool.sh", "#!/bin/sh\necho two\n");
    return repo.git("diff");
  },
  async binary(repo) {
    await repo.write("image.bin", new Uint8Array([0, 1, 2, 3, 4, 5, 0, 255]));
    await repo.commit("base");
    await repo.write("image.bin", new Uint8Array([0, 1, 2, 9, 4, 5, 0, 254, 7]));
    await repo.write("added.bin", new Uint8Array([0, 0, 0, 1]));
    await repo.write("notes.txt", "after binary\n");
    await repo.git("add", "-A");
    return repo.git("diff", "--cached");
  },
  async binary_patch(repo) {
    await repo.write("image.bin", new Uint8Array([0, 1, 2, 3, 4, 5, 0, 255]));
    await repo.commit("base");
    await repo.write("image.bin", new Uint8Array([0, 1, 2, 9, 4, 5, 0, 254, 7]));
    await repo.write("notes.txt", "after binary\n");
    await repo.git("add", "-A");
    return repo.git("diff", "--cached", "--binary");
  },
  async no_newline(repo) {
    await repo.write("a.txt", "one\ntwo\nthree");
    await repo.write("b.txt", "keep\nlast\n");
    await repo.commit("base");
    await repo.write("a.txt", "one\ntwo\nTHREE\n");
    await repo.write("b.txt", "keep\nlast");
    return repo.git("diff");
  },
  async crlf(repo) {
    await repo.write("win.txt", "alpha\r\nbeta\r\ngamma\r\n");
    await repo.commit("base");
    await repo.write("win.txt", "alpha\r\nBETA\r\ngamma\r\ndelta\n");
    return repo.git("diff");
  },
  async latin1(repo) {
    await repo.write(
      "legacy.txt",
      new Uint8Array([...encoder.encode("caf"), 0xe9, 10, ...encoder.encode("ok\n")]),
    );
    await repo.commit("base");
    await repo.write(
      "legacy.txt",
      new Uint8Array([...encoder.encode("caf"), 0xe9, 0x20, 0xe0, 10, ...encoder.encode("ok\n")]),
    );
    return repo.git("diff");
  },
  async quoted_paths(repo) {
    await repo.write("dir with space/file name.txt", numbered(10));
    await repo.write("caf\u00e9.txt", "a\n");
    await repo.write("tab\there.txt", "a\n");
    await repo.write("plain.txt", numbered(4));
    await repo.commit("base");
    await repo.write("dir with space/file name.txt", numbered(10).replace("line 5\n", "line five\n"));
    await repo.write("caf\u00e9.txt", "b\n");
    await repo.write("tab\there.txt", "b\n");
    await repo.write("empty with a b/space.txt", "");
    await repo.git("mv", "dir with space/file name.txt", "dir with space/renamed file.txt");
    await repo.git("mv", "plain.txt", '\u00fcn\u00ef "quoted".txt');
    await repo.git("add", "-A");
    return repo.git("diff", "--cached", "-M");
  },
  async merge_conflict(repo) {
    await repo.write("conflict.txt", "start\nmiddle\nend\n");
    await repo.commit("base");
    await repo.git("checkout", "-q", "-b", "topic");
    await repo.write("conflict.txt", "start\ntopic middle\nend\n");
    await repo.commit("topic");
    await repo.git("checkout", "-q", "main");
    await repo.write("conflict.txt", "start\nmain middle\nend\n");
    await repo.commit("main");
    await repo.git("merge", "-q", "topic");
    return repo.git("diff");
  },
  async merge_resolved(repo) {
    await repo.write("merged.txt", "one\ntwo\nthree\n");
    await repo.commit("base");
    await repo.git("checkout", "-q", "-b", "topic");
    await repo.write("merged.txt", "one\ntwo topic\nthree\n");
    await repo.commit("topic");
    await repo.git("checkout", "-q", "main");
    await repo.write("merged.txt", "one\ntwo main\nthree\n");
    await repo.commit("main");
    await repo.git("merge", "-q", "topic");
    await repo.write("merged.txt", "one\ntwo resolved\nthree\nfour\n");
    await repo.commit("merge");
    return repo.git("show", "--cc", "--format=", "HEAD");
  },
  async header_like_lines(repo) {
    await repo.write("notes.md", "-- a\n++ b\nplain\n");
    await repo.commit("base");
    await repo.write("notes.md", "++ b\nplain\n-- c\n");
    return repo.git("diff");
  },
  async format_patch(repo) {
    await repo.write("file.txt", numbered(3));
    await repo.commit("base");
    await repo.write("file.txt", numbered(3).replace("line 2\n", "line two\n"));
    await repo.commit("change line two");
    return repo.git("format-patch", "--stdout", "-1", "HEAD");
  },
  async plain_unified(repo) {
    await repo.write("old/a.txt", "one\ntwo\n");
    await repo.write("new/a.txt", "one\n2\n");
    const output = await new Deno.Command("diff", {
      args: ["-u", "--label", "a/a.txt\t2024-01-01 00:00:00", "--label", "b/a.txt\t2024-01-02 00:00:00"]
        .concat(["old/a.txt", "new/a.txt"]),
      cwd: repo.dir,
    }).output();
    const second = await new Deno.Command("diff", {
      args: ["-u", "--label", "/dev/null", "--label", "b/b.txt", "/dev/null", "new/a.txt"],
      cwd: repo.dir,
    }).output();
    return new Uint8Array([...output.stdout, ...second.stdout]);
  },
};

if (import.meta.main) {
  const writeJson = Deno.args.includes("--json");
  for (const [name, build] of Object.entries(CASES)) {
    const repo = await createRepo();
    try {
      const bytes = await build(repo);
      await Deno.writeFile(new URL(`${name}.diff`, HERE), bytes);
      if (writeJson) {
        const files = parseDiff(new TextDecoder().decode(bytes));
        await Deno.writeTextFile(new URL(`${name}.json`, HERE), JSON.stringify(files, null, 2) + "\n");
      }
    } finally {
      await Deno.remove(repo.dir, { recursive: true });
    }
  }
}
