using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.ConsoleApp.Extraction;

/// <summary>The command line's names for <see cref="EInvoiceMode"/>.</summary>
internal static class ModeNames
{
    public const string EmbeddedFirst = "embedded-first";
    public const string EmbeddedOnly = "embedded-only";
    public const string ModelOnly = "model-only";

    public static readonly string[] All = [EmbeddedFirst, EmbeddedOnly, ModelOnly];

    public static EInvoiceMode Parse(string name) => name switch
    {
        EmbeddedFirst => EInvoiceMode.EmbeddedFirst,
        EmbeddedOnly => EInvoiceMode.EmbeddedOnly,
        ModelOnly => EInvoiceMode.ModelOnly,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Expected " + string.Join(", ", All) + "."),
    };

    public static string ToName(EInvoiceMode mode) => mode switch
    {
        EInvoiceMode.EmbeddedOnly => EmbeddedOnly,
        EInvoiceMode.ModelOnly => ModelOnly,
        _ => EmbeddedFirst,
    };
}
