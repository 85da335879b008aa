/**
 * Reads Jira issues named by key (`PAY-12`) for ticket context, from Jira Cloud (account email + API token, basic
 * auth) or Jira Data Center (a personal access token, bearer auth), through REST API v2, whose `description` is
 * the issue's text on both (v3 answers Cloud's document format instead).
 *
 * Guarantee: one `GET /rest/api/2/issue/{key}` per issue, asking only for the fields shown, under the platform
 * deadline and the job's signal; any other answer than 200 is an error naming the status, which the caller
 * turns into "could not be read".
 */
import type { ServerConfig } from "../config/env.ts";
import { withDeadline } from "../platforms/deadline.ts";
import type { IssueText } from "../platforms/types.ts";
import type { JiraReader } from "./read.ts";

/** Comments read with an issue, as for the platforms' issues. */
const JIRA_COMMENTS_READ = 3;

export interface JiraOptions {
  /** The site: `https://acme.atlassian.net` or `https://jira.example.com` (a context path is kept). */
  url: string;
  /** Jira Cloud's account email; absent, `token` is a Data Center personal access token. */
  email?: string;
  token: string;
  projects?: readonly string[];
  fetch?: typeof fetch;
  timeoutMs?: number;
}

interface JiraIssue {
  key?: string;
  fields?: {
    summary?: string | null;
    description?: string | null;
    status?: { name?: string } | null;
    comment?: { comments?: { author?: { displayName?: string } | null; body?: string | null }[] } | null;
  };
}

/** The Jira reader the server configuration describes, or null when Jira is not configured. */
export function jiraReaderFor(
  server: ServerConfig,
  options: { fetch?: typeof fetch; timeoutMs?: number } = {},
) {
  if (server.jiraUrl === undefined || server.jiraToken === undefined) return null;
  return createJiraReader({
    url: server.jiraUrl,
    email: server.jiraEmail,
    token: server.jiraToken,
    projects: server.jiraProjects.map((project) => project.toUpperCase()),
    ...options,
  });
}

export function createJiraReader(options: JiraOptions): JiraReader {
  const base = options.url.replace(/\/+$/, "");
  const authorization = options.email === undefined
    ? `Bearer ${options.token}`
    : `Basic ${btoa(`${options.email}:${options.token}`)}`;
  return {
    projects: options.projects ?? [],
    async getIssue(key: string, signal: AbortSignal): Promise<IssueText> {
      if (!/^[A-Z][A-Z0-9_]*-\d+$/.test(key)) {
        throw new TypeError(`Cannot read Jira issue "${key}": not a key`);
      }
      const fetchFunction = withDeadline(options.fetch, { signal, timeoutMs: options.timeoutMs });
      const url = `${base}/rest/api/2/issue/${key}?fields=summary,description,status,comment`;
      const response = await fetchFunction(url, { headers: { authorization, accept: "application/json" } });
      if (!response.ok) {
        await response.body?.cancel();
        throw new Error(`Cannot read Jira issue ${key}: Jira answered ${response.status}`);
      }
      const issue = await response.json() as JiraIssue;
      const fields = issue.fields ?? {};
      return {
        title: fields.summary ?? key,
        body: fields.description ?? "",
        state: fields.status?.name,
        url: `${base}/browse/${key}`,
        comments: (fields.comment?.comments ?? []).slice(0, JIRA_COMMENTS_READ).map((comment) =>
          `${comment.author?.displayName ?? "someone"}: ${comment.body ?? ""}`
        ),
      };
    },
  };
}
