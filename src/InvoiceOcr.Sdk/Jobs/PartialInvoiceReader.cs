using System.Text;
using InvoiceOcr.Sdk.Invoices;

namespace InvoiceOcr.Sdk.Jobs;

/// <summary>
/// Reads what it can of an answer that was cut off (MAX_TOKENS) or failed the schema: the JSON is cut back to its last complete
/// member and closed, so a job item keeps the fields the model did write.
/// </summary>
internal static class PartialInvoiceReader
{
    public static Invoice? TryRead(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return InvoiceJson.Deserialize(text);
        }
        catch (InvoiceOcrException)
        {
            // Cut off: repaired below.
        }

        var start = text.IndexOf('{', StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }

        // Walk the JSON once; at each comma outside a string (a member or element just ended) remember where to cut and which
        // brackets are open there. The last such point gives the longest prefix that closes into valid JSON.
        var open = new StringBuilder();
        var inString = false;
        var escaped = false;
        var cut = -1;
        var closers = string.Empty;
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (escaped)
                {
                    escaped = false;
                }
                else if (c == '\\')
                {
                    escaped = true;
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            switch (c)
            {
                case '"':
                    inString = true;
                    break;
                case '{':
                    open.Append('}');
                    break;
                case '[':
                    open.Append(']');
                    break;
                case '}' or ']':
                    if (open.Length > 0)
                    {
                        open.Length--;
                    }

                    cut = i + 1;
                    closers = Reverse(open);
                    break;
                case ',':
                    cut = i;
                    closers = Reverse(open);
                    break;
            }
        }

        if (cut < 0)
        {
            return null;
        }

        try
        {
            return InvoiceJson.Deserialize(string.Concat(text.AsSpan(start, cut - start), closers));
        }
        catch (InvoiceOcrException)
        {
            return null;
        }
    }

    private static string Reverse(StringBuilder open)
    {
        var chars = new char[open.Length];
        for (var i = 0; i < open.Length; i++)
        {
            chars[i] = open[open.Length - 1 - i];
        }

        return new string(chars);
    }
}
