/**
 * The organization's credential a review uses, decrypted: a platform token for one platform instance or a model
 * key for one provider. When an organization saved several of one kind, the newest saved is used (Settings shows
 * which one each repository will use). A credential saved without a host is for the server's configured instance
 * of its platform, as rows made before hosts were stored are.
 */
import type { SecretBox } from "../crypto/secret_box.ts";
import type { CredentialKind } from "./credentials.ts";
import { type Db, sql } from "./mod.ts";

export interface UsableCredential {
  id: number;
  name: string;
  kind: CredentialKind;
  /** The platform instance it is for; `null` for a model key. */
  host: string | null;
  /** The API base URL of a self-hosted instance, when one was saved with it. */
  apiUrl: string | null;
}

interface Row {
  id: unknown;
  name: string;
  kind: string;
  host: string | null;
  apiUrl: string | null;
  ciphertext: string;
}

function toUsable(row: Row): UsableCredential & { ciphertext: string } {
  return {
    id: Number(row.id),
    name: String(row.name),
    kind: row.kind as CredentialKind,
    host: row.host,
    apiUrl: row.apiUrl,
    ciphertext: row.ciphertext,
  };
}

/**
 * The credential of `kind` the organization would use on `host` (omit it for a model key); `configuredHost` is
 * the server's configured instance of the platform, which a credential without a host stands for.
 */
export async function findUsableCredential(
  db: Db,
  organizationId: number,
  kind: CredentialKind,
  hosts?: { host: string; configuredHost: string | null },
): Promise<(UsableCredential & { ciphertext: string }) | null> {
  const rows = await db.query<Row>(sql`
    select id, name, kind, host, api_url, ciphertext from credentials
    where organization_id = ${organizationId} and kind = ${kind}
    order by created_at desc, id desc`);
  const wanted = hosts?.host.toLowerCase();
  const configured = hosts?.configuredHost?.toLowerCase() ?? null;
  const row = rows.find((candidate) => {
    if (wanted === undefined) return true;
    const host = candidate.host?.toLowerCase() ?? configured;
    return host === wanted;
  });
  return row ? toUsable(row) : null;
}

/** The decrypted value of a credential found by `findUsableCredential`. */
export function openCredential(secretBox: SecretBox, credential: { ciphertext: string }): Promise<string> {
  return secretBox.decrypt(credential.ciphertext);
}

/** One of the organization's credentials by id, with what `findUsableCredential` gives; `null` when not its. */
export async function findCredentialById(
  db: Db,
  organizationId: number,
  id: number,
): Promise<(UsableCredential & { ciphertext: string }) | null> {
  const rows = await db.query<Row>(sql`
    select id, name, kind, host, api_url, ciphertext from credentials
    where organization_id = ${organizationId} and id = ${id}`);
  const row = rows[0];
  return row ? toUsable(row) : null;
}
