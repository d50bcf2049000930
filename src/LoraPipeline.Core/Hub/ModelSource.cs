namespace LoraPipeline.Hub;

/// <summary>Kinds of model source.</summary>
internal enum ModelSourceKind
{
    /// <summary>A Hugging Face Hub repository (<c>hf:org/name[@revision]</c>).</summary>
    Hub,
    /// <summary>A model folder on disk.</summary>
    LocalFolder,
    /// <summary>A model the project writes itself (<c>builtin:tiny-llama</c>).</summary>
    Builtin,
}

/// <summary>A parsed <c>model.source</c> value.</summary>
/// <param name="Kind">Which kind of source.</param>
/// <param name="Value">Repository id, folder path or builtin name.</param>
/// <param name="Revision">Hub revision (branch, tag or commit), when given with <c>@</c> or by config.</param>
internal sealed record ModelSource(ModelSourceKind Kind, string Value, string? Revision)
{
    /// <summary>Built-in model names.</summary>
    public static IReadOnlyList<string> BuiltinNames { get; } = [BuiltinTinyLlama.Name];

    /// <summary>Parses <c>hf:org/name[@rev]</c>, <c>builtin:NAME</c> or a folder path; <paramref name="defaultRevision"/> applies to Hub sources without <c>@</c>.</summary>
    public static ModelSource Parse(string source, string defaultRevision = "main")
    {
        if (string.IsNullOrWhiteSpace(source))
            throw new ArgumentException("model source is empty; use hf:org/name, a folder, or builtin:tiny-llama", nameof(source));
        if (source.StartsWith("hf:", StringComparison.Ordinal))
        {
            // An @revision in the source wins over the configured default.
            var reference = HubReference.Parse(source, source.Contains('@') ? null : defaultRevision);
            return new ModelSource(ModelSourceKind.Hub, reference.RepoId, reference.Revision);
        }
        if (source.StartsWith("builtin:", StringComparison.Ordinal))
        {
            var name = source["builtin:".Length..];
            if (!BuiltinNames.Contains(name))
                throw new ArgumentException($"unknown builtin model '{name}'; available: {string.Join(", ", BuiltinNames.Select(n => "builtin:" + n))}", nameof(source));
            return new ModelSource(ModelSourceKind.Builtin, name, null);
        }
        return new ModelSource(ModelSourceKind.LocalFolder, source, null);
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        ModelSourceKind.Hub => $"hf:{Value}@{Revision}",
        ModelSourceKind.Builtin => $"builtin:{Value}",
        _ => Value,
    };
}
