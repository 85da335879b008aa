import assert from "node:assert/strict";
import { contextFor } from "../../tests/support/code_index.ts";
import { extractFacts } from "./extract.ts";

const SERVICE = `<?php
namespace App\\Billing;

use App\\Models\\Invoice;
use App\\Support\\{Money, Clock};
require_once __DIR__ . '/helpers.php';

const MAX_LINES = 50;

function total(array $lines): int {
    return array_sum(array_map(fn($line) => price_of($line), $lines));
}

interface Billable {
    public function bill(): Invoice;
}

final class InvoiceService implements Billable {
    const RATE = 3;

    public function __construct(private Clock $clock) {}

    public function bill(): Invoice {
        $invoice = new Invoice($this->clock->now());
        $invoice->addLine(Money::of(self::RATE));
        return Invoice::finalise($invoice);
    }
}
`;

Deno.test("PHP: functions, classes, interfaces, methods, constants, uses and requires", async () => {
  const facts = await extractFacts("php", SERVICE);
  assert.deepEqual(
    facts.definitions.map((d) => [d.name, d.kind, d.startLine, d.endLine, d.container ?? ""]),
    [
      ["MAX_LINES", "const", 8, 8, ""],
      ["total", "function", 10, 12, ""],
      ["Billable", "interface", 14, 16, ""],
      ["bill", "method", 15, 15, "Billable"],
      ["InvoiceService", "class", 18, 28, ""],
      ["RATE", "const", 19, 19, "InvoiceService"],
      ["__construct", "method", 21, 21, "InvoiceService"],
      ["bill", "method", 23, 27, "InvoiceService"],
    ],
  );
  assert.deepEqual(facts.imports, [
    "App\\Models\\Invoice",
    "App\\Support\\Money",
    "App\\Support\\Clock",
    "./helpers.php",
  ]);
  assert.deepEqual(facts.calls.filter((call) => call.line >= 24 && call.line <= 26), [
    { callee: "Invoice", line: 24 },
    { callee: "now", line: 24, receiver: "clock" },
    { callee: "addLine", line: 25, receiver: "invoice" },
    { callee: "of", line: 25, receiver: "Money" },
    { callee: "finalise", line: 26, receiver: "Invoice" },
  ]);
});

const INVOICE = `<?php
namespace App\\Models;

class Invoice {
    private array $lines = [];

    public function addLine(int $cents): void {
        $this->lines[] = $cents;
    }

    public static function finalise(Invoice $invoice): Invoice {
        return $invoice;
    }
}
`;

const CONTROLLER = `<?php
namespace App\\Http;

use App\\Billing\\InvoiceService;

class BillingController {
    public function store(InvoiceService $service) {
        return $service->bill();
    }
}
`;

Deno.test("PHP: a changed method gets the used class's methods and its callers", async () => {
  const head = SERVICE.replace(
    "        $invoice->addLine(Money::of(self::RATE));",
    "        $invoice->addLine(Money::of(self::RATE * 2));",
  );
  const blocks = await contextFor(
    {
      "app/Billing/InvoiceService.php": head,
      "app/Models/Invoice.php": INVOICE,
      "app/Http/BillingController.php": CONTROLLER,
    },
    "app/Billing/InvoiceService.php",
    SERVICE,
  );
  assert.deepEqual(blocks, [
    "definition app/Models/Invoice.php:7-9 addLine",
    "definition app/Billing/InvoiceService.php:19-19 RATE",
    "enclosing app/Billing/InvoiceService.php:18-28 InvoiceService",
    "caller app/Http/BillingController.php:7-9 store",
    "definition app/Models/Invoice.php:4-14 Invoice",
    "neighbour app/Models/Invoice.php:4-4",
  ]);
});
