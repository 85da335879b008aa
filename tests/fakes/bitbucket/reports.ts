/**
 * The fake Bitbucket's Code Insights (`PUT …/commit/{commit}/reports/{reportId}`, `POST …/annotations`), held to
 * Bitbucket's published rules: a report needs `title`, `details` (at most 2,000 characters) and a `report_type`
 * of SECURITY, COVERAGE, TEST or BUG, and its `result` is PASSED, FAILED or PENDING; a `PUT` of an existing report
 * replaces it and drops its annotations; annotations come at most 100 per request and 1,000 per report, each
 * with an `external_id`, an `annotation_type` of VULNERABILITY, CODE_SMELL or BUG and a `summary`.
 */
import type { components } from "@coderabbitai/bitbucket/cloud/openapi";
import type { RouteContext } from "../server_core.ts";
import type { Strict } from "../strict.ts";

/** A report and an annotation as Bitbucket Cloud's published OpenAPI description types them. */
type ReportJson = Strict<components["schemas"]["report"]>;
type AnnotationJson = Strict<components["schemas"]["report_annotation"]>;

export interface FakeReportAnnotation {
  externalId: string;
  type: NonNullable<AnnotationJson["annotation_type"]>;
  path?: string;
  line?: number;
  summary: string;
  details?: string;
  severity?: AnnotationJson["severity"];
  result?: AnnotationJson["result"];
}

export interface FakeReport {
  repo: string;
  /** The full commit hash the report belongs to. */
  commit: string;
  id: string;
  title: string;
  details: string;
  reportType: NonNullable<ReportJson["report_type"]>;
  result?: ReportJson["result"];
  link?: string;
  annotations: FakeReportAnnotation[];
  /** How many annotations each `POST` carried. */
  annotationRequests: number[];
}

type Values<T> = readonly NonNullable<T>[];
const REPORT_TYPES: Values<ReportJson["report_type"]> = ["SECURITY", "COVERAGE", "TEST", "BUG"];
const RESULTS: Values<ReportJson["result"]> = ["PASSED", "FAILED", "PENDING"];
const ANNOTATION_TYPES: Values<AnnotationJson["annotation_type"]> = ["VULNERABILITY", "CODE_SMELL", "BUG"];
const SEVERITIES: Values<AnnotationJson["severity"]> = ["CRITICAL", "HIGH", "MEDIUM", "LOW"];
const ANNOTATION_RESULTS: Values<AnnotationJson["result"]> = ["PASSED", "FAILED", "SKIPPED", "IGNORED"];

/** `value` as one of `names`, or undefined when it is none of them. */
const oneOf = <T extends string>(names: readonly T[], value: unknown): T | undefined =>
  names.find((name) => name === value);

function invalid(message: string): Response {
  return Response.json({ type: "error", error: { message } }, { status: 400 });
}

/**
 * The two handlers of one fake.
 * @param resolveCommit the full hash of a known commit of `repo`, or undefined
 */
export function reportHandlers(
  reports: FakeReport[],
  resolveCommit: (repo: string, sha: string) => string | undefined,
) {
  const find = (repo: string, commit: string, id: string) =>
    reports.find((item) => item.repo === repo && item.commit === commit && item.id === id);
  const target = (context: RouteContext<unknown>) => {
    const repo = `${context.params.workspace}/${context.params.slug}`;
    return { repo, commit: resolveCommit(repo, context.params.sha!), id: context.params.report! };
  };

  return {
    put(context: RouteContext<unknown>) {
      const { repo, commit, id } = target(context);
      if (commit === undefined) return invalid(`Commit not found: ${context.params.sha}`);
      const input = (context.body ?? {}) as Record<string, unknown>;
      if (typeof input.title !== "string" || input.title === "") {
        return invalid("title: This field is required.");
      }
      if (typeof input.details !== "string") return invalid("details: This field is required.");
      if (input.details.length > 2000) {
        return invalid("details: Ensure this value has at most 2000 characters.");
      }
      const reportType = oneOf(REPORT_TYPES, input.report_type);
      if (!reportType) {
        return invalid("report_type: This field is required and must be SECURITY, COVERAGE, TEST or BUG.");
      }
      const result = oneOf(RESULTS, input.result);
      if (input.result !== undefined && !result) return invalid("result: Invalid.");
      const report: FakeReport = {
        repo,
        commit,
        id,
        title: input.title,
        details: input.details,
        reportType,
        result,
        link: typeof input.link === "string" ? input.link : undefined,
        annotations: [],
        annotationRequests: [],
      };
      const existing = reports.findIndex((item) => item === find(repo, commit, id));
      if (existing >= 0) reports.splice(existing, 1);
      reports.push(report);
      return Response.json(
        {
          type: "report",
          uuid: `{${crypto.randomUUID()}}`,
          "external_id": id,
          title: report.title,
          details: report.details,
          "report_type": report.reportType,
          result: report.result,
          link: report.link,
          "created_on": new Date().toISOString(),
          "updated_on": new Date().toISOString(),
        } satisfies ReportJson,
      );
    },
    annotate(context: RouteContext<unknown>) {
      const { repo, commit, id } = target(context);
      const report = commit === undefined ? undefined : find(repo, commit, id);
      if (report === undefined) {
        return Response.json({ type: "error", error: { message: "Report not found" } }, { status: 404 });
      }
      const list = context.body;
      if (!Array.isArray(list)) return invalid("The body must be a list of annotations.");
      if (list.length > 100) return invalid("At most 100 annotations can be created per request.");
      if (report.annotations.length + list.length > 1000) {
        return invalid("A report can have at most 1000 annotations.");
      }
      const created: FakeReportAnnotation[] = [];
      for (const item of list as Record<string, unknown>[]) {
        if (typeof item.external_id !== "string" || item.external_id === "") {
          return invalid("external_id: This field is required.");
        }
        const type = oneOf(ANNOTATION_TYPES, item.annotation_type);
        if (!type) return invalid("annotation_type: This field is required.");
        if (typeof item.summary !== "string" || item.summary === "") {
          return invalid("summary: This field is required.");
        }
        const severity = oneOf(SEVERITIES, item.severity);
        if (item.severity !== undefined && !severity) return invalid("severity: Invalid.");
        const result = oneOf(ANNOTATION_RESULTS, item.result);
        if (item.result !== undefined && !result) return invalid("result: Invalid.");
        created.push({
          externalId: item.external_id,
          type,
          path: typeof item.path === "string" ? item.path : undefined,
          line: typeof item.line === "number" ? item.line : undefined,
          summary: item.summary,
          details: typeof item.details === "string" ? item.details : undefined,
          severity,
          result,
        });
      }
      // Annotations are keyed by external id: a repeated one replaces the earlier.
      for (const annotation of created) {
        const index = report.annotations.findIndex((item) => item.externalId === annotation.externalId);
        if (index >= 0) report.annotations.splice(index, 1);
        report.annotations.push(annotation);
      }
      report.annotationRequests.push(created.length);
      return Response.json(created.map((annotation) => ({
        type: "report_annotation",
        uuid: `{${crypto.randomUUID()}}`,
        "external_id": annotation.externalId,
        "annotation_type": annotation.type,
        path: annotation.path,
        line: annotation.line,
        summary: annotation.summary,
        details: annotation.details,
        severity: annotation.severity,
        result: annotation.result,
      } satisfies AnnotationJson)));
    },
  };
}
