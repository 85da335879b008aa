/**
 * Reads the tickets a pull request refers to and turns them into context blocks for the model: at most `max`
 * tickets, each cut to `MAX_TICKET_CHARS`, all read at once under the caller's deadline and the job's signal.
 *
 * Guarantee: ticket context never fails what it feeds. A ticket that is missing (404), forbidden (401/403), slow
 * past the deadline or unreachable is left out, logged, and named in `unread` so the summary can say it could not
 * be read; only the job's own cancellation is thrown. The text is untrusted: the caller fences and redacts it
 * like the diff (`renderContextBlocks`, `redactMessages`).
 */
import type { Logger } from "../log.ts";
import {
  canReadIssues,
  type IssueRef,
  type IssueText,
  type PlatformClient,
  type PullRequestRef,
} from "../platforms/types.ts";
import { findTicketReferences, ticketLabel, type TicketRef, type TicketTexts } from "./parse.ts";

/**
 * About 1,500 tokens at the 4 characters per token of English prose: five tickets add at most ~7,500 tokens to
 * a call whose diff budget is 24,000, and a ticket's first 6,000 characters hold what it asks for.
 */
export const MAX_TICKET_CHARS = 6_000;
/** A backtick run longer than this is shortened, so a hostile issue cannot make the prompt's fence huge. */
const MAX_BACKTICK_RUN = 10;

/** A ticket as the model is given it: structurally a `ContextBlock` of kind "ticket". */
export interface TicketBlock {
  kind: "ticket";
  /** `issue #12`, `merge request !4`, `work item 9`, `ABC-123`. */
  source: string;
  text: string;
}

/** A ticket that was referred to but could not be read, and why (for the log and the summary). */
export interface UnreadTicket {
  source: string;
  reason: string;
}

export interface TicketContext {
  blocks: TicketBlock[];
  unread: UnreadTicket[];
}

/** Reads one Jira issue by key (`jira.ts`); absent when Jira is not configured. */
export interface JiraReader {
  /** Project keys Jira references are limited to; empty for any. */
  readonly projects: readonly string[];
  getIssue(key: string, signal: AbortSignal): Promise<IssueText>;
}

export interface ReadTicketsOptions {
  client: PlatformClient;
  ref: PullRequestRef;
  texts: TicketTexts;
  /** The platform's web host, for full issue URLs. */
  host?: string;
  /** Most tickets read. */
  max: number;
  jira?: JiraReader | null;
  /** The job's signal: a cancelled job stops reading and the cancellation is thrown. */
  signal: AbortSignal;
  log: Logger;
}

/** The referred tickets' text, and the ones that could not be read. */
export async function readTickets(options: ReadTicketsOptions): Promise<TicketContext> {
  const { client, ref, signal } = options;
  const readsIssues = canReadIssues(client);
  const refs: TicketRef[] = [];
  if (readsIssues && client.listLinkedIssues) {
    try {
      refs.push(...(await client.listLinkedIssues(ref)).slice(0, options.max));
    } catch (error) {
      signal.throwIfAborted();
      options.log.warn("Cannot list the tickets linked to the pull request", {
        pr: ref,
        error: message(error),
      });
    }
  }
  const named = findTicketReferences(options.texts, {
    platform: client.platform,
    repo: ref.repo,
    number: ref.number,
    host: options.host,
    jira: options.jira ? { projects: options.jira.projects } : undefined,
    limit: options.max,
  }).filter((found) => readsIssues || found.kind === "jira");
  const seen = new Set(refs.map(ticketLabel));
  for (const found of named) if (!seen.has(ticketLabel(found))) refs.push(found);
  const chosen = refs.slice(0, options.max);

  const results = await Promise.all(chosen.map(async (ticket) => {
    const source = ticketLabel(ticket);
    try {
      const text = ticket.kind === "jira"
        ? await options.jira!.getIssue(ticket.key, signal)
        : await (client as PlatformClient & {
          getIssue(pr: PullRequestRef, issue: IssueRef): Promise<IssueText>;
        })
          .getIssue(ref, ticket);
      return { block: { kind: "ticket" as const, source, text: renderTicket(text) } };
    } catch (error) {
      signal.throwIfAborted();
      const reason = message(error);
      options.log.warn("Cannot read a ticket the pull request refers to", {
        pr: ref,
        ticket: source,
        reason,
      });
      return { unread: { source, reason } };
    }
  }));
  return {
    blocks: results.flatMap((result) => result.block ? [result.block] : []),
    unread: results.flatMap((result) => result.unread ? [result.unread] : []),
  };
}

/** One ticket as text: title, state, description and first comments, cut to `MAX_TICKET_CHARS`. */
export function renderTicket(ticket: IssueText): string {
  const lines = [`Title: ${ticket.title}`];
  if (ticket.state) lines.push(`State: ${ticket.state}`);
  if (ticket.url) lines.push(`URL: ${ticket.url}`);
  lines.push("", ticket.body.trim() === "" ? "(no description)" : ticket.body.trim());
  if (ticket.comments && ticket.comments.length > 0) {
    lines.push("", "Comments:", ...ticket.comments.map((comment) => `- ${comment.trim()}`));
  }
  const text = lines.join("\n").replace(/`{11,}/g, "`".repeat(MAX_BACKTICK_RUN));
  if (text.length <= MAX_TICKET_CHARS) return text;
  return `${text.slice(0, MAX_TICKET_CHARS)}\n… (cut: ${text.length - MAX_TICKET_CHARS} more characters)`;
}

/** The summary's line about tickets that could not be read, or null when every one was. */
export function unreadTicketsNote(unread: readonly UnreadTicket[]): string | null {
  if (unread.length === 0) return null;
  const names = unread.map((ticket) => ticket.source);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  return `Ticket context: ${list} could not be read; the review went on without ${
    names.length === 1 ? "it" : "them"
  }.`;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
