import assert from "node:assert/strict";
import { contextFor } from "../../tests/support/code_index.ts";
import { extractFacts } from "./extract.ts";

const STORE = `package store

import (
	"fmt"

	"github.com/acme/shop/internal/money"
)

// MaxItems bounds a cart.
const MaxItems = 10

// Cart holds the items of one customer.
type Cart struct {
	items []Item
}

type Pricer interface {
	Price(item Item) money.Cents
}

type ID string

func NewCart() *Cart { return &Cart{} }

// Total sums the prices of the cart's items.
func (c *Cart) Total(p Pricer) money.Cents {
	var sum money.Cents
	for _, item := range c.items {
		sum = money.Add(sum, p.Price(item))
	}
	return sum
}

func (c Cart) String() string { return fmt.Sprintf("%d items", len(c.items)) }
`;

Deno.test("Go: functions, methods with their receiver type, structs, interfaces, types, constants, imports", async () => {
  const facts = await extractFacts("go", STORE);
  assert.deepEqual(
    facts.definitions.map((d) => [d.name, d.kind, d.startLine, d.endLine, d.container ?? ""]),
    [
      ["MaxItems", "const", 10, 10, ""],
      ["Cart", "struct", 13, 15, ""],
      ["Pricer", "interface", 17, 19, ""],
      ["ID", "type", 21, 21, ""],
      ["NewCart", "function", 23, 23, ""],
      ["Total", "method", 26, 32, "Cart"],
      ["String", "method", 34, 34, "Cart"],
    ],
  );
  assert.deepEqual(facts.imports, ["fmt", "github.com/acme/shop/internal/money"]);
  assert.deepEqual(facts.calls.filter((call) => call.line >= 23 && call.line <= 30), [
    { callee: "Cart", line: 23 },
    { callee: "Add", line: 29, receiver: "money" },
    { callee: "Price", line: 29, receiver: "p" },
  ]);
});

const MONEY = `package money

// Cents is an amount of money in cents.
type Cents int64

// Add adds two amounts, saturating instead of overflowing.
func Add(a, b Cents) Cents {
	if b > 0 && a > maxCents-b {
		return maxCents
	}
	return a + b
}

const maxCents Cents = 1<<63 - 1
`;

const CHECKOUT = `package checkout

import "github.com/acme/shop/internal/store"

func Charge(cart *store.Cart, pricer store.Pricer) error {
	total := cart.Total(pricer)
	return send(total)
}
`;

Deno.test("Go: a changed method gets the package function it calls (by import path) and its callers", async () => {
  const head = STORE.replace("sum = money.Add(sum, p.Price(item))", "sum = money.Add(sum, p.Price(item)*2)");
  const blocks = await contextFor(
    {
      "internal/store/cart.go": head,
      "internal/money/money.go": MONEY,
      "internal/checkout/charge.go": CHECKOUT,
      "tools/add.go": "package tools\n\nfunc Add(a, b int) int { return a + b }\n",
    },
    "internal/store/cart.go",
    STORE,
  );
  assert.deepEqual(blocks, [
    "definition internal/money/money.go:6-12 Add",
    "caller internal/checkout/charge.go:5-8 Charge",
    "definition internal/store/cart.go:12-15 Cart",
    "definition internal/store/cart.go:17-19 Pricer",
    "definition internal/money/money.go:3-4 Cents",
    "neighbour internal/money/money.go:4-14",
  ]);
});
