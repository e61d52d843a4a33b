using System.Globalization;
using System.Text;

namespace InvoiceOcr.Fuzz;

/// <summary>
/// A seeded, structure-aware mutator: byte-level edits (flips, truncation, chunk deletion, duplication and insertion, splices
/// of two seeds) plus edits that know the formats — PDF numbers swapped for boundary values, PDF keywords and names swapped for
/// each other, streams' <c>/Length</c> broken, XML nested, given a DTD or cut, image header fields overwritten. The same seed
/// gives the same inputs, so a failure is replayed with the seed and the input index the runner prints.
/// </summary>
internal sealed class Mutator(Random random)
{
    private static readonly string[] PdfTokens =
    [
        "obj", "endobj", "stream", "endstream", "xref", "trailer", "startxref", " R", "/Filter", "/FlateDecode", "/LZWDecode",
        "/ASCII85Decode", "/RunLengthDecode", "/Length", "/Kids", "/Count", "/Type", "/Pages", "/Page", "/ObjStm", "/XRef",
        "/EmbeddedFiles", "/AF", "/Names", "/EF", "/Root", "/Encrypt", "/Prev", "/W", "/Index", "/First", "/N", "/DecodeParms",
        "/Predictor", "<<", ">>", "[", "]", "null", "true", "%%EOF",
    ];

    private static readonly string[] BoundaryNumbers =
    [
        "0", "-1", "1", "2", "255", "256", "65535", "65536", "2147483647", "2147483648", "-2147483648", "4294967296",
        "9223372036854775807", "99999999999999999999999", "1e308", "-0.0", "NaN", "0.000000001",
    ];

    /// <summary>Returns a mutated copy of <paramref name="seed"/>, with 1 to 4 edits; <paramref name="other"/> feeds splices.</summary>
    public byte[] Mutate(byte[] seed, byte[] other)
    {
        var data = seed;
        var edits = 1 + random.Next(4);
        for (var i = 0; i < edits; i++)
        {
            data = random.Next(13) switch
            {
                0 => FlipBytes(data),
                1 => Truncate(data),
                2 => DeleteChunk(data),
                3 => DuplicateChunk(data),
                4 => InsertRandom(data),
                5 => Splice(data, other),
                6 or 7 => ReplaceNumber(data),
                8 or 9 => ReplaceToken(data),
                10 => BreakLength(data),
                11 => MutateXml(data),
                _ => MutateHeader(data),
            };
        }

        return data;
    }

    private byte[] FlipBytes(byte[] data)
    {
        if (data.Length == 0)
        {
            return [(byte)random.Next(256)];
        }

        var copy = (byte[])data.Clone();
        var flips = 1 + random.Next(16);
        for (var i = 0; i < flips; i++)
        {
            copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
        }

        return copy;
    }

    private byte[] Truncate(byte[] data) => data.Length <= 1 ? data : data[..random.Next(data.Length)];

    private byte[] DeleteChunk(byte[] data)
    {
        if (data.Length < 2)
        {
            return data;
        }

        var start = random.Next(data.Length);
        var length = Math.Min(data.Length - start, 1 + random.Next(Math.Max(1, data.Length / 8)));
        return [.. data.AsSpan(0, start), .. data.AsSpan(start + length)];
    }

    private byte[] DuplicateChunk(byte[] data)
    {
        if (data.Length == 0 || data.Length > 4_000_000)
        {
            return data;
        }

        var start = random.Next(data.Length);
        var length = Math.Min(data.Length - start, 1 + random.Next(4096));
        var at = random.Next(data.Length);
        return [.. data.AsSpan(0, at), .. data.AsSpan(start, length), .. data.AsSpan(at)];
    }

    private byte[] InsertRandom(byte[] data)
    {
        var junk = new byte[1 + random.Next(64)];
        random.NextBytes(junk);
        var at = data.Length == 0 ? 0 : random.Next(data.Length);
        return [.. data.AsSpan(0, at), .. junk, .. data.AsSpan(at)];
    }

    private byte[] Splice(byte[] data, byte[] other)
    {
        if (data.Length == 0 || other.Length == 0)
        {
            return data;
        }

        var cut = random.Next(data.Length);
        var from = random.Next(other.Length);
        return [.. data.AsSpan(0, cut), .. other.AsSpan(from)];
    }

