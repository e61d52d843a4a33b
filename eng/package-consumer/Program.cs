// Proves the packed SDK is usable by package reference: registers it, starts a host, resolves the options.
using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Relational;
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

// Both storage providers are the shared relational store over their dialect.
if (!typeof(RelationalInvoiceOcrStore).IsAssignableFrom(typeof(SqliteInvoiceOcrStore)) || !typeof(RelationalInvoiceOcrStore).IsAssignableFrom(typeof(SqlServerInvoiceOcrStore)))
{
    throw new InvalidOperationException("The storage providers do not derive from InvoiceOcr.Sdk.Relational's store.");
}

Console.WriteLine("InvoiceOcr.Sdk.Relational resolved from packages; both providers derive from its store.");
