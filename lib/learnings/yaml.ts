/**
 * Learnings as a YAML file, to keep them in a repository, review them or move them between Loom servers. Export
 * writes an organization's learnings (organization-wide and of its repositories); import reads such a file,
 * checks all of it first — every problem with its line and column, worded as configuration errors are — and only
 * then stores the learnings in one transaction, so a file with one mistake changes nothing. A learning already
 * present with the same scope, rule, paths and suppression is not stored twice.
 */
import { LineCounter, parseDocument, stringify } from "yaml";
import { z } from "zod";
import type { ConfigIssue } from "../config/errors.ts";
import { createLocate, formatKeyPath, locateIssues, toRawIssues } from "../config/parse.ts";
import type { RawIssue } from "../config/schema.ts";
import type { Db } from "../db/mod.ts";
import {
  type Learning,
  LEARNING_STATUSES,
  listOrgLearnings,
  type OrgLearning,
  updateLearning,
} from "../db/learnings.ts";
import { listRepos } from "../db/repos.ts";
import { normaliseTitle } from "../findings.ts";
import { MAX_PATH_GLOBS, MAX_RULE_CHARS, proposeLearning } from "./propose.ts";

/** Far above any real file (1,000 learnings of 1,000 characters); keeps a paste from making the server parse megabytes. */
export const MAX_LEARNINGS_FILE_CHARS = 2 * 1024 * 1024;

const PLATFORMS = ["github", "gitlab", "gitea", "bitbucket", "bitbucket_server", "azure_devops"] as const;

const Entry = z.object({
  rule: z.string().trim().min(1).max(MAX_RULE_CHARS),
  repository: z.string().trim().min(1).optional(),
  platform: z.enum(PLATFORMS).optional(),
  paths: z.array(z.string().trim().min(1).max(200)).max(MAX_PATH_GLOBS).default(() => []),
  suppress: z.object({
    title: z.string().trim().min(1),
    step: z.string().trim().min(1).optional(),
  }).strict().optional(),
  enabled: z.boolean().default(true),
  status: z.enum(LEARNING_STATUSES as [string, ...string[]]).default("active"),
  source: z.object({
    kind: z.string().optional(),
    url: z.url({ protocol: /^https?$/ }).optional(),
    pull_request: z.int().min(1).optional(),
    comment: z.union([z.string(), z.int()]).optional(),
  }).strict().optional(),
  created_by: z.string().optional(),
  created_at: z.string().optional(),
  updated_by: z.string().optional(),
  updated_at: z.string().optional(),
}).strict();

const LearningsFile = z.object({
  version: z.literal(1).default(1),
  learnings: z.array(Entry).max(1_000),
}).strict();

/** A learnings file that cannot be imported: every problem, with line and column where known. */
export class LearningsFileError extends Error {
  override name = "LearningsFileError";
  constructor(readonly issues: ConfigIssue[]) {
    super(
      `The learnings file has ${issues.length} problem${issues.length === 1 ? "" : "s"}:\n` +
        issues.map((issue) =>
          `${issue.line === undefined ? "" : `line ${issue.line}, column ${issue.column}: `}${
            issue.path ? `${issue.path}: ` : ""
          }${issue.message}`
        ).join("\n"),
    );
  }
}

function exportEntry(learning: OrgLearning): Record<string, unknown> {
  return {
    rule: learning.rule,
    ...(learning.repo ? { repository: learning.repo.fullName, platform: learning.repo.platform } : {}),
    ...(learning.pathGlobs.length > 0 ? { paths: learning.pathGlobs } : {}),
    ...(learning.suppress
      ? {
        suppress: {
          title: learning.suppress.title,
          ...(learning.suppress.step ? { step: learning.suppress.step } : {}),
        },
      }
      : {}),
    enabled: learning.enabled,
    status: learning.status,
    source: {
      kind: learning.source.kind,
      ...(learning.source.url ? { url: learning.source.url } : {}),
      ...(learning.source.prNumber !== null ? { pull_request: learning.source.prNumber } : {}),
      ...(learning.source.commentId !== null ? { comment: learning.source.commentId } : {}),
    },
    created_by: learning.createdBy,
    created_at: new Date(learning.createdAt).toISOString(),
    updated_by: learning.updatedBy,
    updated_at: new Date(learning.updatedAt).toISOString(),
  };
}

/** The organization's learnings as YAML (`repository` absent: organization-wide), oldest first. */
export async function exportLearnings(db: Db, orgId: number): Promise<string> {
  const learnings = (await listOrgLearnings(db, orgId)).reverse();
  return stringify({ version: 1, learnings: learnings.map(exportEntry) }, { lineWidth: 0 });
}

