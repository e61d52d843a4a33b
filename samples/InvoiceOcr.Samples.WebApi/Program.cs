using InvoiceOcr.Samples.WebApi.Hosting;

var app = InvoiceOcrWebApi.Build(new WebApplicationOptions { Args = args });
await app.RunAsync();
