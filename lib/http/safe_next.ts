/**
 * Where to go after signing in (`?next=`): only a path on Loom's own origin. The value is parsed as a URL the way
 * a browser would parse the `Location` header (tabs and newlines dropped, `\` read as `/`), so spellings such as
 * `/%09/evil.example/` or `/\evil.example` that a prefix check lets through cannot leave the site.
 */

const FALLBACK = "/";

/** `next` as a same-origin path (with its query and fragment), or `/` when it points anywhere else. */
export function safeNext(next: string | undefined, publicUrl = "http://localhost"): string {
  if (!next || !next.startsWith("/")) return FALLBACK;
  const origin = new URL(publicUrl).origin;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return FALLBACK;
  }
  if (url.origin !== origin) return FALLBACK;
  const path = url.pathname + url.search + url.hash;
  // `/.//evil.example` parses to the path `//evil.example`, which a browser reads as another host.
  if (!path.startsWith("/") || path.startsWith("//")) return FALLBACK;
  return path;
}
