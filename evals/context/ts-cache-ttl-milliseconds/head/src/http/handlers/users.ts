import type { Db } from "../../db/client.js";
import { TtlCache } from "../../lib/cache.js";
import { findUser } from "../../users/repository.js";
import type { User } from "../../users/user.js";
import type { Request, Response } from "../router.js";

const USER_CACHE_TTL = 5 * 60 * 1000;
const users = new TtlCache<User>(5000);

export async function getUserHandler(db: Db, request: Request): Promise<Response> {
  const id = request.params.id!;
  let user = users.get(id);
  if (user === undefined) {
    user = await findUser(db, id);
    if (user !== undefined) users.set(id, user, USER_CACHE_TTL);
  }
  if (user === undefined) return { status: 404, body: null };
  return { status: 200, body: { id: user.id, name: user.displayName ?? user.email } };
}
