/**
 * Builds real `git diff` output for tests: commits a base and a head version of some files in a throwaway
 * repository and returns the diff between them, so fakes and parsers see exactly what git produces.
 */

/** One file's content before and after; a missing side means the file is added or removed. */
export interface GitDiffFile {
  base?: string | Uint8Array;
  head?: string | Uint8Array;
}

export interface GitDiffResult {
  /** `git diff base head` output (rename detection on, no colour). */
  diff: string;
  baseSha: string;
  headSha: string;
}

export interface MakeGitDiffOptions {
  /**
   * Paths renamed between base and head: `{ "old.ts": "new.ts" }`. Give the old path a `base`; the new path
   * keeps that content unless it has a `head` of its own.
   */
  renames?: Record<string, string>;
  /** Extra `git diff` arguments, e.g. `["-U1"]`. */
  diffArguments?: string[];
}

// Fixed identity and dates make the commit shas the same on every run.
const GIT_ENV = {
  GIT_AUTHOR_NAME: "Loom Test",
  GIT_AUTHOR_EMAIL: "loom-test@example.com",
  GIT_AUTHOR_DATE: "2025-01-01T00:00:00Z",
  GIT_COMMITTER_NAME: "Loom Test",
  GIT_COMMITTER_EMAIL: "loom-test@example.com",
  GIT_COMMITTER_DATE: "2025-01-01T00:00:00Z",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
};

async function git(directory: string, args: string[]): Promise<string> {
  const output = await new Deno.Command("git", {
    args: ["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", ...args],
    cwd: directory,
    env: GIT_ENV,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const message = new TextDecoder().decode(output.stderr).trim();
    throw new Error(`Cannot run "git ${args.join(" ")}": exit code ${output.code}: ${message}`);
  }
  return new TextDecoder().decode(output.stdout);
}

async function writeTree(directory: string, files: Map<string, string | Uint8Array>): Promise<void> {
  for (const [path, content] of files) {
    const target = `${directory}/${path}`;
    const parent = target.slice(0, target.lastIndexOf("/"));
    await Deno.mkdir(parent, { recursive: true });
    if (typeof content === "string") await Deno.writeTextFile(target, content);
    else await Deno.writeFile(target, content);
  }
}

async function commit(directory: string, message: string): Promise<string> {
  await git(directory, ["add", "--all"]);
  await git(directory, ["commit", "--quiet", "--allow-empty", "--no-verify", "-m", message]);
  return (await git(directory, ["rev-parse", "HEAD"])).trim();
}

/**
 * Commits `base` versions, then `head` versions (and renames) on top, and returns `git diff` between them.
 * @param files content per path on each side
 * @param options renames and extra diff arguments
 * @returns the diff text and both commit shas
 */
export async function makeGitDiff(
  files: Record<string, GitDiffFile>,
  options: MakeGitDiffOptions = {},
): Promise<GitDiffResult> {
  const directory = await Deno.makeTempDir({ prefix: "loom_git_diff_" });
  try {
    await git(directory, ["init", "--quiet", "--initial-branch=main"]);
    const base = new Map<string, string | Uint8Array>();
    for (const [path, file] of Object.entries(files)) if (file.base !== undefined) base.set(path, file.base);
    await writeTree(directory, base);
    const baseSha = await commit(directory, "base");

    const renames = options.renames ?? {};
    for (const [from, to] of Object.entries(renames)) {
      const target = `${directory}/${to}`;
      await Deno.mkdir(target.slice(0, target.lastIndexOf("/")), { recursive: true });
      await git(directory, ["mv", from, to]);
    }
    for (const [path, file] of Object.entries(files)) {
      if (file.head === undefined && file.base !== undefined && !(path in renames)) {
        await Deno.remove(`${directory}/${path}`);
      }
    }
    const head = new Map<string, string | Uint8Array>();
    for (const [path, file] of Object.entries(files)) if (file.head !== undefined) head.set(path, file.head);
    await writeTree(directory, head);
    const headSha = await commit(directory, "head");

    const diff = await git(directory, [
      "diff",
      "--no-color",
      "--no-ext-diff",
      "-M",
      ...(options.diffArguments ?? []),
      baseSha,
      headSha,
    ]);
    return { diff, baseSha, headSha };
  } finally {
    await Deno.remove(directory, { recursive: true });
  }
}
