/**
 * A local GitLab REST v4 server for tests: it speaks the wire protocol `@gitbeaker/rest` uses (JSON, multipart
 * discussion positions, `PRIVATE-TOKEN`, `Link`/`x-next-page` pagination), validates inline positions the way
 * GitLab does, and records everything Loom posts.
 */
import parseDiff from "parse-diff";

/** Content of one file of a seeded pull request; `tooLarge`/`collapsed` make GitLab withhold its patch. */
export interface FakeFileSeed {
  base?: string;
  head?: string;
  tooLarge?: boolean;
  collapsed?: boolean;
}

/** Seed for one merge request; the same shape the other platform fakes take. */
export interface FakePullRequestSeed {
  repo: string;
  number: number;
  /** Defaults to "Pull request". */
  title?: string;
  /** Defaults to "author". */
  author?: string;
  headSha: string;
  baseSha: string;
  /** Defaults to "main". */
  baseRef?: string;
  /** Defaults to "feature". */
  headRef?: string;
  /** The unified diff (`diff --git` format) of the merge request. */
  diff: string;
  files?: Record<string, FakeFileSeed>;
  draft?: boolean;
  /** "open" is accepted as the other fakes spell it. */
  state?: "open" | "opened" | "closed" | "merged";
  /** `diff_refs.start_sha`; defaults to `baseSha`. */
  startSha?: string;
  /** How many reads of the merge request answer `diff_refs: null` before the diff is "ready". */
  diffRefsPendingReads?: number;
}

/** A note as the fake stores it (general note, or the note of a discussion). */
export interface FakeNote {
  id: number;
  repo: string;
  number: number;
  discussionId: string;
  body: string;
  author: string;
  system: boolean;
  type: "DiffNote" | "DiscussionNote" | null;
  position: Record<string, unknown> | null;
  /** Set by `PUT …/discussions/:id?resolved=…` on diff notes. */
  resolved?: boolean;
}

/** A commit status as posted to `POST /projects/:id/statuses/:sha`. */
export interface FakeStatus {
  repo: string;
  sha: string;
  state: string;
  name?: string;
  description?: string;
  target_url?: string;
}

/** One request the fake received, with the body as parsed from JSON or multipart form data. */
export interface RecordedRequest {
  method: string;
  /** Decoded path after `/api/v4`, e.g. `/projects/group/app/merge_requests/1/notes`. */
  path: string;
  query: Record<string, string>;
  body: unknown;
}

/** An error the fake answers instead of handling a matching request. */
export interface FailureRule {
  method?: string;
  /** Substring of the decoded path the request must contain. */
  path?: string;
  status: number;
  times?: number;
  retryAfter?: string;
}

export interface FakeGitLabState {
  addPullRequest(seed: FakePullRequestSeed): void;
  /** Adds a note written by someone (for tests that need existing comments). */
  addNote(note: { repo: string; number: number; body: string; author?: string }): FakeNote;
  failNext(rule: FailureRule): void;
  /** Serves `GET …/repository/compare?from=&to=` with the files of `diff`; unknown pairs answer 404. */
  addComparison(repo: string, from: string, to: string, diff: string): void;
  /** Makes `username` a member of `repo` with a GitLab access level (30 Developer, 40 Maintainer…). */
  addMember(repo: string, username: string, accessLevel: number): void;
  readonly notes: FakeNote[];
  readonly statuses: FakeStatus[];
  readonly requests: RecordedRequest[];
  /** Notes posted through `POST …/discussions` with a position. */
  readonly discussions: FakeNote[];
}

