/**
 * The fake Data Center's Code Insights (`/rest/insights/1.0/projects/{key}/repos/{slug}/commits/{id}/reports/{key}`
 * and its `/annotations`), held to the published REST rules: a report needs a `title` (at most 450 characters),
 * `details` at most 2,000, a `result` of PASS or FAIL; a `PUT` replaces the report; annotations come as
 * `{annotations: [...]}`, at most 1,000 per report, each with a `message` (at most 2,000 characters) and a
 * `severity` of LOW, MEDIUM or HIGH; `DELETE …/annotations` removes them all.
 */
import type { RouteContext } from "../server_core.ts";

/** Data Center's error envelope (the same as `permissions.ts` writes, kept here so the types stay acyclic). */
function errorResponse(status: number, message: string, exceptionName: string): Response {
  return Response.json({ errors: [{ context: null, message, exceptionName }] }, { status });
}

export interface FakeInsightAnnotation {
  externalId?: string;
  path?: string;
  line?: number;
  message: string;
  severity: string;
  type?: string;
}

export interface FakeInsightReport {
  repo: string;
  commit: string;
  key: string;
  title: string;
  details?: string;
  result?: string;
  link?: string;
  annotations: FakeInsightAnnotation[];
}

const RESULTS = new Set(["PASS", "FAIL"]);
const SEVERITIES = new Set(["LOW", "MEDIUM", "HIGH"]);
const TYPES = new Set(["BUG", "CODE_SMELL", "VULNERABILITY"]);

function invalid(message: string): Response {
  return errorResponse(400, message, "com.atlassian.bitbucket.validation.ArgumentValidationException");
}

/** The three handlers of one fake. */
export function insightHandlers(reports: FakeInsightReport[]) {
  const where = (context: RouteContext<string>) => ({
    repo: `${context.params.project}/${context.params.slug}`,
    commit: context.params.sha!,
    key: context.params.report!,
  });
  const find = (context: RouteContext<string>) => {
    const { repo, commit, key } = where(context);
    return reports.find((item) => item.repo === repo && item.commit === commit && item.key === key);
  };
  const missing = () =>
    errorResponse(404, "No report exists for this key", "com.atlassian.bitbucket.NoSuchEntityException");

  return {
    put(context: RouteContext<string>) {
      const input = (context.body ?? {}) as Record<string, unknown>;
      if (typeof input.title !== "string" || input.title === "" || input.title.length > 450) {
        return invalid("title must be between 1 and 450 characters");
      }
      if (input.details !== undefined && (typeof input.details !== "string" || input.details.length > 2000)) {
        return invalid("details must be at most 2000 characters");
      }
      if (input.result !== undefined && !RESULTS.has(String(input.result))) {
        return invalid("result must be PASS or FAIL");
      }
      const existing = find(context);
      if (existing) reports.splice(reports.indexOf(existing), 1);
      const report: FakeInsightReport = {
        ...where(context),
        title: input.title,
        details: input.details as string | undefined,
        result: input.result as string | undefined,
        link: typeof input.link === "string" ? input.link : undefined,
        annotations: existing?.annotations ?? [],
      };
      reports.push(report);
      return Response.json({
        key: report.key,
        title: report.title,
        details: report.details,
        result: report.result,
        reporter: input.reporter,
        link: report.link,
        createdDate: Date.now(),
        data: [],
      });
    },
    clear(context: RouteContext<string>) {
      const report = find(context);
      if (report === undefined) return missing();
      report.annotations.length = 0;
      return new Response(null, { status: 204 });
    },
    annotate(context: RouteContext<string>) {
      const report = find(context);
      if (report === undefined) return missing();
      const list = (context.body as { annotations?: unknown } | null)?.annotations;
      if (!Array.isArray(list)) return invalid("annotations is required");
      if (report.annotations.length + list.length > 1000) {
        return invalid("A report can have at most 1000 annotations");
      }
      const added: FakeInsightAnnotation[] = [];
      for (const item of list as Record<string, unknown>[]) {
        if (typeof item.message !== "string" || item.message === "" || item.message.length > 2000) {
          return invalid("message must be between 1 and 2000 characters");
        }
        if (!SEVERITIES.has(String(item.severity))) return invalid("severity must be LOW, MEDIUM or HIGH");
        if (item.type !== undefined && !TYPES.has(String(item.type))) return invalid("type is not valid");
        added.push({
          externalId: typeof item.externalId === "string" ? item.externalId : undefined,
          path: typeof item.path === "string" ? item.path : undefined,
          line: typeof item.line === "number" ? item.line : undefined,
          message: item.message,
          severity: String(item.severity),
          type: item.type === undefined ? undefined : String(item.type),
        });
      }
      report.annotations.push(...added);
      return new Response(null, { status: 204 });
    },
  };
}
