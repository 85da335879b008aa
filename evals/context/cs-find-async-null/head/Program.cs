using Shop.Data;
using Shop.Services;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddControllers();
builder.Services.AddSingleton<OrderRepository>();
builder.Services.AddSingleton<DiscountService>();
builder.Services.AddScoped<OrderService>();
var app = builder.Build();
app.MapControllers();
app.Run();
