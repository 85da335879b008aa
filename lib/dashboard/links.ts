/**
 * Links from the dashboard to the platform's own pages: the pull request, a file and line at the reviewed
 * commit, the commit. Built from the same base URLs the API clients use (`LOOM_GITHUB_API_URL`,
 * `LOOM_GITLAB_URL`…), so GitHub Enterprise and self-managed hosts link to themselves.
 */
import type { ServerConfig } from "../config/env.ts";
import { githubWebUrl } from "../platforms/github/web_url.ts";

export interface PlatformLinks {
  pullRequest: string;
  commit: string;
  /** The file at the reviewed commit, scrolled to `line` (through `endLine`). */
  file(path: string, line: number, endLine?: number): string;
}

type LinkBases = Pick<
  ServerConfig,
  "githubApiUrl" | "gitlabUrl" | "giteaUrl" | "bitbucketUrl" | "bitbucketServerUrl" | "azureDevopsUrl"
>;

const trim = (url: string) => url.replace(/\/+$/, "");
const encodePath = (path: string) => path.split("/").map(encodeURIComponent).join("/");

function bitbucketWeb(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === "api.bitbucket.org") return "https://bitbucket.org";
  return trim(`${url.origin}${url.pathname.replace(/\/(rest\/api\/)?2\.0\/?$/, "")}`);
}

/** A Data Center repository's web address: `PROJECT/slug` under `projects/`, a personal `~user/slug` under `users/`. */
function bitbucketServerRepoWeb(rootUrl: string, repo: string): string {
  const root = trim(rootUrl).replace(/\/rest\/api\/(1\.0|latest)$/, "");
  const [project = "", slug = ""] = repo.split("/");
  const owner = project.startsWith("~")
    ? `users/${encodeURIComponent(project.slice(1))}`
    : `projects/${encodeURIComponent(project)}`;
  return `${root}/${owner}/repos/${encodeURIComponent(slug)}`;
}

/**
 * The links of one review, or null for a platform this server has no web address for (Gitea or Bitbucket Data
 * Center without a URL).
 */
export function platformLinks(
  config: LinkBases,
  review: { platform: string; repo: string; prNumber: number; headSha: string },
): PlatformLinks | null {
  const { repo, prNumber, headSha } = review;
  switch (review.platform) {
    case "github": {
      const base = `${githubWebUrl(config.githubApiUrl)}/${repo}`;
      return {
        pullRequest: `${base}/pull/${prNumber}`,
        commit: `${base}/commit/${headSha}`,
        file: (path, line, endLine) =>
          `${base}/blob/${headSha}/${encodePath(path)}#L${line}${
            endLine && endLine !== line ? `-L${endLine}` : ""
          }`,
      };
    }
    case "gitlab": {
      const base = `${trim(config.gitlabUrl)}/${repo}`;
      return {
        pullRequest: `${base}/-/merge_requests/${prNumber}`,
        commit: `${base}/-/commit/${headSha}`,
        file: (path, line, endLine) =>
          `${base}/-/blob/${headSha}/${encodePath(path)}#L${line}${
            endLine && endLine !== line ? `-${endLine}` : ""
          }`,
      };
    }
    case "gitea": {
      if (!config.giteaUrl) return null;
      const base = `${trim(config.giteaUrl)}/${repo}`;
      return {
        pullRequest: `${base}/pulls/${prNumber}`,
        commit: `${base}/commit/${headSha}`,
        file: (path, line, endLine) =>
          `${base}/src/commit/${headSha}/${encodePath(path)}#L${line}${
            endLine && endLine !== line ? `-L${endLine}` : ""
          }`,
      };
    }
    case "bitbucket": {
      const base = `${bitbucketWeb(config.bitbucketUrl)}/${repo}`;
      return {
        pullRequest: `${base}/pull-requests/${prNumber}`,
        commit: `${base}/commits/${headSha}`,
        file: (path, line, endLine) =>
          `${base}/src/${headSha}/${encodePath(path)}#lines-${line}${
            endLine && endLine !== line ? `:${endLine}` : ""
          }`,
      };
    }
    case "bitbucket_server": {
      if (!config.bitbucketServerUrl) return null;
      const base = bitbucketServerRepoWeb(config.bitbucketServerUrl, repo);
      return {
        pullRequest: `${base}/pull-requests/${prNumber}`,
        commit: `${base}/commits/${headSha}`,
        file: (path, line, endLine) =>
          `${base}/browse/${encodePath(path)}?at=${headSha}#${line}${
            endLine && endLine !== line ? `-${endLine}` : ""
          }`,
      };
    }
    case "azure_devops": {
      // Repositories are "project/repository"; the configured URL includes the organization.
      const [project, name] = repo.includes("/") ? repo.split("/") : ["", repo];
      const base = `${trim(config.azureDevopsUrl)}/${project ? `${encodeURIComponent(project)}/` : ""}_git/${
        encodeURIComponent(name!)
      }`;
      return {
        pullRequest: `${base}/pullrequest/${prNumber}`,
        commit: `${base}/commit/${headSha}`,
        file: (path, line, endLine) =>
          `${base}/commit/${headSha}?path=${encodeURIComponent("/" + path)}&line=${line}&lineEnd=${
            endLine ?? line
          }&lineStartColumn=1&lineEndColumn=1&_a=contents`,
      };
    }
    default:
      return null;
  }
}
