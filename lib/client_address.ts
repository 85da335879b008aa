/**
 * The address a request really came from. Behind a reverse proxy the TCP peer is the proxy, so every client
 * would share one rate limit; the proxy's `X-Forwarded-For` names the client, but anyone can send that header.
 * So it is believed only as far as trusted proxies (`LOOM_TRUSTED_PROXIES`, a CIDR list) vouch for it: the list
 * is read from the right — each proxy appends the address it saw — skipping trusted hops, and the first address
 * that is not a trusted proxy is the client. Entries a client wrote itself sit to the left of that and are never
 * reached.
 */
import ipaddr from "ipaddr.js";

export type TrustedProxies = readonly [ipaddr.IPv4 | ipaddr.IPv6, number][];

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const bare = text.trim().replace(/^\[(.*)\]$/, "$1").replace(/%.*$/, "");
  // `process` turns an IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, how a dual-stack socket reports IPv4) into IPv4.
  return ipaddr.isValid(bare) ? ipaddr.process(bare) : null;
}

/**
 * Parses `LOOM_TRUSTED_PROXIES` entries: CIDR ranges (`10.0.0.0/8`, `fd00::/8`) or single addresses.
 * @throws {TypeError} naming the first entry that is neither
 */
export function parseTrustedProxies(entries: readonly string[]): TrustedProxies {
  return entries.map((entry) => {
    if (ipaddr.isValidCIDR(entry)) {
      const [range, bits] = ipaddr.parseCIDR(entry);
      // A range written as IPv4-mapped IPv6 matches the IPv4 addresses `parseAddress` produces.
      if (range.kind() === "ipv6" && (range as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
        return [(range as ipaddr.IPv6).toIPv4Address(), bits - 96] as const;
      }
      return [range, bits] as const;
    }
    const address = parseAddress(entry);
    if (!address) {
      throw new TypeError(`Cannot parse trusted proxy "${entry}": not an IP address or CIDR range`);
    }
    return [address, address.kind() === "ipv4" ? 32 : 128] as const;
  });
}

function isTrusted(address: ipaddr.IPv4 | ipaddr.IPv6, proxies: TrustedProxies): boolean {
  return proxies.some(([range, bits]) => range.kind() === address.kind() && address.match(range, bits));
}

/**
 * The client address of a request from TCP peer `peer` carrying `forwardedFor` (`X-Forwarded-For`), normalised
 * (`::ffff:10.0.0.1` → `10.0.0.1`). An entry that is not an address ends the walk and is returned as written.
 */
export function resolveClientAddress(
  peer: string,
  forwardedFor: string | null | undefined,
  proxies: TrustedProxies,
): string {
  const hops = [peer, ...(forwardedFor ?? "").split(",").map((hop) => hop.trim()).filter(Boolean).reverse()];
  let client = peer;
  for (const hop of hops) {
    const address = parseAddress(hop);
    client = address?.toString() ?? hop;
    if (!address || !isTrusted(address, proxies)) return client;
  }
  // Every hop is a trusted proxy: the leftmost is as close to the client as anyone vouches for.
  return client;
}

/**
 * The key a per-client limit counts under: an IPv4 address as is, an IPv6 address by its /64 network — one
 * subscriber is handed a whole /64, so counting single IPv6 addresses would give an attacker 2^64 tries.
 */
export function clientLimitKey(address: string): string {
  const parsed = parseAddress(address);
  if (!parsed || parsed.kind() === "ipv4") return parsed?.toString() ?? address;
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4).map((part) => part.toString(16));
  return `${parts.join(":")}::/64`;
}
