import assert from "node:assert/strict";
import { contextFor } from "../../tests/support/code_index.ts";
import { extractFacts } from "./extract.ts";

const SERVICE = `using System.Collections.Generic;
using Acme.Shop.Pricing;

namespace Acme.Shop.Orders
{
    public class OrderService : IOrderService
    {
        private const int MaxLines = 50;

        public string Region { get; init; }

        public OrderService(IPriceList prices)
        {
            _prices = prices;
        }

        public decimal Total(IEnumerable<Line> lines)
        {
            decimal sum = 0;
            foreach (var line in lines)
            {
                sum += _prices.PriceOf(line.Sku) * line.Quantity;
            }
            return Discounts.Apply(sum, Region);
        }
    }

    public interface IOrderService
    {
        decimal Total(IEnumerable<Line> lines);
    }

    public record Line(string Sku, int Quantity);
    public struct Money { public decimal Amount; }
    public enum Status { Open, Paid }
}
`;

Deno.test("C#: classes, constructors, methods, properties, interfaces, records, structs, constants, usings", async () => {
  const facts = await extractFacts("csharp", SERVICE);
  assert.deepEqual(
    facts.definitions.map((d) => [d.name, d.kind, d.startLine, d.endLine, d.container ?? ""]),
    [
      ["OrderService", "class", 6, 26, "Orders"],
      ["MaxLines", "const", 8, 8, "OrderService"],
      ["Region", "property", 10, 10, "OrderService"],
      ["OrderService", "method", 12, 15, "OrderService"],
      ["Total", "method", 17, 25, "OrderService"],
      ["IOrderService", "interface", 28, 31, "Orders"],
      ["Total", "method", 30, 30, "IOrderService"],
      ["Line", "record", 33, 33, "Orders"],
      ["Money", "struct", 34, 34, "Orders"],
      ["Status", "enum", 35, 35, "Orders"],
    ],
  );
  assert.deepEqual(facts.imports, ["System.Collections.Generic", "Acme.Shop.Pricing"]);
  assert.deepEqual(facts.calls.filter((call) => call.line === 22 || call.line === 24), [
    { callee: "PriceOf", line: 22, receiver: "_prices" },
    { callee: "Apply", line: 24, receiver: "Discounts" },
  ]);
});

const DISCOUNTS = `namespace Acme.Shop.Pricing
{
    public static class Discounts
    {
        /// <summary>Regional discount, never below zero.</summary>
        public static decimal Apply(decimal amount, string region)
        {
            var rate = region == "EU" ? 0.1m : 0m;
            return amount - amount * rate;
        }
    }
}
`;

const CHECKOUT = `using Acme.Shop.Orders;

namespace Acme.Shop.Web
{
    public class CheckoutController
    {
        public decimal Post(OrderService orders, Cart cart)
        {
            return orders.Total(cart.Lines);
        }
    }
}
`;

Deno.test("C#: a changed method gets the method it calls from a used namespace's folder, and its callers", async () => {
  const head = SERVICE.replace(
    "return Discounts.Apply(sum, Region);",
    'return Discounts.Apply(sum, Region ?? "EU");',
  );
  const blocks = await contextFor(
    {
      "src/Orders/OrderService.cs": head,
      "src/Pricing/Discounts.cs": DISCOUNTS,
      "src/Web/CheckoutController.cs": CHECKOUT,
    },
    "src/Orders/OrderService.cs",
    SERVICE,
  );
  assert.deepEqual(blocks, [
    "definition src/Pricing/Discounts.cs:3-11 Discounts",
    "definition src/Orders/OrderService.cs:10-10 Region",
    "enclosing src/Orders/OrderService.cs:17-25 Total",
    "enclosing src/Orders/OrderService.cs:6-17 OrderService",
    "caller src/Web/CheckoutController.cs:7-10 Post",
    "definition src/Orders/OrderService.cs:33-33 Line",
    "neighbour src/Pricing/Discounts.cs:3-3",
  ]);
});
