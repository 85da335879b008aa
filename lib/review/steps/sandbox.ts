/**
 * Runs untrusted Deno code from a repository in its own process behind two walls. The outer wall is the
 * operating system: `bwrap` (bubblewrap) gives the process new PID, network, IPC and UTS namespaces and a file
 * system holding only the system libraries, the Deno binary and a read-only copy of the files it is given;
 * `prlimit` caps its writable memory (RLIMIT_DATA, which counts ArrayBuffers, WebAssembly memory and every
 * Worker's heap alike), CPU seconds, tasks (processes and threads) and open files. When Loom runs as root the
 * script runs as a fresh unprivileged user, since the kernel exempts root from the task limit. The inner wall is
 * Deno's permissions: no network, no environment, no subprocesses, no writes, reads only of its own files.
 *
 * The script is not the main module. Deno loads a main module's static import graph without permission checks
 * (`import x from "/etc/passwd" with { type: "text" }` would succeed), so a fixed runner is the main module and
 * loads the script with a dynamic `import()`, whose whole graph is checked against `--allow-read`.
 *
 * Without bubblewrap the outer wall is missing and `runSandboxed` refuses to run anything, unless the operator
 * chose `isolation: "deno-only"` (`LOOM_SCRIPT_SANDBOX=deno-only`).
 */
import { join } from "node:path";

/** Limits for one sandboxed run. */
export interface SandboxLimits {
  /** Wall-clock milliseconds before the process is killed. */
  timeoutMs: number;
  /** V8 old-space limit in megabytes; ArrayBuffers, WebAssembly memory and Workers share this budget too. */
  memoryMb: number;
  /** CPU seconds over all of the process's threads before the kernel stops it. */
  cpuSeconds: number;
  /** Processes and threads the script may have at once. */
  maxThreads: number;
  /** File descriptors the script may hold open at once. */
  maxOpenFiles: number;
  /** Most bytes of stdout kept; a process printing more is killed. */
  maxOutputBytes: number;
}

/** The default limits of a script step. */
export const DEFAULT_SANDBOX_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  timeoutMs: 30_000,
  memoryMb: 128,
  cpuSeconds: 20,
  // Deno 2.9.6 runs 6 threads for an empty script and 16 once 8 Workers started; 12 leaves room for the
  // blocking-I/O threads a script's file reads start, not for Workers.
  maxThreads: 12,
  // An empty script holds 14 descriptors.
  maxOpenFiles: 64,
  maxOutputBytes: 1_000_000,
});

/**
 * Writable memory V8 maps before the script runs: Deno 2.9.6 reserves a 509 MB read-write-execute code range
 * and shows 556 MB of VmData for an empty script. RLIMIT_DATA counts that reservation, so the data limit is this
 * plus `memoryMb`; 560 MB leaves Deno room to start and nothing more.
 */
export const V8_RESERVED_MB = 560;

/** `bubblewrap`: the OS wall described above. `deno-only`: Deno's permissions alone (an operator's explicit choice). */
export type SandboxIsolation = "bubblewrap" | "deno-only";

/** Input of `runSandboxed`. */
export interface SandboxInput {
  /** Source of the script (TypeScript or JavaScript). */
  source: string;
  /** Files written into the checkout the script may read, by relative path. */
  files: Record<string, string>;
  /** Written to the script's stdin. */
  stdin: string;
}

/** A limit of `SandboxLimits` the kernel or V8 enforced. */
export type SandboxLimitName = "memory" | "cpu" | "threads" | "open_files";

/** How a sandboxed run ended. */
export type SandboxResult =
  | { status: "exited"; code: number; stdout: string; stderr: string }
  | { status: "timeout"; stdout: string; stderr: string }
  | { status: "output_too_large"; stderr: string }
  | { status: "limit"; limit: SandboxLimitName; stderr: string };

/** The sandbox cannot run here: bubblewrap or prlimit is missing or cannot create namespaces. */
export class SandboxUnavailableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "SandboxUnavailableError";
  }
}

