/**
 * The names of the platforms Loom can talk to: a ground-floor word, because the tables that store a repository
 * or a webhook delivery (`lib/db/`) name their platform as much as the adapters (`lib/platforms/`) do.
 */

/** Every platform Loom can talk to. */
export type PlatformId = "github" | "gitlab" | "gitea" | "bitbucket" | "bitbucket_server" | "azure_devops";

/**
 * The host of each platform's hosted service, the instance a repository is on when nothing says otherwise
 * (`lib/db/repos.ts`). Gitea has no single hosted service; `gitea.com` is its public instance.
 */
export const PUBLIC_PLATFORM_HOSTS: Readonly<Record<PlatformId, string>> = {
  github: "github.com",
  gitlab: "gitlab.com",
  gitea: "gitea.com",
  bitbucket: "bitbucket.org",
  azure_devops: "dev.azure.com",
  // Data Center has no hosted service: a repository is stored under the configured instance's host
  // (`LOOM_BITBUCKET_SERVER_URL`); this reserved name only fills the record when none is given.
  bitbucket_server: "bitbucket-server.invalid",
};
