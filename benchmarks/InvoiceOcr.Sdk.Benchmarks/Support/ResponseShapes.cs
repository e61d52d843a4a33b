using System.Text;

namespace InvoiceOcr.Sdk.Benchmarks.Support;

/// <summary>
/// generateContent answers in the shapes Gemini sends (written for these benchmarks, modelled on the documented wire
/// format): a 2.0 answer with logprobs and candidate details, a 2.5 answer with implicit-cache and thinking usage, and
/// a structured-JSON invoice answer.
/// </summary>
internal static class ResponseShapes
{
    public static readonly byte[] Basic20 = Encoding.UTF8.GetBytes("""
        {
          "candidates": [
            {
              "content": { "parts": [ { "text": "Invoice 4711 from Acme GmbH, total 1,190.00 EUR." } ], "role": "model" },
              "finishReason": "STOP",
              "avgLogprobs": -0.0712
            }
          ],
          "usageMetadata": {
            "promptTokenCount": 271,
            "candidatesTokenCount": 14,
            "totalTokenCount": 285,
            "promptTokensDetails": [ { "modality": "TEXT", "tokenCount": 13 }, { "modality": "DOCUMENT", "tokenCount": 258 } ],
            "candidatesTokensDetails": [ { "modality": "TEXT", "tokenCount": 14 } ]
          },
          "modelVersion": "gemini-2.0-flash",
          "responseId": "bench-20-basic-0001"
        }
        """);

    public static readonly byte[] Thinking25 = Encoding.UTF8.GetBytes("""
        {
          "candidates": [
            {
              "content": { "parts": [ { "text": "The document is a one-page invoice with a single line item." } ], "role": "model" },
              "finishReason": "STOP",
              "index": 0
            }
          ],
          "usageMetadata": {
            "promptTokenCount": 265,
            "candidatesTokenCount": 223,
            "totalTokenCount": 1518,
            "cachedContentTokenCount": 201,
            "promptTokensDetails": [ { "modality": "TEXT", "tokenCount": 7 }, { "modality": "IMAGE", "tokenCount": 258 } ],
            "cacheTokensDetails": [ { "modality": "TEXT", "tokenCount": 5 }, { "modality": "IMAGE", "tokenCount": 196 } ],
            "thoughtsTokenCount": 1030
          },
          "modelVersion": "gemini-2.5-flash",
          "responseId": "bench-25-thinking-0001"
        }
        """);

    public static readonly byte[] StructuredInvoice = Encoding.UTF8.GetBytes("""
        {
          "candidates": [
            {
              "content": {
                "parts": [
                  {
                    "text": "{\n  \"documentType\": \"invoice\",\n  \"invoiceId\": \"RE-2026-0042\",\n  \"invoiceDate\": \"2026-03-05\",\n  \"currency\": \"EUR\",\n  \"vendor\": { \"name\": \"Acme GmbH\", \"vatId\": \"DE123456789\" },\n  \"subtotal\": 1000.00,\n  \"totalTax\": 190.00,\n  \"total\": 1190.00,\n  \"lineItems\": [ { \"description\": \"Consulting\", \"quantity\": 10, \"unitPrice\": 100.00, \"amount\": 1000.00, \"taxRate\": 19 } ]\n}"
                  }
                ],
                "role": "model"
              },
              "finishReason": "STOP",
              "index": 0
            }
          ],
          "usageMetadata": {
            "promptTokenCount": 1912,
            "candidatesTokenCount": 96,
            "totalTokenCount": 2008,
            "promptTokensDetails": [ { "modality": "TEXT", "tokenCount": 1654 }, { "modality": "DOCUMENT", "tokenCount": 258 } ]
          },
          "modelVersion": "gemini-2.5-flash",
          "responseId": "bench-25-invoice-0001"
        }
        """);

    public static byte[] Get(string name) => name switch
    {
        nameof(Basic20) => Basic20,
        nameof(Thinking25) => Thinking25,
        nameof(StructuredInvoice) => StructuredInvoice,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Unknown response shape."),
    };
}
