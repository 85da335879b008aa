class Customer < ApplicationRecord
  has_many :subscriptions

  def display_name
    name.presence || email
  end
end
