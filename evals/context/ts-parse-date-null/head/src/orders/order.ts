import type { Cents } from "../lib/money.js";

export type OrderStatus = "pending" | "paid" | "shipped" | "cancelled";

export interface OrderItem {
  sku: string;
  quantity: number;
  unitPrice: Cents;
}

export interface Order {
  id: string;
  customerId: string;
  items: OrderItem[];
  totalCents: Cents;
  status: OrderStatus;
  createdAt: string;
}
