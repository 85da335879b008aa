/**
 * A local GitLab REST v4 server for tests: it speaks the wire protocol `@gitbeaker/rest` uses (JSON, multipart
 * discussion positions, `PRIVATE-TOKEN`, `Link`/`x-next-page` pagination), validates inline positions the way
 * GitLab does, and records everything Loom posts.
 */
import { json as jsonAnswer, type RouteContext, startFakeServer } from "./server_core.ts";
import { createRepoAccess, fakeRepoId } from "./repo_access.ts";
import { archiveResponse, snapshotOf } from "./archive.ts";
import { storedPosition, toDiffEntries, validatePosition } from "./gitlab/diff.ts";
import {
  currentUser,
  discussionJson,
  memberJson,
  mergeRequestJson,
  noteJson as noteShape,
  projectJson,
  statusJson,
} from "./gitlab/shapes.ts";
import type {
  DiffEntry,
  FailureRule,
  FakeGitLab,
  FakeNote,
  FakeStatus,
  FullSeed,
  RecordedRequest,
  StoredPullRequest,
  Strict,
} from "./gitlab/types.ts";
import type { RepositoryCompareSchema } from "@gitbeaker/core";
import { type FakeGitLabIssue, issueJson } from "./gitlab/issues.ts";

export * from "./gitlab/types.ts";

/** Turns `position[line_range][start][type]`-style form keys into nested objects, as Rails does. */
function nestFormKeys(entries: Iterable<[string, FormDataEntryValue]>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of entries) {
    const path = key.replace(/\]/g, "").split("[");
    let target = result;
    for (const part of path.slice(0, -1)) {
      target[part] ??= {};
      target = target[part] as Record<string, unknown>;
    }
    target[path.at(-1)!] = typeof value === "string" ? value : value.name;
  }
  return result;
}

function json(body: unknown, status = 200, headers: HeadersInit = {}): Response {
  return jsonAnswer(body, status, { "content-type": "application/json", ...headers });
}

function hex(length: number, seed: number): string {
  return seed.toString(16).padStart(length, "0");
}

/** The body as GitLab reads it: JSON, or form fields (multipart or URL-encoded) nested by their keys. */
async function readBody(request: Request): Promise<Record<string, unknown> | undefined> {
  if (request.method !== "POST" && request.method !== "PUT") return undefined;
  const type = request.headers.get("content-type") ?? "";
  if (type.includes("application/json")) return await request.json();
  if (type.includes("multipart/form-data") || type.includes("application/x-www-form-urlencoded")) {
    return nestFormKeys((await request.formData()).entries());
  }
  await request.body?.cancel();
  return {};
}

