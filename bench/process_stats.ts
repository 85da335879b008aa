/** What the code index benchmarks read about their own process (Linux `/proc`) and their command line. */

/** The value after `name` on the command line, or `fallback`. */
export function flag(name: string, fallback: string): string {
  const index = Deno.args.indexOf(name);
  return index >= 0 ? Deno.args[index + 1]! : fallback;
}

/** A memory figure of this process in kB: `VmRSS` now, `VmHWM` its peak. */
export function statusKb(field: "VmRSS" | "VmHWM"): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  return Number(status.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"))?.[1] ?? 0);
}

/** CPU time this process has used (user + system), in ms: wall time on a shared machine also counts waiting. */
export function cpuMs(): number {
  const fields = Deno.readTextFileSync("/proc/self/stat").split(") ")[1]!.split(" ");
  // utime and stime are the 12th and 13th fields after the command name, in clock ticks of 10 ms.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
