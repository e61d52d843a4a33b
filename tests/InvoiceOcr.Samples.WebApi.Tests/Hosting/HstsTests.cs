using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace InvoiceOcr.Samples.WebApi.Tests.Hosting;

/// <summary>
/// HTTPS outside Development, over real HTTP and TLS: the sample on Kestrel with an HTTP and an HTTPS endpoint (a
/// self-signed certificate made here, trusted by pinning its thumbprint) answers HTTPS with Strict-Transport-Security and
/// redirects plain HTTP to HTTPS; in Development it does neither.
/// </summary>
public sealed class HstsTests : IDisposable
{
    // The HSTS middleware never sends the header to localhost, 127.0.0.1 or [::1] (so a developer's browser does not pin
    // HSTS for them): requests go to 127.0.0.1 but name this host, as a client behind DNS would.
    private const string PublicHost = "api.invoiceocr.test";

    private readonly X509Certificate2 _certificate = CreateCertificate();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Https_OutsideDevelopment_SendsStrictTransportSecurityForAYear()
    {
        await using var host = await StartAsync("Production");
        using var client = Client();

        using var response = await client.SendAsync(Get(Endpoint(host, "https"), "health/live"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var hsts = Assert.Single(response.Headers.GetValues("Strict-Transport-Security"));
        Assert.Equal("max-age=31536000", hsts);
    }

    [Fact]
    public async Task PlainHttp_OutsideDevelopment_RedirectsToTheHttpsEndpointWithoutHsts()
    {
        await using var host = await StartAsync("Production");
        using var client = Client();
        var https = Endpoint(host, "https");

        using var response = await client.SendAsync(Get(Endpoint(host, "http"), "health/live?probe=1"), Ct);

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal(new Uri($"https://{PublicHost}:{https.Port}/health/live?probe=1"), response.Headers.Location);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "HSTS is only sent over HTTPS.");
    }

    [Fact]
    public async Task Development_NeitherRedirectsNorSendsHsts()
    {
        await using var host = await StartAsync("Development");
        using var client = Client();

        using var overHttps = await client.SendAsync(Get(Endpoint(host, "https"), "health/live"), Ct);
        using var overHttp = await client.SendAsync(Get(Endpoint(host, "http"), "health/live"), Ct);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (overHttps.StatusCode, overHttp.StatusCode));
        Assert.False(overHttps.Headers.Contains("Strict-Transport-Security"), "Development must not pin HSTS in the developer's browser.");
    }

    public void Dispose() => _certificate.Dispose();

    private static X509Certificate2 CreateCertificate()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={PublicHost}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(PublicHost);
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var created = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));

        // Round-trip through PKCS#12 so the private key is one Kestrel's TLS stack can use on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), password: null);
    }

    private static HttpRequestMessage Get(Uri endpoint, string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, new Uri(endpoint, path));
        request.Headers.Host = $"{PublicHost}:{endpoint.Port}";
        return request;
    }

    private static Uri Endpoint(WebApiHost host, string scheme) =>
        new(host.App.Urls.Single(u => u.StartsWith(scheme + "://127.0.0.1:", StringComparison.Ordinal)) + "/");

    private Task<WebApiHost> StartAsync(string environment) => WebApiHost.StartAsync(
        environment: environment,
        configure: builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0", "https://127.0.0.1:0");
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureHttpsDefaults(https =>
            {
                https.ServerCertificate = _certificate;
                https.ClientCertificateMode = ClientCertificateMode.NoCertificate;
            }));
        });

    private HttpClient Client()
    {
        var thumbprint = _certificate.GetCertHashString(HashAlgorithmName.SHA256);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            SslOptions =
            {
                // Trust exactly the certificate made for this test, nothing else.
                RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                    certificate is not null && string.Equals(certificate.GetCertHashString(HashAlgorithmName.SHA256), thumbprint, StringComparison.Ordinal),
            },
        };
        return new HttpClient(handler, disposeHandler: true);
    }
}
