/**
 * What each platform can do beyond the contract every adapter implements, declared once per adapter
 * (`lib/platforms/<platform>/capabilities.ts`) and read by the code that acts on it, by the generated capability
 * matrix (`docs/platforms/README.md`, written by `tools/gen_capabilities.ts`) and by tests that hold each
 * declaration to the adapter's client. A cell the code and the docs both read cannot say one thing in one place
 * and another in the other.
 *
 * Adding a row is one line in `CAPABILITY_ROWS`; the type then asks every platform's declaration for its cell.
 * Adding a platform is one declaration file and one line in `PLATFORM_CAPABILITIES` (`lib/platforms/mod.ts`).
 */

/**
 * One cell of the matrix. A cell that is not `"yes"` carries a note: `partly` names the limit, and `no` says why
 * the platform's API does not offer the feature and what Loom does instead, so a ✘ is always explained.
 */
export type Support = "yes" | { yes: string } | { partly: string } | { no: string };

/** The rows of the matrix, in the order the docs show them: the key each declaration fills, and its label. */
export const CAPABILITY_ROWS = [
  { key: "status", label: "Review status on the pull request" },
  { key: "checkRun", label: "Check run or report with line annotations" },
  { key: "suggestions", label: "Committable suggestions" },
  { key: "incremental", label: "Incremental review of new commits" },
  { key: "resolveThreads", label: "Threads of fixed findings resolved" },
  { key: "commands", label: "Commands checked against write access" },
  { key: "threadReplies", label: "Replies in Loom's threads answered there" },
  { key: "labels", label: "Label triggers (`triggers.labels`)" },
  { key: "tickets", label: "Ticket context from the platform's tracker (`tickets`)" },
  { key: "archive", label: "Code context indexed from a repository archive (`context`)" },
] as const;

export type CapabilityKey = (typeof CAPABILITY_ROWS)[number]["key"];

/**
 * How a suggested replacement is written in an inline comment (platforms.md §7): GitHub's `suggestion` block
 * (the commented line or range), GitLab's `suggestion:-N+0` (N lines above the commented line), a `suggestion`
 * block that replaces only the commented line (Bitbucket Data Center: a range gets a `diff` block), or a `diff`
 * block of the original lines against the replacement where the platform has no committable syntax.
 */
export type SuggestionSyntax = "suggestion" | "suggestion-range-above" | "suggestion-single-line" | "diff";

/** One platform's declaration: a cell per row, and the facts the code acts on. */
export type PlatformCapabilities = { readonly [key in CapabilityKey]: Support } & {
  /** The syntax `lib/review/format.ts` writes suggestions in; `"diff"` exactly when `suggestions` is not supported. */
  readonly suggestionSyntax: SuggestionSyntax;
  /**
   * Whether a review's summary replaces the earlier one: one summary comment per pull request, edited in place
   * (GitLab, Bitbucket, Azure DevOps). False where every review posts its own summary that stays visible (GitHub
   * and Gitea review bodies). `lib/review/publish.ts` reads it: a finding an earlier summary listed is never
   * listed as new again, and where the summary is replaced the new one carries it under "still open" so it does
   * not vanish.
   */
  readonly summaryEditedInPlace: boolean;
};

/** Whether a cell says the feature is there (fully or with a limit). */
export function isSupported(cell: Support): boolean {
  return cell === "yes" || "yes" in cell || "partly" in cell;
}

/** The note of a cell, or undefined for a plain "yes". */
export function supportNote(cell: Support): string | undefined {
  if (cell === "yes") return undefined;
  return "yes" in cell ? cell.yes : "partly" in cell ? cell.partly : cell.no;
}
