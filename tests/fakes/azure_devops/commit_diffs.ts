/**
 * The fake's `GET …/diffs/commits` (`GitCommitDiffs`): the paths that differ between the common commit of two
 * commits and the target, with folders listed as Azure DevOps lists them, `$top`/`$skip` paging with
 * `allChangesIncluded`, ahead/behind counts, and TF401175 (404) for a commit the repository does not have. A
 * commit's ancestors are the pull request's target commit and the heads of its earlier iterations.
 */
import { azureError } from "./shapes.ts";
import type { StoredPullRequest } from "./types.ts";
import type { CommitChangeWire, CommitDiffsWire } from "./wire.ts";

export interface CommitDiffsInput {
  repo: string;
  url: URL;
  commitTree: (repo: string, sha: string) => Map<string, string> | undefined;
  pullRequests: Iterable<StoredPullRequest>;
}

/** Commits of one line of history, oldest first: the target commit, then each iteration's head. */
function histories(repo: string, pullRequests: Iterable<StoredPullRequest>): string[][] {
  return [...pullRequests].filter((pr) => pr.seed.repo.toLowerCase() === repo.toLowerCase()).map((pr) =>
    [pr.seed.baseSha, ...pr.iterations.map((iteration) => iteration.sourceCommit)].map((sha) =>
      sha.toLowerCase()
    )
  );
}

export function commitDiffs(input: CommitDiffsInput): Response {
  const search = input.url.searchParams;
  const base = (search.get("baseVersion") ?? "").toLowerCase();
  const target = (search.get("targetVersion") ?? "").toLowerCase();
  for (
    const [sha, type] of [[base, search.get("baseVersionType")], [target, search.get("targetVersionType")]]
  ) {
    if (type !== "commit" || input.commitTree(input.repo, sha ?? "") === undefined) {
      return azureError(
        404,
        `TF401175: The version descriptor <Commit: ${sha}> could not be resolved to a version on the repository.`,
        "GitUnresolvableToCommitException",
      );
    }
  }
  const line = histories(input.repo, input.pullRequests).find((shas) => shas.includes(target)) ?? [target];
  const baseIndex = line.indexOf(base);
  const targetIndex = line.indexOf(target);
  const ancestor = baseIndex >= 0 && baseIndex <= targetIndex;
  // Without a known ancestry the line's first commit (the pull request's target) is the common one.
  const common = search.get("diffCommonCommit") === "true" ? (ancestor ? base : line[0]!) : base;
  const before = input.commitTree(input.repo, common)!;
  const after = input.commitTree(input.repo, target)!;
  const changes: CommitChangeWire[] = [];
  const folders = new Set<string>();
  for (const path of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const old = before.get(path);
    const current = after.get(path);
    if (old === current) continue;
    for (let slash = path.indexOf("/"); slash > 0; slash = path.indexOf("/", slash + 1)) {
      folders.add(path.slice(0, slash));
    }
    changes.push({
      item: { objectId: `blob-${path}`, gitObjectType: "blob", commitId: target, path: `/${path}` },
      changeType: old === undefined ? "add" : current === undefined ? "delete" : "edit",
    });
  }
  const listed = [
    ...[...folders].sort().map((folder): CommitChangeWire => ({
      item: { gitObjectType: "tree", commitId: target, path: `/${folder}`, isFolder: true },
      changeType: "edit",
    })),
    ...changes,
  ];
  const top = Number(search.get("$top") ?? 100);
  const skip = Number(search.get("$skip") ?? 0);
  const page = listed.slice(skip, skip + top);
  return Response.json(
    {
      allChangesIncluded: skip === 0 && page.length === listed.length,
      changeCounts: { Edit: changes.length },
      changes: page,
      commonCommit: common,
      baseCommit: base,
      targetCommit: target,
      aheadCount: ancestor ? targetIndex - baseIndex : 1,
      behindCount: ancestor ? 0 : 1,
    } satisfies CommitDiffsWire,
  );
}
