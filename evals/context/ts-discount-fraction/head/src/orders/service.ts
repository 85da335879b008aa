import type { Db } from "../db/client.js";
import { applyDiscount, type Cents } from "../lib/money.js";
import type { OrderItem } from "./order.js";
import { findOrder, saveOrder } from "./repository.js";

/** Customers with at least this many orders get LOYALTY_DISCOUNT off. */
const LOYALTY_ORDERS = 10;
const LOYALTY_DISCOUNT = 0.15;

export function orderTotal(items: OrderItem[], previousOrders = 0): Cents {
  const total = items.reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);
  return previousOrders >= LOYALTY_ORDERS ? applyDiscount(total, LOYALTY_DISCOUNT) : total;
}

export async function cancelOrder(db: Db, id: string): Promise<boolean> {
  const order = await findOrder(db, id);
  if (order === undefined || order.status === "shipped") return false;
  await saveOrder(db, { ...order, status: "cancelled" });
  return true;
}
