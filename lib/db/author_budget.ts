/**
 * The per-author hourly budget on public repositories: each automatic review or command reply Loom spends for
 * an author is one `author_spends` row, and an author may have at most `limit` of them in any sliding hour per
 * scope (an organization, or a repository without one). Taking a slot counts and inserts in one transaction
 * that holds the author's lock, so workers spending for the same author at once are counted one after another:
 * a parallel burst gets exactly the slots left. A refused spend is not recorded, so refusals do not extend the
 * wait.
 */
import { type Db, sql } from "./mod.ts";

/** The window the budget counts over: one hour. */
export const BUDGET_WINDOW_MS = 3_600_000;

/** What an author spent: an automatic review, or a reply to a command. */
export type AuthorSpendKind = "review" | "command_reply";

/** Whose money a spend counts against: the repository's organization, else the repository alone. */
export function budgetScope(repo: { id: number; organizationId: number | null }): string {
  return repo.organizationId === null ? `repo:${repo.id}` : `org:${repo.organizationId}`;
}

/** First key of the PostgreSQL advisory locks that serialise one author's spends (the second is a hash). */
const BUDGET_LOCK_CLASS = 0x4c6f6f6d;

/**
 * Takes one slot of `author`'s budget in `scope` when fewer than `limit` were spent in the last hour.
 * @returns whether the slot was granted, and how many spends the hour holds (this one included when granted)
 */
export async function takeAuthorBudgetSlot(
  db: Db,
  input: { scope: string; author: string; kind: AuthorSpendKind; limit: number; now: number },
): Promise<{ granted: boolean; spent: number }> {
  const author = input.author.toLowerCase();
  const since = input.now - BUDGET_WINDOW_MS;
  return await db.transaction(async (tx) => {
    // One taker per author at a time: SQLite's transaction already holds the only writer; PostgreSQL waits on a
    // lock of this author's key until the other taker commits, so it counts that taker's row.
    if (tx.dialect === "postgres") {
      await tx.query(
        sql`select pg_advisory_xact_lock(${BUDGET_LOCK_CLASS}, hashtext(${`${input.scope}/${author}`}))`,
      );
    }
    // Spends older than the window never count again.
    await tx.exec(sql`
      delete from author_spends where scope = ${input.scope} and author = ${author} and spent_at <= ${since}`);
    const [row] = await tx.query<{ spent: unknown }>(sql`
      select count(*) as spent from author_spends where scope = ${input.scope} and author = ${author}`);
    const spent = Number(row!.spent);
    if (spent >= input.limit) return { granted: false, spent };
    await tx.exec(sql`
      insert into author_spends (scope, author, kind, spent_at)
      values (${input.scope}, ${author}, ${input.kind}, ${input.now})`);
    return { granted: true, spent: spent + 1 };
  });
}
