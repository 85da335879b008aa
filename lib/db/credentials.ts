/**
 * An organization's LLM keys and platform tokens, encrypted with the deployment's secret box. Listing returns
 * only a hint (the last four characters); the full value is read back only by the code that uses it.
 */
import type { SecretBox } from "../crypto/secret_box.ts";
import { type Db, sql } from "./mod.ts";

export const CREDENTIAL_KINDS = [
  "openai",
  "anthropic",
  "google",
  "github",
  "gitlab",
  "gitea",
  "bitbucket",
  "bitbucket_server",
  "azure_devops",
] as const;
export type CredentialKind = typeof CREDENTIAL_KINDS[number];

export interface CredentialInfo {
  id: number;
  organizationId: number;
  kind: CredentialKind;
  name: string;
  hint: string;
  createdAt: number;
}

function toInfo(row: Record<string, unknown>): CredentialInfo {
  return {
    id: Number(row.id),
    organizationId: Number(row.organizationId),
    kind: row.kind as CredentialKind,
    name: String(row.name),
    hint: String(row.hint),
    createdAt: Number(row.createdAt),
  };
}

/** Stores (or replaces) a credential; the plaintext never reaches the database. */
export async function saveCredential(
  db: Db,
  secretBox: SecretBox,
  input: { organizationId: number; kind: CredentialKind; name: string; value: string },
  now: () => number = Date.now,
): Promise<CredentialInfo> {
  const ciphertext = await secretBox.encrypt(input.value);
  const hint = input.value.length >= 12 ? input.value.slice(-4) : "";
  const rows = await db.query(sql`
    insert into credentials (organization_id, kind, name, ciphertext, hint, created_at)
    values (${input.organizationId}, ${input.kind}, ${input.name}, ${ciphertext}, ${hint}, ${now()})
    on conflict (organization_id, kind, name) do update set ciphertext = excluded.ciphertext,
      hint = excluded.hint, created_at = excluded.created_at
    returning id, organization_id, kind, name, hint, created_at`);
  return toInfo(rows[0]!);
}

export async function listCredentials(db: Db, organizationId: number): Promise<CredentialInfo[]> {
  const rows = await db.query(sql`
    select id, organization_id, kind, name, hint, created_at from credentials
    where organization_id = ${organizationId} order by kind, name`);
  return rows.map(toInfo);
}

export async function deleteCredential(db: Db, organizationId: number, id: number): Promise<boolean> {
  return (await db.exec(
    sql`delete from credentials where id = ${id} and organization_id = ${organizationId}`,
  )) > 0;
}

/** The decrypted value, for the code that calls the provider; `null` when there is none. */
export async function readCredential(
  db: Db,
  secretBox: SecretBox,
  organizationId: number,
  kind: CredentialKind,
  name: string,
): Promise<string | null> {
  const rows = await db.query<{ ciphertext: string }>(sql`
    select ciphertext from credentials
    where organization_id = ${organizationId} and kind = ${kind} and name = ${name}`);
  return rows[0] ? await secretBox.decrypt(rows[0].ciphertext) : null;
}

/** The kinds of credential stored for an organization, or for any organization when none is given. */
export async function storedCredentialKinds(db: Db, organizationId?: number): Promise<Set<CredentialKind>> {
  const rows = organizationId === undefined
    ? await db.query<{ kind: string }>(sql`select distinct kind from credentials`)
    : await db.query<{ kind: string }>(
      sql`select distinct kind from credentials where organization_id = ${organizationId}`,
    );
  return new Set(rows.map((row) => row.kind as CredentialKind));
}
