// Proves the packed SDK is usable by package reference: registers it, starts a host, resolves the options, and checks
// that the Microsoft.Extensions.* version the application pinned is the one loaded (the packages did not raise it).
using System.Reflection;
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

var pinned = typeof(Program).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "InvoiceOcrConsumerExtensionsVersion").Value!;
var loaded = typeof(ServiceCollection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion.Split('+')[0];
Console.WriteLine($"InvoiceOcr.Sdk resolved from packages; model {options.Model}; Microsoft.Extensions.DependencyInjection {loaded} (pinned {pinned}).");
await host.StopAsync();

// Every storage provider is the shared relational store over its dialect.
if (!typeof(RelationalInvoiceOcrStore).IsAssignableFrom(typeof(SqliteInvoiceOcrStore)) || !typeof(RelationalInvoiceOcrStore).IsAssignableFrom(typeof(SqlServerInvoiceOcrStore))
    || !typeof(RelationalInvoiceOcrStore).IsAssignableFrom(typeof(PostgreSqlInvoiceOcrStore)))
{
    throw new InvalidOperationException("The storage providers do not derive from InvoiceOcr.Sdk.Relational's store.");
}

Console.WriteLine("InvoiceOcr.Sdk.Relational resolved from packages; the SQLite, SQL Server and PostgreSQL providers derive from its store.");

if (loaded != pinned)
{
    Console.Error.WriteLine($"Expected Microsoft.Extensions.DependencyInjection {pinned}, but {loaded} was loaded.");
    return 1;
}

return 0;