export interface FakeGitLab {
  /** Instance root to pass as `baseUrl` (the API lives under `/api/v4`). */
  url: string;
  token: string;
  botUsername: string;
  state: FakeGitLabState;
  /** Same array as `state.requests`. */
  requests: RecordedRequest[];
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

type FullSeed =
  & FakePullRequestSeed
  & Required<Pick<FakePullRequestSeed, "title" | "author" | "baseRef" | "headRef" | "files">>;

interface StoredPullRequest extends FullSeed {
  pendingReads: number;
  projectId: number;
  fileEntries: DiffEntry[];
}

interface DiffEntry {
  old_path: string;
  new_path: string;
  a_mode: string;
  b_mode: string;
  new_file: boolean;
  renamed_file: boolean;
  deleted_file: boolean;
  generated_file: boolean;
  too_large: boolean;
  collapsed: boolean;
  diff: string;
}

/** Splits a unified diff into GitLab's per-file entries (hunks only in `diff`). */
function toDiffEntries(diff: string, files: Record<string, FakeFileSeed>): DiffEntry[] {
  const sections = diff.split(/^(?=diff --git )/m).filter((section) => section.startsWith("diff --git "));
  return sections.map((section) => {
    const lines = section.split("\n");
    const header = /^diff --git a\/(.+) b\/(.+)$/.exec(lines[0]);
    let oldPath = header?.[1] ?? "";
    let newPath = header?.[2] ?? "";
    let aMode = "100644";
    let bMode = "100644";
    let newFile = false;
    let deletedFile = false;
    let renamed = false;
    for (const line of lines) {
      if (line.startsWith("@@")) break;
      if (line.startsWith("new file mode ")) [newFile, aMode, bMode] = [true, "0", line.slice(14)];
      else if (line.startsWith("deleted file mode ")) {
        [deletedFile, aMode, bMode] = [true, line.slice(18), "0"];
      } else if (line.startsWith("old mode ")) aMode = line.slice(9);
      else if (line.startsWith("new mode ")) bMode = line.slice(9);
      else if (line.startsWith("rename from ")) [renamed, oldPath] = [true, line.slice(12)];
      else if (line.startsWith("rename to ")) newPath = line.slice(10);
    }
    const hunkStart = section.search(/^@@/m);
    const seed = files[newPath] ?? files[oldPath] ?? {};
    const withheld = seed.tooLarge === true || seed.collapsed === true;
    return {
      old_path: oldPath,
      new_path: newPath,
      a_mode: aMode,
      b_mode: bMode,
      new_file: newFile,
      renamed_file: renamed,
      deleted_file: deletedFile,
      generated_file: false,
      too_large: seed.tooLarge === true,
      collapsed: seed.collapsed === true,
      diff: withheld || hunkStart < 0 ? "" : section.slice(hunkStart),
    };
  });
}

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
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

function hex(length: number, seed: number): string {
  return seed.toString(16).padStart(length, "0");
}

/** Starts the fake on an ephemeral port of 127.0.0.1. */
/** A stable numeric user id per username, as GitLab gives every user one. */
function userId(username: string): number {
  let hash = 7;
  for (const char of username) hash = (hash * 31 + char.codePointAt(0)!) % 1_000_000_007;
  return hash;
}

export function startFakeGitLab(options: { token?: string; botUsername?: string } = {}): FakeGitLab {
  const token = options.token ?? "glpat-test-token";
  const botUsername = options.botUsername ?? "loom-bot";
  const pullRequests = new Map<string, StoredPullRequest>();
  const notes: FakeNote[] = [];
  const discussions: FakeNote[] = [];
  const statuses: FakeStatus[] = [];
  const requests: RecordedRequest[] = [];
  const failures: FailureRule[] = [];
  const comparisons = new Map<string, DiffEntry[]>();
  const members: { repo: string; username: string; accessLevel: number }[] = [];
  let nextId = 1000;
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

  function noteJson(note: FakeNote) {
    return {
      id: note.id,
      type: note.type,
      body: note.body,
      author: { id: userId(note.author), username: note.author, name: note.author, state: "active" },
      system: note.system,
      noteable_type: "MergeRequest",
      noteable_iid: note.number,
      position: note.position,
      resolvable: note.type === "DiffNote",
      ...(note.type === "DiffNote" ? { resolved: note.resolved ?? false } : {}),
    };
  }

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

  /** GitLab's own rule: added lines take `new_line`, removed lines `old_line`, unchanged lines both. */
  function validatePosition(pr: StoredPullRequest, position: Record<string, unknown>): string | null {
    if (position.position_type !== "text") return "position_type must be text";
    const startSha = pr.startSha ?? pr.baseSha;
    if (
      position.base_sha !== pr.baseSha || position.start_sha !== startSha || position.head_sha !== pr.headSha
    ) {
      return "position SHAs do not match the latest merge request diff version";
    }
    if (typeof position.old_path !== "string" || typeof position.new_path !== "string") {
      return "old_path and new_path are required";
    }
    const file = parseDiff(pr.diff).find((candidate) =>
      (candidate.to === position.new_path || candidate.to === "/dev/null") &&
      (candidate.from === position.old_path || candidate.from === "/dev/null")
    );
    const entry = pr.fileEntries.find((candidate) => candidate.new_path === position.new_path);
    if (!file || !entry || entry.diff === "") return 'Note {:line_code=>["can\'t be blank"]}';
    const newLine = position.new_line === undefined ? undefined : Number(position.new_line);
    const oldLine = position.old_line === undefined ? undefined : Number(position.old_line);
    const changes = file.chunks.flatMap((chunk) => chunk.changes);
    const valid = changes.some((change) => {
      if (change.type === "add") return oldLine === undefined && newLine === change.ln;
      if (change.type === "del") return newLine === undefined && oldLine === change.ln;
      return oldLine === change.ln1 && newLine === change.ln2;
    });
    return valid ? null : 'Note {:line_code=>["can\'t be blank", "must be a valid line code"]}';
  }

  /** GitLab stores positions with integer lines (form values arrive as strings) and null for the unused side. */
  function storedPosition(position: Record<string, unknown>): Record<string, unknown> {
    const line = (value: unknown) =>
      value === undefined || value === null || value === "" ? null : Number(value);
    return { ...position, old_line: line(position.old_line), new_line: line(position.new_line) };
  }

  async function readBody(request: Request): Promise<Record<string, unknown>> {
    const type = request.headers.get("content-type") ?? "";
    if (type.includes("application/json")) return await request.json();
    if (type.includes("multipart/form-data") || type.includes("application/x-www-form-urlencoded")) {
      return nestFormKeys((await request.formData()).entries());
    }
    await request.body?.cancel();
    return {};
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const raw = url.pathname.replace(/^\/api\/v4\//, "");
    const segments = raw.split("/").map(decodeURIComponent);
    const path = "/" + segments.join("/");
    const body = ["POST", "PUT"].includes(request.method) ? await readBody(request) : undefined;
    requests.push({ method: request.method, path, query: Object.fromEntries(url.searchParams), body });

    const auth = request.headers.get("private-token") ??
      request.headers.get("authorization")?.replace(/^Bearer /, "");
    if (auth !== token) return json({ message: "401 Unauthorized" }, 401);

    const failure = failures.find((rule) =>
      (rule.times ?? 1) > 0 && (!rule.method || rule.method === request.method) &&
      (!rule.path || path.includes(rule.path))
    );
    if (failure) {
      failure.times = (failure.times ?? 1) - 1;
      const headers: Record<string, string> = failure.retryAfter ? { "retry-after": failure.retryAfter } : {};
      return json({ message: `${failure.status} Injected failure` }, failure.status, headers);
    }

    // The token's own user, as `GET /user` answers for personal, project and group access tokens alike.
    if (path === "/user" && request.method === "GET") {
      return json({
        id: userId(botUsername),
        username: botUsername,
        name: botUsername,
        state: "active",
        bot: true,
      });
    }
    if (segments[0] !== "projects" || segments.length < 3) return json({ message: "404 Not Found" }, 404);
    const repo = findProject(segments[1]);
    if (!repo) return json({ message: "404 Project Not Found" }, 404);
    const rest = segments.slice(2);

    if (rest[0] === "statuses" && rest.length === 2 && request.method === "POST") {
      const fields = body as Record<string, string>;
      const allowed = ["pending", "running", "success", "failed", "canceled", "skipped"];
      if (!allowed.includes(fields.state)) return json({ error: "state does not have a valid value" }, 400);
      const status: FakeStatus = {
        repo,
        sha: rest[1],
        state: fields.state,
        name: fields.name,
        description: fields.description,
        target_url: fields.target_url,
      };
      statuses.push(status);
      return json(
        { id: nextId++, sha: status.sha, status: status.state, name: status.name ?? "default" },
        201,
      );
    }

    if (rest[0] === "members" && rest[1] === "all" && rest.length === 2 && request.method === "GET") {
      const query = (url.searchParams.get("query") ?? "").toLowerCase();
      const found = members.filter((member) =>
        member.repo === repo && member.username.toLowerCase().includes(query)
      );
      return paginate(
        url,
        found.map((member, index) => ({
          id: 500 + index,
          username: member.username,
          name: member.username,
          state: "active",
          access_level: member.accessLevel,
        })),
      );
    }

    if (rest[0] === "repository" && rest[1] === "compare" && rest.length === 2 && request.method === "GET") {
      const entries = comparisons.get(
        `${repo}@${url.searchParams.get("from")}...${url.searchParams.get("to")}`,
      );
      if (!entries) return json({ message: "404 Not found" }, 404);
      return json({
        commit: null,
        commits: [],
        diffs: entries,
        compare_timeout: false,
        compare_same_ref: false,
      });
    }

    if (
      rest[0] === "repository" && rest[1] === "files" && rest.at(-1) === "raw" && request.method === "GET"
    ) {
      const filePath = rest.slice(2, -1).join("/");
      const ref = url.searchParams.get("ref") ?? "";
      const pr = [...pullRequests.values()].find((candidate) =>
        candidate.repo === repo &&
        [candidate.headSha, candidate.headRef, candidate.baseSha, candidate.baseRef].includes(ref)
      );
      if (!pr) return json({ message: "404 Commit Not Found" }, 404);
      const isHead = ref === pr.headSha || ref === pr.headRef;
      const content = isHead ? pr.files[filePath]?.head : pr.files[filePath]?.base;
      if (content === undefined) return json({ message: "404 File Not Found" }, 404);
      return new Response(content, { headers: { "content-type": "text/plain; charset=utf-8" } });
    }

    if (rest[0] !== "merge_requests" || rest.length < 2) return json({ message: "404 Not Found" }, 404);
    const pr = pullRequests.get(key(repo, Number(rest[1])));
    if (!pr) return json({ message: "404 Not found" }, 404);
    const resource = rest.slice(2).join("/");

    if (resource === "" && request.method === "GET") {
      const ready = pr.pendingReads <= 0;
      pr.pendingReads -= 1;
      return json({
        id: pr.projectId * 1000 + pr.number,
        iid: pr.number,
        project_id: pr.projectId,
        title: pr.title,
        state: pr.state === undefined || pr.state === "open" ? "opened" : pr.state,
        draft: pr.draft ?? false,
        work_in_progress: pr.draft ?? false,
        sha: pr.headSha,
        source_branch: pr.headRef,
        target_branch: pr.baseRef,
        author: { id: userId(pr.author), username: pr.author },
        diff_refs: ready
          ? { base_sha: pr.baseSha, head_sha: pr.headSha, start_sha: pr.startSha ?? pr.baseSha }
          : null,
        web_url: `${url.origin}/${repo}/-/merge_requests/${pr.number}`,
      });
    }
    if (resource === "diffs" && request.method === "GET") return paginate(url, pr.fileEntries);

    const ownNotes = () => notes.filter((note) => note.repo === repo && note.number === pr.number);
    if (resource === "notes" && request.method === "GET") return paginate(url, ownNotes().map(noteJson));
    if (resource === "notes" && request.method === "POST") {
      const text = (body as { body?: string }).body;
      if (!text) return json({ message: "400 Bad request - body is missing" }, 400);
      return json(noteJson(createNote(pr, text, botUsername, null)), 201);
    }
    if (rest[2] === "notes" && rest.length === 4 && request.method === "PUT") {
      const note = ownNotes().find((candidate) => String(candidate.id) === rest[3]);
      if (!note) return json({ message: "404 Note Not Found" }, 404);
      if (note.author !== botUsername) return json({ message: "403 Forbidden" }, 403);
      note.body = String((body as { body?: string }).body ?? note.body);
      return json(noteJson(note));
    }
    if (rest[2] === "discussions" && rest.length === 4 && request.method === "PUT") {
      const thread = ownNotes().filter((note) => note.discussionId === rest[3]);
      if (thread.length === 0) return json({ message: "404 Discussion Not Found" }, 404);
      const resolved = String(url.searchParams.get("resolved") ?? (body as { resolved?: unknown }).resolved);
      if (resolved !== "true" && resolved !== "false") {
        return json({ error: "resolved is missing" }, 400);
      }
      for (const note of thread) if (note.type === "DiffNote") note.resolved = resolved === "true";
      return json({ id: rest[3], individual_note: false, notes: thread.map(noteJson) });
    }
    if (resource === "discussions" && request.method === "GET") {
      return paginate(
        url,
        ownNotes().map((note) => ({
          id: note.discussionId,
          individual_note: note.type === null,
          notes: [noteJson(note)],
        })),
      );
    }
    if (resource === "discussions" && request.method === "POST") {
      const fields = body as { body?: string; position?: Record<string, unknown> };
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
      return json({ id: note.discussionId, individual_note: false, notes: [noteJson(note)] }, 201);
    }
    return json({ message: "404 Not Found" }, 404);
  }

  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, handle);
  const close = () => server.shutdown();
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
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
    close,
    [Symbol.asyncDispose]: close,
  };
}
