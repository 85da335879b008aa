/**
 * GitHub's snapshot of a repository at one commit (`GET /repos/{owner}/{repo}/tarball/{ref}`): GitHub answers
 * 302 to `codeload.github.com` with a short-lived token in the URL, and `fetch` follows it (dropping the
 * `Authorization` header, which codeload does not need). The body is read as it arrives (`readTarGz`), never
 * buffered whole: Octokit is asked for the unparsed body.
 */
import type { Octokit } from "@octokit/rest";
import { readTarGz } from "../archive.ts";
import type { PullRequestRef, ReadsArchive } from "../types.ts";

export type { ReadsArchive };

/** The `getArchive` ability of a GitHub client; `call` turns failures into `PlatformError`s like its others. */
export function githubArchive(
  octokit: Octokit,
  splitRepo: (pr: PullRequestRef) => { owner: string; repo: string },
  call: <T>(action: string, run: () => Promise<T>) => Promise<T>,
): ReadsArchive {
  return {
    getArchive(pr, sha, options = {}) {
      const { owner, repo } = splitRepo(pr);
      return call(`download the archive of "${pr.repo}" at ${sha}`, async () => {
        const response = await octokit.request("GET /repos/{owner}/{repo}/tarball/{ref}", {
          owner,
          repo,
          ref: sha,
          request: { parseSuccessResponseBody: false, signal: options.signal },
        });
        const body = response.data as unknown;
        if (!(body instanceof ReadableStream)) {
          throw new TypeError(`GitHub answered the archive of "${pr.repo}" without a body`);
        }
        return readTarGz(body as ReadableStream<Uint8Array<ArrayBuffer>>, options.limits);
      });
    },
  };
}
