using InvoiceOcr.Samples.WebApi.Demo;
using InvoiceOcr.Samples.WebApi.Hosting;
using Microsoft.Extensions.Options;

// --demo: the bundled Gemini emulator in-process, generated secrets and a seeded demo tenant (see README.md).
if (args.Contains(DemoMode.Switch, StringComparer.Ordinal))
{
    return await DemoMode.RunAsync(args.Where(a => a != DemoMode.Switch).ToArray());
}

try
{
    var app = InvoiceOcrWebApi.Build(new WebApplicationOptions { Args = args });
    await app.RunAsync();
    return 0;
}
catch (OptionsValidationException ex)
{
    // A missing or bad setting: say which and how to fix it, without a stack trace.
    await Console.Error.WriteLineAsync(ex.Message);
    return 2;
}
