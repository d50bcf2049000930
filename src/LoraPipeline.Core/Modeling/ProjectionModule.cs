using static TorchSharp.torch;

namespace LoraPipeline.Modeling;

/// <summary>
/// Base of modules built from named linear projections (attention, MLP). Each projection is registered as a
/// submodule under its Hugging Face name and can be replaced through <see cref="IProjectionHost"/>.
/// Forward style: the network's own modules expose a typed <c>Forward(...)</c>; only the projections keep
/// TorchSharp's <c>Module&lt;Tensor, Tensor&gt;.call</c>, because LoRA swaps <c>nn.Linear</c> for a drop-in replacement.
/// </summary>
internal abstract class ProjectionModule : nn.Module, IProjectionHost
{
    private readonly Dictionary<string, nn.Module<Tensor, Tensor>> _projections = new(StringComparer.Ordinal);
    private readonly string[] _names;

    /// <summary>Creates the module; derived constructors install every name in <paramref name="names"/>.</summary>
    protected ProjectionModule(string moduleName, params string[] names) : base(moduleName) => _names = names;

    /// <inheritdoc />
    public IReadOnlyList<string> ProjectionNames => _names;

    /// <inheritdoc />
    public nn.Module<Tensor, Tensor> GetProjection(string name) =>
        _projections.TryGetValue(name, out var module) ? module : throw UnknownName(name);

    /// <inheritdoc />
    public void SetProjection(string name, nn.Module<Tensor, Tensor> projection)
    {
        ArgumentNullException.ThrowIfNull(projection);
        if (!_names.Contains(name)) throw UnknownName(name);
        if (_projections.ContainsKey(name)) register_module(name, null!);
        _projections[name] = projection;
        register_module(name, projection);
    }

    /// <summary>Applies the projection installed under <paramref name="name"/>.</summary>
    protected Tensor Project(string name, Tensor input) => _projections[name].call(input);

    private ArgumentException UnknownName(string name) =>
        new($"{GetName()} has no projection '{name}'; it has {string.Join(", ", _names)}", nameof(name));
}
