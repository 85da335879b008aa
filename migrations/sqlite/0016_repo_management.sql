-- Managing a repository from the dashboard (`lib/db/repos.ts`, `lib/db/deliveries.ts`):
-- * disconnected_at: a disconnected repository keeps its row and history; its webhooks are refused with 410.
-- * previous_webhook_secret / previous_secret_expires_at: after the secret is regenerated the old one is still
--   accepted until the expiry (24 h), so deliveries signed before the platform was updated are not lost.
-- * delivery_log: deliveries of a known repository that left no row in webhook_deliveries (refused: bad
--   signature, disconnected, malformed…; repeats of a delivery id), at most 200 per repository.
ALTER TABLE repos ADD COLUMN disconnected_at INTEGER;
ALTER TABLE repos ADD COLUMN previous_webhook_secret TEXT;
ALTER TABLE repos ADD COLUMN previous_secret_expires_at INTEGER;

CREATE TABLE delivery_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  repo_id INTEGER NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  delivery_id TEXT,
  event TEXT NOT NULL,
  outcome TEXT NOT NULL,
  reason TEXT NOT NULL,
  received_at INTEGER NOT NULL
);
CREATE INDEX delivery_log_repo ON delivery_log (repo_id, id);
CREATE INDEX delivery_log_received_at ON delivery_log (received_at);
CREATE INDEX webhook_deliveries_repo ON webhook_deliveries (repo_id, received_at);
