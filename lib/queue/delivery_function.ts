/**
 * The PostgreSQL function that applies a webhook delivery (`apply_webhook_delivery.sql` beside this file) lives
 * in the code, not in a migration: its name carries a hash of its text, and `ensureDeliveryFunction` creates it
 * when the database lacks that name. Changing the function is one edit of the `.sql` file; the next process to
 * start installs the new version under its new name while processes of the old version keep calling the old one
 * (a rolling upgrade never runs one version's code against the other's function).
 *
 * Several processes starting at once install it one after the other under an advisory lock (without it,
 * two sessions creating one function fail with a duplicate key in `pg_proc`; the race test shows it); the later ones
 * find it there and change nothing. A process checks once per database handle, so the steady state is the one
 * call per webhook it always was.
 */
import type { Db } from "../db/mod.ts";
import { rawSql, sql, type SqlStatement } from "../db/mod.ts";
import definition from "./apply_webhook_delivery.sql" with { type: "text" };

const PLACEHOLDER = "__FUNCTION_NAME__";
/** An arbitrary constant shared by every Loom process: serialises installing the queue's functions. */
const INSTALL_LOCK_ID = 7_231_000_002;

export interface DeliveryFunction {
  /** `apply_webhook_delivery_<16 hex digits of the text's SHA-256>`. */
  name: string;
  /** The `CREATE OR REPLACE FUNCTION` statement with the name filled in. */
  text: string;
}

let current: Promise<DeliveryFunction> | undefined;

/** The delivery function of this code: its versioned name and the statement that creates it. */
export function deliveryFunction(): Promise<DeliveryFunction> {
  current ??= versioned(definition);
  return current;
}

/** Names the function in `text` after the text's hash. */
export async function versioned(text: string): Promise<DeliveryFunction> {
  if (!text.includes(PLACEHOLDER)) {
    throw new TypeError(`Cannot version the delivery function: its text lacks ${PLACEHOLDER}`);
  }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  // 64 bits of the hash: two versions of one function never meet by accident; the name stays under 63 bytes.
  const hex = [...digest.slice(0, 8)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
  const name = `apply_webhook_delivery_${hex}`;
  return { name, text: text.replaceAll(PLACEHOLDER, name) };
}

const ensured = new WeakMap<Db, Promise<void>>();

/**
 * Makes sure the database has `fn` (this code's function by default), creating it in the connection's current
 * schema when missing. Checked once per `db` handle; a failed check is retried by the next call.
 */
export function ensureDeliveryFunction(db: Db, fn?: DeliveryFunction): Promise<void> {
  if (fn) return install(db, fn);
  let done = ensured.get(db);
  if (!done) {
    done = deliveryFunction().then((fn) => install(db, fn));
    ensured.set(db, done);
    const attempt = done;
    attempt.catch(() => {
      if (ensured.get(db) === attempt) ensured.delete(db);
    });
  }
  return done;
}

/** Forgets that `db` has the function (its schema was reset under it): the next call checks again. */
export function forgetDeliveryFunction(db: Db): void {
  ensured.delete(db);
}

async function install(db: Db, fn: DeliveryFunction): Promise<void> {
  if (db.dialect !== "postgres") return;
  if (await exists(db, fn.name)) return;
  await db.transaction(async (tx) => {
    await tx.query(sql`select pg_advisory_xact_lock(${INSTALL_LOCK_ID})`);
    // Another process may have installed it while this one waited for the lock.
    if (await exists(tx, fn.name)) return;
    await tx.execScript(fn.text);
  });
}

async function exists(db: Db, name: string): Promise<boolean> {
  const rows = await db.query(sql`
    select 1 from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where p.proname = ${name} and n.nspname = current_schema()`);
  return rows.length > 0;
}

/** `select * from <name>(<arguments>)`: the name is this code's own, never input. */
export function callFunction(name: string, argumentsList: SqlStatement): SqlStatement {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new TypeError(`Cannot call function "${name}"`);
  return sql`select * from ${rawSql(name)}(${argumentsList})`;
}
