-- The code index of a repository at one commit (`lib/db/code_indexes.ts`, built by `lib/codebase/`), serialised, so
-- an incremental review or the next pull request updates it from the files that changed instead of downloading
-- the repository again. Keyed by repository, commit and the index's format version (an index written by an older
-- Loom is never read as a newer one). Bounded: the store keeps the most recently used few per repository.
-- * data: `serializeCodeIndex` text; bytes: its length in UTF-8, for the dashboard and pruning decisions.
-- * files: how many files the index holds; complete: 0 when the snapshot was cut at a size cap.
-- * used_at: the last time a review read or wrote it (the pruning order).
CREATE TABLE code_indexes (
  repo_id BIGINT NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  commit_sha TEXT NOT NULL,
  format INTEGER NOT NULL,
  data TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  files INTEGER NOT NULL,
  complete BOOLEAN NOT NULL DEFAULT TRUE,
  created_at BIGINT NOT NULL,
  used_at BIGINT NOT NULL,
  PRIMARY KEY (repo_id, commit_sha, format)
);
CREATE INDEX code_indexes_repo_used ON code_indexes (repo_id, used_at);

-- Where the context each step's model calls were given came from (a JSON array of {kind, source}, e.g.
-- {"kind": "caller", "source": "src/a.ts:10-24"}), shown on the dashboard's review page; null when none was given.
ALTER TABLE review_steps ADD COLUMN context TEXT;
