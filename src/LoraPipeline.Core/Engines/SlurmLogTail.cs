using System.Text;

namespace LoraPipeline.Engines;

/// <summary>Follows a job's log file as the node appends to it: each call returns the complete lines added since the last; the last lines are kept for an error message.</summary>
internal sealed class SlurmLogTail(string path, int keep = 20)
{
    private readonly Queue<string> _last = new();
    private readonly StringBuilder _partial = new();
    private long _offset;

    /// <summary>The log file.</summary>
    public string Path { get; } = path;

    /// <summary>The last lines read.</summary>
    public IReadOnlyList<string> Last => _last.ToList();

    /// <summary>Lines completed since the last call; with <paramref name="final"/>, also an unfinished last line.</summary>
    public IReadOnlyList<string> ReadNew(bool final = false)
    {
        var lines = new List<string>();
        if (File.Exists(Path))
        {
            using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length < _offset) _offset = 0; // truncated or replaced: read it again from the start
            stream.Seek(_offset, SeekOrigin.Begin);
            var buffer = new byte[stream.Length - _offset];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            // Only whole lines are taken, so a multi-byte character split across two reads is decoded once it is complete.
            var end = Array.LastIndexOf(buffer, (byte)'\n', Math.Max(0, read - 1));
            var take = final ? read : end + 1;
            if (take > 0)
            {
                _partial.Append(Encoding.UTF8.GetString(buffer, 0, take));
                _offset += take;
            }
        }
        var text = _partial.ToString();
        var cut = final ? text.Length : text.LastIndexOf('\n') + 1;
        foreach (var line in text[..cut].Split('\n'))
        {
            var trimmed = line.TrimEnd('\r');
            if (trimmed.Length == 0) continue;
            lines.Add(trimmed);
            _last.Enqueue(trimmed);
            while (_last.Count > keep) _last.Dequeue();
        }
        _partial.Remove(0, cut);
        return lines;
    }
}
