using System.Buffers.Binary;
using System.Text;

namespace InvoiceOcr.Sdk.Tests.Documents;

/// <summary>Builds minimal image headers byte by byte, following each format's specification, for tests of the size readers.</summary>
internal static class CraftedImages
{
    public static byte[] Png(uint width, uint height)
    {
        var bytes = new List<byte> { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A };
        bytes.AddRange(BigEndian(13));
        bytes.AddRange("IHDR"u8.ToArray());
        bytes.AddRange(BigEndian(width));
        bytes.AddRange(BigEndian(height));
        bytes.AddRange(new byte[] { 8, 2, 0, 0, 0 }); // depth, colour type, compression, filter, interlace
        bytes.AddRange(BigEndian(0x12345678)); // CRC (not checked)
        return [.. bytes];
    }

    /// <summary>SOI, a JFIF APP0 segment, a comment, optional fill bytes, then SOFn with the size, then SOS and EOI.</summary>
    public static byte[] Jpeg(ushort width, ushort height, byte sofMarker = 0xC0, bool fillBytes = false)
    {
        var bytes = new List<byte> { 0xFF, 0xD8 };
        bytes.AddRange(Segment(0xE0, "JFIF\0"u8.ToArray().Concat(new byte[] { 1, 1, 0, 0, 1, 0, 1, 0, 0 }).ToArray()));
        bytes.AddRange(Segment(0xFE, Encoding.ASCII.GetBytes("crafted by a test")));
        if (fillBytes)
        {
            bytes.AddRange(new byte[] { 0xFF, 0xFF, 0xFF });
        }

        bytes.AddRange(Segment(sofMarker, [8, (byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width, 1, 1, 0x11, 0]));
        bytes.AddRange(Segment(0xDA, [1, 1, 0, 0, 0x3F, 0]));
        bytes.AddRange(new byte[] { 0x12, 0x34, 0xFF, 0xD9 });
        return [.. bytes];
    }

    /// <summary>A JPEG whose scan starts without any frame header.</summary>
    public static byte[] JpegWithoutSof()
    {
        var bytes = new List<byte> { 0xFF, 0xD8 };
        bytes.AddRange(Segment(0xE0, "JFIF\0"u8.ToArray().Concat(new byte[] { 1, 1, 0, 0, 1, 0, 1, 0, 0 }).ToArray()));
        bytes.AddRange(Segment(0xC4, new byte[20])); // a Huffman table (C4 is not a frame header)
        bytes.AddRange(Segment(0xDA, [1, 1, 0, 0, 0x3F, 0]));
        bytes.AddRange(new byte[] { 0x12, 0x34, 0xFF, 0xD9 });
        return [.. bytes];
    }

    public static byte[] WebpLossy(ushort width, ushort height)
    {
        byte[] data = [0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A, (byte)width, (byte)((width >> 8) & 0x3F), (byte)height, (byte)((height >> 8) & 0x3F), 0, 0];
        return Riff("VP8 ", data);
    }

    public static byte[] WebpLossless(uint width, uint height)
    {
        var bits = (width - 1) | ((height - 1) << 14);
        byte[] data = [0x2F, (byte)bits, (byte)(bits >> 8), (byte)(bits >> 16), (byte)(bits >> 24), 0, 0, 0];
        return Riff("VP8L", data);
    }

    public static byte[] WebpExtended(uint width, uint height)
    {
        uint w = width - 1, h = height - 1;
        byte[] data = [0x10, 0, 0, 0, (byte)w, (byte)(w >> 8), (byte)(w >> 16), (byte)h, (byte)(h >> 8), (byte)(h >> 16)];
        return Riff("VP8X", data);
    }

    /// <summary>
    /// An HEIF file: ftyp with the brands, then meta with pitm (the primary item), iprp/ipco holding one ispe per size, and
    /// ipma associating item N with property N. The primary item is <paramref name="primaryItem"/> (1-based), or none when 0.
    /// </summary>
    public static byte[] Heif(string majorBrand, string[] compatibleBrands, (uint Width, uint Height)[] itemSizes, int primaryItem)
    {
        var ftyp = Box("ftyp", Ascii(majorBrand).Concat(BigEndian(0)).Concat(compatibleBrands.SelectMany(Ascii)).ToArray());
        var hdlr = FullBox("hdlr", 0, new byte[4].Concat(Ascii("pict")).Concat(new byte[13]).ToArray());
        var ipco = Box("ipco", itemSizes.SelectMany(s => FullBox("ispe", 0, BigEndian(s.Width).Concat(BigEndian(s.Height)).ToArray())).ToArray());
        var ipmaBody = new List<byte>();
        ipmaBody.AddRange(BigEndian((uint)itemSizes.Length));
        for (var i = 1; i <= itemSizes.Length; i++)
        {
            ipmaBody.AddRange(new byte[] { 0, (byte)i, 1, (byte)(0x80 | i) }); // item id (16 bits), 1 association, essential + index
        }

        var iprp = Box("iprp", ipco.Concat(FullBox("ipma", 0, [.. ipmaBody])).ToArray());
        var metaChildren = hdlr.AsEnumerable();
        if (primaryItem > 0)
        {
            metaChildren = metaChildren.Concat(FullBox("pitm", 0, [0, (byte)primaryItem]));
        }

        var meta = FullBox("meta", 0, metaChildren.Concat(iprp).ToArray());
        var mdat = Box("mdat", [1, 2, 3, 4]);
        return [.. ftyp, .. meta, .. mdat];
    }

    public static byte[] Box(string type, byte[] body) => [.. BigEndian((uint)(8 + body.Length)), .. Ascii(type), .. body];

    private static byte[] FullBox(string type, byte version, byte[] body) => Box(type, [version, 0, 0, 0, .. body]);

    private static byte[] Riff(string chunk, byte[] data)
    {
        var body = Ascii("WEBP").Concat(Ascii(chunk)).Concat(LittleEndian((uint)data.Length)).Concat(data).ToArray();
        return [.. Ascii("RIFF"), .. LittleEndian((uint)body.Length), .. body];
    }

    private static byte[] Segment(byte marker, byte[] payload) =>
        [0xFF, marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2), .. payload];

    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static byte[] BigEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    private static byte[] LittleEndian(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
        return bytes;
    }
}
