/**
 * What a person starting Loom reads: where to open it, the first-run set-up page, what the set-up doctor found
 * — and, when start-up fails, one line saying why instead of a stack trace.
 */
import type { DoctorFinding } from "./doctor.ts";
import { isLocalUrl } from "./doctor.ts";

/** The address to open in a browser: the public URL, or this machine's port when the public URL is local. */
export function dashboardUrl(publicUrl: string, listening: { port: number }): string {
  if (!isLocalUrl(publicUrl)) return publicUrl.replace(/\/+$/, "");
  return `http://localhost:${listening.port}`;
}

export function startupBanner(input: {
  url: string;
  /** No user exists yet: the owner account is created at `/setup` with this one-time token. */
  setupToken?: string;
  findings: DoctorFinding[];
}): string[] {
  const lines = ["", `  Loom is running: open ${input.url}`];
  if (input.setupToken !== undefined) {
    lines.push(`  First run: create the owner account at ${input.url}/setup?token=${input.setupToken}`);
  }
  if (input.findings.length > 0) {
    lines.push("", "  Before Loom can review pull requests:");
    for (const finding of input.findings) {
      lines.push(`  ${finding.level === "error" ? "✗" : "!"} ${finding.message}`, `      ${finding.fix}`);
    }
  }
  lines.push("");
  return lines;
}

/** One line for an error that stops start-up: a bad setting, a busy port, an unreachable database. */
export function startupErrorLine(error: unknown, listen?: { hostname: string; port: number }): string {
  if (error instanceof Deno.errors.AddrInUse && listen) {
    return `Cannot start Loom: port ${listen.port} on ${listen.hostname} is already in use; stop the other ` +
      "process or choose another port with LOOM_PORT";
  }
  if (error instanceof Deno.errors.PermissionDenied && listen) {
    return `Cannot start Loom: not allowed to listen on port ${listen.port}; choose a port above 1023 with LOOM_PORT`;
  }
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
  return message.startsWith("Cannot start Loom") ? message : `Cannot start Loom: ${message}`;
}
