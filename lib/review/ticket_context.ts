/**
 * The tickets a review is given: read once per review from the pull request's title, description and branch
 * (`lib/tickets/`), the same blocks for every chunk and step so calls keep sharing one cached prompt prefix, and
 * the summary's note about tickets that could not be read.
 *
 * Guarantee: reading tickets never fails or holds up a review for long. Each ticket is read through a client of
 * its own whose requests give up after `TICKET_TIMEOUT_MS` (or the server's platform deadline, when shorter) and
 * on the job's signal; a ticket that cannot be read is left out and named in the note. Only the job's
 * cancellation is thrown.
 */
import type { ServerConfig } from "../config/env.ts";
import type { TicketsConfig } from "../config/schema.ts";
import type { Repo } from "../db/repos.ts";
import type { Logger } from "../log.ts";
import { configuredHost } from "../platforms/hosts.ts";
import type { PlatformClient, PullRequest, PullRequestRef } from "../platforms/types.ts";
import { jiraReaderFor } from "../tickets/jira.ts";
import { readTickets, type TicketContext, unreadTicketsNote } from "../tickets/read.ts";
import type { PipelineInput } from "./pipeline_input.ts";

/**
 * Ten seconds: a tracker that answers an issue read slower than that is having trouble, and the ticket is only
 * context; the platform's own deadline (30 s) is for the requests a review cannot do without.
 */
export const TICKET_TIMEOUT_MS = 10_000;

export interface ReviewTickets {
  /** The tickets' blocks for every chunk (absent when there are none). */
  contextFor?: PipelineInput["contextFor"];
  /** Lines for the summary: which tickets were read and which could not be. */
  notes: string[];
}

export interface ReviewTicketsDeps {
  server: ServerConfig;
  log: Logger;
  createClient(
    repo: Repo,
    options?: { signal?: AbortSignal; timeoutMs?: number },
  ): PlatformClient | Promise<PlatformClient>;
}

/** Reads the pull request's tickets for its review, as `tickets` in `.loom/config.yaml` says. */
export async function reviewTickets(
  deps: ReviewTicketsDeps,
  input: { repo: Repo; ref: PullRequestRef; pr: PullRequest; config: TicketsConfig; signal: AbortSignal },
): Promise<ReviewTickets> {
  const context = await readPullRequestTickets(deps, input);
  const notes: string[] = [];
  if (context.blocks.length > 0) {
    notes.push(`Tickets read as context: ${context.blocks.map((block) => block.source).join(", ")}.`);
  }
  const unread = unreadTicketsNote(context.unread);
  if (unread !== null) notes.push(unread);
  if (context.blocks.length === 0) return { notes };
  const blocks = context.blocks.map((block) => ({ ...block }));
  return { contextFor: () => Promise.resolve(blocks), notes };
}

/** The pull request's tickets, read with a short deadline; none when `tickets.enabled` is false. */
export async function readPullRequestTickets(
  deps: ReviewTicketsDeps,
  input: { repo: Repo; ref: PullRequestRef; pr: PullRequest; config: TicketsConfig; signal: AbortSignal },
): Promise<TicketContext> {
  if (!input.config.enabled) return { blocks: [], unread: [] };
  const timeoutMs = Math.min(deps.server.platformTimeoutMs, TICKET_TIMEOUT_MS);
  const client = await deps.createClient(input.repo, { signal: input.signal, timeoutMs });
  return await readTickets({
    client,
    ref: input.ref,
    texts: { title: input.pr.title, body: input.pr.body, branch: input.pr.headRef },
    // Rows saved before hosts were stored have none: the configured instance is theirs.
    host: input.repo.host || configuredHost(input.repo.platform, deps.server) || undefined,
    max: input.config.max,
    jira: jiraReaderFor(deps.server, { timeoutMs }),
    signal: input.signal,
    log: deps.log,
  });
}