    /// <summary>Finds a run of digits near a random place and replaces it with a boundary value.</summary>
    private byte[] ReplaceNumber(byte[] data)
    {
        if (data.Length == 0)
        {
            return data;
        }

        var start = random.Next(data.Length);
        var digit = data.AsSpan(start).IndexOfAnyInRange((byte)'0', (byte)'9');
        if (digit < 0)
        {
            return data;
        }

        start += digit;
        var end = start;
        while (end < data.Length && data[end] is >= (byte)'0' and <= (byte)'9')
        {
            end++;
        }

        var value = Encoding.ASCII.GetBytes(BoundaryNumbers[random.Next(BoundaryNumbers.Length)]);
        return [.. data.AsSpan(0, start), .. value, .. data.AsSpan(end)];
    }

    /// <summary>Finds a PDF keyword or name after a random place and replaces it with another.</summary>
    private byte[] ReplaceToken(byte[] data)
    {
        if (data.Length == 0)
        {
            return data;
        }

        var start = random.Next(data.Length);
        var token = Encoding.ASCII.GetBytes(PdfTokens[random.Next(PdfTokens.Length)]);
        var found = data.AsSpan(start).IndexOf(token);
        if (found < 0)
        {
            found = data.AsSpan().IndexOf(token);
            start = 0;
        }

        if (found < 0)
        {
            return data;
        }

        var at = start + found;
        var replacement = Encoding.ASCII.GetBytes(PdfTokens[random.Next(PdfTokens.Length)]);
        return [.. data.AsSpan(0, at), .. replacement, .. data.AsSpan(at + token.Length)];
    }

    /// <summary>Sets a stream's <c>/Length</c> to a wrong value (negative, huge, off by some bytes).</summary>
    private byte[] BreakLength(byte[] data)
    {
        var at = data.AsSpan().IndexOf("/Length "u8);
        if (at < 0)
        {
            return ReplaceNumber(data);
        }

        var skip = random.Next(4);
        for (var i = 0; i < skip && at >= 0; i++)
        {
            var next = data.AsSpan(at + 1).IndexOf("/Length "u8);
            at = next < 0 ? at : at + 1 + next;
        }

        var end = at + 8;
        while (end < data.Length && data[end] is >= (byte)'0' and <= (byte)'9')
        {
            end++;
        }

        var value = random.Next(3) switch
        {
            0 => "-5",
            1 => "999999999",
            _ => random.Next(100_000).ToString(CultureInfo.InvariantCulture),
        };
        return [.. data.AsSpan(0, at + 8), .. Encoding.ASCII.GetBytes(value), .. data.AsSpan(end)];
    }

    /// <summary>XML edits: deep nesting, a DTD with entities, a cut after an element, a duplicated element.</summary>
    private byte[] MutateXml(byte[] data)
    {
        var lt = data.AsSpan().IndexOf((byte)'<');
        if (lt < 0)
        {
            return FlipBytes(data);
        }

        switch (random.Next(4))
        {
            case 0:
                var depth = 1 + random.Next(50_000);
                var open = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("<a>", depth)));
                var at = data.AsSpan().LastIndexOf((byte)'<');
                return [.. data.AsSpan(0, at), .. open, .. data.AsSpan(at)];
            case 1:
                var dtd = "<!DOCTYPE r [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY x SYSTEM \"file:///etc/passwd\">]><r>&b;&x;</r>"u8;
                return [.. dtd, .. data];
            case 2:
                var gt = data.AsSpan().IndexOf((byte)'>');
                return gt < 0 ? data : data[..(gt + 1 + random.Next(Math.Max(1, data.Length - gt - 1)))];
            default:
                var close = data.AsSpan(lt).IndexOf((byte)'>');
                if (close < 0 || data.Length > 4_000_000)
                {
                    return data;
                }

                var element = data.AsSpan(lt, close + 1);
                return [.. data.AsSpan(0, lt), .. element, .. element, .. data.AsSpan(lt)];
        }
    }

    /// <summary>Overwrites a few bytes in the first 64 (image headers: dimensions, box sizes, chunk lengths).</summary>
    private byte[] MutateHeader(byte[] data)
    {
        if (data.Length < 8)
        {
            return FlipBytes(data);
        }

        var copy = (byte[])data.Clone();
        var at = 4 + random.Next(Math.Min(60, copy.Length - 4));
        var values = new byte[][] { [0, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0, 0, 0, 1], [0x80, 0, 0, 0] };
        var value = values[random.Next(values.Length)];
        value.AsSpan(0, Math.Min(value.Length, copy.Length - at)).CopyTo(copy.AsSpan(at));
        return copy;
    }
}
