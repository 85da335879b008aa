/**
 * Which tickets a pull request refers to, read from its title, description and branch name the way its platform
 * links them: GitHub and Gitea `#12`, `owner/name#12` and closing keywords (`Fixes #12`), GitLab `#12` issues and
 * `!12` merge requests (also `group/project#12`), Azure DevOps `AB#12` and `#12` work items, Bitbucket Cloud
 * `#12` issues, full issue URLs of the same host, and Jira keys (`ABC-123`) when Jira is configured.
 *
 * Guarantee: the answer is bounded whatever the text — at most `limit` references, each once, the pull request
 * itself never among them — and costs one linear pass over at most `MAX_SCANNED_CHARS` of each text. Code blocks,
 * inline code and HTML comments (where templates keep their examples) are not read.
 */
import type { IssueRef, PlatformId } from "../platforms/types.ts";

/** A ticket on the platform's tracker, or a Jira issue. */
export type TicketRef = IssueRef | { kind: "jira"; key: string };

export interface TicketTexts {
  title: string;
  /** The description, "" when none. */
  body: string;
  /** The source branch: `feature/ABC-123-login`, `12-fix-login` (GitLab and GitHub name issue branches so). */
  branch?: string;
}

export interface ParseOptions {
  platform: PlatformId;
  /** The pull request's repository (`owner/name`): `owner/name#3` names the same ticket as `#3`. */
  repo: string;
  /** The pull request's own number; its own `#N` (or `!N` on GitLab) is not a ticket. */
  number?: number;
  /** The web host whose issue URLs count (`github.com`, `gitlab.example.com`); URLs are ignored when absent. */
  host?: string;
  /** Look for Jira keys; `projects` (upper case) limits them to those projects. Absent: no Jira keys. */
  jira?: { projects?: readonly string[] };
  /** Most references returned; closing references (`Fixes #3`) come first, then the order of appearance. */
  limit: number;
}

/**
 * GitHub caps a description at 65,536 characters and GitLab at 1,000,000; references past the first 100,000
 * characters of a text are not worth a linear pass over a megabyte on every review.
 */
const MAX_SCANNED_CHARS = 100_000;

/** Words before a reference that close the ticket on merge (GitHub, Gitea, GitLab and Azure DevOps keywords). */
const CLOSING =
  /\b(?:close[sd]?|closing|fix(?:e[sd]|ing)?|resolve[sd]?|resolving|implement(?:s|ed|ing)?):?\s*$/i;

/**
 * Upper-case words with a number that are not Jira keys (`UTF-8`, `SHA-256`, `ISO-8601`, `CVE-2024`): read as keys
 * only when `jira.projects` names them.
 */
const NOT_JIRA_PROJECTS: ReadonlySet<string> = new Set([
  "AES",
  "CVE",
  "CWE",
  "GHSA",
  "HTTP",
  "ISO",
  "MD",
  "PEP",
  "RFC",
  "RSA",
  "SHA",
  "TLS",
  "UTF",
  "UUID",
  "WCAG",
  "X",
]);

interface Found {
  ref: TicketRef;
  key: string;
  closing: boolean;
  order: number;
}

/** Text with code and HTML comments blanked out, so examples in them are not read as references. */
export function withoutCode(text: string): string {
  return text.slice(0, MAX_SCANNED_CHARS)
    .replace(/<!--[\s\S]*?(?:-->|$)/g, " ")
    // The lookahead takes the whole opening run at once (JavaScript has no atomic groups), so a line of
    // backticks is not tried at every shorter length.
    .replace(/^ {0,3}(?=(`{3,}|~{3,}))\1[^\n]*\n[\s\S]*?(?:\n {0,3}\1[`~]*[ \t]*(?=\n|$)|(?![\s\S]))/gm, " ")
    // A code span opens and closes with runs of the same length; runs are bounded so that a line of 50,000
    // backticks costs a linear pass rather than a quadratic one.
    .replace(/(?<!`)(`{1,16})(?!`)[^`\n]*(?<!`)\1(?!`)/g, " ");
}

