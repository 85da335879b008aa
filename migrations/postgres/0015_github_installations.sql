-- GitHub App installations are owned by one organization (`lib/db/github_installations.ts`):
-- - github_installations: one row per installation of the App on one GitHub instance (`host`), recorded from the
--   `installation` webhooks and from a claim; `organization_id` is set only by a claim an admin proved with GitHub
--   (docs/github-app.md) and is the only organization whose repositories the installation's webhooks reach;
--   `status` follows the installation: active, suspended, deleted;
-- - github_installation_repos: the repositories the installation may read, offered for connection in the owning
--   organization until connected;
-- - repos.paused_reason: why Loom itself paused a repository (its installation was suspended or deleted, or the
--   repository was removed from it), so unsuspending resumes only what the suspension paused; null when a person
--   paused it or it runs.
CREATE TABLE github_installations (
  id BIGSERIAL PRIMARY KEY,
  host TEXT NOT NULL,
  installation_id BIGINT NOT NULL,
  account_login TEXT NOT NULL,
  account_id BIGINT,
  account_type TEXT NOT NULL DEFAULT 'User',
  organization_id BIGINT REFERENCES organizations(id) ON DELETE SET NULL,
  claimed_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
  status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'deleted')),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (host, installation_id)
);
CREATE INDEX github_installations_organization ON github_installations (organization_id);

CREATE TABLE github_installation_repos (
  installation_ref BIGINT NOT NULL REFERENCES github_installations(id) ON DELETE CASCADE,
  platform_repo_id TEXT NOT NULL,
  full_name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (installation_ref, platform_repo_id)
);

ALTER TABLE repos ADD COLUMN paused_reason TEXT;
CREATE INDEX repos_installation ON repos (host, installation_id) WHERE installation_id IS NOT NULL;
