/** Invitations to an organization: a single-use token (only its hash is stored) that expires. */
import { type Db, sql } from "./mod.ts";
import { hashToken, randomToken } from "./sessions.ts";
import { addMembership } from "./organizations.ts";
import { normalizeEmail } from "./users.ts";

export interface Invitation {
  id: number;
  organizationId: number;
  email: string;
  role: "admin" | "member";
  expiresAt: number;
  acceptedAt: number | null;
  createdAt: number;
}

function toInvitation(row: Record<string, unknown>): Invitation {
  return {
    id: Number(row.id),
    organizationId: Number(row.organizationId),
    email: String(row.email),
    role: row.role as Invitation["role"],
    expiresAt: Number(row.expiresAt),
    acceptedAt: row.acceptedAt === null ? null : Number(row.acceptedAt),
    createdAt: Number(row.createdAt),
  };
}

/** Creates an invitation; the returned `token` belongs in the invitation link and is not stored. */
export async function createInvitation(
  db: Db,
  input: { organizationId: number; email: string; role: Invitation["role"]; ttlMs?: number },
  now: () => number = Date.now,
): Promise<{ token: string; invitation: Invitation }> {
  const token = randomToken();
  const at = now();
  const rows = await db.query(sql`
    insert into invitations (organization_id, email, role, token_hash, expires_at, created_at)
    values (${input.organizationId}, ${normalizeEmail(input.email)}, ${input.role}, ${await hashToken(
    token,
  )},
            ${at + (input.ttlMs ?? 7 * 24 * 3_600_000)}, ${at})
    returning *`);
  return { token, invitation: toInvitation(rows[0]!) };
}

/** A pending, unexpired invitation for `token`, with its organization's name. */
export async function findInvitation(
  db: Db,
  token: string,
  now: () => number = Date.now,
): Promise<(Invitation & { organizationName: string }) | null> {
  if (!/^[0-9a-f]{64}$/.test(token)) return null;
  const rows = await db.query(sql`
    select i.*, o.name as organization_name from invitations i join organizations o on o.id = i.organization_id
    where i.token_hash = ${await hashToken(token)} and i.accepted_at is null and i.expires_at > ${now()}`);
  return rows[0] ? { ...toInvitation(rows[0]), organizationName: String(rows[0].organizationName) } : null;
}

/**
 * Marks the invitation used and adds the membership, once: a second acceptance changes nothing. Only the invited
 * address may accept: a link forwarded to (or intercepted by) someone signed in with another address changes
 * nothing, whatever the caller checked before.
 */
export async function acceptInvitation(
  db: Db,
  invitation: Invitation,
  user: { id: number; email: string },
  now: () => number = Date.now,
): Promise<boolean> {
  return await db.transaction(async (tx) => {
    const changed = await tx.exec(sql`
      update invitations set accepted_at = ${now()}
      where id = ${invitation.id} and accepted_at is null and email = ${normalizeEmail(user.email)}`);
    if (changed === 0) return false;
    await addMembership(
      tx,
      { userId: user.id, organizationId: invitation.organizationId, role: invitation.role },
      now,
    );
    return true;
  });
}

/** Whether `email` is the address the invitation was sent to (case and surrounding spaces aside). */
export function isInvitedEmail(invitation: Pick<Invitation, "email">, email: string): boolean {
  return normalizeEmail(email) === invitation.email;
}

export async function listInvitations(
  db: Db,
  organizationId: number,
  now: () => number = Date.now,
): Promise<Invitation[]> {
  const rows = await db.query(sql`
    select * from invitations
    where organization_id = ${organizationId} and accepted_at is null and expires_at > ${now()}
    order by created_at desc`);
  return rows.map(toInvitation);
}

export async function revokeInvitation(db: Db, organizationId: number, id: number): Promise<boolean> {
  return (await db.exec(
    sql`delete from invitations where id = ${id} and organization_id = ${organizationId} and accepted_at is null`,
  )) > 0;
}
