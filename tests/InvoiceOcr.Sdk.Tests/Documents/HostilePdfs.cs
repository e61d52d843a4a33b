using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace InvoiceOcr.Sdk.Tests.Documents;

/// <summary>
/// Builds hostile PDFs in memory, with correct cross-reference offsets, so the tests never commit large or dangerous files:
/// decompression bombs (an attachment, an object stream, a cross-reference stream), deep and cyclic page trees.
/// Shared with the fuzz runner (tests/InvoiceOcr.Fuzz links this file).
/// </summary>
internal static class HostilePdfs
{
    private const string Catalog = "<< /Type /Catalog /Pages 2 0 R >>";
    private const string Pages = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
    private const string Page = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>";

    /// <summary>
    /// A one-page PDF whose attachment inflates to <paramref name="inflatedBytes"/>: an XML prolog followed by spaces, deflated
    /// (about 1,000 to 1 on such input, so 400 MiB makes a PDF of about 400 KB).
    /// </summary>
    /// <param name="attachmentName">The attachment's file name, for example <c>factur-x.xml</c>.</param>
    /// <param name="inflatedBytes">The attachment's size once inflated.</param>
    /// <param name="viaAssociatedFiles">List it in the catalog's <c>/AF</c> array instead of the <c>/EmbeddedFiles</c> name tree.</param>
    /// <param name="mimeType">The embedded file's <c>/Subtype</c>, escaped as a PDF name (<c>text#2Fxml</c>), or <see langword="null"/>.</param>
    public static byte[] AttachmentBomb(string attachmentName, long inflatedBytes, bool viaAssociatedFiles = false, string? mimeType = "text#2Fxml")
    {
        var catalog = viaAssociatedFiles
            ? "<< /Type /Catalog /Pages 2 0 R /AF [4 0 R] >>"
            : $"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [({attachmentName}) 4 0 R] >> >> >>";
        var data = Zlib(XmlPrologThenSpaces(inflatedBytes));
        var subtype = mimeType is null ? string.Empty : " /Subtype /" + mimeType;
        return Build(
            "1.7",
            catalog,
            Pages,
            Page,
            $"<< /Type /Filespec /F ({attachmentName}) /UF ({attachmentName}) /EF << /F 5 0 R >> /AFRelationship /Alternative >>",
            Stream($"<< /Type /EmbeddedFile{subtype} /Filter /FlateDecode /Length {data.Length} >>", data));
    }

    /// <summary>
    /// A one-page PDF whose page tree root sits in an object stream that inflates to <paramref name="inflatedBytes"/>; the
    /// cross-reference stream that points into it is small and uncompressed. PdfPig inflates the object stream while opening.
    /// </summary>
    /// <param name="inflatedBytes">The object stream's size once inflated.</param>
    /// <param name="extraKidsNames">How many <c>/Kids</c> names to hide after the object in the stream (page-tree nodes only a decoder sees).</param>
    public static byte[] ObjectStreamBomb(long inflatedBytes, int extraKidsNames = 0)
    {
        // Object 2 (the page tree root) lives in object stream 4: "2 0" is its header, the spaces after it are the bomb.
        const string header = "2 0 ";
        var content = Encoding.ASCII.GetBytes(header + Pages + " " + string.Concat(Enumerable.Repeat("/Kids ", extraKidsNames)));
        var data = Zlib(Concat(content, Spaces(inflatedBytes - content.Length)));
        var objects = new List<byte[]>
        {
            Text(Catalog),
            Array.Empty<byte>(), // object 2 is compressed in object 4
            Text(Page),
            Stream($"<< /Type /ObjStm /N 1 /First {header.Length} /Filter /FlateDecode /Length {data.Length} >>", data),
        };
        return BuildWithXrefStream(objects, compressed: new Dictionary<int, (int Stream, int Index)> { [2] = (4, 0) });
    }

