/**
 * Loom's own comments on a pull request: the only ones whose hidden markers count (`lib/markers.ts`). The
 * identity comes from the platform for the client's credential (GitHub's GraphQL `viewer`, GitLab's and
 * Gitea's `/user`, Bitbucket's `/user`, Azure DevOps' `connectionData`), so a comment anyone else wrote is
 * never taken for Loom's, whatever it contains.
 */
import { ownComments } from "../markers.ts";
import type { ExistingComment, PlatformClient, PullRequestRef } from "./types.ts";

/** The comments on `pr` that `client`'s identity wrote. */
export async function listOwnComments(
  client: Pick<PlatformClient, "listComments" | "identity">,
  pr: PullRequestRef,
): Promise<ExistingComment[]> {
  const [comments, identity] = await Promise.all([client.listComments(pr), client.identity()]);
  return ownComments(comments, identity);
}

/**
 * Remembers the first successful answer of `ask`; a failed one is asked again next time.
 */
export function rememberIdentity<T>(ask: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= ask().catch((error) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
