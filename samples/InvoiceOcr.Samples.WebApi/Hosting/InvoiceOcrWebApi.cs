using System.Text.Json.Serialization;
using InvoiceOcr.Samples.WebApi.Admin;
using InvoiceOcr.Samples.WebApi.Authentication;
using InvoiceOcr.Samples.WebApi.Errors;
using InvoiceOcr.Samples.WebApi.Extraction;
using InvoiceOcr.Samples.WebApi.Jobs;
using InvoiceOcr.Samples.WebApi.RateLimiting;
using InvoiceOcr.Samples.WebApi.Refusals;
using InvoiceOcr.Samples.WebApi.Tenants;
using InvoiceOcr.Sdk;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Scalar.AspNetCore;

namespace InvoiceOcr.Samples.WebApi.Hosting;

/// <summary>
/// Builds the web API: the SDK on the configured store, tenant and admin authentication, <c>POST /extract</c>, problem
/// details, per-tenant rate limiting, health checks, Prometheus metrics, OpenAPI with a UI, the admin API and the dashboard. <c>Program.cs</c> calls
/// <see cref="Build"/>; the integration tests call it too, so they run exactly this app on Kestrel.
/// </summary>
public static class InvoiceOcrWebApi
{
    /// <summary>The tag of the health checks <c>/health/ready</c> runs.</summary>
    public const string ReadyTag = "ready";

    /// <summary>Builds the application.</summary>
    /// <param name="options">Arguments, environment and content root.</param>
    /// <param name="configure">Changes the builder before services are added (tests add configuration here).</param>
    /// <returns>The application, ready to run.</returns>
    public static WebApplication Build(WebApplicationOptions options, Action<WebApplicationBuilder>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = WebApplication.CreateBuilder(options);
        configure?.Invoke(builder);
        SecretsCheck.ThrowIfMissing(builder.Configuration);
        AddServices(builder);
        var app = builder.Build();
        SecretsCheck.WarnIfAdminKeyMissing(app);
        UsePipeline(app);
        return app;
    }

