-- Honest outcomes and append-only history (`lib/db/reviews.ts`):
-- - `partial`: some configured steps failed (the summary names them); `failed` also covers a job that failed
--   before its review started (missing credential, bad config, platform 404/403, exhausted retries);
-- - every run (automatic, re-run, `@loom review`) is its own row, so one head may have several: the unique key
--   on (repo_id, pr_number, head_sha) goes; a retried attempt of one job keeps its row (found by `job_id`);
-- - `action` is what started the run (the webhook action, or `manual`); `next_step` says in plain words what to
--   do about a failure;
-- - a retried attempt's steps stay (`review_steps.attempt`), so the spend of an attempt that failed on a
--   transient error is never lost; the review page shows the steps of the last attempt (`reviews.attempts`).
ALTER TABLE reviews DROP CONSTRAINT reviews_repo_id_pr_number_head_sha_key;
ALTER TABLE reviews DROP CONSTRAINT reviews_status_check;
ALTER TABLE reviews ADD CONSTRAINT reviews_status_check
  CHECK (status IN ('running', 'completed', 'partial', 'failed', 'skipped', 'cancelled'));
ALTER TABLE reviews ADD COLUMN action TEXT;
ALTER TABLE reviews ADD COLUMN next_step TEXT;
ALTER TABLE reviews ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1;
ALTER TABLE review_steps ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
CREATE INDEX reviews_pull_request_head ON reviews (repo_id, pr_number, head_sha);
CREATE INDEX reviews_job_id ON reviews (job_id);
