/**
 * Test helpers for the command line: throwaway git repositories and an in-process `CommandIo` that records
 * what a command writes.
 */
import { dirname, join } from "node:path";
import type { CommandIo } from "./io.ts";

// Fixed identity and dates make commit shas the same on every run; no user or system git config leaks in.
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

/** A git repository in a temporary folder, removed on dispose. */
export interface TestRepo extends AsyncDisposable {
  readonly dir: string;
  git(...args: string[]): Promise<string>;
  /** Writes files (creating folders); a `null` content deletes the file. */
  write(files: Record<string, string | null>): Promise<void>;
  /** Stages everything and commits; returns the new commit's sha. */
  commit(message: string): Promise<string>;
}

/** Creates an empty repository whose first branch is `main`. */
export async function createTestRepo(): Promise<TestRepo> {
  const dir = await Deno.makeTempDir({ prefix: "loom_cli_" });
  const git = async (...args: string[]) => {
    const output = await new Deno.Command("git", {
      args: ["-c", "commit.gpgsign=false", "-c", "core.autocrlf=false", ...args],
      cwd: dir,
      env: GIT_ENV,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!output.success) {
      throw new Error(
        `Cannot run "git ${args.join(" ")}": exit code ${output.code}: ${
          new TextDecoder().decode(output.stderr)
        }`,
      );
    }
    return new TextDecoder().decode(output.stdout);
  };
  await git("init", "--quiet", "--initial-branch=main");
  return {
    dir,
    git,
    async write(files) {
      for (const [path, content] of Object.entries(files)) {
        const target = join(dir, path);
        if (content === null) {
          await Deno.remove(target);
          continue;
        }
        await Deno.mkdir(dirname(target), { recursive: true });
        await Deno.writeTextFile(target, content);
      }
    },
    async commit(message) {
      await git("add", "--all");
      await git("commit", "--quiet", "--allow-empty", "--no-verify", "-m", message);
      return (await git("rev-parse", "HEAD")).trim();
    },
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A `CommandIo` that records output; `stdout` and `stderr` hold everything written so far. */
export interface RecordingIo extends CommandIo {
  readonly output: { stdout: string; stderr: string };
}

/** Builds an in-process `CommandIo`; files are read from disk unless `files` answers for the path. */
export function recordingIo(
  options: Partial<Omit<CommandIo, "stdout" | "stderr">> & { files?: Record<string, string> },
): RecordingIo {
  const output = { stdout: "", stderr: "" };
  const { files, ...rest } = options;
  return {
    args: [],
    env: {},
    cwd: Deno.cwd(),
    stdoutIsTerminal: false,
    readTextFile: (path) =>
      files?.[path] !== undefined ? Promise.resolve(files[path]!) : Deno.readTextFile(path),
    ...rest,
    stdout: {
      write: (text) => {
        output.stdout += text;
        return Promise.resolve();
      },
    },
    stderr: {
      write: (text) => {
        output.stderr += text;
        return Promise.resolve();
      },
    },
    output,
  };
}
