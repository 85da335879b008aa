/**
 * The per-author hourly budget on public repositories: each automatic review or command reply Loom spends for
 * an author is one `author_spends` row, and an author may have at most `limit` of them in any sliding hour per
 * scope (an organization, or a repository without one). Taking a slot inserts first and counts every visible
 * row after, so of two workers spending for the same author at once the later count sees both: both may be
 * refused, never both granted past the limit. A refused slot is deleted again, so refusals do not extend the wait.
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
  // Spends older than the window never count again.
  await db.exec(sql`
    delete from author_spends where scope = ${input.scope} and author = ${author} and spent_at <= ${since}`);
  const [inserted] = await db.query<{ id: unknown }>(sql`
    insert into author_spends (scope, author, kind, spent_at)
    values (${input.scope}, ${author}, ${input.kind}, ${input.now})
    returning id`);
  const id = Number(inserted!.id);
  const [row] = await db.query<{ spent: unknown }>(sql`
    select count(*) as spent from author_spends
    where scope = ${input.scope} and author = ${author} and spent_at > ${since}`);
  const spent = Number(row!.spent);
  if (spent <= input.limit) return { granted: true, spent };
  await db.exec(sql`delete from author_spends where id = ${id}`);
  return { granted: false, spent: spent - 1 };
}
