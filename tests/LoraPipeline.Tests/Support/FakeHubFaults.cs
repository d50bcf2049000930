namespace LoraPipeline.Tests.Support;

/// <summary>Faults the <see cref="FakeHub"/> injects, each for a number of matching requests (int.MaxValue = always).</summary>
public sealed class FakeHubFaults
{
    private readonly Lock _lock = new();
    private readonly List<Rule> _rules = [];

    private sealed class Rule(string kind, string match, int times, long value)
    {
        public string Kind { get; } = kind;
        public string Match { get; } = match;
        public long Value { get; } = value;
        public int Remaining { get; set; } = times;
    }

    /// <summary>For a file download whose path ends with <paramref name="filePath"/>: send the file up to absolute byte
    /// <paramref name="atByte"/>, then drop the connection.</summary>
    public void DropConnection(string filePath, long atByte, int times = 1) => Add("drop", "/" + filePath, times, atByte);

    /// <summary>Serve the file with one byte flipped (see <see cref="Corrupt"/>).</summary>
    public void CorruptFile(string filePath, int times = 1) => Add("corrupt", "/" + filePath, times, 0);

    /// <summary>Answer <paramref name="status"/> for requests whose path contains <paramref name="pathContains"/>.</summary>
    public void Status(string pathContains, int status, int times = 1) => Add("status", pathContains, times, status);

    /// <summary>The corruption the fake applies: the middle byte inverted.</summary>
    public static byte[] Corrupt(byte[] content)
    {
        var copy = (byte[])content.Clone();
        if (copy.Length > 0) copy[copy.Length / 2] ^= 0xFF;
        return copy;
    }

    internal long? Take(string kind, string path)
    {
        lock (_lock)
        {
            var rule = _rules.FirstOrDefault(r => r.Kind == kind && r.Remaining > 0 &&
                (kind == "status" ? path.Contains(r.Match, StringComparison.Ordinal) : path.EndsWith(r.Match, StringComparison.Ordinal)));
            if (rule is null) return null;
            if (rule.Remaining != int.MaxValue) rule.Remaining--;
            return rule.Value;
        }
    }

    private void Add(string kind, string match, int times, long value)
    {
        lock (_lock) _rules.Add(new Rule(kind, match, times, value));
    }
}
