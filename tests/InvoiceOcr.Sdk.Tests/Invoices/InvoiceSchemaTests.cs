using System.Reflection;
using System.Text.Json.Nodes;
using InvoiceOcr.Sdk.Invoices;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.Invoices;

public sealed class InvoiceSchemaTests
{
    private static readonly string SnapshotPath = Path.Combine(SharedData.RepositoryRoot, "tests", "InvoiceOcr.Sdk.Tests", "Invoices", "InvoiceSchema.snapshot.json");

    [Fact]
    public void ResponseJsonSchema_MatchesTheCommittedSnapshot()
    {
        var actual = InvoiceSchema.ResponseJsonSchemaText.ReplaceLineEndings("\n") + "\n";
        var expected = File.Exists(SnapshotPath) ? File.ReadAllText(SnapshotPath).ReplaceLineEndings("\n") : string.Empty;
        if (actual != expected)
        {
            var received = Path.ChangeExtension(SnapshotPath, ".received.json");
            File.WriteAllText(received, actual);
            Assert.Fail($"The generated schema changed. Review {received} and, if the change is intended, copy it over {SnapshotPath}.");
        }
    }

    [Fact]
    public void SharedResponseJsonSchema_OneInstanceEqualToAFreshCopy()
    {
        Assert.Same(InvoiceSchema.SharedResponseJsonSchema, InvoiceSchema.SharedResponseJsonSchema);
        Assert.NotSame(InvoiceSchema.ResponseJsonSchema, InvoiceSchema.ResponseJsonSchema);
        Assert.True(JsonNode.DeepEquals(InvoiceSchema.ResponseJsonSchema, InvoiceSchema.SharedResponseJsonSchema));
    }

