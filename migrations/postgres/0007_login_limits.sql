-- Sign-in limits as one counter row per key, updated by a single upsert, so parallel attempts are counted
-- atomically (rows counted after the fact let a burst through before any of it was recorded).
DROP TABLE login_attempts;

CREATE TABLE login_limits (
  key TEXT PRIMARY KEY,
  attempts INTEGER NOT NULL,
  window_started_at BIGINT NOT NULL,
  blocked_until BIGINT NOT NULL DEFAULT 0,
  delay_ms BIGINT NOT NULL DEFAULT 0,
  holder TEXT,
  updated_at BIGINT NOT NULL
);
CREATE INDEX login_limits_updated_at ON login_limits (updated_at);
