import type { Db } from "../db/client.js";
import type { Cents } from "../lib/money.js";
import type { OrderItem } from "./order.js";
import { findOrder, saveOrder } from "./repository.js";

export function orderTotal(items: OrderItem[]): Cents {
  return items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);
}

export async function cancelOrder(db: Db, id: string): Promise<boolean> {
  const order = await findOrder(db, id);
  if (order === undefined || order.status === "shipped") return false;
  await saveOrder(db, { ...order, status: "cancelled" });
  return true;
}
