import assert from "node:assert/strict";
import { dbTest } from "./testing.ts";
import { sql } from "./mod.ts";
import { createUser } from "./users.ts";
import { countUserSessions, createSession, deleteUserSessions, findSession, hashToken } from "./sessions.ts";

dbTest("createSession() stores only the token's hash and findSession() honours expiry", async ({ db }) => {
  const user = await createUser(db, { email: "ada@example.com", name: "Ada" });
  let now = 1_000;
  const { token, session } = await createSession(db, user.id, { ttlMs: 500, now: () => now });
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.equal(session.id, await hashToken(token));
  assert.deepEqual(await db.query(sql`select id from sessions where id = ${token}`), []);
  assert.equal((await findSession(db, token, () => now))?.userId, user.id);
  assert.equal(await findSession(db, "not-a-token", () => now), null);
  now += 500;
  assert.equal(await findSession(db, token, () => now), null);
  assert.equal(await countUserSessions(db, user.id, () => 0), 0, "the expired session was deleted");
});

dbTest("deleteUserSessions() ends every session of one user only", async ({ db }) => {
  const ada = await createUser(db, { email: "ada@example.com", name: "Ada" });
  const lin = await createUser(db, { email: "lin@example.com", name: "Lin" });
  for (const user of [ada, ada, lin]) await createSession(db, user.id, { ttlMs: 60_000 });
  assert.equal(await deleteUserSessions(db, ada.id), 2);
  assert.equal(await countUserSessions(db, ada.id), 0);
  assert.equal(await countUserSessions(db, lin.id), 1);
});
