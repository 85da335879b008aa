/** The context of the pull-request status Loom sets on Azure DevOps. */

/**
 * Azure DevOps shows a status as `<genre>/<name>`, so a `loom/review` context is sent as genre `loom` and name
 * `review`: the same words every other platform shows, and never `loom/loom/review`. A context without a slash
 * is a name under the configured genre.
 */
export function statusContext(context: string | undefined, genre: string): { genre: string; name: string } {
  if (context === undefined) return { genre, name: "review" };
  const slash = context.lastIndexOf("/");
  return slash > 0 && slash < context.length - 1
    ? { genre: context.slice(0, slash), name: context.slice(slash + 1) }
    : { genre, name: context };
}
