/**
 * What the public URL (`LOOM_PUBLIC_URL`) says about the deployment: a plain `http://localhost` is a developer's
 * machine; anything else is reachable by others, so cookies are `Secure`, `/metrics` needs its token, and an
 * `https://` URL turns on HSTS.
 */

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** True when the public URL names this machine's loopback interface. */
export function isLocalPublicUrl(publicUrl: string): boolean {
  return LOCAL_HOSTS.has(new URL(publicUrl).hostname);
}

/** True when browsers reach Loom over TLS. */
export function isHttpsPublicUrl(publicUrl: string): boolean {
  return new URL(publicUrl).protocol === "https:";
}

/**
 * One year, the value the HSTS preload list asks for. No `includeSubDomains`: Loom often runs on one host of a
 * domain whose other hosts it does not control.
 */
export const HSTS_HEADER = "max-age=31536000";
