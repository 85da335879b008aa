/**
 * The single-container default: without `LOOM_SECRET_KEY`, Loom keeps a random key in a file beside the SQLite
 * database (readable by the owner only), so `deno task start` works on a fresh machine and encrypted data stays
 * readable across restarts. Scaled-out deployments set `LOOM_SECRET_KEY` so every process shares it.
 */
import { randomSecret } from "./secret_box.ts";

export async function loadOrCreateSecretKey(path: string): Promise<string> {
  try {
    return (await Deno.readTextFile(path)).trim();
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
    if (error instanceof Deno.errors.AlreadyExists) return (await Deno.readTextFile(path)).trim();
    throw error;
  }
}
