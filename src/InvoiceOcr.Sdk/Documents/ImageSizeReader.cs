using System.Buffers.Binary;
using System.Globalization;

namespace InvoiceOcr.Sdk.Documents;

/// <summary>
/// Reads an image's pixel size from its header only: PNG <c>IHDR</c>, JPEG <c>SOFn</c>, WEBP <c>VP8</c>/<c>VP8L</c>/<c>VP8X</c>
/// and the HEIF primary item's <c>ispe</c> property. The readers check every length before they read, so truncated or
/// hostile input yields a fault text, never an exception. The image data itself is not decoded.
/// </summary>
internal static class ImageSizeReader
{
    /// <summary>Reads the pixel size of an image of the given kind.</summary>
    /// <returns><see langword="true"/> with the size, or <see langword="false"/> with a human-readable fault.</returns>
    public static bool TryRead(DocumentKind kind, ReadOnlySpan<byte> bytes, out int width, out int height, out string fault) => kind switch
    {
        DocumentKind.Png => TryReadPng(bytes, out width, out height, out fault),
        DocumentKind.Jpeg => TryReadJpeg(bytes, out width, out height, out fault),
        DocumentKind.Webp => TryReadWebp(bytes, out width, out height, out fault),
        DocumentKind.Heic or DocumentKind.Heif => TryReadHeif(bytes, out width, out height, out fault),
        _ => Fail($"{kind} is not an image kind", out width, out height, out fault),
    };

    internal static bool TryReadPng(ReadOnlySpan<byte> bytes, out int width, out int height, out string fault)
    {
        // Signature (8), then the IHDR chunk: length (4), type "IHDR" (4), width (4), height (4), ...
        if (bytes.Length < 24)
        {
            return Fail("the PNG is truncated before its IHDR header", out width, out height, out fault);
        }

        if (!bytes.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return Fail("the PNG does not start with an IHDR chunk", out width, out height, out fault);
        }

        return Size(BinaryPrimitives.ReadUInt32BigEndian(bytes[16..]), BinaryPrimitives.ReadUInt32BigEndian(bytes[20..]), "PNG", out width, out height, out fault);
    }

