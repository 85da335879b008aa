/**
 * `@loom ignore <finding>`: stop posting a finding on this pull request (its fingerprints are stored per pull
 * request), and — when the command gives a reason — teach Loom a learning (`lib/learnings/`): the reason is the
 * rule, the finding's normalised title the suppression, the repository (or with `for the organization`, every
 * repository of its organization) and the globs after `in` its scope, the command comment its source. The author
 * already passed the write-access check, so the learning is active at once; the reply links its dashboard page.
 * A retried job proposes the same comment's learning once (`proposeLearning` keys it by the comment id).
 */
import type { Db } from "../db/mod.ts";
import type { Repo } from "../db/repos.ts";
import {
  ignoreFinding,
  listRecordedFindings,
  type PullRequestKey,
  type RecordedFinding,
} from "../db/pull_requests.ts";
import { type Learning, LearningInputError, proposeLearning } from "../learnings/mod.ts";
import { normaliseTitle } from "../review/fingerprint.ts";
import { sanitizeMarkdown } from "../review/sanitize.ts";
import type { IgnoreCommand } from "./parse.ts";

/**
 * The findings an `ignore` argument names: a fingerprint (from a comment's hidden marker), else findings whose
 * title matches exactly after normalisation, else those whose title contains the text.
 */
export function matchFindings(recorded: RecordedFinding[], text: string): RecordedFinding[] {
  const fingerprint = text.trim().toLowerCase();
  if (/^[0-9a-f]{8,64}$/.test(fingerprint)) {
    const found = recorded.filter((finding) => finding.fingerprint === fingerprint);
    return found.length > 0 ? found : [{ fingerprint, title: "", path: "", step: "" }];
  }
  const wanted = normaliseTitle(text);
  if (wanted.length === 0) return [];
  const exact = recorded.filter((finding) => normaliseTitle(finding.title) === wanted);
  if (exact.length > 0) return exact;
  return recorded.filter((finding) => normaliseTitle(finding.title).includes(wanted));
}

/** The dashboard page of one learning. */
export function learningPageUrl(publicUrl: string, learning: Pick<Learning, "id">): string {
  return `${publicUrl.replace(/\/+$/, "")}/learnings/${learning.id}`;
}

/** Carries out an ignore command; `post` sends the one reply. */
export async function ignoreCommand(
  deps: { db: Db; publicUrl: string; now?: () => number },
  input: {
    key: PullRequestKey;
    repo: Repo;
    command: IgnoreCommand;
    author: string;
    commentId: string;
    post(text: string): Promise<void>;
  },
): Promise<void> {
  const { command } = input;
  const matches = matchFindings(await listRecordedFindings(deps.db, input.key), command.finding);
  const titles = [...new Set(matches.map((finding) => finding.title))];
  if (matches.length === 0) {
    await input.post(
      `I could not find a finding called “${command.finding.slice(0, 200)}” on this pull request. ` +
        "Use the title shown in bold in the finding's comment.",
    );
    return;
  }
  if (titles.length > 1) {
    await input.post(
      `“${command.finding.slice(0, 200)}” matches several findings; please give the full title of one:\n\n` +
        titles.slice(0, 10).map((title) => `- ${title}`).join("\n"),
    );
    return;
  }
  for (const finding of matches) {
    await ignoreFinding(deps.db, input.key, {
      fingerprint: finding.fingerprint,
      title: finding.title,
      by: input.author,
    }, deps.now);
  }
  const title = titles[0] ?? "";
  const name = title ? `“${title}”` : `finding ${matches[0]!.fingerprint}`;
  if (command.reason === undefined) {
    await input.post(`🙈 Understood: I will not post ${name} on this pull request again.`);
    return;
  }
  if (title === "") {
    await input.post(
      `🙈 I will not post ${name} on this pull request again, but I cannot remember it for later pull requests: ` +
        "I do not know its title. Give the title shown in bold in the finding's comment instead.",
    );
    return;
  }
  const organization = command.scope === "organization";
  if (organization && input.repo.organizationId === null) {
    await input.post(
      `🙈 I will not post ${name} on this pull request again. This repository belongs to no organization, so ` +
        "I did not remember it for an organization; leave out `for the organization` to remember it here.",
    );
    return;
  }
  let learning: Learning;
  try {
    learning = await proposeLearning(deps.db, {
      orgId: input.repo.organizationId,
      repoId: organization ? null : input.repo.id,
      rule: command.reason,
      pathGlobs: command.paths ?? [],
      suppress: { title },
      source: { kind: "ignore", commentId: input.commentId, prNumber: input.key.prNumber },
      createdBy: input.author,
    }, deps.now?.());
  } catch (error) {
    if (!(error instanceof LearningInputError)) throw error;
    await input.post(
      `🙈 I will not post ${name} on this pull request again, but I could not remember it: ${error.message}.`,
    );
    return;
  }
  const where = organization ? "any repository of this organization" : "this repository";
  const paths = learning.pathGlobs.length === 0
    ? ""
    : ` in ${learning.pathGlobs.map((glob) => `\`${glob.replaceAll("`", "")}\``).join(", ")}`;
  await input.post(
    `🧠 Understood: I will not post ${name} on this pull request, nor on later pull requests in ${where}${paths}, ` +
      `and later reviews get your reason as guidance:\n\n> ${
        sanitizeMarkdown(learning.rule).split("\n").join("\n> ")
      }\n\nSee or change this learning on the dashboard: ${learningPageUrl(deps.publicUrl, learning)}`,
  );
}
