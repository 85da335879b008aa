import type { Db } from "../db/client.js";
import type { Order } from "./order.js";

export async function findOrder(db: Db, customerId: string, id: string): Promise<Order | undefined> {
  return await db.one<Order>("select * from orders where id = $1 and customer_id = $2", [id, customerId]);
}

export async function listOrders(db: Db, customerId: string, limit: number): Promise<Order[]> {
  return await db.all<Order>(
    "select * from orders where customer_id = $1 order by created_at desc limit $2",
    [customerId, limit],
  );
}

export async function saveOrder(db: Db, order: Order): Promise<void> {
  await db.run(
    "insert into orders (id, customer_id, total_cents, status, created_at) values ($1, $2, $3, $4, $5) " +
      "on conflict (id) do update set status = excluded.status, total_cents = excluded.total_cents",
    [order.id, order.customerId, order.totalCents, order.status, order.createdAt],
  );
}
