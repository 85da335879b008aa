/**
 * Dashboard sessions. The cookie carries a random token; the table keeps only its SHA-256, so a leaked database
 * holds no usable session. Each session has its own CSRF token.
 */
import { type Db, sql } from "./mod.ts";

export interface Session {
  /** SHA-256 of the cookie token (hex). */
  id: string;
  userId: number;
  csrfToken: string;
  expiresAt: number;
  createdAt: number;
}

function randomToken(bytes = 32): string {
  return Array.from(
    crypto.getRandomValues(new Uint8Array(bytes)),
    (byte) => byte.toString(16).padStart(2, "0"),
  )
    .join("");
}

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function toSession(row: Record<string, unknown>): Session {
  return {
    id: String(row.id),
    userId: Number(row.userId),
    csrfToken: String(row.csrfToken),
    expiresAt: Number(row.expiresAt),
    createdAt: Number(row.createdAt),
  };
}

/** Creates a session; the returned `token` goes into the cookie and is not stored. */
export async function createSession(
  db: Db,
  userId: number,
  options: { ttlMs: number; now?: () => number },
): Promise<{ token: string; session: Session }> {
  const now = (options.now ?? Date.now)();
  const token = randomToken();
  const rows = await db.query(sql`
    insert into sessions (id, user_id, csrf_token, expires_at, created_at)
    values (${await hashToken(token)}, ${userId}, ${randomToken()}, ${now + options.ttlMs}, ${now})
    returning *`);
  return { token, session: toSession(rows[0]!) };
}

/** The live session for a cookie token; expired sessions are deleted on sight. */
export async function findSession(
  db: Db,
  token: string,
  now: () => number = Date.now,
): Promise<Session | null> {
  if (!/^[0-9a-f]{64}$/.test(token)) return null;
  const id = await hashToken(token);
  const rows = await db.query(sql`select * from sessions where id = ${id}`);
  if (!rows[0]) return null;
  const session = toSession(rows[0]);
  if (session.expiresAt <= now()) {
    await db.exec(sql`delete from sessions where id = ${id}`);
    return null;
  }
  return session;
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.exec(sql`delete from sessions where id = ${id}`);
}

/** "Sign out everywhere": ends every session of the user. */
export async function deleteUserSessions(db: Db, userId: number): Promise<number> {
  return await db.exec(sql`delete from sessions where user_id = ${userId}`);
}

export async function countUserSessions(
  db: Db,
  userId: number,
  now: () => number = Date.now,
): Promise<number> {
  const rows = await db.query<{ count: number }>(
    sql`select count(*) as count from sessions where user_id = ${userId} and expires_at > ${now()}`,
  );
  return Number(rows[0]?.count ?? 0);
}

export { randomToken };
