/** Invitations to an organization: a single-use token (only its hash is stored) that expires. */
import { type Db, sql } from "./mod.ts";
import { hashToken, randomToken } from "./sessions.ts";
import { addMembership } from "./organizations.ts";

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
    values (${input.organizationId}, ${input.email.trim().toLowerCase()}, ${input.role}, ${await hashToken(
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

/** Marks the invitation used and adds the membership, once: a second acceptance changes nothing. */
export async function acceptInvitation(
  db: Db,
  invitation: Invitation,
  userId: number,
  now: () => number = Date.now,
): Promise<boolean> {
  return await db.transaction(async (tx) => {
    const changed = await tx.exec(
      sql`update invitations set accepted_at = ${now()} where id = ${invitation.id} and accepted_at is null`,
    );
    if (changed === 0) return false;
    await addMembership(
      tx,
      { userId, organizationId: invitation.organizationId, role: invitation.role },
      now,
    );
    return true;
  });
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
