using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk;

/// <summary>Validates <see cref="InvoiceOcrOptions"/> and every nested feature's annotations at start-up; messages name the setting to fix.</summary>
[OptionsValidator]
internal sealed partial class InvoiceOcrOptionsValidator : IValidateOptions<InvoiceOcrOptions>;
