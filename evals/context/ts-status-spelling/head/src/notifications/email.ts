import { formatCents } from "../lib/money.js";
import type { Order } from "../orders/order.js";
import type { User } from "../users/user.js";

export interface Mailer {
  send(to: string, subject: string, text: string): Promise<void>;
}

export async function sendReceipt(mailer: Mailer, user: User, order: Order): Promise<void> {
  const lines = order.items.map((item) => `${item.quantity} × ${item.sku}  ${formatCents(item.unitPrice)}`);
  await mailer.send(
    user.email,
    `Your order ${order.id}`,
    [`Hello ${user.displayName ?? ""},`, "", ...lines, "", `Total: ${formatCents(order.totalCents)}`].join("\n"),
  );
}
