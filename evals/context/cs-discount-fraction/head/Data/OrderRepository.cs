using Shop.Models;

namespace Shop.Data;

public class OrderRepository
{
    private readonly Dictionary<int, Order> _orders = new();

    /// <summary>The order with this id, or null when there is none.</summary>
    public Task<Order?> FindAsync(int id)
    {
        return Task.FromResult(_orders.TryGetValue(id, out var order) ? order : null);
    }

    public Task SaveAsync(Order order)
    {
        _orders[order.Id] = order;
        return Task.CompletedTask;
    }
}
