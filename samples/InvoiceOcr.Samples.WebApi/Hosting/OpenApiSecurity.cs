using InvoiceOcr.Samples.WebApi.Admin;
using InvoiceOcr.Samples.WebApi.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace InvoiceOcr.Samples.WebApi.Hosting;

/// <summary>
/// Declares the two security schemes in the OpenAPI document — tenants' bearer credential and operators'
/// <c>X-Admin-Key</c> — and marks each operation with the one its authorization policy requires, so the UI at
/// <c>/scalar</c> asks for the right credential.
/// </summary>
internal static class OpenApiSecurity
{
    public const string TenantSchemeName = "tenantCredential";
    public const string AdminSchemeName = "adminKey";

    public static void Configure(OpenApiOptions options)
    {
        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[TenantSchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "ioc_<id>_<secret>",
                Description = "A tenant credential issued by an administrator (admin API or dashboard). It names the company that pays.",
            };
            document.Components.SecuritySchemes[AdminSchemeName] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = AdminOptions.HeaderName,
                Description = "The operators' admin key (Admin:ApiKey).",
            };
            return Task.CompletedTask;
        });
        options.AddOperationTransformer((operation, context, _) =>
        {
            var policies = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Select(a => a.Policy).ToList();
            var scheme = policies.Contains(CallerIdentity.AdminPolicy) ? AdminSchemeName
                : policies.Contains(CallerIdentity.TenantPolicy) ? TenantSchemeName
                : null;
            if (scheme is not null)
            {
                operation.Security ??= [];
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(scheme, context.Document)] = [] });
            }

            return Task.CompletedTask;
        });
    }
}
