using System.Buffers.Binary;

namespace InvoiceOcr.Emulator.Tokens;

/// <summary>Reads an image's pixel size from its header (PNG, JPEG, WEBP, HEIC/HEIF) without decoding it.</summary>
internal static class ImageDimensions
{
    public static bool TryRead(ReadOnlySpan<byte> data, out int width, out int height)
    {
        width = height = 0;
        return TryPng(data, ref width, ref height)
            || TryJpeg(data, ref width, ref height)
            || TryWebp(data, ref width, ref height)
            || TryHeif(data, ref width, ref height);
    }

    private static bool TryPng(ReadOnlySpan<byte> d, ref int w, ref int h)
    {
        // Signature, then the IHDR chunk: length(4) "IHDR"(4) width(4) height(4).
        ReadOnlySpan<byte> signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
        if (d.Length < 24 || !d[..8].SequenceEqual(signature) || !d.Slice(12, 4).SequenceEqual("IHDR"u8))
        {
            return false;
        }

        w = (int)BinaryPrimitives.ReadUInt32BigEndian(d.Slice(16, 4));
        h = (int)BinaryPrimitives.ReadUInt32BigEndian(d.Slice(20, 4));
        return w > 0 && h > 0;
    }

    private static bool TryJpeg(ReadOnlySpan<byte> d, ref int w, ref int h)
    {
        if (d.Length < 4 || d[0] != 0xFF || d[1] != 0xD8)
        {
            return false;
        }

        var i = 2;
        while (i + 4 <= d.Length)
        {
            if (d[i] != 0xFF)
            {
                return false;
            }

            var marker = d[i + 1];
            if (marker == 0xFF)
            {
                i++; // Fill byte.
                continue;
            }

            if (marker is 0xD8 or 0x01 || (marker >= 0xD0 && marker <= 0xD7))
            {
                i += 2; // Markers without a length.
                continue;
            }

            int length = BinaryPrimitives.ReadUInt16BigEndian(d.Slice(i + 2, 2));
            // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
            if (marker >= 0xC0 && marker <= 0xCF && marker is not 0xC4 and not 0xC8 and not 0xCC)
            {
                if (i + 9 > d.Length)
                {
                    return false;
                }

                h = BinaryPrimitives.ReadUInt16BigEndian(d.Slice(i + 5, 2));
                w = BinaryPrimitives.ReadUInt16BigEndian(d.Slice(i + 7, 2));
                return w > 0 && h > 0;
            }

            if (marker == 0xD9 || length < 2)
            {
                return false;
            }

            i += 2 + length;
        }

        return false;
    }

    private static bool TryWebp(ReadOnlySpan<byte> d, ref int w, ref int h)
    {
        if (d.Length < 30 || !d[..4].SequenceEqual("RIFF"u8) || !d.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return false;
        }

        var chunk = d.Slice(12, 4);
        if (chunk.SequenceEqual("VP8 "u8))
        {
            // Frame tag (3) + start code 9D 01 2A, then 14-bit width and height.
            if (d[23] != 0x9D || d[24] != 0x01 || d[25] != 0x2A)
            {
                return false;
            }

            w = BinaryPrimitives.ReadUInt16LittleEndian(d.Slice(26, 2)) & 0x3FFF;
            h = BinaryPrimitives.ReadUInt16LittleEndian(d.Slice(28, 2)) & 0x3FFF;
        }
        else if (chunk.SequenceEqual("VP8L"u8))
        {
            if (d[20] != 0x2F)
            {
                return false;
            }

            var bits = BinaryPrimitives.ReadUInt32LittleEndian(d.Slice(21, 4));
            w = (int)(bits & 0x3FFF) + 1;
            h = (int)((bits >> 14) & 0x3FFF) + 1;
        }
        else if (chunk.SequenceEqual("VP8X"u8))
        {
            w = (d[24] | (d[25] << 8) | (d[26] << 16)) + 1;
            h = (d[27] | (d[28] << 8) | (d[29] << 16)) + 1;
        }
        else
        {
            return false;
        }

        return w > 0 && h > 0;
    }

    private static bool TryHeif(ReadOnlySpan<byte> d, ref int w, ref int h)
    {
        // ISO-BMFF with an "ftyp" box; the image spatial extents ("ispe") property holds the size.
        if (d.Length < 12 || !d.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            return false;
        }

        var at = d.IndexOf("ispe"u8);
        if (at < 0 || at + 16 > d.Length)
        {
            return false;
        }

        // "ispe" + version/flags (4) + width (4) + height (4).
        w = (int)BinaryPrimitives.ReadUInt32BigEndian(d.Slice(at + 8, 4));
        h = (int)BinaryPrimitives.ReadUInt32BigEndian(d.Slice(at + 12, 4));
        return w > 0 && h > 0;
    }
}
