/**
 * Runs untrusted Deno code from a repository in a locked-down subprocess: no network, no environment, no
 * subprocesses, no writes, read access only to its own temporary directory, a time limit and a V8 heap limit.
 *
 * The script is not the main module. Deno loads a main module's static import graph without permission checks
 * (`import x from "/etc/passwd" with { type: "text" }` would succeed), so a fixed runner is the main module and
 * loads the script with a dynamic `import()`, whose whole graph is checked against `--allow-read`.
 */
import { join } from "node:path";

/** Limits for one sandboxed run. */
export interface SandboxLimits {
  /** Wall-clock milliseconds before the process is killed. */
  timeoutMs: number;
  /** V8 old-space limit in megabytes. */
  memoryMb: number;
  /** Most bytes of stdout kept; a process printing more is killed. */
  maxOutputBytes: number;
}

/** The default limits of a script step. */
export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  timeoutMs: 30_000,
  memoryMb: 128,
  maxOutputBytes: 1_000_000,
});

/** Input of `runSandboxed`. */
export interface SandboxInput {
  /** Source of the script (TypeScript or JavaScript). */
  source: string;
  /** Files written into the checkout the script may read, by relative path. */
  files: Record<string, string>;
  /** Written to the script's stdin. */
  stdin: string;
}

/** How a sandboxed run ended. */
export type SandboxResult =
  | { status: "exited"; code: number; stdout: string; stderr: string }
  | { status: "timeout"; stdout: string; stderr: string }
  | { status: "output_too_large"; stderr: string }
  | { status: "out_of_memory"; stderr: string };

const RUNNER = `const target = new URL(Deno.args[0], "file:///").href;\nawait import(target);\n`;
const MAX_STDERR_BYTES = 16_384;

/** Relative, inside the checkout, no `..`: anything else is dropped rather than written outside. */
function safeRelativePath(path: string): string | null {
  const parts = path.split("/").filter((part) => part.length > 0 && part !== ".");
  if (
    parts.length === 0 || parts.some((part) => part === ".." || part.includes("\\") || part.includes("\0"))
  ) {
    return null;
  }
  return parts.join("/");
}

/** The `deno run` arguments of a sandboxed run: everything denied except reading `readable`. */
export function sandboxArgs(
  runner: string,
  script: string,
  readable: string[],
  limits: Pick<SandboxLimits, "memoryMb">,
): string[] {
  return [
    "run",
    "--quiet",
    "--no-prompt",
    "--no-config",
    "--no-lock",
    "--no-remote",
    "--no-npm",
    "--cached-only",
    "--no-code-cache",
    `--allow-read=${readable.join(",")}`,
    "--deny-write",
    "--deny-net",
    "--deny-env",
    "--deny-run",
    "--deny-ffi",
    "--deny-sys",
    `--v8-flags=--max-old-space-size=${limits.memoryMb}`,
    runner,
    script,
  ];
}

/**
 * Runs `input.source` with `input.stdin` on stdin and the checkout as its working directory, and collects what it
 * printed. Never throws for anything the script does; throws only when the sandbox itself cannot be set up.
 * @param input the script, the files it may read, and its stdin
 * @param options limits, and a signal that kills the process when aborted
 */
export async function runSandboxed(
  input: SandboxInput,
  options: { limits?: Partial<SandboxLimits>; signal?: AbortSignal } = {},
): Promise<SandboxResult> {
  const limits = { ...DEFAULT_SANDBOX_LIMITS, ...options.limits };
  const root = await Deno.makeTempDir({ prefix: "loom-script-" });
  try {
    const checkout = join(root, "checkout");
    const scriptDirectory = join(root, "script");
    await Deno.mkdir(checkout);
    await Deno.mkdir(scriptDirectory);
    for (const [path, content] of Object.entries(input.files)) {
      const relative = safeRelativePath(path);
      if (relative === null) continue;
      const target = join(checkout, relative);
      await Deno.mkdir(join(target, ".."), { recursive: true });
      await Deno.writeTextFile(target, content);
    }
    const runner = join(root, "runner.js");
    const script = join(scriptDirectory, "step.ts");
    await Deno.writeTextFile(runner, RUNNER);
    await Deno.writeTextFile(script, input.source);
    return await spawn(sandboxArgs(runner, script, [checkout, scriptDirectory], limits), {
      cwd: checkout,
      stdin: input.stdin,
      limits,
      signal: options.signal,
    });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

async function spawn(
  args: string[],
  options: { cwd: string; stdin: string; limits: SandboxLimits; signal?: AbortSignal },
): Promise<SandboxResult> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd,
    clearEnv: true,
    // Deno itself wants a colour choice; the script cannot read any of this (`--deny-env`).
    env: { NO_COLOR: "1" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let ended: "timeout" | "output_too_large" | undefined;
  const kill = (reason?: typeof ended) => {
    ended ??= reason;
    try {
      child.kill("SIGKILL");
    } catch (error) {
      // The process already exited; nothing left to kill.
      if (!(error instanceof TypeError)) throw error;
    }
  };
  const timer = setTimeout(() => kill("timeout"), options.limits.timeoutMs);
  const onAbort = () => kill();
  options.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const writing = (async () => {
      const writer = child.stdin.getWriter();
      try {
        await writer.write(new TextEncoder().encode(options.stdin));
        await writer.close();
      } catch {
        // The script exited without reading all of its input; its exit status tells the story.
      }
    })();
    const [stdout, stderr, status] = await Promise.all([
      collect(child.stdout, options.limits.maxOutputBytes, () => kill("output_too_large")),
      collect(child.stderr, MAX_STDERR_BYTES),
      child.status,
      writing,
    ]);
    if (ended === "timeout") return { status: "timeout", stdout, stderr };
    if (ended === "output_too_large") return { status: "output_too_large", stderr };
    if (/out of memory|heap limit/i.test(stderr)) return { status: "out_of_memory", stderr };
    return { status: "exited", code: status.code, stdout, stderr };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/** Reads a stream as text up to `limit` bytes; beyond that calls `onOverflow` and keeps draining. */
async function collect(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  onOverflow?: () => void,
): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream) {
    if (size + chunk.byteLength > limit) {
      onOverflow?.();
      const room = limit - size;
      if (room > 0) chunks.push(chunk.subarray(0, room));
      size = limit;
      continue;
    }
    chunks.push(chunk);
    size += chunk.byteLength;
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}
