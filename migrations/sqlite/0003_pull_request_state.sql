-- Per-pull-request state that commands change: `@loom pause` / `@loom resume`, and `@loom ignore` fingerprints.

CREATE TABLE pull_request_states (
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  pr_number INTEGER NOT NULL,
  paused INTEGER NOT NULL DEFAULT 0,
  paused_by TEXT,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (repo_id, pr_number)
);

CREATE TABLE ignored_findings (
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  pr_number INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  ignored_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (repo_id, pr_number, fingerprint)
);