const RUNNER = `const target = new URL(Deno.args[0], "file:///").href;\nawait import(target);\n`;
const MAX_STDERR_BYTES = 16_384;
// Paths inside the sandbox's own file system.
const INSIDE = {
  root: "/sandbox",
  deno: "/opt/loom/deno",
  prlimit: "/opt/loom/prlimit",
  setpriv: "/opt/loom/setpriv",
};
const SIGNAL_EXIT = 128;
const SIGXCPU = 24;

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
function sandboxArgs(
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

/** Host paths of the tools the outer wall needs. */
export interface SandboxTools {
  bwrap: string;
  prlimit: string;
  setpriv: string;
}

/**
 * The command line that runs `denoArgs` behind the outer wall: bubblewrap mounts `host` read-only at
 * `/sandbox`, then `prlimit` sets the limits inside the new namespaces (so a user namespace's task count starts
 * at zero), then, for root, `setpriv` drops to `uid`.
 */
function isolatedCommand(
  tools: SandboxTools,
  options: { host: string; denoPath: string; denoArgs: string[]; limits: SandboxLimits; uid: number | null },
): string[] {
  const { limits } = options;
  const dataBytes = (V8_RESERVED_MB + limits.memoryMb) * 1024 * 1024;
  return [
    tools.bwrap,
    // A root caller keeps the initial user namespace so `setpriv` can switch to an unmapped uid; anyone else
    // needs a user namespace to create the others.
    ...(options.uid === null ? ["--unshare-user"] : []),
    "--unshare-pid",
    "--unshare-net",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    ...(options.uid === null ? [] : ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]),
    ...(["/usr", "/lib", "/lib64", "/bin"].flatMap((path) => ["--ro-bind-try", path, path])),
    "--proc",
    "/proc",
    "--dev",
    "/dev",
    "--tmpfs",
    "/tmp",
    // Directories bubblewrap creates for mount points get mode 0700, which the unprivileged user cannot enter.
    ...["/opt", "/opt/loom", INSIDE.root].flatMap((path) => ["--perms", "0755", "--dir", path]),
    "--ro-bind",
    options.host,
    INSIDE.root,
    "--ro-bind",
    options.denoPath,
    INSIDE.deno,
    "--ro-bind",
    tools.prlimit,
    INSIDE.prlimit,
    ...(options.uid === null ? [] : ["--ro-bind", tools.setpriv, INSIDE.setpriv]),
    "--chdir",
    join(INSIDE.root, "checkout"),
    "--clearenv",
    // Deno itself wants a colour choice; the script cannot read any of this (`--deny-env`).
    "--setenv",
    "NO_COLOR",
    "1",
    // Deno insists on a cache directory even with `--cached-only` and nothing to cache; it is never written.
    "--setenv",
    "DENO_DIR",
    "/tmp/deno",
    "--",
    INSIDE.prlimit,
    `--data=${dataBytes}`,
    // SIGXCPU at the soft limit names the limit; the hard limit a second later is SIGKILL for a script that
    // ignores it.
    `--cpu=${limits.cpuSeconds}:${limits.cpuSeconds + 1}`,
    `--nproc=${limits.maxThreads}`,
    `--nofile=${limits.maxOpenFiles}`,
    "--core=0",
    ...(options.uid === null ? [] : [
      INSIDE.setpriv,
      `--reuid=${options.uid}`,
      `--regid=${options.uid}`,
      "--clear-groups",
      "--no-new-privs",
    ]),
    INSIDE.deno,
    ...options.denoArgs,
  ];
}

