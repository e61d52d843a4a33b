using System.Globalization;
using InvoiceOcr.Samples.WebApi.Authentication;
using InvoiceOcr.Samples.WebApi.Extraction;
using InvoiceOcr.Samples.WebApi.RateLimiting;
using InvoiceOcr.Sdk;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.Jobs;

/// <summary>
/// Batch jobs over HTTP (<see cref="IInvoiceJobs"/>): <c>/jobs</c> for tenants, always for the company of the caller's
/// credential (another company's job is a 404, never a 403, so ids cannot be probed), and read-only views under
/// <c>/admin/api</c> for the dashboard, for any company. The worker that processes the items is the SDK's hosted service,
/// registered with <c>AddJobs</c>; these endpoints only submit, watch and steer.
/// </summary>
internal static class JobEndpoints
{
    public const string FilesField = "files";
    public const string JobKeyField = "jobKey";
    public const string BatchModeField = "batchMode";

    /// <summary>The form field that lets a batch-mode job's failed or expired batches fall back to interactive calls.</summary>
    public const string FallbackField = "fallbackToInteractive";
    public const string JobNotFoundKind = "JobNotFound";

    private const int MaxPageSize = 1000;

    public static void MapJobs(this IEndpointRouteBuilder endpoints)
    {
        var tenant = endpoints.MapGroup("/jobs")
            .WithTags("Jobs")
            .RequireAuthorization(CallerIdentity.TenantPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);

        tenant.MapPost("/", SubmitAsync)
            .WithName("SubmitJob")
            .WithSummary("Creates a batch job (or adds to the one with the same jobKey) with the uploaded invoices.")
            .WithDescription(
                "multipart/form-data with one or more 'files', and optional 'jobKey' (re-posting with the same key adds to that job), " +
                "'username', 'branch', 'batchMode' (true: Gemini batch mode, half price, results within 24 hours) and 'fallbackToInteractive' " +
                "(true, with batchMode: a batch that fails or expires runs its unfinished items as interactive calls). Each document is " +
                "hashed: one the job already holds is skipped, so re-posting a folder adds nothing twice. The company is the credential's. " +
                "The SDK's worker processes the items under the company's quotas; poll GET /jobs/{jobId}.")
            .Accepts<IFormFileCollection>("multipart/form-data")
            .Produces<JobSubmitResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithMetadata(new TenantRateLimitedMetadata())
            .RequireRateLimiting(TenantRateLimiting.PolicyName);
        tenant.MapGet("/", ListAsync)
            .WithName("ListJobs")
            .WithSummary("Lists your company's jobs with their state and progress, newest first.");
        tenant.MapGet("/{jobId}", GetAsync)
            .WithName("GetJob")
            .WithSummary("A job's state and progress (items by state, percent done, when parked items resume).")
            .ProducesProblem(StatusCodes.Status404NotFound);
        tenant.MapGet("/{jobId}/items", ItemsAsync)
            .WithName("ListJobItems")
            .WithSummary("Pages through a job's items: results (the invoice JSON), failures with any partial invoice, or one state.")
            .WithDescription("state: one item state (Pending, Processing, Completed, Failed, Retrying, QuotaExceeded, Suspended, Cancelled); " +
                "after: the nextAfter of the previous page (0 or absent starts at the first item); pageSize: 1 to 1000, default 100.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        tenant.MapGet("/{jobId}/items/{itemId}", ItemAsync)
            .WithName("GetJobItem")
            .WithSummary("One item whole: its state, its result (the invoice JSON) or its error with any partial invoice, and its transitions.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        tenant.MapGet("/{jobId}/items/{itemId}/transitions", TransitionsAsync)
            .WithName("ListJobItemTransitions")
            .WithSummary("An item's audit trail: every move between states with its reason, time, worker, operation and attempt.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        foreach (var (action, summary) in new[]
        {
            ("suspend", "Suspends a job: no item is taken until it is resumed; items being processed finish."),
            ("resume", "Resumes a suspended job."),
            ("cancel", "Cancels a job: items not yet processed are cancelled; items being processed finish."),
        })
        {
            tenant.MapPost("/{jobId}/" + action, (string jobId, HttpContext http, IInvoiceJobs jobs, CancellationToken ct) => ControlAsync(action, jobId, http, jobs, ct))
                .WithName(string.Concat(char.ToUpperInvariant(action[0]).ToString(), action.AsSpan(1), "Job"))
                .WithSummary(summary)
                .WithDescription("A move the job's state does not allow (for example resuming a cancelled job) is a 409 problem of kind JobTransitionRejected.")
                .ProducesProblem(StatusCodes.Status404NotFound)
                .ProducesProblem(StatusCodes.Status409Conflict);
        }

        tenant.MapPost("/{jobId}/retry", RetryAsync)
            .WithName("RetryJob")
            .WithSummary("Retries a job's failed items: back to Pending, each on its own durable operation, so nothing is billed twice.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        // Operators read any company's jobs (the dashboard's jobs panel); steering stays with the tenant.
        var admin = endpoints.MapGroup("/admin/api")
            .WithTags("Admin")
            .RequireAuthorization(CallerIdentity.AdminPolicy)
            .ProducesProblem(StatusCodes.Status401Unauthorized);
        admin.MapGet("/companies/{companyId}/jobs", (string companyId, IInvoiceJobs jobs, CancellationToken ct) => ListForAsync(companyId, jobs, ct))
            .WithSummary("Lists a company's batch jobs with state and progress, newest first.");
        admin.MapGet("/jobs/{jobId}", (string jobId, IInvoiceJobs jobs, CancellationToken ct) => GetForAsync(jobId, company: null, jobs, ct))
            .WithSummary("Any company's job with its state and progress.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapGet("/jobs/{jobId}/items", (string jobId, string? state, int? after, int? pageSize, IInvoiceJobs jobs, CancellationToken ct) =>
                ItemsForAsync(jobId, company: null, state, after, pageSize, jobs, ct))
            .WithSummary("Pages through any company's job items (state, after, pageSize as for tenants).")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapGet("/jobs/{jobId}/items/{itemId}", (string jobId, string itemId, IInvoiceJobs jobs, CancellationToken ct) =>
                ItemForAsync(jobId, itemId, company: null, jobs, ct))
            .WithSummary("One item of any company's job, with its result or error and its transitions.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapGet("/jobs/{jobId}/items/{itemId}/transitions", (string jobId, string itemId, IInvoiceJobs jobs, CancellationToken ct) =>
                TransitionsForAsync(jobId, itemId, company: null, jobs, ct))
            .WithSummary("An item's transitions, for any company's job.")
            .ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static async Task<Results<Created<JobSubmitResponse>, ValidationProblem>> SubmitAsync(
        HttpContext http,
        IInvoiceJobs jobs,
        IApiKeyStore keys,
        TimeProvider time,
        IOptions<DocumentOptions> documentOptions,
        IOptions<JobUploadOptions> uploadOptions,
        CancellationToken cancellationToken)
    {
        var request = http.Request;
        var company = CallerIdentity.CompanyOf(http.User)!; // The tenant policy guarantees it.
        var upload = uploadOptions.Value;
        var maxFileBytes = documentOptions.Value.MaxFileBytes;

        // 413 from the declared length before the body is read; a body without a length is cut off at the same limit by Kestrel.
        if (request.ContentLength is { } length && length > upload.MaxRequestBytes)
        {
            http.Response.Headers.Connection = "close";
            throw TooLarge(upload.MaxRequestBytes);
        }

        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            // Many files in one request: this endpoint's own limit replaces the one-file limit Kestrel applies to /extract.
            bodySize.MaxRequestBodySize = upload.MaxRequestBytes;
        }

        // No usable key: refuse before the upload is read, as /extract does (the items could only fail).
        await KeyAdmission.EnsureUsableKeyAsync(keys, company, time.GetUtcNow(), cancellationToken);

        if (!request.HasFormContentType)
        {
            throw new BadHttpRequestException("Send the invoices as multipart/form-data, each as a field 'files'.", StatusCodes.Status415UnsupportedMediaType);
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(
                new FormOptions { MultipartBodyLengthLimit = maxFileBytes + 1, ValueCountLimit = upload.MaxFiles + 16, MultipartBoundaryLengthLimit = 128 },
                cancellationToken);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(upload.MaxRequestBytes);
        }
        catch (InvalidDataException ex) when (ex.Message.Contains("body length limit", StringComparison.OrdinalIgnoreCase))
        {
            throw ExtractForm.TooLarge(maxFileBytes, ex);
        }
        catch (InvalidDataException ex)
        {
            throw new BadHttpRequestException("The multipart form could not be read: " + ex.Message, StatusCodes.Status400BadRequest, ex);
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var files = form.Files.Where(f => f.Name is FilesField or ExtractForm.FileField).ToList();
        if (files.Count == 0)
        {
            errors[FilesField] = ["Attach one or more invoices as form fields 'files'."];
        }
        else if (files.Count > upload.MaxFiles)
        {
            errors[FilesField] = [string.Create(CultureInfo.InvariantCulture, $"At most {upload.MaxFiles} files per request; send the rest with the same jobKey.")];
        }

        var jobKey = Field(form, JobKeyField, errors);
        var user = Field(form, ExtractForm.UserField, errors);
        var branch = Field(form, ExtractForm.BranchField, errors);
        var batchMode = false;
        if (Field(form, BatchModeField, errors) is { } batchText && !bool.TryParse(batchText, out batchMode))
        {
            errors[BatchModeField] = ["'batchMode' must be true or false."];
        }

        var fallback = false;
        if (Field(form, FallbackField, errors) is { } fallbackText && !bool.TryParse(fallbackText, out fallback))
        {
            errors[FallbackField] = ["'fallbackToInteractive' must be true or false."];
        }
        else if (fallback && !batchMode)
        {
            errors[FallbackField] = ["'fallbackToInteractive' needs 'batchMode': only a batch can fall back to interactive calls."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The request is invalid");
        }

        var job = await jobs.CreateJobAsync(new InvoiceJobRequest(company) { JobKey = jobKey, RequestedBy = user, Branch = branch, UseBatchMode = batchMode, FallbackToInteractive = fallback }, cancellationToken);
        var streams = new List<Stream>(files.Count);
        try
        {
            var documents = new List<InvoiceJobDocument>(files.Count);
            foreach (var file in files)
            {
                if (file.Length > maxFileBytes)
                {
                    throw ExtractForm.TooLarge(maxFileBytes, null);
                }

                var stream = file.OpenReadStream();
                streams.Add(stream);
                documents.Add(InvoiceJobDocument.FromStream(stream, Path.GetFileName(file.FileName)));
            }

            var added = await jobs.AddDocumentsAsync(job.JobId, documents, cancellationToken);
            var status = await jobs.GetStatusAsync(job.JobId, cancellationToken) ?? throw new InvalidOperationException("The job just created is gone.");
            return TypedResults.Created("/jobs/" + Uri.EscapeDataString(job.JobId), new JobSubmitResponse(JobResponse.From(status), added.Added, added.Skipped));
        }
        finally
        {
            foreach (var stream in streams)
            {
                await stream.DisposeAsync();
            }
        }
    }

    private static Task<Ok<JobResponse[]>> ListAsync(HttpContext http, IInvoiceJobs jobs, CancellationToken cancellationToken) =>
        ListForAsync(CallerIdentity.CompanyOf(http.User)!, jobs, cancellationToken);

    private static Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetAsync(string jobId, HttpContext http, IInvoiceJobs jobs, CancellationToken cancellationToken) =>
        GetForAsync(jobId, CallerIdentity.CompanyOf(http.User)!, jobs, cancellationToken);

    private static Task<Results<Ok<JobItemPageResponse>, ValidationProblem, ProblemHttpResult>> ItemsAsync(
        string jobId, string? state, int? after, int? pageSize, HttpContext http, IInvoiceJobs jobs, CancellationToken cancellationToken) =>
        ItemsForAsync(jobId, CallerIdentity.CompanyOf(http.User)!, state, after, pageSize, jobs, cancellationToken);

    private static Task<Results<Ok<JobItemDetailsResponse>, ProblemHttpResult>> ItemAsync(
        string jobId, string itemId, HttpContext http, IInvoiceJobs jobs, CancellationToken cancellationToken) =>
        ItemForAsync(jobId, itemId, CallerIdentity.CompanyOf(http.User)!, jobs, cancellationToken);

    private static Task<Results<Ok<InvoiceJobItemTransition[]>, ProblemHttpResult>> TransitionsAsync(
        string jobId, string itemId, HttpContext http, IInvoiceJobs jobs, CancellationToken cancellationToken) =>
        TransitionsForAsync(jobId, itemId, CallerIdentity.CompanyOf(http.User)!, jobs, cancellationToken);

    private static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> ControlAsync(
        string action, string jobId, HttpContext http, IInvoiceJobs jobs, CancellationToken cancellationToken)
    {
        if (await FindAsync(jobId, CallerIdentity.CompanyOf(http.User)!, jobs, cancellationToken) is null)
        {
            return NotFound(jobId);
        }

        var status = action switch
        {
            "suspend" => await jobs.SuspendAsync(jobId, cancellationToken),
            "resume" => await jobs.ResumeAsync(jobId, cancellationToken),
            _ => await jobs.CancelAsync(jobId, cancellationToken),
        };
        return TypedResults.Ok(JobResponse.From(status));
    }

    private static async Task<Results<Ok<JobRetryResponse>, ProblemHttpResult>> RetryAsync(string jobId, HttpContext http, IInvoiceJobs jobs, CancellationToken cancellationToken)
    {
        if (await FindAsync(jobId, CallerIdentity.CompanyOf(http.User)!, jobs, cancellationToken) is null)
        {
            return NotFound(jobId);
        }

        var retried = await jobs.RetryFailedAsync(jobId, cancellationToken);
        var status = await jobs.GetStatusAsync(jobId, cancellationToken);
        return status is null ? NotFound(jobId) : TypedResults.Ok(new JobRetryResponse(JobResponse.From(status), retried));
    }

    private static async Task<Ok<JobResponse[]>> ListForAsync(string companyId, IInvoiceJobs jobs, CancellationToken cancellationToken) =>
        TypedResults.Ok((await jobs.ListJobsAsync(companyId, cancellationToken)).Select(JobResponse.From).ToArray());

    private static async Task<Results<Ok<JobResponse>, ProblemHttpResult>> GetForAsync(string jobId, string? company, IInvoiceJobs jobs, CancellationToken cancellationToken) =>
        await FindAsync(jobId, company, jobs, cancellationToken) is { } status ? TypedResults.Ok(JobResponse.From(status)) : NotFound(jobId);

    private static async Task<Results<Ok<JobItemPageResponse>, ValidationProblem, ProblemHttpResult>> ItemsForAsync(
        string jobId, string? company, string? state, int? after, int? pageSize, IInvoiceJobs jobs, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        InvoiceJobItemState? parsedState = null;
        if (!string.IsNullOrWhiteSpace(state))
        {
            if (Enum.TryParse<InvoiceJobItemState>(state, ignoreCase: true, out var s) && Enum.IsDefined(s) && !int.TryParse(state, out _))
            {
                parsedState = s;
            }
            else
            {
                errors["state"] = ["'state' must be one of " + string.Join(", ", Enum.GetNames<InvoiceJobItemState>()) + "."];
            }
        }

        if (after is < 0)
        {
            errors["after"] = ["'after' must be 0 or more."];
        }

        if (pageSize is < 1 or > MaxPageSize)
        {
            errors["pageSize"] = [string.Create(CultureInfo.InvariantCulture, $"'pageSize' must be between 1 and {MaxPageSize}.")];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (await FindAsync(jobId, company, jobs, cancellationToken) is null)
        {
            return NotFound(jobId);
        }

        var page = await jobs.ListItemsAsync(new InvoiceJobItemQuery(jobId) { State = parsedState, After = after ?? 0, PageSize = pageSize ?? 100 }, cancellationToken);
        return TypedResults.Ok(new JobItemPageResponse([.. page.Items.Select(JobItemResponse.From)], page.NextAfter));
    }

    private static async Task<Results<Ok<JobItemDetailsResponse>, ProblemHttpResult>> ItemForAsync(
        string jobId, string itemId, string? company, IInvoiceJobs jobs, CancellationToken cancellationToken)
    {
        if (await FindAsync(jobId, company, jobs, cancellationToken) is null)
        {
            return NotFound(jobId);
        }

        return await FindItemAsync(jobs, jobId, itemId, cancellationToken) is { } details
            ? TypedResults.Ok(new JobItemDetailsResponse(JobItemResponse.From(details.Item), [.. details.Transitions]))
            : ItemNotFound();
    }

    private static async Task<Results<Ok<InvoiceJobItemTransition[]>, ProblemHttpResult>> TransitionsForAsync(
        string jobId, string itemId, string? company, IInvoiceJobs jobs, CancellationToken cancellationToken)
    {
        if (await FindAsync(jobId, company, jobs, cancellationToken) is null)
        {
            return NotFound(jobId);
        }

        return await FindItemAsync(jobs, jobId, itemId, cancellationToken) is { } details ? TypedResults.Ok(details.Transitions.ToArray()) : ItemNotFound();
    }

    /// <summary>
    /// The item, when it is this job's: items are looked up by id alone, so a tenant could otherwise read another company's
    /// item through their own job's URL.
    /// </summary>
    private static async Task<InvoiceJobItemDetails?> FindItemAsync(IInvoiceJobs jobs, string jobId, string itemId, CancellationToken cancellationToken) =>
        string.IsNullOrWhiteSpace(itemId) ? null
        : await jobs.GetItemAsync(itemId, cancellationToken) is { } details && string.Equals(details.Item.JobId, jobId, StringComparison.Ordinal) ? details
        : null;

    private static ProblemHttpResult ItemNotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such item", detail: "The job has no such item.",
            extensions: new Dictionary<string, object?> { ["kind"] = JobNotFoundKind });

    /// <summary>The job, when it exists and (for a tenant) belongs to the company; otherwise <see langword="null"/>, answered as 404.</summary>
    private static async Task<InvoiceJobStatus?> FindAsync(string jobId, string? company, IInvoiceJobs jobs, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(jobId))
        {
            return null;
        }

        var status = await jobs.GetStatusAsync(jobId, cancellationToken);
        return status is not null && (company is null || string.Equals(status.Job.CompanyId, company, StringComparison.Ordinal)) ? status : null;
    }

    private static ProblemHttpResult NotFound(string jobId) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound,
        title: "No such job",
        detail: "Your company has no job with the id '" + (jobId.Length > 64 ? jobId[..64] + "…" : jobId) + "'.",
        extensions: new Dictionary<string, object?> { ["kind"] = JobNotFoundKind });

    private static string? Field(IFormCollection form, string name, Dictionary<string, string[]> errors)
    {
        var value = ExtractForm.Field(form, name);
        if (value is { Length: > ExtractForm.MaxFieldLength })
        {
            errors[name] = [string.Create(CultureInfo.InvariantCulture, $"'{name}' must be at most {ExtractForm.MaxFieldLength} characters long.")];
            return null;
        }

        return value;
    }

    private static InvalidDocumentException TooLarge(long maxRequestBytes) => new(
        DocumentRejectionReason.TooLarge,
        string.Create(CultureInfo.InvariantCulture, $"The upload is larger than the {maxRequestBytes:N0} bytes allowed per request; send the files in several requests with the same jobKey."));
}
