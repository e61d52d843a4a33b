using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.DependencyInjection;

/// <summary>
/// Makes a feature's options (for example <see cref="GeminiOptions"/>) the very object nested in <see cref="InvoiceOcrOptions"/>,
/// so one configuration section and one delegate configure everything, while each feature still depends only on its own
/// options type and its own configure, post-configure and validation registrations still apply.
/// </summary>
/// <typeparam name="TOptions">The feature's options type.</typeparam>
internal sealed class NestedOptionsFactory<TOptions>(
    IOptionsMonitor<InvoiceOcrOptions> root,
    Func<InvoiceOcrOptions, TOptions> select,
    IEnumerable<IConfigureOptions<TOptions>> setups,
    IEnumerable<IPostConfigureOptions<TOptions>> postConfigures,
    IEnumerable<IValidateOptions<TOptions>> validations)
    : OptionsFactory<TOptions>(setups, postConfigures, validations)
    where TOptions : class
{
    protected override TOptions CreateInstance(string name) => select(root.Get(name));
}
