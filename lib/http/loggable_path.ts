/**
 * A request path fit for the log: segments that are secrets themselves (an invitation link's token grants a
 * seat in an organization to whoever holds it) are replaced by their route parameter's name. Logs are shipped,
 * kept and read by more people than the dashboard's admins.
 */

const SECRET_SEGMENTS: [RegExp, string][] = [[/^\/invitations\/[^/]+/, "/invitations/:token"]];

export function loggablePath(path: string): string {
  for (const [pattern, replacement] of SECRET_SEGMENTS) {
    if (pattern.test(path)) return path.replace(pattern, replacement);
  }
  return path;
}
