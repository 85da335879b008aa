import type { Db } from "../../db/client.js";
import { formatCents } from "../../lib/money.js";
import { findOrder, listOrders } from "../../orders/repository.js";
import type { Request, Response } from "../router.js";

export async function getOrderHandler(db: Db, request: Request): Promise<Response> {
  const order = await findOrder(db, request.params.id!);
  if (order === undefined || order.customerId !== request.userId) return { status: 404, body: null };
  return { status: 200, body: { ...order, total: formatCents(order.totalCents) } };
}

export async function listOrdersHandler(db: Db, request: Request): Promise<Response> {
  const limit = Math.min(Number(request.query.limit ?? 20), 100);
  const orders = await listOrders(db, request.userId, limit);
  return { status: 200, body: orders.map((order) => ({ ...order, total: formatCents(order.totalCents) })) };
}
