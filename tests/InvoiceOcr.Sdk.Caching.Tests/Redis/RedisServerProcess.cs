using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace InvoiceOcr.Sdk.Caching.Tests.Redis;

/// <summary>
/// A redis-server process the test owns, on a loopback port of its own, so the test can kill it without touching the shared
/// one that eng/prerequisites/redis.sh starts. Needs redis-server on the PATH (that script installs it).
/// </summary>
internal sealed class RedisServerProcess : IDisposable
{
    private readonly Process _process;

    private RedisServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    /// <summary>The shared Redis that eng/prerequisites/redis.sh starts.</summary>
    public static string SharedConfiguration => "127.0.0.1:" + (Environment.GetEnvironmentVariable("INVOICEOCR_REDIS_PORT") is { Length: > 0 } port ? port : "56379");

    public int Port { get; }

    public string Configuration => "127.0.0.1:" + Port;

    public static async Task<RedisServerProcess> StartAsync()
    {
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "--bind", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--save", "", "--appendonly", "no" })
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("redis-server did not start; run eng/prerequisites/redis.sh.");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RedisServerProcess(process, port);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return server;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        server.Dispose();
        throw new InvalidOperationException($"redis-server did not listen on 127.0.0.1:{port}.");
    }

    /// <summary>Kills the server at once (SIGKILL), as a crash or a network loss would end it.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
