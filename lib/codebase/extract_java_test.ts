import assert from "node:assert/strict";
import { contextFor } from "../../tests/support/code_index.ts";
import { extractFacts } from "./extract.ts";

const SERVICE = `package com.acme.billing;

import java.util.List;
import com.acme.billing.tax.TaxTable;
import static com.acme.util.Strings.slug;

@Service
public class InvoiceService implements Billing {
  private static final int MAX_LINES = 50;
  private final TaxTable taxes;

  public InvoiceService(TaxTable taxes) {
    this.taxes = taxes;
  }

  /** The total of an invoice, tax included. */
  @Override
  public long total(List<Line> lines) {
    long sum = 0;
    for (Line line : lines) {
      sum += taxes.apply(line.amount(), line.region());
    }
    return sum;
  }

  interface Listener {
    void billed(String id);
  }

  enum Status { OPEN, PAID }

  record Line(long amount, String region) {}
}
`;

Deno.test("Java: classes, constructors, methods, nested interfaces, enums, records, constants, imports", async () => {
  const facts = await extractFacts("java", SERVICE);
  assert.deepEqual(
    facts.definitions.map((d) => [d.name, d.kind, d.startLine, d.endLine, d.container ?? ""]),
    [
      ["InvoiceService", "class", 7, 33, ""],
      ["MAX_LINES", "const", 9, 9, "InvoiceService"],
      ["InvoiceService", "method", 12, 14, "InvoiceService"],
      ["total", "method", 17, 24, "InvoiceService"],
      ["Listener", "interface", 26, 28, "InvoiceService"],
      ["billed", "method", 27, 27, "Listener"],
      ["Status", "enum", 30, 30, "InvoiceService"],
      ["Line", "record", 32, 32, "InvoiceService"],
    ],
  );
  assert.deepEqual(facts.imports, [
    "java.util.List",
    "com.acme.billing.tax.TaxTable",
    "com.acme.util.Strings.slug",
  ]);
  assert.deepEqual(facts.calls.filter((call) => call.line === 21), [
    { callee: "apply", line: 21, receiver: "taxes" },
    { callee: "amount", line: 21, receiver: "line" },
    { callee: "region", line: 21, receiver: "line" },
  ]);
});

const TAX_TABLE = `package com.acme.billing.tax;

public final class TaxTable {
  private final double rate;

  public TaxTable(double rate) {
    this.rate = rate;
  }

  public long apply(long amount, String region) {
    return Math.round(amount * (1 + rate));
  }
}
`;

const APP = `package com.acme;

import com.acme.billing.InvoiceService;
import com.acme.billing.tax.TaxTable;

public class App {
  public static void main(String[] args) {
    InvoiceService service = new InvoiceService(new TaxTable(0.2));
    System.out.println(service);
  }
}
`;

Deno.test("Java: a changed constructor gets the code that constructs it and the imported type it takes", async () => {
  const head = SERVICE.replace(
    "    this.taxes = taxes;",
    "    this.taxes = java.util.Objects.requireNonNull(taxes);",
  );
  const blocks = await contextFor(
    {
      "src/main/java/com/acme/billing/InvoiceService.java": head,
      "src/main/java/com/acme/billing/tax/TaxTable.java": TAX_TABLE,
      "src/main/java/com/acme/App.java": APP,
    },
    "src/main/java/com/acme/billing/InvoiceService.java",
    SERVICE,
  );
  assert.deepEqual(blocks, [
    "enclosing src/main/java/com/acme/billing/InvoiceService.java:7-18 InvoiceService",
    "caller src/main/java/com/acme/App.java:7-10 main",
    "definition src/main/java/com/acme/billing/tax/TaxTable.java:3-13 TaxTable",
    "neighbour src/main/java/com/acme/billing/tax/TaxTable.java:3-3",
  ], "TaxTable, the constructor's parameter type, is a related type; its own constructor lies inside it");
});
