module Billing
  class ChargeSubscription
    def self.call(subscription)
      new(subscription).call
    end

    def initialize(subscription)
      @subscription = subscription
    end

    def call
      PaymentGateway.charge(
        customer_id: @subscription.customer_id,
        amount_cents: @subscription.price_cents,
        idempotency_key: "renewal-#{@subscription.id}-#{@subscription.renews_on}"
      )
    end
  end
end
