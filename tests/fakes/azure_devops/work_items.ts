/**
 * The fake Azure DevOps' work items: `GET {project}/_apis/wit/workitems/{id}` answers a seeded work item (its
 * fields keyed by reference name, the description as HTML, as Azure DevOps stores it), and
 * `GET …/pullRequests/{id}/workitems` lists the ones linked to a pull request as `ResourceRef`s. Typed by
 * `azure-devops-node-api`'s interfaces; an unknown work item answers 404 with Azure DevOps' error shape.
 */
import type { ResourceRef } from "azure-devops-node-api/interfaces/common/VSSInterfaces";
import type { WorkItem } from "azure-devops-node-api/interfaces/WorkItemTrackingInterfaces";
import type { Route, RouteContext } from "../server_core.ts";
import { type Wire, wireJson } from "./wire.ts";

export interface FakeWorkItem {
  id: number;
  /** `Bug`, `User Story`, `Task`, … */
  type?: string;
  title: string;
  /** HTML, as Azure DevOps keeps `System.Description`. */
  description?: string;
  /** A bug's `Microsoft.VSTS.TCM.ReproSteps`, HTML. */
  reproSteps?: string;
  state?: string;
}

export interface FakeWorkItemState {
  /** Seeds a work item in `project`. */
  addWorkItem(project: string, item: FakeWorkItem): void;
  /** Links a work item to a pull request (`project/repo`), as the pull request's "Work items" panel does. */
  linkWorkItem(repo: string, number: number, id: number): void;
}

/** The work items' store and routes; `pullRequest` is the fake's pull-request path pattern. */
export function createFakeWorkItems(pullRequest: string) {
  const items = new Map<string, FakeWorkItem>();
  const links = new Map<string, number[]>();
  type Context = RouteContext<undefined>;
  const notFound = (id: string) =>
    Response.json({
      $id: "1",
      message: `TF401232: Work item ${id} does not exist, or you do not have permissions to read it.`,
      typeKey: "WorkItemUnauthorizedAccessException",
      errorCode: 0,
    }, { status: 404 });
  const state: FakeWorkItemState = {
    addWorkItem: (project, item) => void items.set(`${project.toLowerCase()}#${item.id}`, item),
    linkWorkItem(repo, number, id) {
      const key = `${repo.toLowerCase()}#${number}`;
      links.set(key, [...(links.get(key) ?? []), id]);
    },
  };
  const routes = (checked: (handler: (context: Context) => Response) => (context: Context) => Response) =>
    [
      {
        method: "GET",
        path: "/:org/:project/_apis/wit/workitems/:id",
        handler: checked((context) => {
          const item = items.get(`${context.params.project!.toLowerCase()}#${context.params.id}`);
          if (!item) return notFound(context.params.id!);
          const api =
            `${context.url.origin}/${context.params.org}/${context.params.project}/_apis/wit/workItems/${item.id}`;
          const fields: Record<string, unknown> = {
            "System.Id": item.id,
            "System.TeamProject": context.params.project,
            "System.WorkItemType": item.type ?? "User Story",
            "System.State": item.state ?? "New",
            "System.Title": item.title,
            "System.CreatedDate": "2025-01-01T00:00:00.000Z",
          };
          if (item.description !== undefined) fields["System.Description"] = item.description;
          if (item.reproSteps !== undefined) fields["Microsoft.VSTS.TCM.ReproSteps"] = item.reproSteps;
          return wireJson<Wire<WorkItem>>({
            id: item.id,
            rev: 1,
            fields,
            url: api,
            _links: {
              self: { href: api },
              html: {
                href:
                  `${context.url.origin}/${context.params.org}/${context.params.project}/_workitems/edit/${item.id}`,
              },
            },
          });
        }),
      },
      {
        method: "GET",
        path: `${pullRequest}/workitems`,
        handler: checked((context) => {
          const repo = `${context.params.project}/${context.params.repo}`.toLowerCase();
          const ids = links.get(`${repo}#${context.params.id}`) ?? [];
          const value = ids.map((id): ResourceRef => ({
            id: String(id),
            url: `${context.url.origin}/${context.params.org}/_apis/wit/workItems/${id}`,
          }));
          return wireJson<{ count: number; value: ResourceRef[] }>({ count: value.length, value });
        }),
      },
    ] satisfies Route[];
  return { state, routes };
}
