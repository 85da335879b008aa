import type { Db } from "../db/client.js";
import type { PaymentGateway } from "../payments/gateway.js";
import { getOrderHandler, listOrdersHandler } from "./handlers/orders.js";
import { payHandler } from "./handlers/payments.js";
import { getUserHandler } from "./handlers/users.js";

export interface Request {
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  body: unknown;
  userId: string;
}

export interface Response {
  status: number;
  body: unknown;
}

export type Handler = (request: Request) => Promise<Response>;

export function routes(db: Db, gateway: PaymentGateway): Record<string, Handler> {
  return {
    "GET /orders/:id": (request) => getOrderHandler(db, request),
    "GET /orders": (request) => listOrdersHandler(db, request),
    "POST /payments": (request) => payHandler(db, gateway, request),
    "GET /users/:id": (request) => getUserHandler(db, request),
  };
}