    /// <summary>A one-page PDF whose cross-reference stream inflates to <paramref name="inflatedBytes"/> (zeros: all entries free).</summary>
    /// <param name="inflatedBytes">The stream's size once inflated.</param>
    /// <param name="widths">The stream's <c>/W</c> array; negative widths crashed PdfPig's process (a negative <c>stackalloc</c>).</param>
    public static byte[] CrossReferenceStreamBomb(long inflatedBytes, string widths = "[1 4 2]")
    {
        var output = new MemoryStream();
        Write(output, "%PDF-1.5\n%\u00e2\u00e3\u00cf\u00d3\n");
        var offsets = new List<long>();
        foreach (var body in new[] { Catalog, Pages, Page })
        {
            offsets.Add(output.Position);
            Write(output, $"{offsets.Count} 0 obj\n{body}\nendobj\n");
        }

        var data = Zlib(new ZeroStream(inflatedBytes));
        var xrefOffset = output.Position;
        Write(output, $"4 0 obj\n<< /Type /XRef /Size 5 /W {widths} /Root 1 0 R /Filter /FlateDecode /Length {data.Length} >>\nstream\n");
        output.Write(data);
        Write(output, "\nendstream\nendobj\n");
        Write(output, $"startxref\n{xrefOffset}\n%%EOF\n");
        return output.ToArray();
    }

    /// <summary>A one-page PDF whose page sits under <paramref name="depth"/> nested page tree nodes.</summary>
    public static byte[] DeepPageTree(int depth)
    {
        // Object 1 is the catalog, objects 2 .. depth+1 the nested /Pages nodes, object depth+2 the page.
        var objects = new List<string> { Catalog };
        for (var level = 0; level < depth; level++)
        {
            var number = level + 2;
            var parent = level == 0 ? string.Empty : $" /Parent {number - 1} 0 R";
            objects.Add($"<< /Type /Pages /Kids [{number + 1} 0 R] /Count 1{parent} >>");
        }

        objects.Add($"<< /Type /Page /Parent {depth + 1} 0 R /MediaBox [0 0 612 792] >>");
        return Build("1.7", [.. objects]);
    }

    /// <summary>
    /// A PDF whose page tree loops: the root's kids are a page and a chain of <paramref name="cycleLength"/> - 1 nodes whose last
    /// node has the root as its kid.
    /// </summary>
    public static byte[] CyclicPageTree(int cycleLength)
    {
        // Object 1 the catalog, 2 the root, 3 the page, 4 .. cycleLength+2 the chain back to the root.
        var objects = new List<string> { Catalog, "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>", Page };
        for (var number = 4; number <= cycleLength + 2; number++)
        {
            var next = number == cycleLength + 2 ? 2 : number + 1;
            objects.Add($"<< /Type /Pages /Parent {number - 1} 0 R /Kids [{next} 0 R] /Count 1 >>");
        }

        return Build("1.7", [.. objects]);
    }

    /// <summary>
    /// A one-page PDF followed by <paramref name="count"/> small objects and no cross-reference table or <c>startxref</c>:
    /// PdfPig scans the whole file for objects, which takes long enough to stop it halfway.
    /// </summary>
    public static byte[] ManyObjectsWithoutCrossReference(int count)
    {
        var text = new StringBuilder("%PDF-1.7\n");
        text.Append(CultureInfo.InvariantCulture, $"1 0 obj\n{Catalog}\nendobj\n2 0 obj\n{Pages}\nendobj\n3 0 obj\n{Page}\nendobj\n");
        for (var number = 4; number < count + 4; number++)
        {
            text.Append(CultureInfo.InvariantCulture, $"{number} 0 obj\n<< /N {number} /S (filler) >>\nendobj\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {count + 4} /Root 1 0 R >>\n%%EOF\n");
        return Text(text.ToString());
    }

    /// <summary>A small valid one-page PDF.</summary>
    public static byte[] OnePage() => Build("1.7", Catalog, Pages, Page);

    /// <summary>A one-page PDF whose encryption dictionary asks for a zero-length RC4 key (PdfPig divides by the key length).</summary>
    public static byte[] ZeroLengthEncryptionKey()
    {
        var pdf = Encoding.Latin1.GetString(OnePage());
        var o = new string('0', 64);
        return Text(pdf.Replace(
            "/Root 1 0 R >>",
            $"/Root 1 0 R /Encrypt << /Filter /Standard /V 1 /R 2 /Length 0 /O <{o}> /U <{o}> /P -4 >> /ID [<00112233445566778899AABBCCDDEEFF> <00112233445566778899AABBCCDDEEFF>] >>",
            StringComparison.Ordinal));
    }

    /// <summary>Writes the PDF in <c>objects</c> order (object numbers from 1) with a classic cross-reference table.</summary>
    public static byte[] Build(string version, params object[] objects)
    {
        var output = new MemoryStream();
        Write(output, $"%PDF-{version}\n%\u00e2\u00e3\u00cf\u00d3\n");
        var offsets = new long[objects.Length];
        for (var i = 0; i < objects.Length; i++)
        {
            offsets[i] = output.Position;
            Write(output, $"{i + 1} 0 obj\n");
            output.Write(objects[i] is string text ? Text(text) : (byte[])objects[i]);
            Write(output, "\nendobj\n");
        }

        var xref = output.Position;
        var table = new StringBuilder();
        table.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Length + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            table.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }

        table.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Length + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        Write(output, table.ToString());
        return output.ToArray();
    }

