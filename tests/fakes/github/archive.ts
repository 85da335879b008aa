/**
 * The fake GitHub's repository snapshots, served as GitHub serves them: `GET /repos/{owner}/{repo}/tarball/{ref}`
 * answers 302 to codeload with a short-lived token in the query (the only documented answer besides errors), and
 * the codeload URL answers the gzip-compressed tar of the files the fake holds at that ref, under GitHub's top
 * folder `owner-repo-<short sha>/`, without asking for the `Authorization` header (`fetch` drops it on a
 * cross-origin redirect; the token in the URL is the credential). The codeload path sits under the fake's API
 * prefix, since a fake has one origin.
 */
import type { Route, RouteContext } from "../server_core.ts";
import { archiveResponse } from "../archive.ts";
import { fakeSha } from "./diff.ts";
import { RouteError } from "./shapes.ts";
import type { GitHubStore } from "./state.ts";
import type { FakeUser } from "./types.ts";

/** The two routes; `api()` is the fake's API base URL. */
export function githubArchiveRoutes(store: GitHubStore, api: () => string): Route<FakeUser>[] {
  const downloads = new Map<string, { repo: string; ref: string }>();
  const redirect = (context: RouteContext<FakeUser>) => {
    const repo = `${context.params.owner}/${context.params.repo}`;
    const ref = context.params.ref!;
    if (!store.blobs.has(`${repo}@${ref}`)) throw new RouteError(404, "Not Found");
    const token = `GHSAT0AAAAA${fakeSha(`${repo}@${ref}:${downloads.size}`).slice(0, 24).toUpperCase()}`;
    downloads.set(token, { repo, ref });
    const location = `${api()}/_codeload/${repo}/legacy.tar.gz/${ref}?token=${token}`;
    return new Response(null, { status: 302, headers: { location } });
  };
  const download = (context: RouteContext<FakeUser>) => {
    const grant = downloads.get(context.url.searchParams.get("token") ?? "");
    const repo = `${context.params.owner}/${context.params.repo}`;
    if (grant === undefined || grant.repo !== repo || grant.ref !== context.params.ref) {
      return new Response("404: Not Found", { status: 404, headers: { "content-type": "text/plain" } });
    }
    const files = store.blobs.get(`${repo}@${grant.ref}`)!;
    const sha = /^[0-9a-f]{40}$/.test(grant.ref) ? grant.ref : fakeSha(`${repo}@${grant.ref}`);
    const folder = `${repo.replace("/", "-")}-${sha.slice(0, 7)}`;
    return archiveResponse(`${folder}.tar.gz`, folder, files, sha);
  };
  return [
    { method: "GET", path: "/repos/:owner/:repo/tarball/:ref", handler: redirect },
    { method: "GET", path: "/_codeload/:owner/:repo/legacy.tar.gz/:ref", public: true, handler: download },
  ];
}
