using System.Net.Sockets;
using System.Text;

namespace InvoiceOcr.Samples.WebApi.Tests;

/// <summary>
/// Sends request headers over a raw socket and reads the answer without sending the body the headers announce: an
/// answer that arrives proves the server decided without reading the body.
/// </summary>
internal static class RawHttp
{
    /// <summary>Sends the headers and a first byte of the body and leaves the request hanging until the client is disposed.</summary>
    public static async Task<TcpClient> StartHangingRequestAsync(Uri baseAddress, string path, string bearer)
    {
        var client = new TcpClient();
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port, TestContext.Current.CancellationToken);
        await WriteHeadersAsync(client.GetStream(), baseAddress, path, 4096, bearer);
        await client.GetStream().WriteAsync("-"u8.ToArray(), TestContext.Current.CancellationToken);
        return client;
    }

    public static async Task<string> SendHeadersOnlyAsync(Uri baseAddress, string path, long contentLength, string? bearer, TimeSpan timeout)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port, TestContext.Current.CancellationToken);
        var stream = client.GetStream();
        await WriteHeadersAsync(stream, baseAddress, path, contentLength, bearer);

        // Read until the server closes or the status line and some of the body have arrived; never send the body.
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(timeout);
        var buffer = new byte[16 * 1024];
        var received = new StringBuilder();
        try
        {
            while (true)
            {
                var read = await stream.ReadAsync(buffer, cts.Token);
                if (read == 0)
                {
                    break;
                }

                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
                var text = received.ToString();
                if (text.Contains("\r\n\r\n", StringComparison.Ordinal) && text.Contains("\"status\"", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            // Timed out: the server is waiting for the body. The caller's assertion on the (empty) answer says so.
        }
        catch (IOException)
        {
            // Reset by the server after it answered: what was read is the answer.
        }

        return received.ToString();
    }

    private static async Task WriteHeadersAsync(NetworkStream stream, Uri baseAddress, string path, long contentLength, string? bearer)
    {
        var headers = new StringBuilder()
            .Append("POST ").Append(path).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(baseAddress.Authority).Append("\r\n")
            .Append("Content-Type: multipart/form-data; boundary=xyz\r\n")
            .Append("Content-Length: ").Append(contentLength.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n");
        if (bearer is not null)
        {
            headers.Append("Authorization: Bearer ").Append(bearer).Append("\r\n");
        }

        headers.Append("\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(headers.ToString()), TestContext.Current.CancellationToken);
    }
}
