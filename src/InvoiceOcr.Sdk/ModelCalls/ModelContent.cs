namespace InvoiceOcr.Sdk;

/// <summary>One turn of a <see cref="ModelRequest"/>: who spoke and the parts they sent.</summary>
public sealed class ModelContent
{
    /// <summary>Creates a turn.</summary>
    /// <param name="role">Who spoke.</param>
    /// <param name="parts">The parts, in order; at least one.</param>
    public ModelContent(ModelRole role, IReadOnlyList<ModelPart> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Count == 0)
        {
            throw new ArgumentException("A turn needs at least one part.", nameof(parts));
        }

        Role = role;
        Parts = parts;
    }

    /// <summary>Gets who spoke.</summary>
    public ModelRole Role { get; }

    /// <summary>Gets the parts, in order.</summary>
    public IReadOnlyList<ModelPart> Parts { get; }
}
