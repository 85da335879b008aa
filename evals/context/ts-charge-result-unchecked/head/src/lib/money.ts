/** Amounts are integer cents throughout the service; only formatting turns them into currency strings. */
export type Cents = number;

/** Parses a decimal amount such as "12.50" into cents. */
export function toCents(amount: string): Cents {
  const [whole, fraction = ""] = amount.trim().split(".");
  return Number(whole) * 100 + Number(fraction.padEnd(2, "0").slice(0, 2));
}

export function formatCents(value: Cents, currency = "USD"): string {
  return new Intl.NumberFormat("en-US", { style: "currency", currency }).format(value / 100);
}

/**
 * The price after a discount.
 * @param percent whole percent off, 0 to 100 (15 means 15 % off)
 */
export function applyDiscount(value: Cents, percent: number): Cents {
  if (percent < 0 || percent > 100) throw new RangeError(`Bad discount ${percent}`);
  return Math.round((value * (100 - percent)) / 100);
}
