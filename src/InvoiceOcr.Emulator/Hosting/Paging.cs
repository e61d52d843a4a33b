using System.Globalization;
using System.Text;

namespace InvoiceOcr.Emulator.Hosting;

/// <summary><c>pageSize</c>/<c>pageToken</c> → one page and the <c>nextPageToken</c>, as Google's list methods do.</summary>
internal static class Paging
{
    /// <summary>Returns a page, or an error message when <c>pageToken</c> is not one this emulator gave out.</summary>
    public static (IReadOnlyList<T> Page, string? NextPageToken, string? Error) Page<T>(IReadOnlyList<T> all, HttpContext ctx, int defaultSize, int maxSize)
    {
        var size = int.TryParse(ctx.Request.Query["pageSize"], NumberStyles.None, CultureInfo.InvariantCulture, out var requested) && requested > 0
            ? Math.Min(requested, maxSize)
            : defaultSize;
        var offset = 0;
        var token = ctx.Request.Query["pageToken"].ToString();
        if (token.Length > 0)
        {
            try
            {
                var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
                if (!text.StartsWith("offset:", StringComparison.Ordinal) || !int.TryParse(text.AsSpan(7), NumberStyles.None, CultureInfo.InvariantCulture, out offset))
                {
                    return ([], null, "Invalid page token.");
                }
            }
            catch (FormatException)
            {
                return ([], null, "Invalid page token.");
            }
        }

        var page = all.Skip(offset).Take(size).ToList();
        var next = offset + size < all.Count ? Convert.ToBase64String(Encoding.UTF8.GetBytes("offset:" + (offset + size).ToString(CultureInfo.InvariantCulture))) : null;
        return (page, next, null);
    }
}
