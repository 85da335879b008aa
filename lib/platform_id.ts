/**
 * The names of the platforms Loom can talk to: a ground-floor word, because the tables that store a repository
 * or a webhook delivery (`lib/db/`) name their platform as much as the adapters (`lib/platforms/`) do.
 */

/** Every platform Loom can talk to. */
export type PlatformId = "github" | "gitlab" | "gitea" | "bitbucket" | "bitbucket_server" | "azure_devops";
