module MoneyHelper
  # "12.50" => 1250
  def self.to_cents(amount)
    (BigDecimal(amount.to_s) * 100).round.to_i
  end
end
