using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Samples.WebApi.Jobs;

/// <summary>Limits of <c>POST /jobs</c> uploads: the <c>Jobs:Upload</c> section.</summary>
public sealed class JobUploadOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Jobs:Upload";

    /// <summary>Gets or sets how many files one request may carry (each file is still limited by <c>InvoiceOcr:Documents:MaxFileBytes</c>).</summary>
    /// <value>The default value is 100.</value>
    [Range(1, 10_000)]
    public int MaxFiles { get; set; } = 100;

    /// <summary>Gets or sets the largest request body of one upload, all files together.</summary>
    /// <value>The default value is 200 MiB.</value>
    [Range(1024, long.MaxValue)]
    public long MaxRequestBytes { get; set; } = 200L * 1024 * 1024;
}
