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

    public async Task<Order> PlaceAsync(string email, List<OrderLine> lines)
    {
        var order = new Order
        {
            Id = Random.Shared.Next(),
            CustomerEmail = email,
            Lines = lines,
            Total = lines.Sum(line => line.UnitPrice * line.Quantity),
            CreatedAt = DateTime.UtcNow,
        };
        await _repository.SaveAsync(order);
        return order;
    }
}
