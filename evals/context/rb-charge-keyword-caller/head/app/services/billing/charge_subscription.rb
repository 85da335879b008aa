module Billing
  class ChargeSubscription
    def self.call(subscription, amount_cents:)
      new(subscription, amount_cents).call
    end

    def initialize(subscription, amount_cents)
      @subscription = subscription
      @amount_cents = amount_cents
    end

    def call
      PaymentGateway.charge(
        customer_id: @subscription.customer_id,
        amount_cents: @amount_cents,
        idempotency_key: "renewal-#{@subscription.id}-#{@subscription.renews_on}"
      )
    end
  end
end
