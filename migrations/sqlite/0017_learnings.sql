-- Learnings (`lib/db/learnings.ts`, `lib/learnings/`): durable rules a team taught Loom, from `@loom ignore … because
-- …`, a conceded dispute or a 👎 reaction. Scope: a repository (repo_id set), or every repository of an organization
-- (repo_id null, organization_id set); a repository without an organization has only repository learnings.
-- * rule: the sentence later reviews' prompts get for files matching path_globs (a JSON array; empty = every file).
-- * suppress_title / suppress_step: a finding whose normalised title equals suppress_title (and whose step is
--   suppress_step, when set) on a path matching path_globs is not posted; null suppress_title = guidance only.
-- * status: 'active' is used; 'proposed' waits for approval on the dashboard (a reaction is weak evidence);
--   'dismissed' is a refused proposal, kept so the same reaction does not propose it again.
-- * source_key: kind, repository and comment id of the source, unique, so a retried command or a reaction read
--   at every review start proposes one learning.
CREATE TABLE learnings (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  organization_id INTEGER REFERENCES organizations(id) ON DELETE CASCADE,
  repo_id INTEGER REFERENCES repos(id) ON DELETE CASCADE,
  rule TEXT NOT NULL,
  path_globs TEXT NOT NULL DEFAULT '[]',
  suppress_title TEXT,
  suppress_step TEXT,
  source_kind TEXT NOT NULL CHECK (source_kind IN ('ignore', 'concede', 'reaction', 'dashboard', 'import')),
  source_url TEXT,
  source_comment_id TEXT,
  source_pr_number INTEGER,
  source_key TEXT UNIQUE,
  enabled INTEGER NOT NULL DEFAULT 1,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'proposed', 'dismissed')),
  created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  CHECK (repo_id IS NOT NULL OR organization_id IS NOT NULL)
);
CREATE INDEX learnings_repo ON learnings (repo_id, id);
CREATE INDEX learnings_organization ON learnings (organization_id, id);
