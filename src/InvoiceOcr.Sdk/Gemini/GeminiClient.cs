using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Gemini;

/// <summary>
/// The Gemini REST client: one <c>generateContent</c> attempt with one key, the document inline or through
/// the Files API. It never retries (the resilience pipeline around the attempt does) and never throws for
/// an HTTP 200 answer with a bad finish reason (see <see cref="GeminiGenerateResult.EnsureCompleted"/>).
/// </summary>
/// <remarks>
/// The key travels only in the <c>x-goog-api-key</c> header: never in a URL, a log line or an exception message.
/// Failures are <see cref="InvoiceOcrException"/>s of the SDK taxonomy; the caller's cancellation propagates
/// as <see cref="OperationCanceledException"/> unchanged.
/// </remarks>
internal sealed partial class GeminiClient : IModelClient
{
    /// <summary>The name of the <see cref="HttpClient"/> registered with <see cref="IHttpClientFactory"/>.</summary>
    public const string HttpClientName = InvoiceOcrTelemetry.GeminiHttpClientName;

    /// <summary>
    /// The <see cref="HttpRequestMessage.Options"/> entry that names the journaled attempt (its id is also its ledger row's
    /// id) of a <c>generateContent</c> request, for a handler added to the client (correlating logs, a reconciliation
    /// harness). It is never sent on the wire.
    /// </summary>
    public static readonly HttpRequestOptionsKey<string> AttemptIdOption = new(InvoiceOcrTelemetry.AttemptIdRequestOption);

    /// <summary>The header that carries the API key.</summary>
    public const string ApiKeyHeader = "x-goog-api-key";

    private const string JsonMediaType = "application/json";

    private readonly HttpClient _httpClient;
    private readonly IOptionsMonitor<GeminiOptions> _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly InlineShape?[] _inlineShapes = new InlineShape?[4];
    private int _nextShapeSlot = -1;

