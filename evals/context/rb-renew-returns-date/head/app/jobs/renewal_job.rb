class RenewalJob < ApplicationJob
  queue_as :billing

  def perform(today = Date.current)
    Subscription.due(today).find_each do |subscription|
      result = Billing::ChargeSubscription.call(subscription)
      next unless result.success?

      period = subscription.plan == "yearly" ? 1.year : 1.month
      renewed = subscription.renew!(period)
      renewed.save!
      Rails.logger.info("renewed subscription #{subscription.id} until #{subscription.renews_on}")
    end
  end
end
