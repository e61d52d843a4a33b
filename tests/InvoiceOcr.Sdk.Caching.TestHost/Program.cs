using InvoiceOcr.Sdk;
using Microsoft.Extensions.DependencyInjection;

// A separate SDK process sharing one Redis with the test: extracts one document and prints what the cache did.
// Arguments: <emulator base address> <redis configuration> <redis key prefix> <company> <key secret> <document path>.
if (args.Length != 6)
{
    Console.Error.WriteLine("usage: <emulator> <redis> <prefix> <company> <secret> <document>");
    return 2;
}

var services = new ServiceCollection();
services.AddInvoiceOcr(options =>
{
    options.Gemini.BaseAddress = new Uri(args[0]);
    options.EInvoiceMode = EInvoiceMode.ModelOnly;
}).AddResultCache(options =>
{
    options.RedisConfiguration = args[1];
    options.RedisInstanceName = args[2];
});
await using var provider = services.BuildServiceProvider();
await provider.GetRequiredService<IApiKeyStore>().AddAsync(
    new ApiKey { Id = "key-process", CompanyId = args[3], Secret = args[4], ProjectId = "project-cache", Rates = QuotaLimits.None },
    CancellationToken.None);
var document = await InvoiceDocument.FromFileAsync(args[5], CancellationToken.None);
var result = await provider.GetRequiredService<IInvoiceExtractor>().ExtractAsync(document, new ExtractionContext(args[3]));
var ledgerRows = (await provider.GetRequiredService<IUsageLedger>().ListAsync(new UsageQuery(args[3]), CancellationToken.None)).Count;
Console.WriteLine($"cache={result.CacheStatus} operation={result.OperationId} ledger={ledgerRows}");
return 0;
