/**
 * The local git repository the command line reviews: which diff to review and where the configuration is read
 * from. Every call runs the `git` binary with `Deno.Command`, never a shell.
 */
import { join } from "node:path";

/** What to review: uncommitted work, the index, a branch against its base, or an explicit range. */
export type ReviewTarget =
  | { kind: "worktree" }
  | { kind: "staged" }
  | { kind: "base"; base: string }
  | { kind: "range"; from: string; to: string; symmetric: boolean };

/** Runs git in one repository. */
export interface Git {
  /** The repository's top-level folder. */
  readonly root: string;
  run(args: string[], options?: { allowExitCodes?: number[] }): Promise<string>;
}

const DECODER = new TextDecoder();

/**
 * Opens the repository containing `cwd`.
 * @throws {Error} when `cwd` is not inside a git work tree or git is missing
 */
export async function openGit(cwd: string): Promise<Git> {
  const root = (await runGit(cwd, ["rev-parse", "--show-toplevel"])).trim();
  return { root, run: (args, options) => runGit(root, args, options) };
}

async function runGit(
  cwd: string,
  args: string[],
  options: { allowExitCodes?: number[] } = {},
): Promise<string> {
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command("git", {
      args: ["-c", "core.quotePath=false", ...args],
      cwd,
      stdout: "piped",
      stderr: "piped",
      stdin: "null",
    }).output();
  } catch (error) {
    throw new Error(`Cannot run "git ${args.join(" ")}": ${(error as Error).message}`, { cause: error });
  }
  if (!output.success && !(options.allowExitCodes ?? []).includes(output.code)) {
    const message = DECODER.decode(output.stderr).trim();
    throw new Error(`Cannot run "git ${args.join(" ")}" in "${cwd}": exit code ${output.code}: ${message}`);
  }
  return DECODER.decode(output.stdout);
}

const DIFF_FLAGS = ["diff", "--no-color", "--no-ext-diff", "-M", "--src-prefix=a/", "--dst-prefix=b/"];

/**
 * The unified diff of `target`. The working tree includes untracked files (as added files) so a new file is
 * reviewed before it is ever staged.
 */
export async function readDiff(git: Git, target: ReviewTarget): Promise<string> {
  switch (target.kind) {
    case "staged":
      return await git.run([...DIFF_FLAGS, "--cached"]);
    case "base":
      return await git.run([...DIFF_FLAGS, `${target.base}...HEAD`]);
    case "range":
      return await git.run([...DIFF_FLAGS, `${target.from}${target.symmetric ? "..." : ".."}${target.to}`]);
    case "worktree": {
      const hasHead = await revisionExists(git, "HEAD");
      const tracked = hasHead
        ? await git.run([...DIFF_FLAGS, "HEAD"])
        : await git.run([...DIFF_FLAGS, "--cached"]);
      const untracked = (await git.run(["ls-files", "--others", "--exclude-standard", "-z"]))
        .split("\0").filter((path) => path.length > 0);
      const added: string[] = [];
      for (const path of untracked) {
        // `git diff --no-index` exits 1 when the files differ, which they always do here.
        added.push(
          await git.run([...DIFF_FLAGS, "--no-index", "--", "/dev/null", path], { allowExitCodes: [1] }),
        );
      }
      return [tracked, ...added].filter((part) => part.length > 0).join("");
    }
  }
}

/** Whether `revision` names a commit. */
export async function revisionExists(git: Git, revision: string): Promise<boolean> {
  const out = await git.run(["rev-parse", "--verify", "--quiet", `${revision}^{commit}`], {
    allowExitCodes: [1, 128],
  });
  return out.trim().length > 0;
}

/** The commit `revision` names. */
export async function resolveRevision(git: Git, revision: string): Promise<string> {
  return (await git.run(["rev-parse", "--verify", `${revision}^{commit}`])).trim();
}

/**
 * Where the configuration and prompt files are read from: the working tree for local work (a developer is
 * editing it), the base for a branch or range, as the server does, so a change cannot loosen its own review.
 */
export function configRef(target: ReviewTarget): string | null {
  switch (target.kind) {
    case "worktree":
    case "staged":
      return null;
    case "base":
      return target.base;
    case "range":
      return target.from;
  }
}

/**
 * Where the reviewed version of the files is: the working tree (`null`), the index (`""`, read as `:<path>`), or
 * the commit at the end of the branch or range. Context lines around hunks and script steps read from it.
 */
export function headRef(target: ReviewTarget): string | null {
  switch (target.kind) {
    case "worktree":
      return null;
    case "staged":
      return "";
    case "base":
      return "HEAD";
    case "range":
      return target.to;
  }
}

/**
 * Reads repository files at `ref`, from the index when `ref` is `""`, or from the working tree when `ref` is
 * null; `null` when absent.
 */
export function createFileReader(git: Git, ref: string | null): (path: string) => Promise<string | null> {
  if (ref === null) {
    return async (path) => {
      try {
        return await Deno.readTextFile(join(git.root, path));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.IsADirectory) return null;
        throw error;
      }
    };
  }
  return async (path) => {
    // `cat-file -t` exits 128 for a path missing at `ref`; only blobs are files.
    const type = await git.run(["cat-file", "-t", `${ref}:${path}`], { allowExitCodes: [128] });
    if (type.trim() !== "blob") return null;
    return await git.run(["cat-file", "blob", `${ref}:${path}`]);
  };
}

/** Describes the target for progress lines and report headers. */
export function describeTarget(target: ReviewTarget): string {
  switch (target.kind) {
    case "worktree":
      return "uncommitted changes";
    case "staged":
      return "staged changes";
    case "base":
      return `changes since ${target.base}`;
    case "range":
      return `${target.from}${target.symmetric ? "..." : ".."}${target.to}`;
  }
}