function findOnPath(name: string, path: string): string | null {
  for (const directory of path.split(":").filter((entry) => entry.length > 0)) {
    const candidate = join(directory, name);
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return null;
}

/** Where the tools are looked for: the system directories, not the worker's `PATH`. */
const SANDBOX_TOOL_PATH = "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin";

const probed = new Map<string, Promise<SandboxTools>>();

/**
 * Finds bubblewrap, prlimit and setpriv and checks once per process that bubblewrap can create its namespaces
 * here (it cannot in a container whose seccomp profile forbids them).
 * @throws {SandboxUnavailableError} saying what is missing and how to opt out
 */
function sandboxTools(path = SANDBOX_TOOL_PATH): Promise<SandboxTools> {
  let tools = probed.get(path);
  if (tools === undefined) {
    tools = probe(path);
    probed.set(path, tools);
  }
  return tools;
}

const OPT_OUT =
  "install the Debian package bubblewrap (and util-linux) on the worker, or set LOOM_SCRIPT_SANDBOX=deno-only " +
  "to run scripts behind Deno's permissions alone";

async function probe(path: string): Promise<SandboxTools> {
  const found = {
    bwrap: findOnPath("bwrap", path),
    prlimit: findOnPath("prlimit", path),
    setpriv: findOnPath("setpriv", path),
  };
  const missing = Object.entries(found).filter(([, value]) => value === null).map(([name]) => name);
  if (missing.length > 0) {
    throw new SandboxUnavailableError(
      `Script steps are refused: the sandbox needs ${
        missing.join(", ")
      }, not found on this worker; ${OPT_OUT}`,
    );
  }
  const tools = found as SandboxTools;
  const output = await new Deno.Command(tools.bwrap, {
    args: [
      ...(Deno.uid() === 0 ? [] : ["--unshare-user"]),
      "--unshare-pid",
      "--unshare-net",
      "--ro-bind",
      "/",
      "/",
      "--",
      tools.prlimit,
      "--nproc=4",
      "true",
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!output.success) {
    const reason = new TextDecoder().decode(output.stderr).trim().slice(0, 300);
    throw new SandboxUnavailableError(
      `Script steps are refused: bubblewrap cannot create a sandbox on this worker (${reason}); ${OPT_OUT}`,
    );
  }
  return tools;
}

/**
 * Runs `input.source` with `input.stdin` on stdin and the checkout as its working directory, and collects what it
 * printed. Never throws for anything the script does.
 * @param input the script, the files it may read, and its stdin
 * @param options limits, the isolation, and a signal that kills the process when aborted
 * @throws {SandboxUnavailableError} when the isolation is `bubblewrap` and bubblewrap cannot run here
 */
export async function runSandboxed(
  input: SandboxInput,
  options: {
    limits?: Partial<SandboxLimits>;
    isolation?: SandboxIsolation;
    /** Directories searched for the tools; default `SANDBOX_TOOL_PATH`. */
    toolPath?: string;
    signal?: AbortSignal;
  } = {},
): Promise<SandboxResult> {
  const limits = { ...DEFAULT_SANDBOX_LIMITS, ...options.limits };
  const isolation = options.isolation ?? "bubblewrap";
  const tools = isolation === "bubblewrap" ? await sandboxTools(options.toolPath) : null;
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
    await Deno.writeTextFile(join(root, "runner.js"), RUNNER);
    await Deno.writeTextFile(join(scriptDirectory, "step.ts"), input.source);
    if (tools === null) {
      const args = sandboxArgs(
        join(root, "runner.js"),
        join(scriptDirectory, "step.ts"),
        [checkout, scriptDirectory],
        limits,
      );
      return await spawn([Deno.execPath(), ...args], {
        cwd: checkout,
        stdin: input.stdin,
        limits,
        signal: options.signal,
      });
    }
    // The unprivileged user must be able to walk into the copy that bubblewrap mounts.
    await Deno.chmod(root, 0o755);
    const inside = (path: string) => join(INSIDE.root, path);
    const command = isolatedCommand(tools, {
      host: root,
      denoPath: Deno.execPath(),
      denoArgs: sandboxArgs(
        inside("runner.js"),
        inside("script/step.ts"),
        [inside("checkout"), inside("script")],
        limits,
      ),
      limits,
      uid: Deno.uid() === 0 ? scratchUid() : null,
    });
    return await spawn(command, { cwd: root, stdin: input.stdin, limits, signal: options.signal });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

/**
 * A uid no account uses, different for each run: the task limit counts every process of a uid, so runs at the
 * same time (and anything else running as `nobody`) must not share one. 10^6 + up to 2^20 stays clear of
 * ordinary accounts and of the 65,536-uid ranges subordinate-id files hand out below it.
 */
function scratchUid(): number {
  return 1_000_000 + crypto.getRandomValues(new Uint32Array(1))[0]! % 1_048_576;
}

async function spawn(
  command: string[],
  options: { cwd: string; stdin: string; limits: SandboxLimits; signal?: AbortSignal },
): Promise<SandboxResult> {
  const child = new Deno.Command(command[0]!, {
    args: command.slice(1),
    cwd: options.cwd,
    clearEnv: true,
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
    const limit = limitHit(status, stderr);
    if (limit !== null) return { status: "limit", limit, stderr };
    return { status: "exited", code: status.code, stdout, stderr };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
  }
}

/**
 * Which limit stopped the process, from how it ended: SIGXCPU is the kernel's CPU limit (bubblewrap exits with
 * 128 + the signal of its child); V8's and Deno's own words name failed memory, thread and descriptor requests.
 * A script can print these words itself, which only mislabels its own failure.
 */
function limitHit(status: Deno.CommandStatus, stderr: string): SandboxLimitName | null {
  if (status.success) return null;
  if (status.signal === "SIGXCPU" || status.code === SIGNAL_EXIT + SIGXCPU) return "cpu";
  if (
    /out of memory|heap limit|Array buffer allocation failed|WebAssembly\.Memory|could not allocate memory|Cannot allocate memory/i
      .test(stderr)
  ) {
    return "memory";
  }
  if (/Resource temporarily unavailable|os error 11\b|failed to spawn thread/i.test(stderr)) return "threads";
  if (/Too many open files|os error 24\b/i.test(stderr)) return "open_files";
  return null;
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
