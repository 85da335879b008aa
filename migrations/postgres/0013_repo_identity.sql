-- Repositories are known by the platform's stable id on one platform instance (`lib/db/repos.ts`):
-- - `host` is the platform instance (`github.com`, a GitHub Enterprise Server host, `gitlab.com`, a
--   self-managed GitLab); rows made before this migration have none and get the host of the server's configured
--   URL for their platform when a Loom process starts (`backfillRepoHosts`, called by `openRuntime`);
-- - `platform_repo_id` is the platform's id of the repository, which a rename keeps; empty for a row connected
--   before this migration until the platform or a verified webhook tells it, then filled;
-- - one platform repository is connected once: two rows, of one organization or two, cannot claim it.
-- Credentials name the platform instance they are for in `host` (null: the server's configured host, filled at
-- start like the repositories') and, for a self-hosted instance, its API base URL in `api_url`.
ALTER TABLE repos ADD COLUMN host TEXT;
ALTER TABLE repos ADD COLUMN platform_repo_id TEXT;
CREATE UNIQUE INDEX repos_platform_repo_id ON repos (platform, host, platform_repo_id)
  WHERE platform_repo_id IS NOT NULL;
ALTER TABLE credentials ADD COLUMN host TEXT;
ALTER TABLE credentials ADD COLUMN api_url TEXT;
CREATE INDEX credentials_organization_kind_host ON credentials (organization_id, kind, host);