    internal static bool TryReadJpeg(ReadOnlySpan<byte> bytes, out int width, out int height, out string fault)
    {
        var p = 2; // after SOI (FF D8)
        while (true)
        {
            if (p >= bytes.Length)
            {
                return Fail("the JPEG ends before a frame header (SOFn)", out width, out height, out fault);
            }

            if (bytes[p] != 0xFF)
            {
                return Fail(string.Create(CultureInfo.InvariantCulture, $"the JPEG has no marker at offset {p}"), out width, out height, out fault);
            }

            while (p < bytes.Length && bytes[p] == 0xFF)
            {
                p++; // fill bytes
            }

            if (p >= bytes.Length)
            {
                return Fail("the JPEG ends before a frame header (SOFn)", out width, out height, out fault);
            }

            var marker = bytes[p++];
            if (marker is 0x01 or 0xD8 or (>= 0xD0 and <= 0xD7))
            {
                continue; // standalone markers carry no length
            }

            if (marker == 0xD9)
            {
                return Fail("the JPEG ends (EOI) without a frame header (SOFn)", out width, out height, out fault);
            }

            if (marker == 0xDA)
            {
                return Fail("the JPEG's scan data starts before any frame header (SOFn)", out width, out height, out fault);
            }

            if (p + 2 > bytes.Length)
            {
                return Fail("the JPEG is truncated inside a segment header", out width, out height, out fault);
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(bytes[p..]);
            if (length < 2)
            {
                return Fail(string.Create(CultureInfo.InvariantCulture, $"the JPEG has a segment with an invalid length {length}"), out width, out height, out fault);
            }

            if (IsStartOfFrame(marker))
            {
                // Length (2), precision (1), height (2), width (2).
                if (length < 7 || p + 7 > bytes.Length)
                {
                    return Fail("the JPEG is truncated inside its frame header (SOFn)", out width, out height, out fault);
                }

                return Size(BinaryPrimitives.ReadUInt16BigEndian(bytes[(p + 5)..]), BinaryPrimitives.ReadUInt16BigEndian(bytes[(p + 3)..]), "JPEG", out width, out height, out fault);
            }

            p += length;
        }
    }

    internal static bool TryReadWebp(ReadOnlySpan<byte> bytes, out int width, out int height, out string fault)
    {
        // "RIFF" size "WEBP", then the first chunk: FourCC (4), size (4), data.
        if (bytes.Length < 20)
        {
            return Fail("the WEBP is truncated before its first chunk", out width, out height, out fault);
        }

        var chunk = bytes.Slice(12, 4);
        var data = bytes[20..];
        if (chunk.SequenceEqual("VP8 "u8))
        {
            // Frame tag (3), start code 9D 01 2A (3), width (14 bits + 2 scale bits), height (same).
            if (data.Length < 10)
            {
                return Fail("the WEBP (VP8) is truncated before its frame header", out width, out height, out fault);
            }

            if (data[3] != 0x9D || data[4] != 0x01 || data[5] != 0x2A)
            {
                return Fail("the WEBP (VP8) has no key-frame start code", out width, out height, out fault);
            }

            return Size((uint)(BinaryPrimitives.ReadUInt16LittleEndian(data[6..]) & 0x3FFF), (uint)(BinaryPrimitives.ReadUInt16LittleEndian(data[8..]) & 0x3FFF), "WEBP", out width, out height, out fault);
        }

        if (chunk.SequenceEqual("VP8L"u8))
        {
            // Signature 0x2F (1), then 14 bits width - 1 and 14 bits height - 1.
            if (data.Length < 5)
            {
                return Fail("the WEBP (VP8L) is truncated before its header", out width, out height, out fault);
            }

            if (data[0] != 0x2F)
            {
                return Fail("the WEBP (VP8L) has no lossless signature", out width, out height, out fault);
            }

            var bits = BinaryPrimitives.ReadUInt32LittleEndian(data[1..]);
            return Size((bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1, "WEBP", out width, out height, out fault);
        }

        if (chunk.SequenceEqual("VP8X"u8))
        {
            // Flags and reserved (4), canvas width - 1 (24 bits), canvas height - 1 (24 bits).
            if (data.Length < 10)
            {
                return Fail("the WEBP (VP8X) is truncated before its canvas size", out width, out height, out fault);
            }

            return Size(ReadUInt24LittleEndian(data[4..]) + 1, ReadUInt24LittleEndian(data[7..]) + 1, "WEBP", out width, out height, out fault);
        }

        return Fail("the WEBP's first chunk is not VP8, VP8L or VP8X", out width, out height, out fault);
    }

    internal static bool TryReadHeif(ReadOnlySpan<byte> bytes, out int width, out int height, out string fault)
    {
        // ISO/IEC 23008-12: meta (full box) > pitm (primary item id), iprp > ipco (properties, 1-based) + ipma (item -> property indexes).
        if (!TryFindBox(bytes, "meta"u8, out var meta) || meta.Length < 4)
        {
            return Fail("the HEIF has no metadata box (meta)", out width, out height, out fault);
        }

        meta = meta[4..];
        if (!TryFindBox(meta, "iprp"u8, out var iprp) || !TryFindBox(iprp, "ipco"u8, out var ipco))
        {
            return Fail("the HEIF has no item properties (iprp/ipco)", out width, out height, out fault);
        }

        var ispeIndex = 0;
        if (TryFindBox(meta, "pitm"u8, out var pitm) && TryReadPrimaryItemId(pitm, out var primaryId) && TryFindBox(iprp, "ipma"u8, out var ipma))
        {
            ispeIndex = FindIspeIndexForItem(ipma, ipco, primaryId);
        }

        if (!TryGetIspe(ipco, ispeIndex, out var ispe))
        {
            return Fail("the HEIF has no image size property (ispe)", out width, out height, out fault);
        }

        return Size(BinaryPrimitives.ReadUInt32BigEndian(ispe[4..]), BinaryPrimitives.ReadUInt32BigEndian(ispe[8..]), "HEIF", out width, out height, out fault);
    }

    private static bool TryReadPrimaryItemId(ReadOnlySpan<byte> pitm, out uint itemId)
    {
        itemId = 0;
        if (pitm.Length < 6)
        {
            return false;
        }

        if (pitm[0] == 0)
        {
            itemId = BinaryPrimitives.ReadUInt16BigEndian(pitm[4..]);
            return true;
        }

        if (pitm.Length < 8)
        {
            return false;
        }

        itemId = BinaryPrimitives.ReadUInt32BigEndian(pitm[4..]);
        return true;
    }

    /// <summary>Returns the 1-based index in ipco of the primary item's ispe property, or 0 when the associations cannot tell.</summary>
    private static int FindIspeIndexForItem(ReadOnlySpan<byte> ipma, ReadOnlySpan<byte> ipco, uint itemId)
    {
        if (ipma.Length < 8)
        {
            return 0;
        }

        var version = ipma[0];
        var wideIndexes = (ipma[3] & 1) != 0;
        var entryCount = BinaryPrimitives.ReadUInt32BigEndian(ipma[4..]);
        var p = 8;
        for (uint entry = 0; entry < entryCount; entry++)
        {
            var idSize = version < 1 ? 2 : 4;
            if (p + idSize + 1 > ipma.Length)
            {
                return 0;
            }

            var id = idSize == 2 ? BinaryPrimitives.ReadUInt16BigEndian(ipma[p..]) : BinaryPrimitives.ReadUInt32BigEndian(ipma[p..]);
            p += idSize;
            int count = ipma[p++];
            for (var a = 0; a < count; a++)
            {
                int index;
                if (wideIndexes)
                {
                    if (p + 2 > ipma.Length)
                    {
                        return 0;
                    }

                    index = BinaryPrimitives.ReadUInt16BigEndian(ipma[p..]) & 0x7FFF;
                    p += 2;
                }
                else
                {
                    if (p + 1 > ipma.Length)
                    {
                        return 0;
                    }

                    index = ipma[p++] & 0x7F;
                }

                if (id == itemId && TryGetProperty(ipco, index, out var type, out _) && type.SequenceEqual("ispe"u8))
                {
                    return index;
                }
            }
        }

        return 0;
    }

    /// <summary>Gets the ispe property at a 1-based index, or the first ispe when <paramref name="index"/> is 0.</summary>
    private static bool TryGetIspe(ReadOnlySpan<byte> ipco, int index, out ReadOnlySpan<byte> ispe)
    {
        if (index > 0)
        {
            if (TryGetProperty(ipco, index, out var type, out ispe) && type.SequenceEqual("ispe"u8) && ispe.Length >= 12)
            {
                return true;
            }

            ispe = default;
            return false;
        }

        if (TryFindBox(ipco, "ispe"u8, out ispe) && ispe.Length >= 12)
        {
            return true;
        }

        ispe = default;
        return false;
    }

    private static bool TryGetProperty(ReadOnlySpan<byte> ipco, int index, out ReadOnlySpan<byte> type, out ReadOnlySpan<byte> body)
    {
        var offset = 0;
        for (var i = 1; TryReadBox(ipco, ref offset, out type, out body); i++)
        {
            if (i == index)
            {
                return true;
            }
        }

        type = default;
        body = default;
        return false;
    }

    private static bool TryFindBox(ReadOnlySpan<byte> container, ReadOnlySpan<byte> wanted, out ReadOnlySpan<byte> body)
    {
        var offset = 0;
        while (TryReadBox(container, ref offset, out var type, out body))
        {
            if (type.SequenceEqual(wanted))
            {
                return true;
            }
        }

        body = default;
        return false;
    }

    /// <summary>Reads one ISO-BMFF box at <paramref name="offset"/>: 32-bit size, type, optional 64-bit size; size 0 runs to the end.</summary>
    private static bool TryReadBox(ReadOnlySpan<byte> container, scoped ref int offset, out ReadOnlySpan<byte> type, out ReadOnlySpan<byte> body)
    {
        type = default;
        body = default;
        var remaining = container.Length - offset;
        if (offset < 0 || remaining < 8)
        {
            return false;
        }

        long size = BinaryPrimitives.ReadUInt32BigEndian(container[offset..]);
        var header = 8;
        if (size == 1)
        {
            if (remaining < 16)
            {
                return false;
            }

            var large = BinaryPrimitives.ReadUInt64BigEndian(container[(offset + 8)..]);
            size = large > int.MaxValue ? long.MaxValue : (long)large;
            header = 16;
        }
        else if (size == 0)
        {
            size = remaining;
        }

        if (size < header || size > remaining)
        {
            return false;
        }

        type = container.Slice(offset + 4, 4);
        body = container.Slice(offset + header, (int)size - header);
        offset += (int)size;
        return true;
    }

    private static uint ReadUInt24LittleEndian(ReadOnlySpan<byte> bytes) => (uint)(bytes[0] | (bytes[1] << 8) | (bytes[2] << 16));

    private static bool IsStartOfFrame(byte marker) => marker is (>= 0xC0 and <= 0xCF) and not 0xC4 and not 0xC8 and not 0xCC;

    private static bool Size(uint w, uint h, string format, out int width, out int height, out string fault)
    {
        if (w == 0 || h == 0 || w > int.MaxValue || h > int.MaxValue)
        {
            return Fail(string.Create(CultureInfo.InvariantCulture, $"the {format} declares an invalid size {w}x{h}"), out width, out height, out fault);
        }

        width = (int)w;
        height = (int)h;
        fault = string.Empty;
        return true;
    }

    private static bool Fail(string message, out int width, out int height, out string fault)
    {
        width = 0;
        height = 0;
        fault = message;
        return false;
    }
}
