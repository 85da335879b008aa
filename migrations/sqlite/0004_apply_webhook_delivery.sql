-- Superseding looks up the live jobs of one pull request: an index of live jobs only answers it directly and
-- stays small (the same index as PostgreSQL's 0004).
DROP INDEX jobs_group_key;
CREATE INDEX jobs_live_group_key ON jobs (group_key) WHERE status IN ('pending', 'in_progress');

-- PostgreSQL's 0004 also adds `apply_webhook_delivery`, a function that applies a webhook delivery in one
-- statement to save network round trips. SQLite runs in-process and has no stored functions:
-- `lib/queue/webhook_delivery.ts` runs the same steps there in one `BEGIN IMMEDIATE` transaction.
