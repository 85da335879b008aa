/**
 * A local Jira REST server for tests: `GET /rest/api/2/issue/{key}` as Jira Cloud and Data Center answer it
 * (summary, description as text, status, comments in `fields.comment.comments`), 404 with Jira's error body for a
 * key it does not have (Jira says the same for an issue the caller may not see), 401 without the credential. Cloud
 * takes basic auth (email and API token), Data Center a bearer personal access token.
 */

export interface FakeJiraIssue {
  key: string;
  summary: string;
  description?: string | null;
  status?: string;
  comments?: { author: string; body: string }[];
}

export interface FakeJira extends AsyncDisposable {
  url: string;
  /** Paths (with query) of every request, in order. */
  requests: { path: string; authorization: string | null }[];
  addIssue(issue: FakeJiraIssue): void;
  close(): Promise<void>;
}

/** Starts the fake on 127.0.0.1; `authorization` is the one header value it accepts. */
export function startFakeJira(options: { authorization: string }): FakeJira {
  const issues = new Map<string, FakeJiraIssue>();
  const requests: FakeJira["requests"] = [];
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json;charset=UTF-8" },
    });
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    const authorization = request.headers.get("authorization");
    requests.push({ path: url.pathname + url.search, authorization });
    if (authorization !== options.authorization) {
      return json(401, {
        errorMessages: ["You are not authenticated. Authentication required to perform this operation."],
        errors: {},
      });
    }
    const match = /^\/rest\/api\/2\/issue\/([A-Z][A-Z0-9_]*-\d+)$/.exec(url.pathname);
    const issue = match ? issues.get(match[1]!) : undefined;
    if (request.method !== "GET" || issue === undefined) {
      return json(404, {
        errorMessages: ["Issue does not exist or you do not have permission to see it."],
        errors: {},
      });
    }
    const comments = (issue.comments ?? []).map((comment, index) => ({
      id: String(10_000 + index),
      author: { displayName: comment.author, active: true },
      body: comment.body,
      created: "2025-01-01T00:00:00.000+0000",
    }));
    return json(200, {
      id: String(10_000 + issues.size),
      key: issue.key,
      self: `${url.origin}/rest/api/2/issue/${issue.key}`,
      fields: {
        summary: issue.summary,
        description: issue.description ?? null,
        status: { name: issue.status ?? "To Do", statusCategory: { key: "new" } },
        comment: { comments, maxResults: comments.length, total: comments.length, startAt: 0 },
      },
    });
  });
  const url = `http://127.0.0.1:${server.addr.port}`;
  const close = async () => {
    await server.shutdown();
  };
  return {
    url,
    requests,
    addIssue: (issue) => void issues.set(issue.key, issue),
    close,
    [Symbol.asyncDispose]: close,
  };
}