type ParsedEntry = z.infer<typeof Entry>;

/**
 * Parses and checks a learnings file without storing anything.
 * @throws LearningsFileError listing every YAML and schema problem with line and column
 */
export function parseLearningsFile(
  text: string,
): { entries: ParsedEntry[]; locate: ReturnType<typeof createLocate> } {
  if (text.length > MAX_LEARNINGS_FILE_CHARS) {
    throw new LearningsFileError([{
      path: "",
      message: `Must be at most ${MAX_LEARNINGS_FILE_CHARS} characters: current size is ${text.length}`,
    }]);
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw new LearningsFileError(document.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return { path: "", message: `Invalid YAML: ${error.message}`, line, column: col };
    }));
  }
  const locate = createLocate(document, lineCounter);
  let plain: unknown;
  try {
    plain = document.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new LearningsFileError([{ path: "", message: `Invalid YAML: ${(error as Error).message}` }]);
  }
  const result = LearningsFile.safeParse(plain ?? {}, { reportInput: true });
  if (!result.success) {
    const keyPaths = new Set<string>();
    const raw = result.error.issues.flatMap((issue) => {
      // Suggestions name configuration keys; a learnings file has its own few.
      const issues = toRawIssues(issue).map(({ path, message }) => ({ path, message }));
      if (issue.code === "unrecognized_keys") {
        for (const item of issues) keyPaths.add(formatKeyPath(item.path));
      }
      return issues;
    });
    throw new LearningsFileError(locateIssues(raw, locate, keyPaths));
  }
  return { entries: result.data.learnings, locate };
}

function sameLearning(
  existing: Learning,
  candidate: { repoId: number | null; rule: string; paths: string[]; title: string | null },
): boolean {
  return existing.repoId === candidate.repoId && existing.rule === candidate.rule &&
    JSON.stringify(existing.pathGlobs) === JSON.stringify(candidate.paths) &&
    (existing.suppress?.title ?? null) === candidate.title;
}

/**
 * Imports a learnings file into organization `orgId`: each entry's `repository` (with `platform` when two
 * repositories share the name) must be one of the organization's; without it the learning is organization-wide.
 * Entries keep their rule, paths, suppression, status and enabled flag; their source becomes `import` (the
 * original link kept) and `by` is credited.
 * @returns how many learnings were stored and how many were already present
 * @throws LearningsFileError for any problem in the file; then nothing is stored
 */
export async function importLearnings(
  db: Db,
  orgId: number,
  text: string,
  by: string,
  now: number = Date.now(),
): Promise<{ imported: number; unchanged: number }> {
  const { entries, locate } = parseLearningsFile(text);
  const repos = await listRepos(db, orgId);
  const raw: RawIssue[] = [];
  const resolved = entries.map((entry, index) => {
    if (entry.repository === undefined) return null;
    const matches = repos.filter((repo) =>
      repo.fullName.toLowerCase() === entry.repository!.toLowerCase() &&
      (entry.platform === undefined || repo.platform === entry.platform)
    );
    if (matches.length === 1) return matches[0]!.id;
    raw.push({
      path: ["learnings", index, "repository"],
      message: matches.length === 0
        ? `No repository ${JSON.stringify(entry.repository)}${
          entry.platform ? ` on ${entry.platform}` : ""
        } in this organization`
        : `Several repositories are called ${JSON.stringify(entry.repository)}: add "platform"`,
    });
    return null;
  });
  if (raw.length > 0) throw new LearningsFileError(locateIssues(raw, locate));
  return await db.transaction(async (tx) => {
    const existing = await listOrgLearnings(tx, orgId);
    let imported = 0;
    let unchanged = 0;
    for (const [index, entry] of entries.entries()) {
      const repoId = resolved[index] ?? null;
      const paths = [...new Set(entry.paths)];
      const title = entry.suppress ? normaliseTitle(entry.suppress.title) : null;
      if (existing.some((learning) => sameLearning(learning, { repoId, rule: entry.rule, paths, title }))) {
        unchanged++;
        continue;
      }
      const learning = await proposeLearning(tx, {
        orgId,
        repoId,
        rule: entry.rule,
        pathGlobs: paths,
        suppress: entry.suppress,
        source: { kind: "import", url: entry.source?.url, prNumber: entry.source?.pull_request },
        createdBy: by,
        status: entry.status as Learning["status"],
      }, now);
      if (!entry.enabled) {
        await updateLearning(tx, learning.id, { enabled: false }, by, now);
      }
      existing.push({ ...learning, repo: null });
      imported++;
    }
    return { imported, unchanged };
  });
}
