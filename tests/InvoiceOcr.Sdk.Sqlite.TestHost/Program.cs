// A tiny host the SQLite tests start as real OS processes (dotnet InvoiceOcr.Sdk.Sqlite.TestHost.dll <mode> ...).
//   reserve <db> <keyId> <callers> <attemptsPerCaller> : concurrent reserve+settle; prints "GRANTED <n>"
//   usage <db> <prefix> <count> <callers> <busyMs> <init> [durability] : durable usage writes; prints "ACK <id>" after each returns
//     (durability: a SqliteLedgerDurability name, SurvivesPowerLoss when omitted)
using System.Globalization;
using System.Security.Cryptography;
using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Relational;

var mode = args[0];
var busy = mode == "usage" ? TimeSpan.FromMilliseconds(int.Parse(args[5], CultureInfo.InvariantCulture)) : TimeSpan.FromSeconds(60);
var initialize = mode != "usage" || args[6] == "1";
var options = new SqliteStoreOptions
{
    DatabasePath = args[1],
    BusyTimeout = busy,
    LedgerDurability = mode == "usage" && args.Length > 7 ? Enum.Parse<SqliteLedgerDurability>(args[7]) : SqliteLedgerDurability.SurvivesPowerLoss,
};
options.SecretProtection.CurrentKeyId = "k1";
options.SecretProtection.MasterKeys["k1"] = Convert.ToBase64String(SHA256.HashData("invoiceocr-test-master-key-1"u8));
var store = new SqliteInvoiceOcrStore(options);
if (initialize)
{
    await store.InitializeAsync();
}
var stdout = Console.Out;

switch (mode)
{
    case "reserve":
    {
        var keyId = args[2];
        var callers = int.Parse(args[3], CultureInfo.InvariantCulture);
        var attempts = int.Parse(args[4], CultureInfo.InvariantCulture);
        var key = await store.GetAsync(keyId, CancellationToken.None) ?? throw new InvalidOperationException("Key missing: " + keyId);
        var granted = 0;
        using var start = new ManualResetEventSlim();
        var tasks = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            start.Wait();
            for (var i = 0; i < attempts; i++)
            {
                var result = await store.ReserveAsync(new QuotaReservationRequest(keyId, key.CompanyId, 10, TimeSpan.FromMinutes(10)), CancellationToken.None);
                if (result.Reservation is { } reservation)
                {
                    Interlocked.Increment(ref granted);
                    await store.SettleAsync(reservation.Id, 7, CancellationToken.None);
                }
            }
        })).ToArray();
        start.Set();
        await Task.WhenAll(tasks);
        stdout.WriteLine("GRANTED " + granted.ToString(CultureInfo.InvariantCulture));
        break;
    }

    case "usage":
    {
        var prefix = args[2];
        var count = int.Parse(args[3], CultureInfo.InvariantCulture);
        var callers = int.Parse(args[4], CultureInfo.InvariantCulture);
        await using var logger = new DurableUsageLogger(store, new DurableUsageLoggerOptions { OutboxDirectory = options.DatabasePath + ".outbox", ReplayInterval = TimeSpan.FromMilliseconds(200) });
        if (initialize)
        {
            await logger.ReplayOutboxAsync();
        }
        var next = -1;
        var gate = new Lock();
        var tasks = Enumerable.Range(0, callers).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var id = prefix + "-" + i.ToString(CultureInfo.InvariantCulture);
                await logger.LogUsageAsync(
                    new UsageRecord
                    {
                        Id = id,
                        OperationId = id,
                        CompanyId = "c-1",
                        KeyId = "k-1",
                        Model = "gemini-2.5-flash",
                        InputTokens = 100,
                        OutputTokens = 20,
                        TotalTokens = 120,
                        StartedAt = DateTimeOffset.UtcNow,
                        CompletedAt = DateTimeOffset.UtcNow,
                    },
                    CancellationToken.None);
                lock (gate)
                {
                    stdout.WriteLine("ACK " + id);
                    stdout.Flush();
                }
            }
        })).ToArray();
        await Task.WhenAll(tasks);
        stdout.WriteLine("DONE");
        break;
    }

    default:
        throw new ArgumentException("Unknown mode: " + mode);
}
