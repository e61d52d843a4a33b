// Proves the packed SDK is usable by package reference: registers it, starts a host, resolves the options.
using InvoiceOcr.Sdk;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

var builder = Host.CreateApplicationBuilder(args);
builder.Services.AddInvoiceOcr(options => options.Gemini.Model = "gemini-2.5-flash");
using var host = builder.Build();
await host.StartAsync();
var options = host.Services.GetRequiredService<IOptions<InvoiceOcrOptions>>().Value.Gemini;
Console.WriteLine($"InvoiceOcr.Sdk resolved from packages; model {options.Model}.");
await host.StopAsync();