    [Fact]
    public async Task SharedResponseJsonSchema_WrittenConcurrently_EveryWriterGetsTheSameText()
    {
        var expected = InvoiceSchema.ResponseJsonSchema.ToJsonString();

        var texts = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(
            () => Enumerable.Range(0, 20).Select(_ => InvoiceSchema.SharedResponseJsonSchema.ToJsonString()).ToArray(),
            TestContext.Current.CancellationToken)));

        Assert.All(texts.SelectMany(t => t), text => Assert.Equal(expected, text));
    }

    [Fact]
    public void ResponseJsonSchema_CoversEveryModelProperty()
    {
        var missing = new List<string>();
        CheckType(typeof(Invoice), InvoiceSchema.ResponseJsonSchema, "$", missing);

        Assert.Empty(missing);
    }

    [Fact]
    public void ResponseJsonSchema_UsesOnlyKeywordsGeminiAccepts()
    {
        var keywords = new HashSet<string>(StringComparer.Ordinal);
        CollectKeywords(InvoiceSchema.ResponseJsonSchema, keywords);

        Assert.Subset(InvoiceSchema.SupportedKeywords.ToHashSet(), keywords);
        Assert.DoesNotContain("$ref", keywords);
        Assert.DoesNotContain("pattern", keywords);
    }

    [Fact]
    public void ResponseJsonSchema_DescribesEveryPropertyOnceAndOrdersThem()
    {
        var schema = InvoiceSchema.ResponseJsonSchema;
        var undescribed = new List<string>();
        var shapes = new HashSet<string>(StringComparer.Ordinal);
        Walk(schema, "$", (node, path) =>
        {
            if (node["properties"] is JsonObject properties)
            {
                Assert.Equal(properties.Select(p => p.Key), node["propertyOrdering"]!.AsArray().Select(n => n!.GetValue<string>()));

                // A shared type (an address, a party) has its properties described at its first use only: a repeat costs
                // tokens on every call and tells the model nothing new.
                if (shapes.Add(string.Join(',', properties.Select(p => p.Key))))
                {
                    undescribed.AddRange(properties.Where(p => p.Value!["description"] is null).Select(p => $"{path}.{p.Key}"));
                }
            }
        });

        Assert.Empty(undescribed);
        Assert.Contains("ISO 8601", schema["properties"]!["invoiceDate"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("ISO 4217", schema["properties"]!["currency"]!["description"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void ResponseJsonSchema_AsksForNumbersDatesAndRequiredFields()
    {
        var schema = InvoiceSchema.ResponseJsonSchema;
        var properties = schema["properties"]!;

        Assert.Equal("""["number","null"]""", properties["total"]!["type"]!.ToJsonString());
        Assert.Equal("date", properties["invoiceDate"]!["format"]!.GetValue<string>());
        Assert.Equal("array", properties["lineItems"]!["type"]!.GetValue<string>());
        Assert.Contains("SelfBilledInvoice", properties["documentType"]!["enum"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(
            ["documentType", "invoiceId", "invoiceDate", "currency", "vendor", "total", "lineItems"],
            schema["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Null(properties["source"]);
    }

    [Fact]
    public void ResponseJsonSchema_OptionalFields_AllowNoNullSoTheModelLeavesThemOut()
    {
        var nullableOptional = new List<string>();
        Walk(InvoiceSchema.ResponseJsonSchema, "$", (node, path) =>
        {
            if (node["properties"] is not JsonObject properties)
            {
                return;
            }

            var required = node["required"]?.AsArray().Select(n => n!.GetValue<string>()).ToHashSet() ?? [];
            nullableOptional.AddRange(properties
                .Where(p => !required.Contains(p.Key) && p.Value!["type"]!.ToJsonString().Contains("\"null\"", StringComparison.Ordinal))
                .Select(p => $"{path}.{p.Key}"));
        });

        // An absent optional field costs nothing; "field": null on every absent field was a third of the answer's tokens.
        Assert.Empty(nullableOptional);
        var properties = InvoiceSchema.ResponseJsonSchema["properties"]!;
        Assert.Equal("\"number\"", properties["subtotal"]!["type"]!.ToJsonString());
        Assert.Equal("\"object\"", properties["customer"]!["type"]!.ToJsonString());
        Assert.Equal("\"string\"", properties["lineItems"]!["items"]!["properties"]!["productCode"]!["type"]!.ToJsonString());
    }

    [Fact]
    public void ReadingAnAnswer_OptionalFieldsLeftOut_ReadsThemAsNull()
    {
        var invoice = InvoiceJson.Deserialize("""{"documentType":"Invoice","invoiceId":"A-1","invoiceDate":"2026-01-02","currency":"EUR","vendor":{"name":"V"},"total":10.5,"lineItems":[{"amount":10.5}]}""");

        Assert.Equal("A-1", invoice!.InvoiceId);
        Assert.Null(invoice.Customer);
        Assert.Null(invoice.DueDate);
        Assert.Null(invoice.Subtotal);
        Assert.Empty(invoice.TaxBreakdown);
        Assert.Empty(invoice.Notes);
        Assert.Null(invoice.LineItems[0].Description);
        Assert.Equal(10.5m, invoice.LineItems[0].Amount);
    }

    [Fact]
    public void ResponseJsonSchema_ReturnsAFreshCopyEachTime()
    {
        var first = InvoiceSchema.ResponseJsonSchema;
        first["properties"]!.AsObject().Remove("invoiceId");

        Assert.NotNull(InvoiceSchema.ResponseJsonSchema["properties"]!["invoiceId"]);
        Assert.NotSame(first, InvoiceSchema.ResponseJsonSchema);
    }

    private static void CheckType(Type type, JsonNode schema, string path, List<string> missing)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.IsDefined(typeof(ExcludedFromModelSchemaAttribute)))
            {
                continue;
            }

            var name = char.ToLowerInvariant(property.Name[0]) + property.Name[1..];
            var node = schema["properties"]?[name];
            if (node is null)
            {
                missing.Add($"{path}.{name}");
                continue;
            }

            var propertyType = property.PropertyType;
            if (propertyType.IsGenericType && propertyType.GetGenericTypeDefinition() == typeof(IReadOnlyList<>))
            {
                propertyType = propertyType.GetGenericArguments()[0];
                node = node["items"]!;
            }

            if (propertyType.Assembly == typeof(Invoice).Assembly && propertyType.IsClass)
            {
                CheckType(propertyType, node, $"{path}.{name}", missing);
            }
        }
    }

    private static void CollectKeywords(JsonNode? node, HashSet<string> keywords)
    {
        Walk(node, "$", (obj, _) =>
        {
            foreach (var (key, _) in obj)
            {
                keywords.Add(key);
            }
        });
    }

    private static void Walk(JsonNode? node, string path, Action<JsonObject, string> visit)
    {
        if (node is not JsonObject obj)
        {
            return;
        }

        visit(obj, path);
        if (obj["properties"] is JsonObject properties)
        {
            foreach (var (name, child) in properties)
            {
                Walk(child, $"{path}.{name}", visit);
            }
        }

        Walk(obj["items"], path + "[]", visit);
        if (obj["anyOf"] is JsonArray anyOf)
        {
            foreach (var option in anyOf)
            {
                Walk(option, path, visit);
            }
        }
    }
}
