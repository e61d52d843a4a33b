namespace InvoiceOcr.Sdk.Documents;

/// <summary>
/// Tells HEIC and HEIF apart from other ISO base media files (MP4, AVIF, ...) by the brands of the leading <c>ftyp</c> box
/// (ISO/IEC 23008-12 annex B): HEVC brands (<c>heic</c>, <c>heix</c>, <c>heim</c>, <c>heis</c>, <c>hevc</c>, <c>hevx</c>,
/// <c>hevm</c>, <c>hevs</c>) mean HEIC; the structural brands <c>mif1</c>/<c>msf1</c>/<c>mif2</c> without an HEVC brand
/// mean HEIF. AVIF (<c>avif</c>/<c>avis</c>, which also lists <c>mif1</c>) is not accepted by Gemini and is rejected.
/// </summary>
internal static class HeifBrands
{
    public static DocumentKind? Detect(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 16 || !bytes.Slice(4, 4).SequenceEqual("ftyp"u8))
        {
            return null;
        }

        var size = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes);
        if (size < 16 || size > bytes.Length)
        {
            return null;
        }

        // ftyp body: major brand (4), minor version (4), compatible brands (4 each). The minor version is skipped.
        var box = bytes[..(int)size];
        bool hevc = false, structural = false, avif = false;
        for (var offset = 8; offset + 4 <= box.Length; offset += offset == 8 ? 8 : 4)
        {
            var brand = box.Slice(offset, 4);
            hevc |= IsHevc(brand);
            structural |= IsStructural(brand);
            avif |= IsAvif(brand);
        }

        // An HEVC brand wins; AVIF (which also lists mif1) is not HEIF for Gemini's purposes.
        return hevc ? DocumentKind.Heic : avif ? null : structural ? DocumentKind.Heif : null;
    }

    private static bool IsHevc(ReadOnlySpan<byte> brand) =>
        brand.SequenceEqual("heic"u8) || brand.SequenceEqual("heix"u8) || brand.SequenceEqual("heim"u8) || brand.SequenceEqual("heis"u8) ||
        brand.SequenceEqual("hevc"u8) || brand.SequenceEqual("hevx"u8) || brand.SequenceEqual("hevm"u8) || brand.SequenceEqual("hevs"u8);

    private static bool IsStructural(ReadOnlySpan<byte> brand) =>
        brand.SequenceEqual("mif1"u8) || brand.SequenceEqual("msf1"u8) || brand.SequenceEqual("mif2"u8);

    private static bool IsAvif(ReadOnlySpan<byte> brand) => brand.SequenceEqual("avif"u8) || brand.SequenceEqual("avis"u8);
}
