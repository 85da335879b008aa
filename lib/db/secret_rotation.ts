/**
 * Re-encrypts every stored secret under the secret box's first key, after a new key was put at the front of
 * `LOOM_SECRET_KEY`. Safe to run while Loom serves, to re-run, and to kill at any point:
 *
 * - each row is re-sealed on its own and written only if its ciphertext is still the one that was read
 *   (`… where id = ? and <column> = <old ciphertext>`), so a secret saved or replaced meanwhile is never
 *   overwritten with the old value; such a row is read again and rotated on its next look;
 * - a row already sealed under the first key is left alone, so a second run changes nothing and reports it;
 * - a killed run leaves every row either as it was or fully rotated: there is no state in between.
 *
 * A row no key of the ring can open is counted as `unreadable` and left as it is (never deleted): the operator
 * decides, and the old key must stay in the ring until that count is 0.
 */
import type { SecretBox } from "../crypto/secret_box.ts";
import { type Db, rawSql, sql } from "./mod.ts";

/** Every column the secret box fills: a new encrypted column is listed here, or rotation would miss it. */
const ENCRYPTED_COLUMNS: readonly { table: string; column: string }[] = [
  { table: "credentials", column: "ciphertext" },
  { table: "repos", column: "webhook_secret" },
  // The secret before a regeneration, accepted during its grace period (null otherwise).
  { table: "repos", column: "previous_webhook_secret" },
];

export interface RotationCount {
  table: string;
  column: string;
  /** Re-sealed under the first key by this run. */
  rotated: number;
  /** Already under the first key. */
  current: number;
  /** Opened by no key of the ring; left unchanged. */
  unreadable: number;
  /** Replaced by another writer at every attempt; left for the next run. */
  busy: number;
}

/** 200 rows a read: a page stays small on a busy table, and a table of 10,000 secrets takes 50 reads. */
const PAGE_SIZE = 200;
/** Concurrent replacements of one row before it is left for the next run (a row saved 5 times during one). */
const MAX_ATTEMPTS = 5;

/**
 * Rotates every table of `ENCRYPTED_COLUMNS`, one after the other.
 * @param onRow called after each row is handled (tests use it to race a write against the run)
 */
export async function rotateSecrets(
  db: Db,
  box: SecretBox,
  options: { onRow?: (table: string, id: number) => Promise<void> | void } = {},
): Promise<RotationCount[]> {
  const counts: RotationCount[] = [];
  for (const { table, column } of ENCRYPTED_COLUMNS) {
    counts.push(await rotateColumn(db, box, table, column, options.onRow));
  }
  return counts;
}

async function rotateColumn(
  db: Db,
  box: SecretBox,
  table: string,
  column: string,
  onRow?: (table: string, id: number) => Promise<void> | void,
): Promise<RotationCount> {
  const count: RotationCount = { table, column, rotated: 0, current: 0, unreadable: 0, busy: 0 };
  const from = rawSql(table);
  const field = rawSql(column);
  let after = 0;
  for (;;) {
    const page = await db.query<{ id: unknown; secret: string }>(sql`
      select id, ${field} as secret from ${from} where id > ${after} and ${field} is not null
      order by id limit ${PAGE_SIZE}`);
    for (const row of page) {
      const id = Number(row.id);
      after = id;
      const outcome = await rotateRow(db, box, from, field, id, row.secret);
      if (outcome) count[outcome]++;
      await onRow?.(table, id);
    }
    if (page.length < PAGE_SIZE) return count;
  }
}

async function rotateRow(
  db: Db,
  box: SecretBox,
  from: ReturnType<typeof rawSql>,
  field: ReturnType<typeof rawSql>,
  id: number,
  first: string,
): Promise<"rotated" | "current" | "unreadable" | "busy" | null> {
  let sealed: string | undefined = first;
  for (let attempt = 0; attempt < MAX_ATTEMPTS && sealed !== undefined; attempt++) {
    if (box.isCurrent(sealed)) return "current";
    let plaintext: string;
    try {
      plaintext = await box.decrypt(sealed);
    } catch {
      return "unreadable";
    }
    const resealed = await box.encrypt(plaintext);
    const changed = await db.exec(sql`
      update ${from} set ${field} = ${resealed} where id = ${id} and ${field} = ${sealed}`);
    if (changed > 0) return "rotated";
    // Replaced or deleted since it was read: look again at what is there now.
    const rows = await db.query<{ secret: string }>(
      sql`select ${field} as secret from ${from} where id = ${id}`,
    );
    sealed = rows[0]?.secret;
  }
  // Deleted: nothing left to rotate. Replaced at every attempt: a re-run handles what remains.
  if (sealed === undefined) return null;
  return box.isCurrent(sealed) ? "current" : "busy";
}
