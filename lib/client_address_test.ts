import assert from "node:assert/strict";
import { clientLimitKey, parseTrustedProxies, resolveClientAddress } from "./client_address.ts";

Deno.test("resolveClientAddress() ignores X-Forwarded-For from an untrusted peer", () => {
  const proxies = parseTrustedProxies(["10.0.0.0/8"]);
  assert.equal(resolveClientAddress("203.0.113.9", "198.51.100.1", proxies), "203.0.113.9");
  assert.equal(resolveClientAddress("203.0.113.9", "198.51.100.1", []), "203.0.113.9");
});

Deno.test("resolveClientAddress() reads X-Forwarded-For from the right, skipping trusted hops", () => {
  const proxies = parseTrustedProxies(["10.0.0.0/8", "192.0.2.7", "fd00::/8"]);
  assert.equal(resolveClientAddress("10.0.0.2", "198.51.100.1", proxies), "198.51.100.1");
  // A client that sends its own header cannot choose its address: the proxy appended the real one.
  assert.equal(resolveClientAddress("10.0.0.2", "1.2.3.4, 198.51.100.1", proxies), "198.51.100.1");
  assert.equal(resolveClientAddress("10.0.0.2", "1.2.3.4, 198.51.100.1, 192.0.2.7", proxies), "198.51.100.1");
  assert.equal(resolveClientAddress("::ffff:10.0.0.2", "198.51.100.1", proxies), "198.51.100.1");
  assert.equal(resolveClientAddress("fd00::1", "2001:db8::5", proxies), "2001:db8::5");
  assert.equal(resolveClientAddress("10.0.0.2", "garbage, 198.51.100.1", proxies), "198.51.100.1");
  assert.equal(
    resolveClientAddress("10.0.0.2", "10.0.0.3", proxies),
    "10.0.0.3",
    "all trusted: the leftmost",
  );
  assert.equal(resolveClientAddress("10.0.0.2", "", proxies), "10.0.0.2");
  assert.equal(resolveClientAddress("10.0.0.2", "not-an-ip", proxies), "not-an-ip");
});

Deno.test("parseTrustedProxies() refuses an entry that is not an address or a range", () => {
  assert.throws(() => parseTrustedProxies(["10.0.0.0/8", "proxy.internal"]), /"proxy\.internal"/);
  assert.throws(() => parseTrustedProxies(["10.0.0.0/33"]), /"10\.0\.0\.0\/33"/);
});

Deno.test("clientLimitKey() counts IPv6 clients by their /64", () => {
  assert.equal(clientLimitKey("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(clientLimitKey("2001:db8:1:2:bbbb::9"), "2001:db8:1:2::/64");
  assert.equal(clientLimitKey("198.51.100.1"), "198.51.100.1");
  assert.equal(clientLimitKey("::ffff:198.51.100.1"), "198.51.100.1");
});
