/**
 * Decides whether Loom may spend for an author on a public repository: at most
 * `LOOM_PUBLIC_AUTHOR_HOURLY_BUDGET` automatic reviews and command replies per author per organization in any
 * sliding hour (`lib/db/author_budget.ts`). Anyone can open pull requests or comment on a public repository, and
 * each push is a review and each reply a post, all paid by the owner; the budget caps what a stranger can spend.
 * Private repositories (and those whose webhook did not say, counted as private), a budget of 0 and authors with
 * write access are never limited. Write access is asked of the platform only once the budget is spent, so the
 * common case costs no platform call.
 */
import type { ServerConfig } from "../config/env.ts";
import { type AuthorSpendKind, budgetScope, takeAuthorBudgetSlot } from "../db/author_budget.ts";
import type { Db } from "../db/mod.ts";
import type { Logger } from "../log.ts";
import { canCheckWriteAccess, type PlatformClient, type PullRequestRef } from "../platforms/types.ts";

export type AuthorBudgetDecision = { allowed: true } | { allowed: false; reason: string; nextStep: string };

/**
 * Takes a slot of the author's budget, or says why not.
 * @param input.isMaintainer whether the author may write to the repository; called only when the budget is spent
 */
export async function checkAuthorBudget(
  deps: { db: Db; server: Pick<ServerConfig, "publicAuthorHourlyBudget">; log: Logger; now?: () => number },
  input: {
    repo: { id: number; organizationId: number | null; fullName: string };
    author: string;
    kind: AuthorSpendKind;
    repoPublic: boolean | undefined;
    isMaintainer(): Promise<boolean>;
  },
): Promise<AuthorBudgetDecision> {
  const limit = deps.server.publicAuthorHourlyBudget;
  if (input.repoPublic !== true || limit === 0) return { allowed: true };
  const slot = await takeAuthorBudgetSlot(deps.db, {
    scope: budgetScope(input.repo),
    author: input.author,
    kind: input.kind,
    limit,
    now: (deps.now ?? Date.now)(),
  });
  if (slot.granted || await input.isMaintainer()) return { allowed: true };
  const reason = `Hourly budget spent: @${input.author} caused ${slot.spent} automatic reviews and command ` +
    `replies on public repositories in the last hour, the limit is ${limit}`;
  deps.log.info("Author budget spent, skipping", {
    repo: input.repo.fullName,
    author: input.author,
    kind: input.kind,
    spent: slot.spent,
    limit,
  });
  return {
    allowed: false,
    reason,
    nextStep: "A maintainer can comment `@loom review` to review it now; the budget " +
      "(LOOM_PUBLIC_AUTHOR_HOURLY_BUDGET) frees up as the hour passes.",
  };
}

/** The webhook's word on the author's write access, else the platform's permission API. */
export async function authorIsMaintainer(
  client: PlatformClient,
  ref: PullRequestRef,
  author: string,
  fromWebhook: boolean | undefined,
): Promise<boolean> {
  if (fromWebhook !== undefined) return fromWebhook;
  return canCheckWriteAccess(client) ? await client.canWrite(ref, { login: author }) : false;
}
