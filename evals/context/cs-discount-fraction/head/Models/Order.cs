namespace Shop.Models;

public class Order
{
    public int Id { get; set; }
    public string CustomerEmail { get; set; } = "";
    public decimal Total { get; set; }
    public DateTime CreatedAt { get; set; }
    public List<OrderLine> Lines { get; set; } = new();
}

public record OrderLine(string Sku, int Quantity, decimal UnitPrice);
