/**
 * `deno task config:check [path]`: validates a `.loom/config.yaml` locally and prints the same problems the
 * worker would post on a pull request. Exit status 0 when valid, 1 when not, 2 when the file cannot be read.
 * Server allowlists (`api_key_env`, `base_url`) live in the server's environment and are checked only there.
 *
 * A relative path is the user's: `deno task` runs this in the folder of Loom's `deno.json` and passes the folder
 * the user ran it from as `INIT_CWD`, so the path is resolved against that, not against Loom's checkout.
 */
import { isAbsolute, resolve } from "node:path";
import { checkConfigFile, CONFIG_PATH, ConfigError } from "../lib/config/mod.ts";

/** The file `path` names, from the folder the user ran the command in (`INIT_CWD` under `deno task`). */
export function resolveUserPath(path: string, initCwd: string | undefined, cwd: string): string {
  if (isAbsolute(path)) return path;
  return resolve(initCwd || cwd, path);
}

const encoder = new TextEncoder();

function write(stream: { writeSync(data: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(`${text}\n`);
  let written = 0;
  while (written < bytes.length) written += stream.writeSync(bytes.subarray(written));
}

async function main(args: string[]): Promise<number> {
  if (args.length > 1 || args[0] === "--help" || args[0] === "-h") {
    write(Deno.stderr, `Usage: deno task config:check [path]   (default: ${CONFIG_PATH})`);
    return 2;
  }
  const given = args[0] ?? CONFIG_PATH;
  const path = resolveUserPath(given, Deno.env.get("INIT_CWD"), Deno.cwd());
  try {
    const loaded = await checkConfigFile(path);
    const steps = Object.values(loaded.config.pipelines).flat().filter((step) => step.enabled).length;
    write(Deno.stdout, `${given} is valid: ${steps} enabled step${steps === 1 ? "" : "s"}`);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      write(Deno.stderr, error.toText());
      write(Deno.stderr, `${given}: ${error.issues.length} problem${error.issues.length === 1 ? "" : "s"}`);
      return 1;
    }
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.PermissionDenied) {
      write(Deno.stderr, error.message);
      return 2;
    }
    throw error;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
