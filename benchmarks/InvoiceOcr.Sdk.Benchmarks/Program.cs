// InvoiceOcr.Sdk benchmarks.
//   dotnet run -c Release --project benchmarks/InvoiceOcr.Sdk.Benchmarks -- --filter '*' --job short   (micro, BenchmarkDotNet)
//   dotnet run -c Release --project benchmarks/InvoiceOcr.Sdk.Benchmarks -- load [--smoke] [--seconds N] [--out file.md]
//   dotnet run -c Release --project benchmarks/InvoiceOcr.Sdk.Benchmarks -- load --only utilization   (job worker vs Polly, ~2 min)
//   dotnet run -c Release --project benchmarks/InvoiceOcr.Sdk.Benchmarks -- model-call-loop [seconds] [types]   (for a profiler to attach; types: allocations by type)
//   dotnet run -c Release --project benchmarks/InvoiceOcr.Sdk.Benchmarks -- cost [--corpus ../shared/invoices] [--out file.md]
using BenchmarkDotNet.Running;
using InvoiceOcr.Sdk.Benchmarks.Load;

if (args.Length > 0 && args[0] == AdmissionRunner.ChildCommand)
{
    return await AdmissionRunner.RunChildAsync(args[1..]);
}

if (args.Length > 0 && args[0] == InvoiceOcr.Sdk.Benchmarks.Micro.ModelCallPathLoop.Command)
{
    return await InvoiceOcr.Sdk.Benchmarks.Micro.ModelCallPathLoop.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "cost")
{
    return await InvoiceOcr.Sdk.Benchmarks.Load.CostRunner.RunAsync(args[1..]);
}

if (args.Length > 0 && args[0] == "load")
{
    return await LoadRunner.RunAsync(args[1..]);
}

BenchmarkSwitcher.FromAssembly(typeof(LoadRunner).Assembly).Run(args);
return 0;
