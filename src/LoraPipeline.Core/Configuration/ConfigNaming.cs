using System.Reflection;
using System.Text;

namespace LoraPipeline.Configuration;

/// <summary>Maps C# option names to YAML keys (<c>MaxSteps</c> → <c>max_steps</c>).</summary>
internal static class ConfigNaming
{
    public static string ToSnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 8);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || char.IsDigit(name[i - 1]))) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>An enum value as the config writes it (<c>ActivationCheckpointing.Selective</c> → <c>selective</c>).</summary>
    public static string EnumName<T>(T value) where T : struct, Enum => ToSnakeCase(value.ToString());

    /// <summary>The value of <paramref name="target"/> whose config name is <paramref name="text"/> (case-insensitive), or null.</summary>
    public static object? ParseEnum(Type target, string text)
    {
        foreach (var name in Enum.GetNames(target))
            if (string.Equals(ToSnakeCase(name), text, StringComparison.OrdinalIgnoreCase))
                return Enum.Parse(target, name);
        return null;
    }

    /// <summary>The config names of <typeparamref name="T"/>'s values, comma-separated (<c>none, selective, full</c>).</summary>
    public static string EnumNames<T>() where T : struct, Enum => string.Join(", ", Enum.GetNames<T>().Select(ToSnakeCase));

    /// <summary>Public settable properties of an options type, keyed by YAML name, in declaration order.</summary>
    public static IReadOnlyList<(string Key, PropertyInfo Property)> Keys(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite)
            .OrderBy(p => p.MetadataToken)
            .Select(p => (ToSnakeCase(p.Name), p))
            .ToList();
}
