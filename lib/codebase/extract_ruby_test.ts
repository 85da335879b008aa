import assert from "node:assert/strict";
import { contextFor } from "../../tests/support/code_index.ts";
import { extractFacts } from "./extract.ts";

const INVOICE = `require "json"
require_relative "pricing"

module Billing
  MAX_LINES = 50

  class Invoice < Record
    attr_reader :lines

    def initialize(lines)
      @lines = lines
    end

    def total
      lines.sum { |line| Pricing.price_of(line) * line.quantity }
    end

    def self.parse(text)
      new(JSON.parse(text).fetch("lines"))
    end
  end
end
`;

Deno.test("Ruby: modules, classes, methods, singleton methods, constants, requires", async () => {
  const facts = await extractFacts("ruby", INVOICE);
  assert.deepEqual(
    facts.definitions.map((d) => [d.name, d.kind, d.startLine, d.endLine, d.container ?? ""]),
    [
      ["Billing", "module", 4, 22, ""],
      ["MAX_LINES", "const", 5, 5, "Billing"],
      ["Invoice", "class", 7, 21, "Billing"],
      ["initialize", "method", 10, 12, "Invoice"],
      ["total", "method", 14, 16, "Invoice"],
      ["parse", "method", 18, 20, "Invoice"],
    ],
  );
  assert.deepEqual(facts.imports, ["json", "./pricing"]);
  assert.deepEqual(facts.calls.filter((call) => call.line === 15 || call.line === 19), [
    { callee: "sum", line: 15, receiver: "lines" },
    { callee: "price_of", line: 15, receiver: "Pricing" },
    { callee: "quantity", line: 15, receiver: "line" },
    { callee: "new", line: 19 },
    { callee: "fetch", line: 19 },
    { callee: "parse", line: 19, receiver: "JSON" },
  ]);
});

const PRICING = `module Pricing
  # The unit price of a line, in cents, after the customer's discount.
  def self.price_of(line)
    (line.unit_cents * (100 - line.discount)) / 100
  end
end
`;

const REPORT = `require_relative "../billing/invoice"

class MonthlyReport
  def revenue(invoices)
    invoices.map(&:total).sum
  end

  def largest(invoices)
    invoices.max_by { |invoice| invoice.total }
  end
end
`;

Deno.test("Ruby: a changed method gets the required module's method and the methods calling it", async () => {
  const head = INVOICE.replace(
    "Pricing.price_of(line) * line.quantity",
    "Pricing.price_of(line) * line.quantity.to_i",
  );
  const blocks = await contextFor(
    {
      "lib/billing/invoice.rb": head,
      "lib/billing/pricing.rb": PRICING,
      "lib/reports/monthly_report.rb": REPORT,
    },
    "lib/billing/invoice.rb",
    INVOICE,
  );
  assert.deepEqual(blocks, [
    "definition lib/billing/pricing.rb:1-6 Pricing",
    "enclosing lib/billing/invoice.rb:7-18 Invoice",
    "caller lib/reports/monthly_report.rb:8-10 largest",
    "neighbour lib/billing/pricing.rb:1-1",
  ]);
});

const CHARGE_BASE = `module Billing
  class ChargeSubscription
    def self.call(subscription)
      new(subscription).call
    end

    def initialize(subscription)
      @subscription = subscription
    end

    def call
      Gateway.charge(@subscription.customer_id, @subscription.price_cents)
    end
  end
end
`;

const RENEWAL_JOB = `class RenewalJob < ApplicationJob
  queue_as :billing

  # Charges every subscription due today and renews the ones that paid.
  def perform(today = Date.current)
    Subscription.due(today).find_each do |subscription|
      result = Billing::ChargeSubscription.call(subscription)
      subscription.renew! if result.success?
    end
  end
end
`;

Deno.test("Ruby: a service object's class and instance call are one name, so its callers elsewhere are found", async () => {
  const head = CHARGE_BASE.replace(
    "def self.call(subscription)",
    "def self.call(subscription, amount_cents:)",
  );
  const blocks = await contextFor(
    {
      "app/services/billing/charge_subscription.rb": head,
      "app/jobs/renewal_job.rb": RENEWAL_JOB,
    },
    "app/services/billing/charge_subscription.rb",
    CHARGE_BASE,
  );
  assert.deepEqual(blocks.filter((block) => block.startsWith("caller")), [
    "caller app/jobs/renewal_job.rb:4-10 perform",
  ], "the comment above the calling method comes with it");
});

const REFUND = `module Billing
  class Refund
    def self.call(charge)
      new(charge).call
    end

    def call
      Gateway.refund(@charge.id)
    end
  end
end
`;

const REFUND_JOB = `class RefundJob < ApplicationJob
  def perform(charge)
    Billing::Refund.call(charge)
  end
end
`;

Deno.test("Ruby: a call made on the changed method's class by name is its caller, however common the method's name", async () => {
  const head = CHARGE_BASE.replace(
    "def self.call(subscription)",
    "def self.call(subscription, amount_cents:)",
  );
  const blocks = await contextFor(
    {
      "app/services/billing/charge_subscription.rb": head,
      "app/services/billing/refund.rb": REFUND,
      "app/jobs/renewal_job.rb": RENEWAL_JOB,
      "app/jobs/refund_job.rb": REFUND_JOB,
    },
    "app/services/billing/charge_subscription.rb",
    CHARGE_BASE,
  );
  assert.deepEqual(
    blocks.filter((block) => block.startsWith("caller")),
    ["caller app/jobs/renewal_job.rb:4-10 perform"],
    "two files define call; RefundJob calls Refund.call, RenewalJob calls ChargeSubscription.call",
  );
});
