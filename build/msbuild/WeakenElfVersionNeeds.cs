// MSBuild inline task: marks selected ELF symbol-version requirements (.gnu.version_r) as weak,
// but only for versions that the machine's libstdc++ does not provide. Idempotent; writes atomically.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public class WeakenElfVersionNeeds : Task
{
    [Required] public ITaskItem[] Files { get; set; }
    [Required] public string Versions { get; set; }

    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlgWeak = 0x2;

    private static readonly string[] LibStdCxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib/aarch64-linux-gnu/libstdc++.so.6", "/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    };

    public override bool Execute()
    {
        var wanted = Versions.Split(new[] { ';', ',' }, StringSplitOptions.RemoveEmptyEntries).Select(v => v.Trim()).ToList();
        var libstdcxx = LibStdCxxCandidates.FirstOrDefault(File.Exists);
        if (libstdcxx == null)
        {
            Log.LogMessage(MessageImportance.Low, "libstdc++.so.6 not found in the usual places; leaving libLibTorchSharp.so as it is.");
            return true;
        }
        var systemLib = File.ReadAllBytes(libstdcxx);
        var missing = wanted.Where(v => IndexOf(systemLib, Encoding.ASCII.GetBytes(v + "\0")) < 0).ToList();
        if (missing.Count == 0)
        {
            Log.LogMessage(MessageImportance.Low, libstdcxx + " provides " + string.Join(", ", wanted) + "; nothing to patch.");
            return true;
        }
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            try
            {
                var changed = Weaken(path, missing);
                Log.LogMessage(MessageImportance.Normal, changed.Count == 0
                    ? path + ": version needs already weak."
                    : path + ": marked weak: " + string.Join(", ", changed) + " (missing from " + libstdcxx + ").");
            }
            catch (Exception e)
            {
                Log.LogError("Could not patch " + path + ": " + e.Message);
                return false;
            }
        }
        return true;
    }

    private static List<string> Weaken(string path, List<string> versions)
    {
        var data = File.ReadAllBytes(path);
        if (data.Length < 64 || data[0] != 0x7f || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (data[4] != 2 || data[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF is supported");
        var shoff = checked((int)BitConverter.ToUInt64(data, 0x28));
        int shentsize = BitConverter.ToUInt16(data, 0x3A);
        int shnum = BitConverter.ToUInt16(data, 0x3C);
        var changed = new List<string>();
        for (var i = 0; i < shnum; i++)
        {
            var sh = shoff + i * shentsize;
            if (BitConverter.ToUInt32(data, sh + 4) != ShtGnuVerneed) continue;
            var offset = checked((int)BitConverter.ToUInt64(data, sh + 0x18));
            var link = (int)BitConverter.ToUInt32(data, sh + 0x28);
            var entries = (int)BitConverter.ToUInt32(data, sh + 0x2C);
            var strtab = checked((int)BitConverter.ToUInt64(data, shoff + link * shentsize + 0x18));
            var need = offset;
            for (var n = 0; n < entries; n++)
            {
                int count = BitConverter.ToUInt16(data, need + 2);
                var aux = need + (int)BitConverter.ToUInt32(data, need + 8);
                for (var k = 0; k < count; k++)
                {
                    var name = ReadCString(data, strtab + (int)BitConverter.ToUInt32(data, aux + 8));
                    var flags = BitConverter.ToUInt16(data, aux + 4);
                    if (versions.Contains(name) && (flags & VerFlgWeak) == 0)
                    {
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(data, aux + 4);
                        changed.Add(name);
                    }
                    aux += (int)BitConverter.ToUInt32(data, aux + 12);
                }
                need += (int)BitConverter.ToUInt32(data, need + 12);
            }
        }
        if (changed.Count > 0)
        {
            // Write beside, then replace: a crash never leaves a half-written library, and a hard link
            // into the NuGet cache is broken rather than modified.
            var temp = path + ".patching";
            File.WriteAllBytes(temp, data);
            File.Replace(temp, path, null);
        }
        return changed;
    }

    private static string ReadCString(byte[] data, int start)
    {
        var end = start;
        while (end < data.Length && data[end] != 0) end++;
        return Encoding.ASCII.GetString(data, start, end - start);
    }

    private static int IndexOf(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i <= haystack.Length - needle.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j]) j++;
            if (j == needle.Length) return i;
        }
        return -1;
    }
}
