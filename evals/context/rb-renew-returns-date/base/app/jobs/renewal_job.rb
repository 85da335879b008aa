class RenewalJob < ApplicationJob
  queue_as :billing

  def perform(today = Date.current)
    Subscription.due(today).find_each do |subscription|
      result = Billing::ChargeSubscription.call(subscription)
      next unless result.success?

      subscription.renew!
      subscription.save!
    end
  end
end
