using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Samples.WebApi.Admin;

/// <summary>The admin API and dashboard settings, bound from the <c>Admin</c> section.</summary>
public sealed class AdminOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Admin";

    /// <summary>The header that carries the admin credential.</summary>
    public const string HeaderName = "X-Admin-Key";

    /// <summary>
    /// Gets or sets the admin credential callers send in <see cref="HeaderName"/>. There is no default: without it every
    /// admin request is refused. Keep it in a secret store (user secrets, environment, a vault).
    /// </summary>
    /// <value>The default value is <see langword="null"/> (the admin API is closed).</value>
    [MinLength(32, ErrorMessage = "Admin:ApiKey must be at least 32 characters long (openssl rand -base64 32).")]
    public string? ApiKey { get; set; }

    /// <summary>
    /// Gets companies the dashboard shows besides those that have tenant credentials (the sample's company directory):
    /// list here companies that have keys but no credential yet.
    /// </summary>
    public IList<string> Companies { get; } = [];

    /// <summary>Gets or sets how many days back the usage chart, recent errors and failed retries look.</summary>
    /// <value>The default value is 14.</value>
    [Range(1, 366)]
    public int LookbackDays { get; set; } = 14;

    /// <summary>Gets or sets the most rows a recent-errors or failed-retries list returns.</summary>
    /// <value>The default value is 50.</value>
    [Range(1, 1000)]
    public int ListLimit { get; set; } = 50;
}
