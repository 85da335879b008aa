import type { Cents } from "../lib/money.js";
import { retry } from "../lib/retry.js";
import type { ChargeResult, PaymentGateway } from "./gateway.js";

/**
 * Charges a customer once per idempotency key.
 * @param amount integer cents (1250 is $12.50), never a decimal amount
 */
export async function chargeCustomer(
  gateway: PaymentGateway,
  customerId: string,
  amount: Cents,
  idempotencyKey: string,
): Promise<ChargeResult> {
  if (!Number.isInteger(amount) || amount <= 0) throw new RangeError(`Bad amount ${amount}`);
  return await retry(() => gateway.charge({ customerId, amount, idempotencyKey }), { attempts: 3, delayMs: 200 });
}
