/**
 * The single-container default: without `LOOM_SECRET_KEY`, Loom keeps a random key in a file beside the SQLite
 * database (readable by the owner only), so `deno task start` works on a fresh machine and encrypted data stays
 * readable across restarts. Scaled-out deployments set `LOOM_SECRET_KEY` so every process shares it.
 */
import { randomSecret } from "./secret_box.ts";
import { keyRingProblem } from "./key_ring.ts";

/**
 * The key ring in the file at `path` (one key, or `<new>,<old>` while rotating, as `LOOM_SECRET_KEY`), created
 * with one random key when there is no file.
 * @throws {RangeError} when the file holds a malformed ring
 */
export async function loadOrCreateSecretKey(path: string): Promise<string> {
  try {
    return checked(path, await Deno.readTextFile(path));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const directory = path.replace(/[^/]*$/, "");
  if (directory) await Deno.mkdir(directory, { recursive: true });
  const key = randomSecret(48);
  try {
    await Deno.writeTextFile(path, key + "\n", { createNew: true, mode: 0o600 });
    return key;
  } catch (error) {
    // Another process created it first: use theirs.
    if (error instanceof Deno.errors.AlreadyExists) return checked(path, await Deno.readTextFile(path));
    throw error;
  }
}

function checked(path: string, text: string): string {
  const ring = text.trim();
  const problem = keyRingProblem(ring);
  if (problem) throw new RangeError(`Cannot use the secret key file ${path}: ${problem}`);
  return ring;
}
