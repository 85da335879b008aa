import type { Cents } from "../lib/money.js";

export interface ChargeRequest {
  customerId: string;
  amount: Cents;
  idempotencyKey: string;
}

/** A declined charge is an answer, not an exception: check `ok` before reading `id`. */
export type ChargeResult =
  | { ok: true; id: string }
  | { ok: false; code: "declined" | "insufficient_funds" | "expired_card" };

export interface PaymentGateway {
  charge(request: ChargeRequest): Promise<ChargeResult>;
  refund(chargeId: string, amount: Cents): Promise<void>;
}
