/**
 * Reading the work items a pull request refers to (`ReadsIssues`): those linked to the pull request
 * (`GET …/pullRequests/{id}/workitems`, the "Work items" panel) and those named in its text (`AB#12`, `#12`),
 * each read with `GET {project}/_apis/wit/workitems/{id}`. Azure DevOps keeps a work item's description (and a
 * bug's repro steps, and acceptance criteria) as HTML; it is given to the model as plain text.
 */
import { z } from "zod";
import { ticketKindMissing } from "../errors.ts";
import { type IssueRef, type IssueText, type PullRequestRef, type ReadsIssues } from "../types.ts";
import type { AzureCall } from "./permission.ts";
import { List } from "./schema.ts";

/** `ResourceRef` of a linked work item: its id as a string. */
const LinkedWorkItem = z.object({ id: z.string(), url: z.string().optional() });

const WorkItem = z.object({
  id: z.number(),
  fields: z.record(z.string(), z.unknown()),
  _links: z.object({ html: z.object({ href: z.string() }).optional() }).optional(),
});

/** The HTML fields that say what a work item asks, in the order they are shown. */
const TEXT_FIELDS = [
  ["System.Description", ""],
  ["Microsoft.VSTS.TCM.ReproSteps", "Repro steps"],
  ["Microsoft.VSTS.Common.AcceptanceCriteria", "Acceptance criteria"],
] as const;

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " " };

/** Azure DevOps' rich-text HTML as plain text: block ends become line breaks, tags go, entities are decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, "")
    .replace(/<br\s*\/?>|<\/(p|div|li|h[1-6]|tr)\s*>/gi, "\n")
    .replace(/<li\b[^>]*>/gi, "- ")
    .replace(/<[^>]*>/g, "")
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (entity, name: string) => {
      if (name.startsWith("#x") || name.startsWith("#X")) {
        return String.fromCodePoint(parseInt(name.slice(2), 16));
      }
      if (name.startsWith("#")) return String.fromCodePoint(Number(name.slice(1)));
      return ENTITIES[name.toLowerCase()] ?? entity;
    })
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** The work-item ability of an Azure DevOps client; `repositoryApi` is `…/{project}/_apis/git/repositories/{repo}`. */
export function createAzureWorkItems(call: AzureCall, repositoryApi: (repo: string) => string): ReadsIssues {
  return {
    async listLinkedIssues(pr: PullRequestRef): Promise<IssueRef[]> {
      const linked = await call(
        List(LinkedWorkItem),
        `list the work items linked to pull request ${pr.repo}!${pr.number}`,
        `${repositoryApi(pr.repo)}/pullRequests/${pr.number}/workitems`,
      );
      return (linked?.value ?? []).flatMap((item) => {
        const id = Number(item.id);
        return Number.isSafeInteger(id) && id > 0 ? [{ kind: "work_item" as const, id }] : [];
      });
    },

    async getIssue(pr: PullRequestRef, issue: IssueRef): Promise<IssueText> {
      if (issue.kind !== "work_item") {
        throw ticketKindMissing(
          "azure_devops",
          `Cannot read a ${issue.kind} from Azure DevOps: it has work items`,
        );
      }
      const project = repositoryApi(pr.repo).replace(/\/_apis\/git\/repositories\/[^/]+$/, "");
      const item =
        (await call(WorkItem, `read work item ${issue.id}`, `${project}/_apis/wit/workitems/${issue.id}`))!;
      const text = (name: string) =>
        typeof item.fields[name] === "string" ? htmlToText(item.fields[name]) : "";
      const body = TEXT_FIELDS.flatMap(([name, heading]) => {
        const value = text(name);
        return value === "" ? [] : [heading === "" ? value : `${heading}:\n${value}`];
      }).join("\n\n");
      const type = typeof item.fields["System.WorkItemType"] === "string"
        ? `${item.fields["System.WorkItemType"]}: `
        : "";
      return {
        title: `${type}${String(item.fields["System.Title"] ?? `Work item ${issue.id}`)}`,
        body,
        state: typeof item.fields["System.State"] === "string" ? item.fields["System.State"] : undefined,
        url: item._links?.html?.href,
      };
    },
  };
}
