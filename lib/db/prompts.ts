/**
 * The prompt library: named prompts per organization, each save a new immutable version. Repository configs use
 * the latest version as `prompt: library:<name>`.
 */
import { type Db, sql } from "./mod.ts";

export interface PromptVersion {
  id: number;
  organizationId: number;
  name: string;
  version: number;
  body: string;
  createdBy: number | null;
  createdByName?: string | null;
  createdAt: number;
}

export interface PromptSummary extends PromptVersion {
  versions: number;
}

/** Names usable after `library:`: the same shape the config loader accepts for step names. */
export const PROMPT_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

function toPrompt(row: Record<string, unknown>): PromptVersion {
  return {
    id: Number(row.id),
    organizationId: Number(row.organizationId),
    name: String(row.name),
    version: Number(row.version),
    body: String(row.body),
    createdBy: row.createdBy === null || row.createdBy === undefined ? null : Number(row.createdBy),
    createdByName: row.createdByName === undefined ? undefined : (row.createdByName as string | null),
    createdAt: Number(row.createdAt),
  };
}

/** Saves `body` as the next version of `name` (version 1 for a new prompt). */
export async function savePrompt(
  db: Db,
  input: { organizationId: number; name: string; body: string; createdBy: number | null },
  now: () => number = Date.now,
): Promise<PromptVersion> {
  if (!PROMPT_NAME.test(input.name)) {
    throw new RangeError(
      `Cannot save prompt "${input.name}": use lowercase letters, digits, "-" and "_" (at most 64)`,
    );
  }
  return await db.transaction(async (tx) => {
    const latest = await tx.query<{ version: number }>(sql`
      select max(version) as version from prompts
      where organization_id = ${input.organizationId} and name = ${input.name}`);
    const version = Number(latest[0]?.version ?? 0) + 1;
    const rows = await tx.query(sql`
      insert into prompts (organization_id, name, version, body, created_by, created_at)
      values (${input.organizationId}, ${input.name}, ${version}, ${input.body}, ${input.createdBy}, ${now()})
      returning *`);
    return toPrompt(rows[0]!);
  });
}

/** The organization's newest version of `name`, or `null`: what `library:<name>` resolves to. */
export async function latestPrompt(
  db: Db,
  organizationId: number,
  name: string,
): Promise<PromptVersion | null> {
  const rows = await db.query(sql`
    select * from prompts where organization_id = ${organizationId} and name = ${name}
    order by version desc limit 1`);
  return rows[0] ? toPrompt(rows[0]) : null;
}

/** Every prompt's latest version with its version count, by name. */
export async function listPrompts(db: Db, organizationId: number): Promise<PromptSummary[]> {
  const rows = await db.query(sql`
    select p.*, c.versions from prompts p
    join (select name, max(version) as latest, count(*) as versions from prompts
          where organization_id = ${organizationId} group by name) c
      on c.name = p.name and c.latest = p.version
    where p.organization_id = ${organizationId}
    order by p.name`);
  return rows.map((row) => ({ ...toPrompt(row), versions: Number(row.versions) }));
}

export async function listPromptVersions(
  db: Db,
  organizationId: number,
  name: string,
): Promise<PromptVersion[]> {
  const rows = await db.query(sql`
    select p.*, u.name as created_by_name from prompts p left join users u on u.id = p.created_by
    where p.organization_id = ${organizationId} and p.name = ${name} order by p.version desc`);
  return rows.map(toPrompt);
}

/**
 * Fills in the prompt of every step whose config says `library:<name>` with the organization's latest version.
 * Returns a copy, because loaded configs are cached and shared between reviews; a missing prompt stays missing,
 * and the engine reports the step as "not available". Repositories without an organization have no library.
 */
export async function withLibraryPrompts<
  T extends { prompts: Map<string, string>; promptRefs: Map<string, string> },
>(
  db: Db,
  organizationId: number | null,
  loaded: T,
): Promise<T> {
  const wanted = [...loaded.promptRefs].filter(([step, ref]) =>
    ref.startsWith("library:") && !loaded.prompts.has(step)
  );
  if (wanted.length === 0 || organizationId === null) return loaded;
  const prompts = new Map(loaded.prompts);
  for (const [step, ref] of wanted) {
    const prompt = await latestPrompt(db, organizationId, ref.slice("library:".length));
    if (prompt) prompts.set(step, prompt.body);
  }
  return { ...loaded, prompts };
}
