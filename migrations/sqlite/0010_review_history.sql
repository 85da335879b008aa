-- Honest outcomes and append-only history (`lib/db/reviews.ts`):
-- - `partial`: some configured steps failed (the summary names them); `failed` also covers a job that failed
--   before its review started (missing credential, bad config, platform 404/403, exhausted retries);
-- - every run (automatic, re-run, `@loom review`) is its own row, so one head may have several: the unique key
--   on (repo_id, pr_number, head_sha) goes; a retried attempt of one job keeps its row (found by `job_id`);
-- - `action` is what started the run (the webhook action, or `manual`); `next_step` says in plain words what to
--   do about a failure;
-- - a retried attempt's steps stay (`review_steps.attempt`), so the spend of an attempt that failed on a
--   transient error is never lost; the review page shows the steps of the last attempt (`reviews.attempts`).
-- SQLite cannot drop a constraint, so `reviews` is rebuilt, and with it the tables that reference it: dropping a
-- parent with foreign keys on deletes its children's rows, so the children move to the new parent first.
CREATE TABLE reviews_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  pr_number INTEGER NOT NULL,
  head_sha TEXT NOT NULL,
  base_sha TEXT,
  title TEXT NOT NULL DEFAULT '',
  author TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'partial', 'failed', 'skipped', 'cancelled')),
  verdict TEXT,
  summary TEXT,
  findings_count INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  job_id INTEGER,
  error TEXT,
  started_at INTEGER NOT NULL,
  finished_at INTEGER,
  cached_input_tokens INTEGER NOT NULL DEFAULT 0,
  action TEXT,
  next_step TEXT,
  attempts INTEGER NOT NULL DEFAULT 1
);
INSERT INTO reviews_new (id, repo_id, pr_number, head_sha, base_sha, title, author, status, verdict, summary,
  findings_count, input_tokens, output_tokens, cost_usd, job_id, error, started_at, finished_at,
  cached_input_tokens)
SELECT id, repo_id, pr_number, head_sha, base_sha, title, author, status, verdict, summary, findings_count,
  input_tokens, output_tokens, cost_usd, job_id, error, started_at, finished_at, cached_input_tokens
FROM reviews;

CREATE TABLE review_steps_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  review_id INTEGER NOT NULL REFERENCES reviews_new(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  provider TEXT,
  model TEXT,
  status TEXT NOT NULL CHECK (status IN ('completed', 'failed', 'skipped')),
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd REAL NOT NULL DEFAULT 0,
  cached INTEGER NOT NULL DEFAULT 0,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  created_at INTEGER NOT NULL,
  cached_input_tokens INTEGER NOT NULL DEFAULT 0,
  cache_write_tokens INTEGER NOT NULL DEFAULT 0,
  attempt INTEGER NOT NULL DEFAULT 1
);
INSERT INTO review_steps_new (id, review_id, name, provider, model, status, input_tokens, output_tokens, cost_usd,
  cached, duration_ms, error, created_at, cached_input_tokens, cache_write_tokens)
SELECT id, review_id, name, provider, model, status, input_tokens, output_tokens, cost_usd, cached, duration_ms,
  error, created_at, cached_input_tokens, cache_write_tokens
FROM review_steps;

CREATE TABLE comments_new (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  review_id INTEGER NOT NULL REFERENCES reviews_new(id) ON DELETE CASCADE,
  step TEXT NOT NULL,
  path TEXT NOT NULL,
  line INTEGER NOT NULL,
  end_line INTEGER,
  side TEXT NOT NULL CHECK (side IN ('LEFT', 'RIGHT')),
  severity TEXT NOT NULL CHECK (severity IN ('blocker', 'warning', 'info')),
  title TEXT NOT NULL,
  body TEXT NOT NULL,
  suggestion TEXT,
  fingerprint TEXT NOT NULL,
  placement TEXT NOT NULL CHECK (placement IN ('inline', 'summary', 'duplicate')),
  created_at INTEGER NOT NULL
);
INSERT INTO comments_new SELECT * FROM comments;

CREATE TABLE review_step_progress_new (
  review_id INTEGER NOT NULL REFERENCES reviews_new(id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  started_at INTEGER,
  PRIMARY KEY (review_id, name)
);
INSERT INTO review_step_progress_new (review_id, position, name, started_at)
SELECT review_id, position, name, started_at FROM review_step_progress;

DROP TABLE review_step_progress;
DROP TABLE comments;
DROP TABLE review_steps;
DROP TABLE reviews;
-- Renaming the parent rewrites its children's references to the final name.
ALTER TABLE reviews_new RENAME TO reviews;
ALTER TABLE review_steps_new RENAME TO review_steps;
ALTER TABLE comments_new RENAME TO comments;
ALTER TABLE review_step_progress_new RENAME TO review_step_progress;
CREATE INDEX reviews_repo_started ON reviews (repo_id, started_at);
CREATE INDEX reviews_pull_request_head ON reviews (repo_id, pr_number, head_sha);
CREATE INDEX reviews_job_id ON reviews (job_id);
CREATE INDEX review_steps_review_id ON review_steps (review_id);
CREATE INDEX comments_review_id ON comments (review_id);
