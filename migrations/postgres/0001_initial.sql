-- Loom's first schema. Timestamps are epoch milliseconds (BIGINT) in both dialects.

CREATE TABLE users (
  id BIGSERIAL PRIMARY KEY,
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL DEFAULT '',
  password_hash TEXT,
  created_at BIGINT NOT NULL
);

CREATE TABLE organizations (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  slug TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  created_at BIGINT NOT NULL,
  PRIMARY KEY (user_id, organization_id)
);

CREATE TABLE invitations (
  id BIGSERIAL PRIMARY KEY,
  organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  email TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin', 'member')),
  token_hash TEXT NOT NULL UNIQUE,
  expires_at BIGINT NOT NULL,
  accepted_at BIGINT,
  created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE repos (
  id BIGSERIAL PRIMARY KEY,
  organization_id BIGINT REFERENCES organizations(id) ON DELETE CASCADE,
  platform TEXT NOT NULL,
  full_name TEXT NOT NULL,
  webhook_secret TEXT NOT NULL,
  installation_id BIGINT,
  paused BOOLEAN NOT NULL DEFAULT FALSE,
  created_at BIGINT NOT NULL,
  UNIQUE (platform, full_name)
);

CREATE TABLE jobs (
  id BIGSERIAL PRIMARY KEY,
  type TEXT NOT NULL,
  payload TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'in_progress', 'completed', 'failed', 'cancelled')),
  priority INTEGER NOT NULL DEFAULT 0,
  run_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL DEFAULT 5,
  locked_by TEXT,
  locked_until BIGINT,
  dedupe_key TEXT,
  group_key TEXT,
  error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE UNIQUE INDEX jobs_live_dedupe_key ON jobs (dedupe_key) WHERE status IN ('pending', 'in_progress');
CREATE INDEX jobs_claimable ON jobs (status, run_at);
CREATE INDEX jobs_group_key ON jobs (group_key) WHERE group_key IS NOT NULL;

CREATE TABLE webhook_deliveries (
  platform TEXT NOT NULL,
  delivery_id TEXT NOT NULL,
  repo_id BIGINT REFERENCES repos(id) ON DELETE CASCADE,
  event TEXT NOT NULL,
  outcome TEXT NOT NULL,
  job_id BIGINT,
  received_at BIGINT NOT NULL,
  PRIMARY KEY (platform, delivery_id)
);
CREATE INDEX webhook_deliveries_received_at ON webhook_deliveries (received_at);

CREATE TABLE reviews (
  id BIGSERIAL PRIMARY KEY,
  repo_id BIGINT NOT NULL REFERENCES repos(id) ON DELETE CASCADE,
  pr_number INTEGER NOT NULL,
  head_sha TEXT NOT NULL,
  base_sha TEXT,
  title TEXT NOT NULL DEFAULT '',
  author TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'failed', 'skipped', 'cancelled')),
  verdict TEXT,
  summary TEXT,
  findings_count INTEGER NOT NULL DEFAULT 0,
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
  job_id BIGINT,
  error TEXT,
  started_at BIGINT NOT NULL,
  finished_at BIGINT,
  UNIQUE (repo_id, pr_number, head_sha)
);
CREATE INDEX reviews_repo_started ON reviews (repo_id, started_at);

CREATE TABLE review_steps (
  id BIGSERIAL PRIMARY KEY,
  review_id BIGINT NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  provider TEXT,
  model TEXT,
  status TEXT NOT NULL CHECK (status IN ('completed', 'failed', 'skipped')),
  input_tokens INTEGER NOT NULL DEFAULT 0,
  output_tokens INTEGER NOT NULL DEFAULT 0,
  cost_usd DOUBLE PRECISION NOT NULL DEFAULT 0,
  cached BOOLEAN NOT NULL DEFAULT FALSE,
  duration_ms INTEGER NOT NULL DEFAULT 0,
  error TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX review_steps_review_id ON review_steps (review_id);

-- Findings of a review ("comments" in the dashboard): where each went and the fingerprint that dedupes it.
CREATE TABLE comments (
  id BIGSERIAL PRIMARY KEY,
  review_id BIGINT NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
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
  created_at BIGINT NOT NULL
);
CREATE INDEX comments_review_id ON comments (review_id);

CREATE TABLE prompts (
  id BIGSERIAL PRIMARY KEY,
  organization_id BIGINT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
  created_at BIGINT NOT NULL,
  UNIQUE (organization_id, name, version)
);

-- Tokens and API keys, AES-GCM encrypted with a key derived from LOOM_SECRET_KEY; `hint` keeps the last 4 characters.
CREATE TABLE credentials (
  id BIGSERIAL PRIMARY KEY,
  organization_id BIGINT REFERENCES organizations(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  ciphertext TEXT NOT NULL,
  hint TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  UNIQUE (organization_id, kind, name)
);

CREATE TABLE llm_cache (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
