import type { Db } from "../../db/client.js";
import { findUser } from "../../users/repository.js";
import type { Request, Response } from "../router.js";

export async function getUserHandler(db: Db, request: Request): Promise<Response> {
  const user = await findUser(db, request.params.id!);
  if (user === undefined) return { status: 404, body: null };
  return { status: 200, body: { id: user.id, name: user.displayName ?? user.email } };
}
