/**
 * `deno task secrets:rotate`: re-encrypts every stored secret under the first key of `LOOM_SECRET_KEY` (or of
 * the `secret.key` file), prints what it did per table, and exits 0 only when every secret is under that key —
 * the sign that the older keys can leave the ring. Safe to run while Loom serves, to re-run and to interrupt
 * (`lib/db/secret_rotation.ts`). The procedure is in docs/security.md.
 */
import { loadServerConfig } from "../lib/config/env.ts";
import { createLogger } from "../lib/log.ts";
import { openRuntime } from "../lib/runtime.ts";
import { rotateSecrets } from "../lib/db/secret_rotation.ts";

const write = (text: string) => Deno.stdout.write(new TextEncoder().encode(text + "\n"));
const config = loadServerConfig(Deno.env.toObject());
const runtime = await openRuntime(config, createLogger({ level: "warn" }));
let left = 0;
try {
  const counts = await rotateSecrets(runtime.db, runtime.secretBox);
  for (const count of counts) {
    await write(
      `${count.table}.${count.column}: ${count.rotated} rotated, ${count.current} already under the key, ` +
        `${count.unreadable} unreadable, ${count.busy} busy`,
    );
    left += count.unreadable + count.busy;
  }
  await write(
    left === 0
      ? `Every stored secret is under key ${runtime.secretBox.keyId}: the older keys can leave LOOM_SECRET_KEY.`
      : `${left} secret(s) are not under key ${runtime.secretBox.keyId}: keep the older keys in LOOM_SECRET_KEY. ` +
        "Unreadable ones were sealed with a key that is not in the ring; busy ones changed during the run " +
        "(run it again).",
  );
} finally {
  await runtime.close();
}
if (left > 0) Deno.exit(1);
