using System.Text.Json.Nodes;

namespace InvoiceOcr.Emulator.Tests;

/// <summary>
/// Compares the structure of two JSON documents: the same property names (in the same order, unless the recording
/// stored its keys sorted), recursively, and equal values for discriminators (<c>@type</c>, <c>status</c>, <c>code</c>).
/// </summary>
internal static class JsonShape
{
    private static readonly HashSet<string> ValueKeys = ["@type", "status", "code"];

    public static void AssertSame(JsonNode? expected, JsonNode? actual, bool ordered, params string[] ignored) =>
        Compare(expected, actual, ordered, "$", ignored.ToHashSet(StringComparer.Ordinal));

    private static void Compare(JsonNode? expected, JsonNode? actual, bool ordered, string path, HashSet<string> ignored)
    {
        switch (expected)
        {
            case JsonObject e:
                var a = Assert.IsType<JsonObject>(actual, exactMatch: false);
                var expectedKeys = e.Select(p => p.Key).Where(k => !ignored.Contains(k)).ToList();
                var actualKeys = a.Select(p => p.Key).Where(k => !ignored.Contains(k)).ToList();
                if (!ordered)
                {
                    expectedKeys.Sort(StringComparer.Ordinal);
                    actualKeys.Sort(StringComparer.Ordinal);
                }

                Assert.True(
                    expectedKeys.SequenceEqual(actualKeys),
                    $"{path}: expected keys [{string.Join(", ", expectedKeys)}] but got [{string.Join(", ", actualKeys)}]");
                foreach (var key in expectedKeys)
                {
                    if (ValueKeys.Contains(key))
                    {
                        Assert.True(JsonNode.DeepEquals(e[key], a[key]), $"{path}.{key}: expected {e[key]?.ToJsonString()} but got {a[key]?.ToJsonString()}");
                    }

                    Compare(e[key], a[key], ordered, path + "." + key, ignored);
                }

                break;
            case JsonArray e:
                var array = Assert.IsType<JsonArray>(actual, exactMatch: false);
                Assert.True(e.Count == 0 || array.Count > 0, $"{path}: expected a non-empty array");
                for (var i = 0; i < Math.Min(e.Count, array.Count); i++)
                {
                    Compare(e[i], array[i], ordered, $"{path}[{i}]", ignored);
                }

                break;
            case JsonValue e:
                var value = Assert.IsType<JsonValue>(actual, exactMatch: false);
                Assert.True(e.GetValueKind() == value.GetValueKind(), $"{path}: expected a {e.GetValueKind()} but got {value.GetValueKind()}");
                break;
        }
    }
}
