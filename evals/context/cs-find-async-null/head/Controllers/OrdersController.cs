using Microsoft.AspNetCore.Mvc;
using Shop.Data;
using Shop.Models;
using Shop.Services;

namespace Shop.Controllers;

[ApiController]
[Route("orders")]
public class OrdersController : ControllerBase
{
    private readonly OrderService _service;
    private readonly OrderRepository _repository;

    public OrdersController(OrderService service, OrderRepository repository)
    {
        _service = service;
        _repository = repository;
    }

    [HttpPost]
    public async Task<IActionResult> Place([FromBody] PlaceOrderRequest request)
    {
        var order = await _service.PlaceAsync(request.Email.Trim(), request.Lines);
        return Created($"/orders/{order.Id}", new { order.Id, order.Total });
    }

    [HttpGet("{id:int}")]
    public async Task<IActionResult> Get(int id)
    {
        var order = await _repository.FindAsync(id);
        return Ok(new { order!.Id, order.Total, Lines = order.Lines.Count, order.CreatedAt });
    }
}

public record PlaceOrderRequest(string Email, List<OrderLine> Lines);
