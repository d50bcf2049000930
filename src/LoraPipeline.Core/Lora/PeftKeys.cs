namespace LoraPipeline.Lora;

/// <summary>
/// PEFT's tensor names: <c>base_model.model.</c> + module path + <c>.lora_A.weight</c> / <c>.lora_B.weight</c>.
/// </summary>
internal static class PeftKeys
{
    /// <summary>The prefix PEFT's <c>PeftModel</c> puts before the Hugging Face module path.</summary>
    public const string Prefix = "base_model.model.";

    /// <summary>Suffix of A's key.</summary>
    public const string LoraASuffix = ".lora_A.weight";

    /// <summary>Suffix of B's key.</summary>
    public const string LoraBSuffix = ".lora_B.weight";

    /// <summary>The key of A [r, in] for <paramref name="modulePath"/>.</summary>
    public static string LoraA(string modulePath) => Prefix + modulePath + LoraASuffix;

    /// <summary>The key of B [out, r] for <paramref name="modulePath"/>.</summary>
    public static string LoraB(string modulePath) => Prefix + modulePath + LoraBSuffix;

    /// <summary>Splits a key into its module path and whether it is A (true) or B (false); false when it is neither.</summary>
    public static bool TryParse(string key, out string modulePath, out bool isA)
    {
        modulePath = "";
        isA = false;
        if (!key.StartsWith(Prefix, StringComparison.Ordinal)) return false;
        if (key.EndsWith(LoraASuffix, StringComparison.Ordinal)) isA = true;
        else if (!key.EndsWith(LoraBSuffix, StringComparison.Ordinal)) return false;
        modulePath = key[Prefix.Length..^LoraASuffix.Length];
        return modulePath.Length > 0;
    }
}
