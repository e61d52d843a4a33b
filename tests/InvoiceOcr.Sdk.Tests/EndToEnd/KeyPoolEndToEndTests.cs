using InvoiceOcr.Emulator;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.Tests.EndToEnd;

/// <summary>
/// The key pool, quotas and retry policy seen through the extractor, over real HTTP against the emulator. Where time
/// matters the SDK and the emulator share one fake clock, moved by the test only once the SDK waits on a timer.
/// </summary>
public sealed class KeyPoolEndToEndTests
{
    private const string Company = "company-keypool-e2e";
    private const string SecretA = "test-key-e2e-pool-alpha-0001";
    private const string SecretB = "test-key-e2e-pool-bravo-0002";
    private const string SecretUnknown = "test-key-e2e-pool-unknown-0003";
    private const string SecretRevoked = "test-key-e2e-pool-revoked-0004";

    /// <summary>12:00:17.250 PST on 15 January 2026: 42.75 s before a UTC minute ends, far from Pacific midnight.</summary>
    private static readonly DateTimeOffset MidMinute = new DateTimeOffset(2026, 1, 15, 20, 0, 17, TimeSpan.Zero).AddMilliseconds(250);

    /// <summary>23:59:00 PST on 15 January 2026: one minute before the Pacific day (and its daily quota) resets.</summary>
    private static readonly DateTimeOffset BeforePacificMidnight = new(2026, 1, 16, 7, 59, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<InvoiceDocument> ReadDocumentAsync() =>
        InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), Ct);

    private static void ModelOnly(InvoiceOcrOptions options)
    {
        options.EInvoiceMode = EInvoiceMode.ModelOnly;
        options.KeyPool.RandomSeed = 7;
    }

    private static void TwoProjects(GeminiEmulatorOptions emulator)
    {
        emulator.Keys.Add(new EmulatorKeyOptions { Key = SecretA, Id = "emu-a", Project = "project-a" });
        emulator.Keys.Add(new EmulatorKeyOptions { Key = SecretB, Id = "emu-b", Project = "project-b" });
    }

    [Fact]
    public async Task ExtractAsync_InvalidKeyPreferredByWeight_FailsOverToTheGoodKeyInOneCallAndDisablesTheInvalidKey()
    {
        await using var sdk = await EmulatedSdk.StartAsync(TwoProjects, ModelOnly);
        await sdk.AddKeyAsync(Company, "key-unknown", SecretUnknown, "project-x", weight: 1_000_000);
        await sdk.AddKeyAsync(Company, "key-a", SecretA, "project-a", weight: 1);
        var document = await ReadDocumentAsync();

        var result = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);

        Assert.Equal("key-a", result.KeyId);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(1, sdk.Requests.For(SecretUnknown));
        Assert.Equal(1, sdk.Requests.For(SecretA));
        var invalid = await sdk.Keys.GetAsync("key-unknown", Ct);
        Assert.Equal(ApiKeyStatus.Disabled, invalid!.Status);
        Assert.Contains("API_KEY_INVALID", invalid.StatusReason, StringComparison.Ordinal);
        var transition = Assert.Single(await sdk.Keys.ListStatusTransitionsAsync("key-unknown", Ct));
        Assert.Equal((ApiKeyStatus.Active, ApiKeyStatus.Disabled), (transition.From, transition.To));
        Assert.Equal(invalid.StatusReason, transition.Reason);

        var retry = Assert.Single(await sdk.Services.GetRequiredService<IRetryAttemptStore>().ListByOperationAsync(result.OperationId, Ct));
        Assert.True(retry.IsFailover);
        Assert.Equal(InvoiceOcrErrorKind.KeyInvalid, retry.ErrorKind);
        Assert.Equal(TimeSpan.Zero, retry.Delay);
        Assert.Equal("key-unknown", retry.KeyId);

        // The disabled key is never sent again.
        var second = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
        Assert.Equal(1, second.Attempts);
        Assert.Equal(1, sdk.Requests.For(SecretUnknown));
    }

    [Fact]
    public async Task ExtractAsync_ProjectRequestsPerMinuteUsedUp_WaitsExactlyTheServersRetryDelayAndCoolsTheKeyDown()
    {
        var time = new TimerAwareTimeProvider(MidMinute);
        await using var sdk = await EmulatedSdk.StartAsync(
            emulator =>
            {
                emulator.Keys.Add(new EmulatorKeyOptions { Key = SecretA, Id = "emu-a", Project = "project-a" });
                emulator.Projects["project-a"] = new EmulatorProjectOptions { RequestsPerMinute = 1 };
            },
            ModelOnly,
            time);
        await sdk.AddKeyAsync(Company, "key-a", SecretA, "project-a");
        var document = await ReadDocumentAsync();
        var first = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
        Assert.Equal(1, first.Attempts);

        // The emulator's minute window has 42.75 s left: its 429 says RetryInfo.retryDelay "42.750s"; the SDK must wait
        // exactly that (no timer of the SDK or the emulator has that length but the retry delay).
        var serverDelay = TimeSpan.FromMilliseconds(42_750);
        var pending = sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
        await time.AdvanceWhenTimerStartsAsync(serverDelay);
        var result = await pending.WaitAsync(TimerAwareTimeProvider.SafetyNet, Ct);

        Assert.Equal(2, result.Attempts);
        Assert.Equal("key-a", result.KeyId);
        Assert.Equal(3, sdk.Requests.For(SecretA));
        Assert.Equal(2, sdk.Emulator.Ledger.Entries.Count);
        var retry = Assert.Single(await sdk.Services.GetRequiredService<IRetryAttemptStore>().ListByOperationAsync(result.OperationId, Ct));
        Assert.Equal(InvoiceOcrErrorKind.RateLimitedPerMinute, retry.ErrorKind);
        Assert.Equal(429, retry.HttpStatus);
        Assert.Equal(serverDelay, retry.Delay);
        Assert.False(retry.IsFailover);
        Assert.Equal(MidMinute, retry.Timestamp);
        var key = await sdk.Keys.GetAsync("key-a", Ct);
        Assert.Equal(MidMinute + serverDelay, key!.CooldownUntil);
        Assert.Equal(ApiKeyStatus.Active, key.Status);
    }

    [Fact]
    public async Task ExtractAsync_ProjectDailyQuotaUsedUp_SkipsTheProjectUntilPacificMidnightThenUsesItAgain()
    {
        var time = new TimerAwareTimeProvider(BeforePacificMidnight);
        await using var sdk = await EmulatedSdk.StartAsync(
            emulator =>
            {
                TwoProjects(emulator);
                emulator.Projects["project-a"] = new EmulatorProjectOptions { RequestsPerDay = 1 };
            },
            ModelOnly,
            time);
        await sdk.AddKeyAsync(Company, "key-a", SecretA, "project-a", weight: 1_000_000);
        await sdk.AddKeyAsync(Company, "key-b", SecretB, "project-b", weight: 1);
        var document = await ReadDocumentAsync();

        var first = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
        Assert.Equal(("key-a", 1), (first.KeyId, first.Attempts));

        // Project A's day is used up: the per-day 429 fails over to project B at once, with no wait.
        var second = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
        Assert.Equal(("key-b", 2), (second.KeyId, second.Attempts));
        Assert.Equal(2, sdk.Requests.For(SecretA));
        var retry = Assert.Single(await sdk.Services.GetRequiredService<IRetryAttemptStore>().ListByOperationAsync(second.OperationId, Ct));
        Assert.Equal(InvoiceOcrErrorKind.QuotaExhaustedPerDay, retry.ErrorKind);
        Assert.True(retry.IsFailover);
        var pacificMidnight = new DateTimeOffset(2026, 1, 16, 8, 0, 0, TimeSpan.Zero);
        var project = await sdk.Keys.GetProjectAsync("project-a", Ct);
        Assert.Equal(pacificMidnight, project!.BlockedUntil);
        Assert.Equal(ApiKeyStatus.Active, (await sdk.Keys.GetAsync("key-a", Ct))!.Status);

        // Until midnight, project A is not even tried.
        time.Advance(TimeSpan.FromSeconds(59));
        var third = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
        Assert.Equal(("key-b", 1), (third.KeyId, third.Attempts));
        Assert.Equal(2, sdk.Requests.For(SecretA));

        // At Pacific midnight the service and the SDK both start a new day: project A serves again.
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(pacificMidnight, time.GetUtcNow());
        var fourth = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
        Assert.Equal(("key-a", 1), (fourth.KeyId, fourth.Attempts));
        Assert.Equal(3, sdk.Requests.For(SecretA));
        Assert.Equal(4, sdk.Emulator.Ledger.Entries.Count);
    }

    [Fact]
    public async Task ExtractAsync_DamagedDocument_NoModelCallWithAnyKey()
    {
        await using var sdk = await EmulatedSdk.StartAsync(TwoProjects, ModelOnly);
        await sdk.AddKeyAsync(Company, "key-a", SecretA, "project-a");
        await sdk.AddKeyAsync(Company, "key-b", SecretB, "project-b");
        var document = InvoiceDocument.FromBytes(SharedData.ReadInvoice("edge/corrupt-factur-x-waytoosmall.pdf"), "tiny.pdf");

        await Assert.ThrowsAsync<InvalidDocumentException>(() => sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct));

        Assert.Equal(0, sdk.Requests.Total);
        Assert.Equal((0L, 0L), await ReservedAndUsedAsync(sdk, "key-a"));
        Assert.Equal((0L, 0L), await ReservedAndUsedAsync(sdk, "key-b"));
    }

    [Fact]
    public async Task ExtractAsync_ServiceRejectsTheRequestAsBad_ExactlyOneCallNoRetryNoFailover()
    {
        // The emulator's payload limit is below the document: a 400 INVALID_ARGUMENT, as the real service answers.
        await using var sdk = await EmulatedSdk.StartAsync(
            emulator =>
            {
                TwoProjects(emulator);
                emulator.MaxRequestBytes = 2_000;
            },
            ModelOnly);
        await sdk.AddKeyAsync(Company, "key-a", SecretA, "project-a");
        await sdk.AddKeyAsync(Company, "key-b", SecretB, "project-b");
        var document = await ReadDocumentAsync();

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct));

        Assert.Equal(InvoiceOcrErrorKind.BadRequest, error.Kind);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.HttpStatus);
        Assert.Equal(1, sdk.Requests.Total);
        Assert.Empty(sdk.Emulator.Ledger.Entries);
        foreach (var id in new[] { "key-a", "key-b" })
        {
            var key = await sdk.Keys.GetAsync(id, Ct);
            Assert.Equal(ApiKeyStatus.Active, key!.Status);
            Assert.Equal(0, key.TokensReserved);
        }
    }

    [Fact]
    public async Task ExtractAsync_CircuitOfKeyAOpens_KeyBKeepsServingWithItsCircuitClosed()
    {
        await using var sdk = await EmulatedSdk.StartAsync(
            TwoProjects,
            options =>
            {
                ModelOnly(options);
                options.Retry.CircuitBreakerMinimumThroughput = 2;
                options.Retry.CircuitBreakerFailureRatio = 0.5;
                options.Retry.MaxRetryAttempts = 3;
            });
        await sdk.AddKeyAsync(Company, "key-a", SecretA, "project-a", weight: 1_000_000);
        await sdk.AddKeyAsync(Company, "key-b", SecretB, "project-b", weight: 1);
        sdk.Emulator.InjectFault(EmulatorFaultKind.Unavailable, count: 100, keyId: "emu-a");
        var document = await ReadDocumentAsync();

        // Two 503s on key A open its circuit; the third attempt finds it open and fails over to key B without a call.
        var first = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
        Assert.Equal("key-b", first.KeyId);
        Assert.Equal(3, first.Attempts);
        Assert.Equal(2, sdk.Requests.For(SecretA));

        for (var i = 0; i < 3; i++)
        {
            var next = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
            Assert.Equal(("key-b", 1), (next.KeyId, next.Attempts));
        }

        Assert.Equal(2, sdk.Requests.For(SecretA));
        Assert.Equal(4, sdk.Requests.For(SecretB));
        Assert.All(sdk.Emulator.Ledger.Entries, e => Assert.Equal("emu-b", e.KeyId));
        Assert.Equal(ApiKeyStatus.Active, (await sdk.Keys.GetAsync("key-a", Ct))!.Status);
    }

    public static TheoryData<string, InvoiceOcrErrorKind, string> SeedCases => new()
    {
        { "expired", InvoiceOcrErrorKind.KeyExpired, "Your AI token has expired. Please renew your subscription." },
        { "exceeded", InvoiceOcrErrorKind.KeyExceeded, "Your AI token is no longer available or has been disabled. Please contact support." },
        { "disabled", InvoiceOcrErrorKind.KeyDisabled, "Your AI token is no longer available or has been disabled. Please contact support." },
        { "none", InvoiceOcrErrorKind.NoKeyAvailable, "No active token found for your company. Please contact support." },
    };

    [Theory]
    [MemberData(nameof(SeedCases))]
    public async Task ExtractAsync_NoKeyCanServe_FailsWithTheSeedMessageAndNoModelCall(string keyState, InvoiceOcrErrorKind kind, string message)
    {
        var time = new TimerAwareTimeProvider(MidMinute);
        await using var sdk = await EmulatedSdk.StartAsync(TwoProjects, ModelOnly, time);
        var key = new ApiKey { Id = "key-a", CompanyId = Company, Secret = SecretA, ProjectId = "project-a" };
        switch (keyState)
        {
            case "expired":
                await sdk.AddKeyAsync(key with { ExpiresAt = MidMinute.AddDays(-1) });
                break;
            case "exceeded":
                await sdk.AddKeyAsync(key with { LifetimeTokenLimit = 5_000, TokensUsed = 5_000 });
                break;
            case "disabled":
                await sdk.AddKeyAsync(key);
                Assert.True(await sdk.Keys.TryChangeStatusAsync("key-a", ApiKeyStatus.Active, ApiKeyStatus.Disabled, "Disabled by an operator.", Ct));
                break;
        }

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(
            async () => await sdk.Extractor.ExtractAsync(await ReadDocumentAsync(), new ExtractionContext(Company), Ct));

        Assert.Equal(kind, error.Kind);
        Assert.Equal(message, error.Message);
        Assert.Equal(0, sdk.Requests.Total);
        Assert.Empty(sdk.Emulator.Ledger.Entries);
        if (keyState == "exceeded")
        {
            Assert.Equal(ApiKeyStatus.Exceeded, (await sdk.Keys.GetAsync("key-a", Ct))!.Status);
        }
    }

    [Fact]
    public async Task ExtractAsync_RevokedKey_DisabledWithTheReasonRecordedAndTheCallServedByAnotherKey()
    {
        await using var sdk = await EmulatedSdk.StartAsync(
            emulator =>
            {
                TwoProjects(emulator);
                emulator.Keys.Add(new EmulatorKeyOptions { Key = SecretRevoked, Id = "emu-revoked", Project = "project-a", Revoked = true });
            },
            ModelOnly);
        await sdk.AddKeyAsync(Company, "key-revoked", SecretRevoked, "project-a", weight: 1_000_000);
        await sdk.AddKeyAsync(Company, "key-b", SecretB, "project-b", weight: 1);
        var document = await ReadDocumentAsync();

        var result = await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);

        Assert.Equal(("key-b", 2), (result.KeyId, result.Attempts));
        var revoked = await sdk.Keys.GetAsync("key-revoked", Ct);
        Assert.Equal(ApiKeyStatus.Disabled, revoked!.Status);
        Assert.StartsWith("KeyRevoked reported by the service", revoked.StatusReason, StringComparison.Ordinal);
        Assert.DoesNotContain(SecretRevoked, revoked.StatusReason, StringComparison.Ordinal);
        var transition = Assert.Single(await sdk.Keys.ListStatusTransitionsAsync("key-revoked", Ct));
        Assert.Equal((ApiKeyStatus.Active, ApiKeyStatus.Disabled, revoked.StatusReason), (transition.From, transition.To, transition.Reason));
        Assert.Equal(1, sdk.Requests.For(SecretRevoked));

        await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
        Assert.Equal(1, sdk.Requests.For(SecretRevoked));
    }

    [Fact]
    public async Task ExtractAsync_OnlyKeyIsRevoked_DisablesItAndFailsWithTheDisabledSeedMessage()
    {
        await using var sdk = await EmulatedSdk.StartAsync(
            emulator => emulator.Keys.Add(new EmulatorKeyOptions { Key = SecretRevoked, Id = "emu-revoked", Project = "project-a", Revoked = true }),
            ModelOnly);
        await sdk.AddKeyAsync(Company, "key-revoked", SecretRevoked, "project-a");

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(
            async () => await sdk.Extractor.ExtractAsync(await ReadDocumentAsync(), new ExtractionContext(Company), Ct));

        Assert.Equal(InvoiceOcrErrorKind.KeyDisabled, error.Kind);
        Assert.Equal("Your AI token is no longer available or has been disabled. Please contact support.", error.Message);
        Assert.DoesNotContain(SecretRevoked, error.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, sdk.Requests.For(SecretRevoked));
        Assert.Equal(ApiKeyStatus.Disabled, (await sdk.Keys.GetAsync("key-revoked", Ct))!.Status);
    }

    private static async Task<(long Reserved, long Used)> ReservedAndUsedAsync(EmulatedSdk sdk, string keyId)
    {
        var key = await sdk.Keys.GetAsync(keyId, Ct);
        return (key!.TokensReserved, key.TokensUsed);
    }
}
