-- Accounts: OAuth identities linked to users, and failed login attempts for rate limiting (shared by every web
-- process, so a scaled-out deployment limits as one).

CREATE TABLE user_identities (
  provider TEXT NOT NULL,
  provider_user_id TEXT NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (provider, provider_user_id)
);
CREATE INDEX user_identities_user_id ON user_identities (user_id);

CREATE TABLE login_attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  key TEXT NOT NULL,
  attempted_at INTEGER NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts (key, attempted_at);

CREATE INDEX prompts_organization_name ON prompts (organization_id, name, version);
