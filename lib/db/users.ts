/** Users, their linked OAuth identities, and failed login attempts (the data behind login rate limits). */
import { type Db, sql } from "./mod.ts";

export interface User {
  id: number;
  email: string;
  name: string;
  /** `null` for users who only sign in with OAuth. */
  passwordHash: string | null;
  createdAt: number;
}

function toUser(row: Record<string, unknown>): User {
  return {
    id: Number(row.id),
    email: String(row.email),
    name: String(row.name),
    passwordHash: row.passwordHash === null ? null : String(row.passwordHash),
    createdAt: Number(row.createdAt),
  };
}

/** Emails compare case-insensitively; they are stored lowercased so the unique index agrees. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function countUsers(db: Db): Promise<number> {
  const rows = await db.query<{ count: number }>(sql`select count(*) as count from users`);
  return Number(rows[0]?.count ?? 0);
}

export async function createUser(
  db: Db,
  input: { email: string; name: string; passwordHash?: string | null },
  now: () => number = Date.now,
): Promise<User> {
  const rows = await db.query(sql`
    insert into users (email, name, password_hash, created_at)
    values (${normalizeEmail(input.email)}, ${input.name.trim()}, ${input.passwordHash ?? null}, ${now()})
    returning *`);
  return toUser(rows[0]!);
}

export async function getUser(db: Db, id: number): Promise<User | null> {
  const rows = await db.query(sql`select * from users where id = ${id}`);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function findUserByEmail(db: Db, email: string): Promise<User | null> {
  const rows = await db.query(sql`select * from users where email = ${normalizeEmail(email)}`);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function updateUserName(db: Db, id: number, name: string): Promise<void> {
  await db.exec(sql`update users set name = ${name.trim()} where id = ${id}`);
}

export async function setPasswordHash(db: Db, id: number, passwordHash: string): Promise<void> {
  await db.exec(sql`update users set password_hash = ${passwordHash} where id = ${id}`);
}

/** Replaces the hash only if it is still `from`, so a re-hash never undoes a password changed meanwhile. */
export async function replacePasswordHash(
  db: Db,
  id: number,
  hashes: { from: string; to: string },
): Promise<void> {
  await db.exec(
    sql`update users set password_hash = ${hashes.to} where id = ${id} and password_hash = ${hashes.from}`,
  );
}

export async function findUserByIdentity(
  db: Db,
  provider: string,
  providerUserId: string,
): Promise<User | null> {
  const rows = await db.query(sql`
    select u.* from users u join user_identities i on i.user_id = u.id
    where i.provider = ${provider} and i.provider_user_id = ${providerUserId}`);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function linkIdentity(
  db: Db,
  input: { userId: number; provider: string; providerUserId: string },
  now: () => number = Date.now,
): Promise<void> {
  await db.exec(sql`
    insert into user_identities (provider, provider_user_id, user_id, created_at)
    values (${input.provider}, ${input.providerUserId}, ${input.userId}, ${now()})
    on conflict (provider, provider_user_id) do nothing`);
}

export async function listIdentities(
  db: Db,
  userId: number,
): Promise<{ provider: string; createdAt: number }[]> {
  const rows = await db.query(
    sql`select provider, created_at from user_identities where user_id = ${userId} order by provider`,
  );
  return rows.map((row) => ({ provider: String(row.provider), createdAt: Number(row.createdAt) }));
}
