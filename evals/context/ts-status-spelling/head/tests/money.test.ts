import { describe, expect, it } from "vitest";
import { applyDiscount, formatCents, toCents } from "../src/lib/money.js";

describe("money", () => {
  it("parses decimals", () => expect(toCents("12.5")).toBe(1250));
  it("formats cents", () => expect(formatCents(1250)).toBe("$12.50"));
  it("applies whole percents", () => expect(applyDiscount(1000, 15)).toBe(850));
});
