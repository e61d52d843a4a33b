namespace InvoiceOcr.Sdk.Tests.Jobs;

public sealed class InvoiceJobTransitionsTests
{
    [Theory]
    [InlineData(InvoiceJobItemState.Pending, InvoiceJobItemState.Completed)]
    [InlineData(InvoiceJobItemState.Completed, InvoiceJobItemState.Pending)]
    [InlineData(InvoiceJobItemState.Cancelled, InvoiceJobItemState.Pending)]
    [InlineData(InvoiceJobItemState.QuotaExceeded, InvoiceJobItemState.Processing)]
    [InlineData(InvoiceJobItemState.Suspended, InvoiceJobItemState.Processing)]
    public void Ensure_MoveNotInTheTable_ThrowsJobTransitionRejected(InvoiceJobItemState from, InvoiceJobItemState to)
    {
        var error = Assert.Throws<InvoiceOcrException>(() => InvoiceJobTransitions.Ensure("i-1", from, to));

        Assert.Equal(InvoiceOcrErrorKind.JobTransitionRejected, error.Kind);
        Assert.Contains($"from {from} to {to}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Allowed_TerminalStates_LeaveOnlyByAManualRetryOfAFailure()
    {
        var leaving = InvoiceJobTransitions.Allowed.Where(t => InvoiceJobTransitions.IsTerminal(t.From)).ToList();

        Assert.Equal([(InvoiceJobItemState.Failed, InvoiceJobItemState.Pending)], leaving);
    }

    [Fact]
    public void IsValidPath_HistoryThatSkipsAState_IsNotValid()
    {
        InvoiceJobItemTransition Step(InvoiceJobItemState from, InvoiceJobItemState to) => new() { ItemId = "i-1", From = from, To = to };

        Assert.True(InvoiceJobTransitions.IsValidPath([Step(InvoiceJobItemState.Pending, InvoiceJobItemState.Processing), Step(InvoiceJobItemState.Processing, InvoiceJobItemState.Completed)]));
        Assert.False(InvoiceJobTransitions.IsValidPath([Step(InvoiceJobItemState.Pending, InvoiceJobItemState.Processing), Step(InvoiceJobItemState.Pending, InvoiceJobItemState.Processing)]));
        Assert.False(InvoiceJobTransitions.IsValidPath([Step(InvoiceJobItemState.Processing, InvoiceJobItemState.Completed)]));
    }

    [Fact]
    public void EnsureVersion_StaleVersion_ThrowsJobVersionConflict()
    {
        var error = Assert.Throws<InvoiceOcrException>(() => InvoiceJobTransitions.EnsureVersion("i-1", 3, 4));

        Assert.Equal(InvoiceOcrErrorKind.JobVersionConflict, error.Kind);
    }

    [Theory]
    [InlineData(InvoiceJobControl.Active, 0, 0, 3, 0, InvoiceJobState.Completed)]
    [InlineData(InvoiceJobControl.Active, 0, 1, 2, 0, InvoiceJobState.PartiallyProcessed)]
    [InlineData(InvoiceJobControl.Active, 0, 3, 0, 0, InvoiceJobState.Failed)]
    [InlineData(InvoiceJobControl.Active, 0, 0, 1, 2, InvoiceJobState.QuotaExceeded)]
    [InlineData(InvoiceJobControl.Active, 3, 0, 0, 0, InvoiceJobState.Pending)]
    [InlineData(InvoiceJobControl.Active, 2, 0, 1, 0, InvoiceJobState.Processing)]
    [InlineData(InvoiceJobControl.Suspended, 2, 0, 1, 0, InvoiceJobState.Suspended)]
    [InlineData(InvoiceJobControl.Cancelled, 0, 0, 3, 0, InvoiceJobState.Cancelled)]
    public void Derive_ItemsAndControl_GiveTheJobState(InvoiceJobControl control, int pending, int failed, int completed, int parked, InvoiceJobState expected)
    {
        var progress = new InvoiceJobProgress { Total = pending + failed + completed + parked, Pending = pending, Failed = failed, Completed = completed, QuotaExceeded = parked };

        Assert.Equal(expected, InvoiceJobStatus.Derive(control, progress));
    }
}
