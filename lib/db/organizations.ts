/** Organizations and memberships. Every dashboard query is scoped by an organization the user belongs to. */
import { type Db, sql } from "./mod.ts";

export type Role = "owner" | "admin" | "member";

export interface Organization {
  id: number;
  name: string;
  slug: string;
  createdAt: number;
}

export interface Membership {
  organization: Organization;
  role: Role;
}

export interface Member {
  userId: number;
  email: string;
  name: string;
  role: Role;
  createdAt: number;
}

function toOrganization(row: Record<string, unknown>): Organization {
  return {
    id: Number(row.id),
    name: String(row.name),
    slug: String(row.slug),
    createdAt: Number(row.createdAt),
  };
}

/** `Acme Inc.` → `acme-inc`; empty names become `org`. */
function slugify(name: string): string {
  return name.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(
    0,
    48,
  ) ||
    "org";
}

/** Creates an organization with a unique slug (`acme`, `acme-2`, …). */
export async function createOrganization(
  db: Db,
  input: { name: string },
  now: () => number = Date.now,
): Promise<Organization> {
  const base = slugify(input.name);
  const taken = new Set(
    (await db.query<{ slug: string }>(
      sql`select slug from organizations where slug = ${base} or slug like ${base + "-%"}`,
    )).map((row) => row.slug),
  );
  let slug = base;
  for (let suffix = 2; taken.has(slug); suffix++) slug = `${base}-${suffix}`;
  const rows = await db.query(sql`
    insert into organizations (name, slug, created_at) values (${input.name.trim()}, ${slug}, ${now()})
    returning *`);
  return toOrganization(rows[0]!);
}

export async function renameOrganization(db: Db, id: number, name: string): Promise<void> {
  await db.exec(sql`update organizations set name = ${name.trim()} where id = ${id}`);
}

export async function addMembership(
  db: Db,
  input: { userId: number; organizationId: number; role: Role },
  now: () => number = Date.now,
): Promise<void> {
  await db.exec(sql`
    insert into memberships (user_id, organization_id, role, created_at)
    values (${input.userId}, ${input.organizationId}, ${input.role}, ${now()})
    on conflict (user_id, organization_id) do nothing`);
}

/** The user's organizations, oldest membership first (the default organization is the first). */
export async function listMemberships(db: Db, userId: number): Promise<Membership[]> {
  const rows = await db.query(sql`
    select o.*, m.role from memberships m join organizations o on o.id = m.organization_id
    where m.user_id = ${userId} order by m.created_at, o.id`);
  return rows.map((row) => ({ organization: toOrganization(row), role: row.role as Role }));
}

export async function listMembers(db: Db, organizationId: number): Promise<Member[]> {
  const rows = await db.query(sql`
    select u.id as user_id, u.email, u.name, m.role, m.created_at
    from memberships m join users u on u.id = m.user_id
    where m.organization_id = ${organizationId} order by m.created_at, u.id`);
  return rows.map((row) => ({
    userId: Number(row.userId),
    email: String(row.email),
    name: String(row.name),
    role: row.role as Role,
    createdAt: Number(row.createdAt),
  }));
}

export async function setMemberRole(
  db: Db,
  organizationId: number,
  userId: number,
  role: Role,
): Promise<void> {
  await db.exec(
    sql`update memberships set role = ${role} where organization_id = ${organizationId} and user_id = ${userId}`,
  );
}

export async function removeMember(db: Db, organizationId: number, userId: number): Promise<void> {
  await db.exec(
    sql`delete from memberships where organization_id = ${organizationId} and user_id = ${userId}`,
  );
}

/** Repositories added from the command line belong to no organization until the first one adopts them. */
export async function adoptUnownedRepos(db: Db, organizationId: number): Promise<number> {
  return await db.exec(
    sql`update repos set organization_id = ${organizationId} where organization_id is null`,
  );
}
