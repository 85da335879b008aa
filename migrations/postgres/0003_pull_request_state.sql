-- Per-pull-request state that commands change: `@loom pause` / `@loom resume`, and `@loom ignore` fingerprints.

CREATE TABLE pull_request_states (
  repo_id BIGINT NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  pr_number INTEGER NOT NULL,
  paused BOOLEAN NOT NULL DEFAULT FALSE,
  paused_by TEXT,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (repo_id, pr_number)
);

CREATE TABLE ignored_findings (
  repo_id BIGINT NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  pr_number INTEGER NOT NULL,
  fingerprint TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  ignored_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (repo_id, pr_number, fingerprint)
);
