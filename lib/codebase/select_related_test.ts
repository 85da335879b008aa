import assert from "node:assert/strict";
import { contextFor } from "../../tests/support/code_index.ts";

const ORDER = `export type OrderStatus = "pending" | "paid" | "cancelled";

export interface Order {
  id: string;
  status: OrderStatus;
  totalCents: number;
}
`;

const REPOSITORY = `import type { Order } from "./order.ts";

export async function listOrders(userId: string, limit: number): Promise<Order[]> {
  return await query(userId, limit);
}
`;

const HANDLER_BASE = `import { listOrders } from "./repository.ts";

export async function listHandler(userId: string): Promise<unknown[]> {
  const orders = await listOrders(userId, 20);
  return orders;
}
`;

Deno.test("related types: the return type of a used function, and the types of its fields, two steps away", async () => {
  const head = HANDLER_BASE.replace(
    "  return orders;",
    `  return orders.filter((order) => (order.status as string) !== "canceled");`,
  );
  const blocks = await contextFor(
    {
      "src/orders/order.ts": ORDER,
      "src/orders/repository.ts": REPOSITORY,
      "src/orders/handler.ts": head,
    },
    "src/orders/handler.ts",
    HANDLER_BASE,
  );
  assert.deepEqual(blocks.filter((block) => block.startsWith("definition")), [
    "definition src/orders/order.ts:3-7 Order",
    "definition src/orders/order.ts:1-1 OrderStatus",
  ], "no changed line names Order or OrderStatus; listOrders above it returns Order[], whose status is one");
});

const CONFIG = `from dataclasses import dataclass
from datetime import timedelta


@dataclass
class Settings:
    timeout: timedelta
    retries: int


def load_settings(path: str) -> Settings:
    return Settings(timeout=timedelta(seconds=5), retries=3)
`;

const CLIENT_BASE = `from .config import load_settings


def fetch(url):
    settings = load_settings("app.toml")
    return get(url)
`;

Deno.test("related types: the result type of a function the enclosing function calls outside the change", async () => {
  const head = CLIENT_BASE.replace(
    "    return get(url)",
    "    return get(url, timeout=settings.timeout * 1000)",
  );
  const blocks = await contextFor(
    { "app/config.py": CONFIG, "app/client.py": head },
    "app/client.py",
    CLIENT_BASE,
  );
  assert.deepEqual(
    blocks.filter((block) => block.startsWith("definition")),
    [
      "definition app/config.py:5-8 Settings",
    ],
    "settings comes from load_settings() on an unchanged line; its type is what the changed line multiplies",
  );
});

const LOAN = `package com.acme.loans;

public record Loan(String isbn, java.time.LocalDate dueDate, java.time.LocalDate returnedOn) {}
`;

const REMINDERS_BASE = `package com.acme.loans;

import java.time.LocalDate;
import java.util.List;

public class Reminders {
  public int send(List<Loan> active, LocalDate today) {
    int sent = 0;
    for (Loan loan : active) {
      sent++;
    }
    return sent;
  }
}
`;

Deno.test("related types: a type the enclosing function names on an unchanged line", async () => {
  const head = REMINDERS_BASE.replace(
    "      sent++;",
    "      if (loan.returnedOn().isBefore(today)) sent++;",
  );
  const blocks = await contextFor(
    {
      "src/main/java/com/acme/loans/Loan.java": LOAN,
      "src/main/java/com/acme/loans/Reminders.java": head,
    },
    "src/main/java/com/acme/loans/Reminders.java",
    REMINDERS_BASE,
  );
  assert.deepEqual(blocks.filter((block) => block.startsWith("definition")), [
    "definition src/main/java/com/acme/loans/Loan.java:3-3 Loan",
  ]);
});
