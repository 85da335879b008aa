-- Cancellation that holds: see PostgreSQL's 0009. A cancelled running job keeps its lease until its worker has
-- stopped it; claiming skips a pull request's jobs while another of its jobs holds a lease.
CREATE INDEX jobs_leased_group_key ON jobs (group_key) WHERE locked_until IS NOT NULL;

-- A provider's `Retry-After` for one API key (by its fingerprint, never the key), shared by every worker.
CREATE TABLE provider_backoffs (
  provider TEXT NOT NULL,
  key_fingerprint TEXT NOT NULL,
  not_before INTEGER NOT NULL,
  PRIMARY KEY (provider, key_fingerprint)
);
