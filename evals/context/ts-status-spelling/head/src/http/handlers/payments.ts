import type { Db } from "../../db/client.js";
import type { PaymentGateway } from "../../payments/gateway.js";
import { findUser } from "../../users/repository.js";
import type { Request, Response } from "../router.js";

interface PayBody {
  /** Decimal amount as typed by the customer, e.g. "12.50". */
  amount: string;
  key: string;
}

export async function payHandler(db: Db, gateway: PaymentGateway, request: Request): Promise<Response> {
  const user = await findUser(db, request.userId);
  if (user === undefined) return { status: 401, body: null };
  const body = request.body as PayBody;
  return { status: 501, body: { error: `payments are not open yet (${body.key})` } };
}
