namespace Shop.Services;

public class DiscountService
{
    /// <summary>The price after <paramref name="percent"/> percent off; percent is 0 to 100 (15 = 15 %).</summary>
    public decimal Apply(decimal price, decimal percent)
    {
        if (percent < 0 || percent > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(percent));
        }
        return Math.Round(price * (100 - percent) / 100, 2);
    }
}