function keyOf(ref: TicketRef): string {
  switch (ref.kind) {
    case "jira":
      return `jira:${ref.key}`;
    case "work_item":
      return `work_item:${ref.id}`;
    default:
      return `${ref.kind}:${(ref.repo ?? "").toLowerCase()}#${ref.number}`;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A whole number that fits an issue id (at most 9 digits, so `#1234567890123` is not read as one). */
function issueNumber(digits: string): number | null {
  if (digits.length > 9) return null;
  const number = Number(digits);
  return number > 0 ? number : null;
}

/** Patterns of the platform's own references, each giving a ref for a match (or null to skip it). */
function platformPatterns(
  options: ParseOptions,
): { pattern: RegExp; read(match: RegExpExecArray): TicketRef | null }[] {
  const own = (repo: string | undefined) =>
    repo === undefined || repo.toLowerCase() === options.repo.toLowerCase() ? undefined : repo;
  const host = options.host ? escapeRegExp(options.host.toLowerCase()) : undefined;
  const issue = (repo: string | undefined, digits: string): TicketRef | null => {
    const number = issueNumber(digits);
    return number === null ? null : { kind: "issue", repo: own(repo), number };
  };
  switch (options.platform) {
    case "github":
    case "gitea": {
      const patterns = [{
        pattern: /(?<![\w/.#-])(?:([\w.-]+\/[\w.-]+))?#(\d+)(?![\w-])/g,
        read: (match: RegExpExecArray) => issue(match[1], match[2]!),
      }];
      if (options.platform === "github") {
        patterns.push({
          pattern: /(?<![\w-])GH-(\d+)(?![\w-])/g,
          read: (match) => issue(undefined, match[1]!),
        });
      }
      if (host) {
        patterns.push({
          pattern: new RegExp(
            `https?://${host}/([\\w.-]+/[\\w.-]+)/(?:issues|pulls?)/(\\d+)(?![\\w-])`,
            "gi",
          ),
          read: (match) => issue(match[1], match[2]!),
        });
      }
      return patterns;
    }
    case "gitlab": {
      const patterns = [{
        pattern: /(?<![\w/.#!-])((?:[\w.-]+\/)+[\w.-]+)?([#!])(\d+)(?![\w-])/g,
        read: (match: RegExpExecArray): TicketRef | null => {
          const found = issue(match[1], match[3]!);
          if (found === null || found.kind !== "issue" || match[2] === "#") return found;
          return { kind: "merge_request", repo: found.repo, number: found.number };
        },
      }];
      if (host) {
        patterns.push({
          pattern: new RegExp(
            `https?://${host}/((?:[\\w.-]+/)+[\\w.-]+)/-/(issues|merge_requests)/(\\d+)(?![\\w-])`,
            "gi",
          ),
          read: (match) => {
            const found = issue(match[1], match[3]!);
            if (found === null || found.kind !== "issue" || match[2]!.toLowerCase() === "issues") {
              return found;
            }
            return { kind: "merge_request", repo: found.repo, number: found.number };
          },
        });
      }
      return patterns;
    }
    case "azure_devops": {
      const workItem = (digits: string): TicketRef | null => {
        const id = issueNumber(digits);
        return id === null ? null : { kind: "work_item", id };
      };
      const patterns = [
        {
          pattern: /(?<![\w/.#-])(?:AB)?#(\d+)(?![\w-])/g,
          read: (match: RegExpExecArray) => workItem(match[1]!),
        },
      ];
      if (host) {
        patterns.push({
          pattern: new RegExp(
            `https?://${host}/[^\\s/]+/(?:[^\\s/]+/)?_workitems/edit/(\\d+)(?![\\w-])`,
            "gi",
          ),
          read: (match) => workItem(match[1]!),
        });
      }
      return patterns;
    }
    case "bitbucket": {
      const patterns = [{
        pattern: /(?<![\w/.#-])#(\d+)(?![\w-])/g,
        read: (match: RegExpExecArray) => issue(undefined, match[1]!),
      }];
      if (host) {
        patterns.push({
          pattern: new RegExp(`https?://${host}/([\\w.-]+/[\\w.-]+)/issues/(\\d+)(?![\\w-])`, "gi"),
          read: (match) => issue(match[1], match[2]!),
        });
      }
      return patterns;
    }
    case "bitbucket_server":
      // Bitbucket Data Center has no issue tracker of its own: its tickets are Jira's.
      return [];
  }
}

function jiraPattern(options: ParseOptions) {
  const projects = options.jira?.projects;
  return {
    pattern: /(?<![A-Za-z0-9_-])([A-Z][A-Z0-9_]{1,19})-(\d{1,9})(?![A-Za-z0-9])/g,
    read(match: RegExpExecArray): TicketRef | null {
      const project = match[1]!;
      const allowed = projects && projects.length > 0
        ? projects.includes(project)
        : !NOT_JIRA_PROJECTS.has(project);
      return allowed && Number(match[2]) > 0 ? { kind: "jira", key: `${project}-${Number(match[2])}` } : null;
    },
  };
}

/** Branches made from an issue start with its number: GitLab `12-fix-login`, GitHub `12-fix-login`. */
function branchIssue(options: ParseOptions, branch: string): TicketRef | null {
  if (options.platform !== "github" && options.platform !== "gitlab" && options.platform !== "gitea") {
    return null;
  }
  const match = /^(?:[\w.-]+\/)?(\d{1,9})-[A-Za-z]/.exec(branch);
  const number = match ? issueNumber(match[1]!) : null;
  return number === null ? null : { kind: "issue", number };
}

function isSelf(ref: TicketRef, options: ParseOptions): boolean {
  if (options.number === undefined || ref.kind === "jira" || ref.kind === "work_item") return false;
  if (ref.repo !== undefined || ref.number !== options.number) return false;
  // A GitLab `#N` is an issue and `!N` a merge request: only `!N` is the merge request itself.
  return options.platform !== "gitlab" || ref.kind === "merge_request";
}

/**
 * The tickets the texts refer to, closing references first, each once, at most `options.limit`.
 * @example findTicketReferences({ title: "Login", body: "Fixes #7, see #3" }, { platform: "github", repo: "o/r", limit: 5 })
 *   // → [{ kind: "issue", number: 7 }, { kind: "issue", number: 3 }]
 */
export function findTicketReferences(texts: TicketTexts, options: ParseOptions): TicketRef[] {
  if (options.limit <= 0) return [];
  const found = new Map<string, Found>();
  let order = 0;
  const add = (ref: TicketRef | null, closing: boolean) => {
    if (ref === null || isSelf(ref, options)) return;
    const key = keyOf(ref);
    const earlier = found.get(key);
    if (earlier) earlier.closing ||= closing;
    else found.set(key, { ref, key, closing, order: order++ });
  };
  const patterns = [...platformPatterns(options), ...(options.jira ? [jiraPattern(options)] : [])];
  for (const text of [texts.title, texts.body]) {
    const readable = withoutCode(text);
    const matches: { index: number; ref: TicketRef | null }[] = [];
    for (const { pattern, read } of patterns) {
      for (const match of readable.matchAll(pattern)) matches.push({ index: match.index, ref: read(match) });
    }
    matches.sort((left, right) => left.index - right.index);
    for (const { index, ref } of matches) {
      add(ref, CLOSING.test(readable.slice(Math.max(0, index - 24), index)));
    }
  }
  if (texts.branch) {
    const branch = texts.branch.slice(0, 1_000);
    add(branchIssue(options, branch), false);
    if (options.jira) {
      const jira = jiraPattern(options);
      for (const match of branch.matchAll(jira.pattern)) add(jira.read(match), false);
    }
  }
  return [...found.values()]
    .sort((left, right) => Number(right.closing) - Number(left.closing) || left.order - right.order)
    .slice(0, options.limit)
    .map((entry) => entry.ref);
}

/** How a ticket is named in the prompt and the summary: `issue #12`, `owner/name#12`, `!4`, `work item 9`, `ABC-1`. */
export function ticketLabel(ref: TicketRef): string {
  switch (ref.kind) {
    case "jira":
      return ref.key;
    case "work_item":
      return `work item ${ref.id}`;
    case "merge_request":
      return ref.repo ? `${ref.repo}!${ref.number}` : `merge request !${ref.number}`;
    case "issue":
      return ref.repo ? `${ref.repo}#${ref.number}` : `issue #${ref.number}`;
  }
}