    private static void AddServices(WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        // The SDK, bound from the InvoiceOcr section (Gemini:BaseAddress, Documents:MaxFileBytes, EInvoiceMode, ...).
        var invoiceOcr = services.AddInvoiceOcr(configuration.GetSection(InvoiceOcrOptions.SectionName));
        var healthChecks = services.AddHealthChecks();
        AddStore(invoiceOcr, healthChecks, configuration, builder.Environment);

        // Batch jobs: IInvoiceJobs for the /jobs endpoints and the SDK's worker as a hosted service (Jobs section:
        // Concurrency, PollInterval, RunWorker=false on instances that only serve the API, ...).
        invoiceOcr.AddJobs();
        services.Configure<InvoiceJobOptions>(configuration.GetSection("Jobs"));
        services.AddOptions<JobUploadOptions>().Bind(configuration.GetSection(JobUploadOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();

        services.AddOptions<AdminOptions>().Bind(configuration.GetSection(AdminOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SampleDatabaseOptions>().Bind(configuration.GetSection(SampleDatabaseOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SampleDatabase>();
        services.AddSingleton<ITenantCredentialStore, SqliteTenantCredentialStore>();
        services.AddSingleton<IRefusalLog, SqliteRefusalLog>();
        services.TryAddSingleton(TimeProvider.System);

        // Tenants authenticate by default (so the rate limiter, which runs before authorization, knows the company);
        // the admin policy names its own scheme, so a tenant credential never satisfies it.
        services.AddAuthentication(CallerIdentity.TenantScheme)
            .AddScheme<AuthenticationSchemeOptions, TenantCredentialHandler>(CallerIdentity.TenantScheme, null)
            .AddScheme<AuthenticationSchemeOptions, AdminKeyHandler>(CallerIdentity.AdminScheme, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(CallerIdentity.TenantPolicy, policy => policy
                .AddAuthenticationSchemes(CallerIdentity.TenantScheme)
                .RequireAuthenticatedUser()
                .RequireClaim(CallerIdentity.CompanyClaim))
            .AddPolicy(CallerIdentity.AdminPolicy, policy => policy
                .AddAuthenticationSchemes(CallerIdentity.AdminScheme)
                .RequireAuthenticatedUser()
                .RequireRole(CallerIdentity.AdminRole));
        services.AddTenantRateLimiting(configuration);

        // The request size limits follow the SDK's. The endpoint refuses a declared Content-Length over the limit before
        // reading the body; a body without a length is cut off by Kestrel while it is read. A file of MaxFileBytes + 1
        // still reaches the SDK, which rejects it with its own TooLarge message.
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<DocumentOptions>>((kestrel, documents) =>
            kestrel.Limits.MaxRequestBodySize = documents.Value.MaxFileBytes + 1 + ExtractForm.EnvelopeBytes);
        services.AddOptions<FormOptions>().Configure<IOptions<DocumentOptions>>((form, documents) =>
        {
            form.MultipartBodyLengthLimit = documents.Value.MaxFileBytes + 1;
            form.ValueCountLimit = 16;
        });

        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
            context.ProblemDetails.Extensions.TryAdd("traceId", context.HttpContext.TraceIdentifier));
        services.AddExceptionHandler<ProblemExceptionHandler>();
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.Converters.Add(new JsonStringEnumConverter()));
        services.AddOpenApi(OpenApiSecurity.Configure);
        services.AddHsts(o => o.MaxAge = TimeSpan.FromDays(365));

        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(InvoiceOcrTelemetry.MeterName)
            .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.RateLimiting", "Microsoft.AspNetCore.Diagnostics")
            .AddPrometheusExporter());
    }

    private static void AddStore(InvoiceOcrBuilder invoiceOcr, IHealthChecksBuilder healthChecks, IConfiguration configuration, IWebHostEnvironment environment)
    {
        // Storage:Provider picks the store; its section is bound by the storage package itself, so every store option
        // (path or connection string, master keys under SecretProtection, timeouts, outbox) comes from configuration.
        var storage = configuration.GetSection("Storage");
        var provider = storage.GetValue("Provider", StorageProvider.Sqlite);
        switch (provider)
        {
            case StorageProvider.Sqlite:
                invoiceOcr.AddSqliteStore(storage.GetSection("Sqlite"));
                invoiceOcr.Services.PostConfigure<SqliteStoreOptions>(options =>
                {
                    // A relative path is relative to the app's content root, not to wherever the process was started.
                    if (!string.IsNullOrWhiteSpace(options.DatabasePath))
                    {
                        options.DatabasePath = Path.GetFullPath(options.DatabasePath, environment.ContentRootPath);
                        Directory.CreateDirectory(Path.GetDirectoryName(options.DatabasePath)!);
                    }
                });
                healthChecks.AddInvoiceOcrSqliteStore(tags: [ReadyTag]);
                break;
            case StorageProvider.SqlServer:
                invoiceOcr.AddSqlServerStore(storage.GetSection("SqlServer"));
                healthChecks.AddInvoiceOcrSqlServerStore(tags: [ReadyTag]);
                break;
            case StorageProvider.PostgreSql:
                invoiceOcr.AddPostgreSqlStore(storage.GetSection("PostgreSql"));
                healthChecks.AddInvoiceOcrPostgreSqlStore(tags: [ReadyTag]);
                break;
            case StorageProvider.InMemory:
                // The SDK registers its in-memory store by default; there is nothing to check for readiness.
                break;
            default:
                throw new OptionsValidationException("Storage", typeof(StorageProvider), [$"Storage:Provider '{provider}' is not one of Sqlite, SqlServer, PostgreSql, InMemory."]);
        }
    }

    private static void UsePipeline(WebApplication app)
    {
        if (!app.Environment.IsDevelopment())
        {
            // Outside Development every response tells browsers to use HTTPS only, and plain HTTP is redirected (once
            // the HTTPS port is known: Kestrel's HTTPS endpoint, or https_port / ASPNETCORE_HTTPS_PORT behind a proxy).
            app.UseHsts();
            app.UseHttpsRedirection();
        }

        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDefaultFiles();
        app.UseStaticFiles(new StaticFileOptions
        {
            // The dashboard is self-contained: nothing may load from anywhere else, and no inline script runs.
            OnPrepareResponse = static context =>
            {
                var headers = context.Context.Response.Headers;
                headers.ContentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
            },
        });
        app.UseRouting();

        // Who the caller is, then how much they may send, then what they may do: the rate limiter partitions by the
        // authenticated company (or the IP address), and an unauthenticated flood is limited before it costs a 401.
        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();

        app.MapExtract();
        app.MapAdminApi();
        app.MapJobs();
        app.MapGet("/admin", () => TypedResults.Redirect("/admin/")).ExcludeFromDescription();
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = check => check.Tags.Contains(ReadyTag) });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi();

        // An interactive UI for the OpenAPI document, served from the package's embedded files (no CDN).
        app.MapScalarApiReference("/scalar", o => o.WithTitle("InvoiceOcr web API"));
    }
}
