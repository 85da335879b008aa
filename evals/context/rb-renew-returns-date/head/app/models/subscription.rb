class Subscription < ApplicationRecord
  belongs_to :customer

  scope :due, ->(today) { where("renews_on <= ?", today).where(cancelled_at: nil) }

  def active?
    cancelled_at.nil? && renews_on >= Date.current
  end

  # Moves renews_on forward by one period and returns the new renewal date (not the subscription).
  # It does not save: the caller saves once the charge went through.
  def renew!(period = 1.month)
    self.renews_on = renews_on + period
  end
end
