import assert from "node:assert/strict";
import { hashPassword, passwordProblem, verifyPassword } from "./passwords.ts";

Deno.test("hashPassword() salts each hash and verifyPassword() accepts only the same password", async () => {
  const [first, second] = await Promise.all([hashPassword("correct horse"), hashPassword("correct horse")]);
  assert.notEqual(first, second);
  assert.match(first, /^scrypt\$32768\$8\$1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
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
