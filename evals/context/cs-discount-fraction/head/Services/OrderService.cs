using Shop.Data;
using Shop.Models;

namespace Shop.Services;

public class OrderService
{
    private readonly OrderRepository _repository;
    private readonly DiscountService _discounts;

    public OrderService(OrderRepository repository, DiscountService discounts)
    {
        _repository = repository;
        _discounts = discounts;
    }

    private const decimal LargeOrder = 500m;
    private const decimal LargeOrderDiscount = 0.10m;

    public async Task<Order> PlaceAsync(string email, List<OrderLine> lines)
    {
        var total = lines.Sum(line => line.UnitPrice * line.Quantity);
        if (total >= LargeOrder)
        {
            total = _discounts.Apply(total, LargeOrderDiscount);
        }
        var order = new Order
        {
            Id = Random.Shared.Next(),
            CustomerEmail = email,
            Lines = lines,
            Total = total,
            CreatedAt = DateTime.UtcNow,
        };
        await _repository.SaveAsync(order);
        return order;
    }
}