    private static byte[] BuildWithXrefStream(List<byte[]> objects, Dictionary<int, (int Stream, int Index)> compressed)
    {
        var output = new MemoryStream();
        Write(output, "%PDF-1.5\n%\u00e2\u00e3\u00cf\u00d3\n");
        var offsets = new long[objects.Count + 2];
        for (var i = 0; i < objects.Count; i++)
        {
            if (compressed.ContainsKey(i + 1))
            {
                continue;
            }

            offsets[i + 1] = output.Position;
            Write(output, $"{i + 1} 0 obj\n");
            output.Write(objects[i]);
            Write(output, "\nendobj\n");
        }

        var xrefNumber = objects.Count + 1;
        offsets[xrefNumber] = output.Position;

        // Entries of 1 + 4 + 2 bytes: type, offset or object stream number, generation or index.
        var entries = new MemoryStream();
        for (var number = 0; number <= xrefNumber; number++)
        {
            var (type, field2, field3) = number == 0 ? (0, 0L, 65535)
                : compressed.TryGetValue(number, out var place) ? (2, place.Stream, place.Index)
                : (1, offsets[number], 0);
            entries.WriteByte((byte)type);
            entries.Write([(byte)(field2 >> 24), (byte)(field2 >> 16), (byte)(field2 >> 8), (byte)field2]);
            entries.Write([(byte)(field3 >> 8), (byte)field3]);
        }

        var data = entries.ToArray();
        Write(output, $"{xrefNumber} 0 obj\n<< /Type /XRef /Size {xrefNumber + 1} /W [1 4 2] /Root 1 0 R /Length {data.Length} >>\nstream\n");
        output.Write(data);
        Write(output, "\nendstream\nendobj\n");
        Write(output, $"startxref\n{offsets[xrefNumber]}\n%%EOF\n");
        return output.ToArray();
    }

    private static byte[] Stream(string dictionary, byte[] data) => Concat(Text(dictionary + "\nstream\n"), data, Text("\nendstream"));

    private static Stream XmlPrologThenSpaces(long total)
    {
        var prolog = Text("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\">");
        return new ConcatStream(prolog, new ZeroStream(total - prolog.Length, (byte)' '));
    }

    private static Stream Spaces(long count) => new ZeroStream(count, (byte)' ');

    private static byte[] Zlib(Stream content)
    {
        using (content)
        {
            var output = new MemoryStream();
            using (var zlib = new ZLibStream(output, CompressionLevel.SmallestSize, leaveOpen: true))
            {
                content.CopyTo(zlib, 1024 * 1024);
            }

            return output.ToArray();
        }
    }

    private static Stream Concat(byte[] head, Stream tail) => new ConcatStream(head, tail);

    private static byte[] Concat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static byte[] Text(string text) => Encoding.Latin1.GetBytes(text);

    private static void Write(Stream output, string text) => output.Write(Text(text));

    /// <summary>A read-only stream of <c>length</c> copies of one byte, so bombs are compressed without holding their content.</summary>
    private sealed class ZeroStream(long count, byte value = 0) : Stream
    {
        private readonly long _length = count;
        private long _remaining = count;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _length;

        public override long Position { get => _length - _remaining; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, _remaining);
            buffer.AsSpan(offset, n).Fill(value);
            _remaining -= n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private sealed class ConcatStream(byte[] head, Stream tail) : Stream
    {
        private int _headPosition;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_headPosition < head.Length)
            {
                var n = Math.Min(count, head.Length - _headPosition);
                head.AsSpan(_headPosition, n).CopyTo(buffer.AsSpan(offset));
                _headPosition += n;
                return n;
            }

            return tail.Read(buffer, offset, count);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                tail.Dispose();
            }

            base.Dispose(disposing);
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
