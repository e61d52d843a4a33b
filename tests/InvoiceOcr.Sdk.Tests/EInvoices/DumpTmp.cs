using InvoiceOcr.Sdk.Invoices;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.EInvoices;

public sealed class DumpTmp
{
    [Fact]
    public void Dump()
    {
        var reader = new EInvoiceReader();
        var validator = new InvoiceValidator();
        foreach (var dir in new[] { "zugferd", "mustang", "invoice2data" })
        {
            foreach (var file in Directory.GetFiles(SharedData.Invoice(dir), "*.pdf"))
            {
                string text;
                try
                {
                    var inv = reader.ReadPdf(File.ReadAllBytes(file));
                    text = inv is null ? "NONE" : InvoiceJson.Serialize(inv, true) + "\nFINDINGS:\n" + string.Join("\n", validator.Validate(inv));
                }
                catch (Exception ex) { text = "EX " + ex; }
                File.WriteAllText("/tmp/dump/" + Path.GetFileNameWithoutExtension(file) + ".txt", text);
            }
        }
        File.WriteAllText("/tmp/dump/_schema.json", InvoiceSchema.ResponseJsonSchemaText);
    }
}
