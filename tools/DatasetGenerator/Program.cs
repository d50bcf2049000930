using System.Globalization;
using LoraPipeline.DatasetGenerator;
using LoraPipeline.DatasetGenerator.Writers;

// Usage: dotnet run --project tools/DatasetGenerator -- --out datasets/acme [--seed N]
string? output = null;
var seed = DatasetBuilder.DefaultSeed;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--out" when i + 1 < args.Length:
            output = args[++i];
            break;
        case "--seed" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed):
            seed = parsed;
            i++;
            break;
        default:
            Console.Error.WriteLine($"Unknown or incomplete argument '{args[i]}'.");
            Console.Error.WriteLine("Usage: DatasetGenerator --out <folder> [--seed <integer>]");
            return 2;
    }
}
if (output is null)
{
    Console.Error.WriteLine("Usage: DatasetGenerator --out <folder> [--seed <integer>]");
    return 2;
}

var dataset = DatasetBuilder.Build(seed);
DatasetWriter.Write(dataset, output);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"Wrote {dataset.Documents.Count} documents and {dataset.Pairs.Count} question/answer pairs to {Path.GetFullPath(output)}"));
return 0;
