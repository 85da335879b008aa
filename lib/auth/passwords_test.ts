import assert from "node:assert/strict";
import {
  hashPassword,
  needsRehash,
  passwordProblem,
  SCRYPT_COST,
  verifyPassword,
  withDerivationSlot,
} from "./passwords.ts";

Deno.test("hashPassword() salts each hash and verifyPassword() accepts only the same password", async () => {
  // A cheap cost keeps this quick; today's cost is checked once below.
  const cheap = { N: 2 ** 10, r: 8, p: 1 };
  const [first, second] = await Promise.all([
    hashPassword("correct horse", cheap),
    hashPassword("correct horse", cheap),
  ]);
  assert.notEqual(first, second);
  assert.equal(await verifyPassword("correct horse", first), true);
  assert.equal(await verifyPassword("correct horse", second), true);
  assert.equal(await verifyPassword("correct hors", first), false);
});

Deno.test("verifyPassword() rejects malformed or foreign hashes", async () => {
  for (const stored of ["", "plaintext", "bcrypt$2b$10$abc", "scrypt$32768$8$1$c2FsdA=="]) {
    assert.equal(await verifyPassword("anything", stored), false, stored);
  }
});

Deno.test("passwordProblem() asks for at least ten characters", () => {
  assert.match(passwordProblem("short") ?? "", /at least 10/);
  assert.equal(passwordProblem("long enough!"), null);
});

Deno.test("hashPassword() uses at least OWASP's scrypt cost and needsRehash() flags older hashes", async () => {
  assert.ok(SCRYPT_COST.N >= 2 ** 17 && SCRYPT_COST.r >= 8 && SCRYPT_COST.p >= 1);
  const current = await hashPassword("correct horse");
  assert.match(current, /^scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
  assert.equal(await verifyPassword("correct horse", current), true);
  assert.equal(needsRehash(current), false);
  const old = await hashPassword("correct horse", { N: 2 ** 14, r: 8, p: 1 });
  assert.equal(await verifyPassword("correct horse", old), true, "old hashes still verify");
  assert.equal(needsRehash(old), true);
  assert.equal(needsRehash("not a hash"), false);
});

Deno.test("verifyPassword() refuses a stored hash asking for more memory than it allows", async () => {
  assert.equal(await verifyPassword("x", "scrypt$1073741824$8$1$c2FsdHNhbHRzYWx0c2FsdA==$a2V5"), false);
});

Deno.test("withDerivationSlot() never runs three derivations at once, whenever a caller arrives", async () => {
  let active = 0;
  let peak = 0;
  const holds: (() => void)[] = [];
  const derivation = () =>
    withDerivationSlot(async () => {
      peak = Math.max(peak, ++active);
      await new Promise<void>((resolve) => holds.push(resolve));
      active--;
    });
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  // Two derive, a third waits; a fourth caller arrives `hops` microtasks after the first one finishes, which
  // covers the moment between a slot being freed and the waiter taking it.
  for (let hops = 0; hops < 8; hops++) {
    const first = [derivation(), derivation(), derivation()];
    await settle();
    let arrival = Promise.resolve();
    for (let hop = 0; hop < hops; hop++) arrival = arrival.then(() => {});
    const late = arrival.then(derivation);
    holds.shift()!();
    while (holds.length > 0 || active > 0) {
      await settle();
      holds.shift()?.();
    }
    await Promise.all([...first, late]);
  }
  assert.equal(peak, 2);
});
