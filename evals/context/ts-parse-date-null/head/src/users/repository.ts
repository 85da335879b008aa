import type { Db } from "../db/client.js";
import type { User } from "./user.js";

export async function findUser(db: Db, id: string): Promise<User | undefined> {
  return await db.one<User>("select * from users where id = $1 and deleted_at is null", [id]);
}

export async function findUserByEmail(db: Db, email: string): Promise<User | undefined> {
  return await db.one<User>("select * from users where email = $1 and deleted_at is null", [
    email.trim().toLowerCase(),
  ]);
}