/** Starts the fake on an ephemeral port of 127.0.0.1. */
export function startFakeGitLab(
  options: {
    token?: string;
    botUsername?: string;
    /** More accepted tokens, each reading only the listed projects (others answer 404). */
    access?: Record<string, string[]>;
  } = {},
): FakeGitLab {
  const token = options.token ?? "glpat-test-token";
  const access = createRepoAccess(options.access);
  const botUsername = options.botUsername ?? "loom-bot";
  const pullRequests = new Map<string, StoredPullRequest>();
  const notes: FakeNote[] = [];
  const discussions: FakeNote[] = [];
  const statuses: FakeStatus[] = [];
  const failures: FailureRule[] = [];
  const comparisons = new Map<string, DiffEntry[]>();
  const members: { repo: string; username: string; accessLevel: number }[] = [];
  let nextId = 1000;
  /** Set once the server listens; only read while answering requests. */
  let origin = "";
  let nextProjectId = 1;

  const key = (repo: string, number: number) => `${repo}!${number}`;

  function findProject(id: string): string | undefined {
    if (!/^\d+$/.test(id)) return id;
    return [...pullRequests.values()].find((pr) => String(pr.projectId) === id)?.repo;
  }

  function createNote(
    pr: { repo: string; number: number },
    body: string,
    author: string,
    position: Record<string, unknown> | null,
  ): FakeNote {
    const id = nextId++;
    const note: FakeNote = {
      id,
      repo: pr.repo,
      number: pr.number,
      discussionId: hex(40, id),
      body,
      author,
      system: false,
      type: position ? "DiffNote" : null,
      position,
    };
    notes.push(note);
    return note;
  }

  const noteJson = (note: FakeNote) =>
    noteShape(origin, note, pullRequests.get(key(note.repo, note.number))?.projectId ?? 0);

  function paginate(url: URL, items: unknown[]): Response {
    const perPage = Math.min(Math.max(Number(url.searchParams.get("per_page") ?? 20), 1), 100);
    const page = Math.max(Number(url.searchParams.get("page") ?? 1), 1);
    const totalPages = Math.max(Math.ceil(items.length / perPage), 1);
    const pageUrl = (number: number) => {
      const link = new URL(url);
      link.searchParams.set("page", String(number));
      link.searchParams.set("per_page", String(perPage));
      return link.href;
    };
    const links = [`<${pageUrl(1)}>; rel="first"`, `<${pageUrl(totalPages)}>; rel="last"`];
    if (page < totalPages) links.unshift(`<${pageUrl(page + 1)}>; rel="next"`);
    if (page > 1) links.unshift(`<${pageUrl(page - 1)}>; rel="prev"`);
    return json(items.slice((page - 1) * perPage, page * perPage), 200, {
      "x-page": String(page),
      "x-per-page": String(perPage),
      "x-total": String(items.length),
      "x-total-pages": String(totalPages),
      "x-next-page": page < totalPages ? String(page + 1) : "",
      "x-prev-page": page > 1 ? String(page - 1) : "",
      link: links.join(", "),
    });
  }

  type Context = RouteContext<undefined>;
  /** The project a route names (by id or by its URL-encoded path); a 404 answer is thrown when unknown. */
  const projectOf = (context: Context): string => {
    const repo = findProject(context.params.project!);
    if (!repo) throw json({ message: "404 Project Not Found" }, 404);
    return repo;
  };
  const issues = new Map<string, FakeGitLabIssue>();
  const getIssue = (context: Context) => {
    const repo = projectOf(context);
    const issue = issues.get(key(repo, Number(context.params.iid)));
    if (!issue) throw json({ message: "404 Not found" }, 404);
    const projectId = [...pullRequests.values()].find((pr) => pr.repo === repo)?.projectId ??
      fakeRepoId(repo);
    return json(issueJson(context.url.origin, Number(projectId), issue));
  };
  const mergeRequestOf = (context: Context): StoredPullRequest => {
    const pr = pullRequests.get(key(projectOf(context), Number(context.params.iid)));
    if (!pr) throw json({ message: "404 Not found" }, 404);
    return pr;
  };
  const ownNotes = (pr: StoredPullRequest) =>
    notes.filter((note) => note.repo === pr.repo && note.number === pr.number);

  const postStatus = (context: Context) => {
    const repo = projectOf(context);
    const fields = context.body as Record<string, string>;
    const allowed = ["pending", "running", "success", "failed", "canceled", "skipped"];
    if (!allowed.includes(fields.state)) return json({ error: "state does not have a valid value" }, 400);
    const status: FakeStatus = {
      repo,
      sha: context.params.sha!,
      state: fields.state,
      name: fields.name,
      description: fields.description,
      target_url: fields.target_url,
    };
    statuses.push(status);
    return json(
      statusJson(origin, { ...status, id: nextId++, targetUrl: status.target_url }, botUsername),
      201,
    );
  };

  const listMembers = (context: Context) => {
    const repo = projectOf(context);
    const query = (context.url.searchParams.get("query") ?? "").toLowerCase();
    const found = members.filter((member) =>
      member.repo === repo && member.username.toLowerCase().includes(query)
    );
    return paginate(
      context.url,
      found.map((member, index) => memberJson(origin, { ...member, id: 500 + index })),
    );
  };

  const compare = (context: Context) => {
    const repo = projectOf(context);
    const search = context.url.searchParams;
    const entries = comparisons.get(`${repo}@${search.get("from")}...${search.get("to")}`);
    if (!entries) return json({ message: "404 Not found" }, 404);
    return json(
      {
        commit: null,
        commits: [],
        diffs: entries,
        compare_timeout: false,
        compare_same_ref: false,
      } satisfies Omit<Strict<RepositoryCompareSchema>, "commit" | "diffs"> & {
        commit: null;
        diffs: DiffEntry[];
      },
    );
  };

  const rawFile = (context: Context) => {
    const repo = projectOf(context);
    const filePath = context.params.file!;
    const ref = context.url.searchParams.get("ref") ?? "";
    const pr = [...pullRequests.values()].find((candidate) =>
      candidate.repo === repo &&
      [candidate.headSha, candidate.headRef, candidate.baseSha, candidate.baseRef].includes(ref)
    );
    if (!pr) return json({ message: "404 Commit Not Found" }, 404);
    const isHead = ref === pr.headSha || ref === pr.headRef;
    const content = isHead ? pr.files[filePath]?.head : pr.files[filePath]?.base;
    if (content === undefined) return json({ message: "404 File Not Found" }, 404);
    return new Response(content, { headers: { "content-type": "text/plain; charset=utf-8" } });
  };

  // `git archive` of the commit, GitLab's top folder `<project>-<sha>-<sha>/`.
  const archive = (context: Context) => {
    const repo = projectOf(context);
    const sha = context.url.searchParams.get("sha") ?? "";
    const files = snapshotOf(pullRequests.values(), repo, sha);
    if (!files) return json({ message: "404 Commit Not Found" }, 404);
    const folder = `${repo.split("/").at(-1)}-${sha}-${sha}`;
    return archiveResponse(`${folder}.tar.gz`, folder, files, sha);
  };

  const getMergeRequest = (context: Context) => {
    const pr = mergeRequestOf(context);
    const ready = pr.pendingReads <= 0;
    pr.pendingReads -= 1;
    const diffRefs = { base_sha: pr.baseSha, head_sha: pr.headSha, start_sha: pr.startSha ?? pr.baseSha };
    return json(mergeRequestJson(context.url.origin, pr, ready ? diffRefs : null));
  };

  // `PUT …/merge_requests/:iid`: Loom sends only `description`; GitLab caps it at 1,048,576 characters.
  const editMergeRequest = (context: Context) => {
    const pr = mergeRequestOf(context);
    const fields = (context.body ?? {}) as { description?: unknown; title?: unknown };
    if (typeof fields.description === "string") {
      if (fields.description.length > 1_048_576) {
        return json({ message: { description: ["is too long (maximum is 1048576 characters)"] } }, 400);
      }
      pr.body = fields.description;
    }
    if (typeof fields.title === "string") pr.title = fields.title;
    const diffRefs = { base_sha: pr.baseSha, head_sha: pr.headSha, start_sha: pr.startSha ?? pr.baseSha };
    return json(mergeRequestJson(context.url.origin, pr, diffRefs));
  };

  const postNote = (context: Context) => {
    const pr = mergeRequestOf(context);
    const text = (context.body as { body?: string }).body;
    if (!text) return json({ message: "400 Bad request - body is missing" }, 400);
    return json(noteJson(createNote(pr, text, botUsername, null)), 201);
  };

  const editNote = (context: Context) => {
    const note = ownNotes(mergeRequestOf(context)).find((candidate) =>
      String(candidate.id) === context.params.note
    );
    if (!note) return json({ message: "404 Note Not Found" }, 404);
    if (note.author !== botUsername) return json({ message: "403 Forbidden" }, 403);
    note.body = String((context.body as { body?: string }).body ?? note.body);
    return json(noteJson(note));
  };

  const resolveDiscussion = (context: Context) => {
    const id = context.params.discussion!;
    const thread = ownNotes(mergeRequestOf(context)).filter((note) => note.discussionId === id);
    if (thread.length === 0) return json({ message: "404 Discussion Not Found" }, 404);
    const resolved = String(
      context.url.searchParams.get("resolved") ?? (context.body as { resolved?: unknown }).resolved,
    );
    if (resolved !== "true" && resolved !== "false") return json({ error: "resolved is missing" }, 400);
    for (const note of thread) if (note.type === "DiffNote") note.resolved = resolved === "true";
    return json(discussionJson(id, false, thread.map(noteJson)));
  };

  // A reply in a discussion: a note of the same discussion, a diff note at the same position on a diff thread.
  const replyToDiscussion = (context: Context) => {
    const pr = mergeRequestOf(context);
    const thread = ownNotes(pr).filter((note) => note.discussionId === context.params.discussion);
    if (thread.length === 0) return json({ message: "404 Discussion Not Found" }, 404);
    const body = (context.body as { body?: string }).body;
    if (!body) return json({ message: "400 Bad request - body is missing" }, 400);
    const note = createNote(pr, body, botUsername, thread[0]!.position);
    note.discussionId = thread[0]!.discussionId;
    note.type = thread[0]!.type ?? "DiscussionNote";
    if (note.type === "DiffNote") note.resolved = thread[0]!.resolved ?? false;
    return json(noteJson(note), 201);
  };

  const postDiscussion = (context: Context) => {
    const pr = mergeRequestOf(context);
    const fields = context.body as { body?: string; position?: Record<string, unknown> };
    if (!fields.body) return json({ message: "400 Bad request - body is missing" }, 400);
    if (fields.position) {
      const problem = validatePosition(pr, fields.position);
      if (problem) return json({ message: `400 Bad request - ${problem}` }, 400);
    }
    const note = createNote(
      pr,
      fields.body,
      botUsername,
      fields.position ? storedPosition(fields.position) : null,
    );
    if (fields.position) discussions.push(note);
    else note.type = "DiscussionNote";
    return json(discussionJson(note.discussionId, false, [noteJson(note)]), 201);
  };

  const project = "/projects/:project";
  const mergeRequest = `${project}/merge_requests/:iid`;
  const server = startFakeServer({
    // Matched still percent-encoded, so a project path (`group%2Fapp`) stays one segment.
    path: (url) => url.pathname.replace(/^\/api\/v4\//, "/"),
    readBody,
    record: (request): RecordedRequest => ({
      method: request.method,
      path: "/" + request.path.slice(1).split("/").map(decodeURIComponent).join("/"),
      query: Object.fromEntries(request.url.searchParams),
      body: request.body,
    }),
    before: [(request) => {
      const path = "/" + request.path.slice(1).split("/").map(decodeURIComponent).join("/");
      const failure = failures.find((rule) =>
        (rule.times ?? 1) > 0 && (!rule.method || rule.method === request.method) &&
        (!rule.path || path.includes(rule.path))
      );
      if (!failure) return undefined;
      failure.times = (failure.times ?? 1) - 1;
      const headers: Record<string, string> = failure.retryAfter ? { "retry-after": failure.retryAfter } : {};
      return json({ message: `${failure.status} Injected failure` }, failure.status, headers);
    }],
    authenticate: (request) => {
      const auth = request.headers.get("private-token") ??
        request.headers.get("authorization")?.replace(/^Bearer /, "");
      if (auth === undefined || (auth !== token && !Object.hasOwn(options.access ?? {}, auth))) {
        return json({ message: "401 Unauthorized" }, 401);
      }
      const segment = /^\/projects\/([^/]+)/.exec(request.path)?.[1];
      const name = segment === undefined ? undefined : findProject(decodeURIComponent(segment));
      if (segment !== undefined && !access.canRead(auth, name ?? decodeURIComponent(segment))) {
        return json({ message: "404 Project Not Found" }, 404);
      }
      return undefined;
    },
    routes: [
      {
        method: "GET",
        path: project,
        handler: ({ params }) => {
          const name = findProject(params.project!) ?? params.project!;
          const known = [...pullRequests.values()].find((pr) => pr.repo.toLowerCase() === name.toLowerCase());
          return json(
            projectJson(origin, {
              id: known?.projectId ?? fakeRepoId(name),
              path: known?.repo ?? name,
            }),
          );
        },
      },
      // The token's own user, as `GET /user` answers for personal, project and group access tokens alike.
      {
        method: "GET",
        path: "/user",
        handler: () => json(currentUser(origin, botUsername)),
      },
      { method: "POST", path: `${project}/statuses/:sha`, handler: postStatus },
      { method: "GET", path: `${project}/members/all`, handler: listMembers },
      { method: "GET", path: `${project}/repository/compare`, handler: compare },
      { method: "GET", path: `${project}/repository/files/*file/raw`, handler: rawFile },
      { method: "GET", path: `${project}/repository/archive.tar.gz`, handler: archive },
      { method: "GET", path: mergeRequest, handler: getMergeRequest },
      { method: "PUT", path: mergeRequest, handler: editMergeRequest },
      { method: "GET", path: `${project}/issues/:iid`, handler: getIssue },
      {
        method: "GET",
        path: `${mergeRequest}/diffs`,
        handler: (context) => paginate(context.url, mergeRequestOf(context).fileEntries),
      },
      {
        method: "GET",
        path: `${mergeRequest}/notes`,
        handler: (context) => paginate(context.url, ownNotes(mergeRequestOf(context)).map(noteJson)),
      },
      { method: "POST", path: `${mergeRequest}/notes`, handler: postNote },
      { method: "PUT", path: `${mergeRequest}/notes/:note`, handler: editNote },
      { method: "PUT", path: `${mergeRequest}/discussions/:discussion`, handler: resolveDiscussion },
      {
        method: "GET",
        path: `${mergeRequest}/discussions`,
        handler: (context) =>
          paginate(
            context.url,
            Object.values(Object.groupBy(ownNotes(mergeRequestOf(context)), (note) => note.discussionId))
              .map((thread) =>
                discussionJson(thread![0]!.discussionId, thread![0]!.type === null, thread!.map(noteJson))
              ),
          ),
      },
      { method: "POST", path: `${mergeRequest}/discussions`, handler: postDiscussion },
      { method: "POST", path: `${mergeRequest}/discussions/:discussion/notes`, handler: replyToDiscussion },
    ],
    notFound: () => json({ message: "404 Not Found" }, 404),
    // Lookups throw the answer GitLab gives for an unknown project or merge request.
    onError: (error) =>
      error instanceof Response ? error : json({ message: `500 Fake GitLab failed: ${String(error)}` }, 500),
  });
  origin = server.origin;
  const requests = server.requests;
  return {
    url: server.origin,
    token,
    botUsername,
    requests,
    state: {
      addPullRequest(seed) {
        const existing = [...pullRequests.values()].find((pr) => pr.repo === seed.repo);
        const full: FullSeed = {
          title: "Pull request",
          author: "author",
          baseRef: "main",
          headRef: "feature",
          files: {},
          ...seed,
        };
        pullRequests.set(key(seed.repo, seed.number), {
          ...full,
          pendingReads: seed.diffRefsPendingReads ?? 0,
          projectId: existing?.projectId ?? nextProjectId++,
          fileEntries: toDiffEntries(full.diff, full.files),
        });
      },
      pullRequest(repo, number) {
        const pr = pullRequests.get(key(repo, number));
        if (!pr) throw new Error(`No merge request ${repo}!${number} was seeded`);
        return pr;
      },
      addIssue(issue) {
        issues.set(key(issue.repo, issue.iid), issue);
      },
      addNote(note) {
        return createNote(note, note.body, note.author ?? "someone", null);
      },
      failNext(rule) {
        failures.push({ ...rule, times: rule.times ?? 1 });
      },
      addComparison(repo, from, to, diff) {
        comparisons.set(`${repo}@${from}...${to}`, toDiffEntries(diff, {}));
      },
      addMember(repo, username, accessLevel) {
        members.push({ repo, username, accessLevel });
      },
      notes,
      statuses,
      requests,
      discussions,
    },
    close: server.close,
    [Symbol.asyncDispose]: server.close,
  };
}
