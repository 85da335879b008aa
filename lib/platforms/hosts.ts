/**
 * Which platform instance a URL or the server's configuration points at, as the `host` that repositories and
 * credentials are stored under (`github.com`, `ghe.example.com`, `gitlab.com`, `gitlab.example.com:8443`).
 * One spelling everywhere: the web host, lower-case, with a port only when the URL has a non-default one, so a
 * repository connected through the API URL and a credential saved with the web URL meet.
 */
import type { ServerConfig } from "../config/env.ts";
import type { PlatformId } from "../platform_id.ts";
import { githubWebUrl } from "./github/web_url.ts";

/** The API hosts whose web host differs from them: the hosted services' API subdomains. */
const WEB_HOST_OF_API_HOST: Record<string, string> = {
  "api.github.com": "github.com",
  "api.bitbucket.org": "bitbucket.org",
};

/** The stored host of a URL (web or API) of `platform`'s instance. */
export function hostOfUrl(url: string): string {
  const host = new URL(url).host.toLowerCase();
  return WEB_HOST_OF_API_HOST[host] ?? host;
}

/**
 * The server's configured API URL for `platform`; `null` for Gitea and Bitbucket Data Center when their URL
 * (`LOOM_GITEA_URL`, `LOOM_BITBUCKET_SERVER_URL`) is unset.
 */
export function configuredApiUrl(platform: PlatformId, config: ServerConfig): string | null {
  switch (platform) {
    case "github":
      return config.githubApiUrl;
    case "gitlab":
      return config.gitlabUrl;
    case "gitea":
      return config.giteaUrl ?? null;
    case "bitbucket":
      return config.bitbucketUrl;
    case "bitbucket_server":
      return config.bitbucketServerUrl ?? null;
    case "azure_devops":
      return config.azureDevopsUrl;
  }
}

/** The host of the server's configured instance of `platform`; `null` when it has none (Gitea unset). */
export function configuredHost(platform: PlatformId, config: ServerConfig): string | null {
  if (platform === "github") return hostOfUrl(githubWebUrl(config.githubApiUrl));
  const url = configuredApiUrl(platform, config);
  return url === null ? null : hostOfUrl(url);
}

/** The configured host of every platform, as `backfillRepoHosts` takes it. */
export function configuredHosts(config: ServerConfig): Record<PlatformId, string | null> {
  return {
    github: configuredHost("github", config),
    gitlab: configuredHost("gitlab", config),
    gitea: configuredHost("gitea", config),
    bitbucket: configuredHost("bitbucket", config),
    bitbucket_server: configuredHost("bitbucket_server", config),
    azure_devops: configuredHost("azure_devops", config),
  };
}
