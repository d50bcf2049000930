using System.Text;

namespace LoraPipeline.Lora;

/// <summary>
/// Per-module seeds derived from one adapter seed and the module's path, so a module's initial A and its dropout
/// stream do not depend on which other modules are adapted or in what order they were injected.
/// </summary>
internal static class LoraSeeds
{
    /// <summary>A 64-bit seed for <paramref name="purpose"/> (<c>init</c>, <c>dropout</c>) of the module at <paramref name="modulePath"/>.</summary>
    public static ulong For(long seed, string modulePath, string purpose)
    {
        // FNV-1a over "seed/path/purpose", then a SplitMix64 finaliser to spread nearby inputs.
        ulong hash = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes($"{seed}/{modulePath}/{purpose}"))
        {
            hash ^= b;
            hash *= 1099511628211UL;
        }
        hash ^= hash >> 30;
        hash *= 0xBF58476D1CE4E5B9UL;
        hash ^= hash >> 27;
        hash *= 0x94D049BB133111EBUL;
        hash ^= hash >> 31;
        return hash;
    }
}
