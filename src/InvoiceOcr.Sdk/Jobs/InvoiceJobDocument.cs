namespace InvoiceOcr.Sdk;

/// <summary>
/// A document to add to a job: a file path (read by the worker; must be readable by every worker), a stream (copied into the
/// store or the configured blob folder when it is added), or an http(s) URI (downloaded by the worker). Each document is hashed
/// when added, so adding it to the same job again adds nothing.
/// </summary>
public sealed class InvoiceJobDocument
{
    private InvoiceJobDocument(InvoiceJobDocumentSource source, string? location, Stream? stream, string? fileName, string? sha256)
    {
        Source = source;
        Location = location;
        Stream = stream;
        FileName = fileName;
        Sha256 = sha256;
    }

    /// <summary>Gets where the document is read from.</summary>
    public InvoiceJobDocumentSource Source { get; }

    /// <summary>Gets the path or URI.</summary>
    public string? Location { get; }

    /// <summary>Gets the file name used in results and messages.</summary>
    public string? FileName { get; }

    /// <summary>Gets the content hash given by the caller (a URI's document is not downloaded when it is added).</summary>
    public string? Sha256 { get; }

    internal Stream? Stream { get; }

    /// <summary>A file, read by the worker. The file is hashed when it is added.</summary>
    /// <param name="path">The file's path.</param>
    /// <returns>The document.</returns>
    public static InvoiceJobDocument FromFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return new(InvoiceJobDocumentSource.File, Path.GetFullPath(path), null, Path.GetFileName(path), null);
    }

    /// <summary>A stream, copied into the job store (or the configured blob folder) when it is added. The stream is not disposed.</summary>
    /// <param name="stream">The document's bytes, from the current position.</param>
    /// <param name="fileName">The file name for results and messages.</param>
    /// <returns>The document.</returns>
    public static InvoiceJobDocument FromStream(Stream stream, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return new(InvoiceJobDocumentSource.Stored, null, stream, fileName, null);
    }

    /// <summary>An http(s) URI, downloaded by the worker. It is not downloaded when added, so the caller names its content hash.</summary>
    /// <param name="uri">The document's address.</param>
    /// <param name="sha256">The document's SHA-256 (hex), which makes adding it idempotent.</param>
    /// <param name="fileName">The file name for results; the URI's last segment when <see langword="null"/>.</param>
    /// <returns>The document.</returns>
    public static InvoiceJobDocument FromUri(Uri uri, string sha256, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        ArgumentException.ThrowIfNullOrWhiteSpace(sha256);
        if (!uri.IsAbsoluteUri || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException("Only absolute http(s) URIs can be added to a job.", nameof(uri));
        }

        return new(InvoiceJobDocumentSource.Uri, uri.AbsoluteUri, null, fileName ?? Path.GetFileName(uri.AbsolutePath), sha256.ToLowerInvariant());
    }

    /// <summary>Every supported invoice file (by extension: PDF, PNG, JPEG, WebP, HEIC, HEIF) directly in a folder, or in its sub-folders too.</summary>
    /// <param name="folder">The folder.</param>
    /// <param name="recursive">Whether to include sub-folders.</param>
    /// <returns>The documents, in ordinal path order.</returns>
    public static IReadOnlyList<InvoiceJobDocument> FromFolder(string folder, bool recursive = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        string[] extensions = [".pdf", ".png", ".jpg", ".jpeg", ".webp", ".heic", ".heif"];
        return Directory.EnumerateFiles(folder, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            .Where(p => extensions.Contains(Path.GetExtension(p), StringComparer.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(FromFile)
            .ToList();
    }
}

/// <summary>What a new job is for.</summary>
/// <param name="CompanyId">The company whose key pool and quotas serve it.</param>
public sealed record InvoiceJobRequest(string CompanyId)
{
    /// <summary>Gets the caller's key for the job: creating a job again with the same key (for the same company) returns the existing job.</summary>
    public string? JobKey { get; init; }

    /// <summary>Gets the user who submits it.</summary>
    public string? RequestedBy { get; init; }

    /// <summary>Gets the branch it is for.</summary>
    public string? Branch { get; init; }

    /// <summary>Gets a value indicating whether the items go to Gemini as a batch instead of one call each.</summary>
    public bool UseBatchMode { get; init; }

    /// <summary>
    /// Gets a value indicating whether, when a Gemini batch of this batch-mode job fails, expires or is cancelled, its unfinished
    /// items run as interactive calls (the standard tier, full price) instead of going back to the batch route. An item whose batch
    /// answered it is completed from that answer and never sent again; an item whose request may have been billed without an answer
    /// is never sent again by itself (see the jobs documentation).
    /// </summary>
    public bool FallbackToInteractive { get; init; }
}

/// <summary>The result of adding documents to a job.</summary>
/// <param name="Added">The documents added.</param>
/// <param name="Skipped">The documents already in the job (same content hash), not added again.</param>
public sealed record InvoiceJobAddResult(int Added, int Skipped);