    /// <summary>Creates the client.</summary>
    public GeminiClient(HttpClient httpClient, IOptionsMonitor<GeminiOptions> options, TimeProvider timeProvider, ILogger<GeminiClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _httpClient = httpClient;
        _options = options;
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Runs one <c>generateContent</c> call.</summary>
    /// <param name="request">The document, instructions and schema.</param>
    /// <param name="apiKey">The key for this attempt; sent only in the <c>x-goog-api-key</c> header.</param>
    /// <param name="cancellationToken">Cancels the call; its cancellation propagates unchanged.</param>
    /// <returns>The billed answer, complete or not.</returns>
    /// <exception cref="InvoiceOcrException">The service answered an error, or the transport failed or timed out.</exception>
    public Task<GeminiGenerateResult> GenerateContentAsync(GeminiGenerateRequest request, string apiKey, CancellationToken cancellationToken) =>
        GenerateAsync(request, apiKey, request?.AttemptId, cancellationToken).AsTask();

    /// <inheritdoc/>
    ValueTask<GeminiGenerateResult> IModelClient.GenerateContentAsync(GeminiGenerateRequest request, string apiKey, string? attemptId, CancellationToken cancellationToken) =>
        GenerateAsync(request, apiKey, attemptId ?? request?.AttemptId, cancellationToken);

    // A ValueTask all the way down to HttpClient: when the handler chain answers synchronously (an in-process handler, a
    // buffered answer) the call allocates no Task per level.
    private async ValueTask<GeminiGenerateResult> GenerateAsync(GeminiGenerateRequest request, string apiKey, string? attemptId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        var options = _options.CurrentValue;
        var model = request.Model ?? options.Model;
        if (request.Contents is { } contents)
        {
            return await GenerateFromContentsAsync(request, contents, options, model, apiKey, attemptId, cancellationToken).ConfigureAwait(false);
        }

        if (GenerateContentHttpContent.Base64Length(request.Document.Length) <= options.InlineDataLimitBytes)
        {
            // Everything but the document is the same from call to call: the endpoint and the JSON around the document are
            // built once per request shape and reused, so an inline call serializes nothing but the document's base64.
            var shape = GetInlineShape(request, options, model);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                GeminiLog.Request(_logger, model, shape.Endpoint.AbsoluteUri, request.Document.Length, request.MimeType, "inlineData");
            }

            using var content = GenerateContentHttpContent.Create(shape.Template, request.Document);
            return await SendGenerateAsync(shape.Endpoint, content, model, apiKey, attemptId, cancellationToken).ConfigureAwait(false);
        }

        ValidateModel(model);
        var endpoint = Endpoint(options, $"{options.ApiVersion}/models/{model}:generateContent");
        var file = await UploadFileAsync(request, options, apiKey, cancellationToken).ConfigureAwait(false);
        try
        {
            file = await WaitUntilActiveAsync(file, options, apiKey, cancellationToken).ConfigureAwait(false);
            GeminiLog.Request(_logger, model, endpoint.AbsoluteUri, request.Document.Length, request.MimeType, "fileData");
            var body = BuildRequest(request, options, new GeminiPart { FileData = new GeminiFileData { MimeType = file.MimeType ?? request.MimeType, FileUri = file.Uri } });
            using var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, GeminiJsonContext.Default.GeminiGenerateContentRequest));
            content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType) { CharSet = "utf-8" };
            return await SendGenerateAsync(endpoint, content, model, apiKey, attemptId, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await DeleteFileBestEffortAsync(file.Name!, options, apiKey).ConfigureAwait(false);
        }
    }

    /// <summary>A general request: its turns and their inline data are serialized as they are (no Files API, no template reuse).</summary>
    private async ValueTask<GeminiGenerateResult> GenerateFromContentsAsync(
        GeminiGenerateRequest request, IReadOnlyList<ModelContent> contents, GeminiOptions options, string model, string apiKey, string? attemptId, CancellationToken cancellationToken)
    {
        ValidateModel(model);
        var endpoint = Endpoint(options, $"{options.ApiVersion}/models/{model}:generateContent");
        var body = BuildContentsRequest(request, contents, options);
        var json = JsonSerializer.SerializeToUtf8Bytes(body, GeminiJsonContext.Default.GeminiGenerateContentRequest);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            GeminiLog.Request(_logger, model, endpoint.AbsoluteUri, json.Length, JsonMediaType, "contents");
        }

        using var content = new ByteArrayContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType) { CharSet = "utf-8" };
        return await SendGenerateAsync(endpoint, content, model, apiKey, attemptId, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Builds the request DTO of a general request: the system instruction, the turns, and the generation config.</summary>
    internal static GeminiGenerateContentRequest BuildContentsRequest(GeminiGenerateRequest request, IReadOnlyList<ModelContent> contents, GeminiOptions options)
    {
        var turns = new List<GeminiContent>(contents.Count);
        foreach (var turn in contents)
        {
            var parts = new List<GeminiPart>(turn.Parts.Count);
            foreach (var part in turn.Parts)
            {
                parts.Add(part.Text is { } text
                    ? new GeminiPart { Text = text }
                    : new GeminiPart { InlineData = new GeminiInlineData { MimeType = part.MimeType, Data = Convert.ToBase64String(part.Data.Span) } });
            }

            turns.Add(new GeminiContent { Role = turn.Role == ModelRole.Model ? "model" : "user", Parts = parts });
        }

        var json = request.JsonResponse || request.ResponseJsonSchema is not null;
        return new GeminiGenerateContentRequest
        {
            SystemInstruction = request.SystemInstruction is { } instruction ? new GeminiContent { Parts = [new GeminiPart { Text = instruction }] } : null,
            Contents = turns,
            GenerationConfig = new GeminiGenerationConfig
            {
                Temperature = request.Temperature ?? options.Temperature,
                TopP = request.TopP,
                TopK = request.TopK,
                Seed = request.Seed,
                StopSequences = request.StopSequences is { Count: > 0 } stops ? [.. stops] : null,
                MaxOutputTokens = request.MaxOutputTokens ?? options.MaxOutputTokens,
                ResponseMimeType = json ? JsonMediaType : null,
                ResponseJsonSchema = request.ResponseJsonSchema,
            },
        };
    }

    private static void ValidateModel(string model)
    {
        if (!ModelIdPattern().IsMatch(model))
        {
            throw new ArgumentException($"'{model}' is not a bare Gemini model id such as 'gemini-2.5-flash'.", nameof(model));
        }
    }

    /// <summary>Returns the cached endpoint and body template of an inline call of this shape, building them on first use.</summary>
    private InlineShape GetInlineShape(GeminiGenerateRequest request, GeminiOptions options, string model)
    {
        var shapes = _inlineShapes;
        foreach (var cached in shapes)
        {
            if (cached is not null && cached.Matches(request, options, model))
            {
                return cached;
            }
        }

        ValidateModel(model);
        var endpoint = Endpoint(options, $"{options.ApiVersion}/models/{model}:generateContent");
        var template = GenerateContentHttpContent.CreateTemplate(
            BuildRequest(request, options, new GeminiPart { InlineData = new GeminiInlineData { MimeType = request.MimeType } }));
        var shape = new InlineShape(request, options, model, endpoint, template);

        // A few shapes are kept (one per model and prompt in use); a new one replaces the slots round robin. Slots are
        // written whole (a reference), so a concurrent reader sees either the old shape or the new one.
        var slot = (int)((uint)Interlocked.Increment(ref _nextShapeSlot) % (uint)shapes.Length);
        Volatile.Write(ref shapes[slot], shape);
        return shape;
    }

    /// <summary>Builds the request DTO: system instruction, the document part then the prompt, and the generation config.</summary>
    internal static GeminiGenerateContentRequest BuildRequest(GeminiGenerateRequest request, GeminiOptions options, GeminiPart documentPart) => new()
    {
        SystemInstruction = new GeminiContent { Parts = [new GeminiPart { Text = request.SystemInstruction }] },
        Contents =
        [
            new GeminiContent
            {
                Role = "user",
                Parts = [documentPart, new GeminiPart { Text = request.Prompt }],
            },
        ],
        GenerationConfig = new GeminiGenerationConfig
        {
            Temperature = options.Temperature,
            MaxOutputTokens = request.MaxOutputTokens ?? options.MaxOutputTokens,
            ResponseMimeType = JsonMediaType,
            ResponseJsonSchema = request.ResponseJsonSchema,
            ThinkingConfig = ThinkingBudget(request.Model ?? options.Model, options) is { } budget ? new GeminiThinkingConfig { ThinkingBudget = budget } : null,
        },
    };

    /// <summary>The thinking budget of a document call: the option when set, else 0 for Gemini 2.5 Flash models (which think by default but can stop), else none.</summary>
    internal static int? ThinkingBudget(string model, GeminiOptions options) =>
        options.ThinkingBudget ?? (model.StartsWith("gemini-2.5-flash", StringComparison.Ordinal) ? 0 : null);

    private async ValueTask<GeminiGenerateResult> SendGenerateAsync(Uri endpoint, HttpContent content, string model, string apiKey, string? attemptId, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = content };
        if (attemptId is not null)
        {
            // For handlers of the client (logging, test harnesses): which journaled attempt this request is. Not sent.
            message.Options.Set(AttemptIdOption, attemptId);
        }

        message.Headers.TryAddWithoutValidation(ApiKeyHeader, apiKey);
        using var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        await ThrowIfErrorAsync(endpoint, response, apiKey, cancellationToken).ConfigureAwait(false);

        // The answer is read into a pooled buffer and parsed from there: only the result (its strings) outlives the call,
        // not a copy of the whole body per call.
        byte[] body;
        int length;
        try
        {
            (body, length) = await ReadBodyAsync(response.Content, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (MapTransport(ex, cancellationToken) is { } kind)
        {
            throw Transport(endpoint, kind, kind == InvoiceOcrErrorKind.Timeout
                ? "Reading Gemini's answer timed out."
                : "The connection to Gemini failed while reading the answer.", ex);
        }

        try
        {
            var result = GeminiResponseReader.Read(body.AsSpan(0, length), model);
            GeminiLog.Response(_logger, model, result.FinishReason, result.ResponseId, result.ModelVersion, result.Usage.TotalTokens);
            return result;
        }
        catch (JsonException ex)
        {
            throw Transport(endpoint, InvoiceOcrErrorKind.NetworkFailure, "Gemini answered HTTP 200 with a body that is not complete JSON (cut short or not a generateContent answer).", ex);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    }

    /// <summary>
    /// The first buffer for an answer: one byte more than its announced length (the read that finds the end needs room), else
    /// 16 KB; a larger answer grows it.
    /// </summary>
    private static int InitialBodyBufferBytes(long? contentLength) =>
        contentLength is { } announced and >= 0 and < 64 * 1024 * 1024 ? Math.Max(256, (int)announced + 1) : 16 * 1024;

    /// <summary>
    /// Reads the whole answer into a buffer rented from the pool (its announced length, else 16 KB, grown when it fills) and
    /// returns it with the answer's length; the caller returns it to the pool. On a failure the buffer is returned here.
    /// </summary>
    private static async ValueTask<(byte[] Buffer, int Length)> ReadBodyAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(InitialBodyBufferBytes(content.Headers.ContentLength));
        try
        {
            var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var length = 0;
                while (true)
                {
                    if (length == buffer.Length)
                    {
                        var larger = ArrayPool<byte>.Shared.Rent(checked(buffer.Length * 2));
                        buffer.AsSpan(0, length).CopyTo(larger);
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = larger;
                    }

                    var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return (buffer, length);
                    }

                    length += read;
                }
            }
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private Task<GeminiFile> UploadFileAsync(GeminiGenerateRequest request, GeminiOptions options, string apiKey, CancellationToken cancellationToken) =>
        UploadFileAsync(request.Document, request.MimeType, request.DisplayName, request.Model ?? options.Model, options, apiKey, cancellationToken);

    private async Task<GeminiFile> UploadFileAsync(ReadOnlyMemory<byte> data, string mimeType, string? displayName, string model, GeminiOptions options, string apiKey, CancellationToken cancellationToken)
    {
        var startUri = Endpoint(options, $"upload/{options.ApiVersion}/files");
        var length = data.Length.ToString(CultureInfo.InvariantCulture);
        GeminiLog.Request(_logger, model, startUri.AbsoluteUri, data.Length, mimeType, "Files API upload");

        var metadata = new GeminiFileEnvelope { File = new GeminiFile { DisplayName = displayName } };
        Uri uploadUri;
        using (var start = new HttpRequestMessage(HttpMethod.Post, startUri))
        {
            start.Headers.TryAddWithoutValidation(ApiKeyHeader, apiKey);
            start.Headers.TryAddWithoutValidation("X-Goog-Upload-Protocol", "resumable");
            start.Headers.TryAddWithoutValidation("X-Goog-Upload-Command", "start");
            start.Headers.TryAddWithoutValidation("X-Goog-Upload-Header-Content-Length", length);
            start.Headers.TryAddWithoutValidation("X-Goog-Upload-Header-Content-Type", mimeType);
            start.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(metadata, GeminiJsonContext.Default.GeminiFileEnvelope));
            start.Content.Headers.ContentType = new MediaTypeHeaderValue(JsonMediaType) { CharSet = "utf-8" };
            uploadUri = await SendForUploadUrlAsync(start, options, apiKey, cancellationToken).ConfigureAwait(false);
        }

        using var upload = new HttpRequestMessage(HttpMethod.Post, uploadUri);
        if (IsSameOrigin(uploadUri, options.BaseAddress))
        {
            // The upload URL carries its own upload id; the key goes along only to the configured service host.
            upload.Headers.TryAddWithoutValidation(ApiKeyHeader, apiKey);
        }

        upload.Headers.TryAddWithoutValidation("X-Goog-Upload-Command", "upload, finalize");
        upload.Headers.TryAddWithoutValidation("X-Goog-Upload-Offset", "0");
        upload.Content = new ReadOnlyMemoryContent(data);
        upload.Content.Headers.ContentType = new MediaTypeHeaderValue(mimeType);
        var body = await SendForBodyAsync(upload, apiKey, cancellationToken).ConfigureAwait(false);
        var file = ReadFile(body, uploadUri);
        GeminiLog.FileUploaded(_logger, data.Length, file.Name!, file.State);
        return file;
    }

    private async Task<Uri> SendForUploadUrlAsync(HttpRequestMessage start, GeminiOptions options, string apiKey, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(start, cancellationToken).ConfigureAwait(false);
        await ThrowIfErrorAsync(start.RequestUri!, response, apiKey, cancellationToken).ConfigureAwait(false);
        if (!response.Headers.TryGetValues("X-Goog-Upload-URL", out var values)
            || values.FirstOrDefault() is not { Length: > 0 } url
            || !Uri.TryCreate(options.BaseAddress, url, out var uploadUri)
            || (uploadUri.Scheme != Uri.UriSchemeHttps && uploadUri.Scheme != Uri.UriSchemeHttp))
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.ServerError, "The Gemini Files API started an upload without a usable X-Goog-Upload-URL header.")
            {
                HttpStatus = response.StatusCode,
            };
        }

        return uploadUri;
    }

    private async Task<GeminiFile> WaitUntilActiveAsync(GeminiFile file, GeminiOptions options, string apiKey, CancellationToken cancellationToken)
    {
        var started = _timeProvider.GetTimestamp();
        var fileUri = Endpoint(options, $"{options.ApiVersion}/{file.Name}");
        while (true)
        {
            if (string.Equals(file.State, "ACTIVE", StringComparison.OrdinalIgnoreCase) || (file.State is null && file.Uri is not null))
            {
                if (string.IsNullOrEmpty(file.Uri))
                {
                    throw new InvoiceOcrException(InvoiceOcrErrorKind.ServerError, $"The Gemini file {file.Name} is ACTIVE but has no uri.");
                }

                return file;
            }

            if (string.Equals(file.State, "FAILED", StringComparison.OrdinalIgnoreCase))
            {
                var reason = file.Error?.Message is { Length: > 0 } m ? $": {GeminiErrorParser.Scrub(m, apiKey)}" : ".";
                throw new InvoiceOcrException(InvoiceOcrErrorKind.ServerError, $"The Gemini Files API could not process the uploaded document ({file.Name}){reason}")
                {
                    GoogleStatus = file.Error?.Status,
                };
            }

            if (_timeProvider.GetElapsedTime(started) + options.FilePollInterval > options.FileProcessingTimeout)
            {
                throw new InvoiceOcrException(InvoiceOcrErrorKind.Timeout,
                    $"The Gemini file {file.Name} was still {file.State ?? "not ready"} after {options.FileProcessingTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (Gemini:FileProcessingTimeout).");
            }

            await Task.Delay(options.FilePollInterval, _timeProvider, cancellationToken).ConfigureAwait(false);
            using var get = new HttpRequestMessage(HttpMethod.Get, fileUri);
            get.Headers.TryAddWithoutValidation(ApiKeyHeader, apiKey);
            var body = await SendForBodyAsync(get, apiKey, cancellationToken).ConfigureAwait(false);
            file = ReadFile(body, fileUri);
        }
    }

    private async Task DeleteFileBestEffortAsync(string fileName, GeminiOptions options, string apiKey)
    {
        // Best effort and not cancellable by the caller: the file is already paid for and expires in 48 h anyway.
        try
        {
            using var delete = new HttpRequestMessage(HttpMethod.Delete, Endpoint(options, $"{options.ApiVersion}/{fileName}"));
            delete.Headers.TryAddWithoutValidation(ApiKeyHeader, apiKey);
            using var response = await _httpClient.SendAsync(delete, HttpCompletionOption.ResponseHeadersRead, CancellationToken.None).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                GeminiLog.FileDeleted(_logger, fileName, response.StatusCode);
            }
            else
            {
                GeminiLog.FileDeleteFailed(_logger, null, fileName);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            GeminiLog.FileDeleteFailed(_logger, ex, fileName);
        }
    }

    private GeminiFile ReadFile(byte[] body, Uri from)
    {
        GeminiFile? file;
        try
        {
            // The finalize step answers {"file": File}; files.get answers the File itself.
            file = GeminiResponseReader.ExtractTopLevelProperty(body, "file") is { } inner
                ? JsonSerializer.Deserialize(inner, GeminiJsonContext.Default.GeminiFile)
                : JsonSerializer.Deserialize(body, GeminiJsonContext.Default.GeminiFile);
        }
        catch (JsonException ex)
        {
            throw Transport(from, InvoiceOcrErrorKind.NetworkFailure, "The Gemini Files API answered with a body that is not complete JSON.", ex);
        }

        if (file?.Name is not { } name || !FileNamePattern().IsMatch(name))
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.ServerError, "The Gemini Files API answered without a valid file name (expected 'files/{id}').");
        }

        return file;
    }

    private async Task<byte[]> SendForBodyAsync(HttpRequestMessage message, string apiKey, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(message, cancellationToken).ConfigureAwait(false);
        await ThrowIfErrorAsync(message.RequestUri!, response, apiKey, cancellationToken).ConfigureAwait(false);
        try
        {
            return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (MapTransport(ex, cancellationToken) is { } kind)
        {
            throw Transport(message.RequestUri!, kind, kind == InvoiceOcrErrorKind.Timeout
                ? "Reading Gemini's answer timed out."
                : "The connection to Gemini failed while reading the answer.", ex);
        }
    }

    private async ValueTask<HttpResponseMessage> SendAsync(HttpRequestMessage message, CancellationToken cancellationToken)
    {
        try
        {
            return await _httpClient.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (MapTransport(ex, cancellationToken) is { } kind)
        {
            throw Transport(message.RequestUri!, kind, kind == InvoiceOcrErrorKind.Timeout
                ? "The call to Gemini timed out."
                : "The connection to Gemini failed.", ex);
        }
    }

    private async Task ThrowIfErrorAsync(Uri endpoint, HttpResponseMessage response, string apiKey, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        string body;
        try
        {
            body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (MapTransport(ex, cancellationToken) is not null)
        {
            // The status alone still classifies the error.
            body = string.Empty;
            GeminiLog.TransportFailure(_logger, ex, endpoint.AbsoluteUri, InvoiceOcrErrorKind.NetworkFailure);
        }

        var error = GeminiErrorParser.Parse(response.StatusCode, body, response.Headers, _timeProvider.GetUtcNow(), apiKey);
        GeminiLog.Error(_logger, (int)response.StatusCode, error.GoogleStatus, error.GoogleReason, error.Kind, error.RetryAfter);
        throw error;
    }

    private InvoiceOcrException Transport(Uri endpoint, InvoiceOcrErrorKind kind, string message, Exception inner)
    {
        GeminiLog.TransportFailure(_logger, inner, endpoint.AbsoluteUri, kind);
        return new InvoiceOcrException(kind, message, inner);
    }

    /// <summary>Maps a transport exception to a kind, or <see langword="null"/> when it must propagate unchanged (the caller cancelled).</summary>
    private static InvoiceOcrErrorKind? MapTransport(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => null,
        OperationCanceledException => InvoiceOcrErrorKind.Timeout,
        HttpRequestException or IOException => InvoiceOcrErrorKind.NetworkFailure,
        _ => null,
    };

    private static Uri Endpoint(GeminiOptions options, string relative)
    {
        var root = options.BaseAddress;
        if (!root.AbsolutePath.EndsWith('/'))
        {
            root = new Uri(root.AbsoluteUri + "/");
        }

        return new Uri(root, relative);
    }

    private static bool IsSameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    /// <summary>
    /// What an inline <c>generateContent</c> call of one shape sends besides the document: the endpoint and the JSON around
    /// the document. It matches a later call with the same model, MIME type, instruction, prompt, schema object and options.
    /// The schema is compared by reference (a deep comparison costs as much as serializing it): a
    /// <see cref="GeminiGenerateRequest.ResponseJsonSchema"/> is not changed once a request was built with it.
    /// </summary>
    private sealed class InlineShape(GeminiGenerateRequest request, GeminiOptions options, string model, Uri endpoint, GenerateContentHttpContent.Template template)
    {
        private readonly string _model = model;
        private readonly string _mimeType = request.MimeType;
        private readonly string? _systemInstruction = request.SystemInstruction;
        private readonly string _prompt = request.Prompt;
        private readonly JsonObject? _schema = request.ResponseJsonSchema;
        private readonly Uri _baseAddress = options.BaseAddress;
        private readonly string _apiVersion = options.ApiVersion;
        private readonly double _temperature = options.Temperature;
        private readonly int _maxOutputTokens = request.MaxOutputTokens ?? options.MaxOutputTokens;
        private readonly int? _thinkingBudget = options.ThinkingBudget;

        public Uri Endpoint { get; } = endpoint;

        public GenerateContentHttpContent.Template Template { get; } = template;

        public bool Matches(GeminiGenerateRequest request, GeminiOptions options, string model) =>
            ReferenceEquals(_schema, request.ResponseJsonSchema)
            && string.Equals(_model, model, StringComparison.Ordinal)
            && string.Equals(_mimeType, request.MimeType, StringComparison.Ordinal)
            && string.Equals(_systemInstruction, request.SystemInstruction, StringComparison.Ordinal)
            && string.Equals(_prompt, request.Prompt, StringComparison.Ordinal)
            && _baseAddress.Equals(options.BaseAddress)
            && string.Equals(_apiVersion, options.ApiVersion, StringComparison.Ordinal)
            && _temperature.Equals(options.Temperature)
            && _maxOutputTokens == (request.MaxOutputTokens ?? options.MaxOutputTokens)
            && _thinkingBudget == options.ThinkingBudget;
    }

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._\-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex ModelIdPattern();

    [GeneratedRegex(@"^files/[A-Za-z0-9_\-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex FileNamePattern();
}
