using System.CommandLine;
using System.Text.Json;
using LoraPipeline.Pipeline;
using static TorchSharp.torch;

namespace LoraPipeline.Cli;

/// <summary><c>lora logits</c>: float32 logits of every position for a list of token ids, as JSON.</summary>
internal static class LogitsCommand
{
    public static Command Create()
    {
        var arguments = new ModelArguments();
        var output = new Option<string>("--out", "-o") { Description = "JSON file to write: {\"ids\": [...], \"logits\": [[...], ...]}", Required = true };
        var command = new Command("logits", "compute the logits of every position for token ids (one forward pass)");
        arguments.AddTo(command);
        command.Options.Add(output);
        command.SetAction(parse => ModelArguments.Guard(() =>
        {
            using var model = arguments.LoadModel(parse);
            var ids = arguments.ParseIds(parse, model.Config.VocabSize);
            float[][] rows;
            using (no_grad())
            using (NewDisposeScope())
            {
                var input = tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length], ScalarType.Int64, model.Device);
                var logits = model.Forward(input)[0].to(ScalarType.Float32).cpu().contiguous();
                var flat = logits.data<float>().ToArray();
                var vocab = (int)logits.shape[1];
                rows = Enumerable.Range(0, ids.Length).Select(i => flat.AsSpan(i * vocab, vocab).ToArray()).ToArray();
            }
            var file = parse.GetValue(output)!;
            AtomicFile.WriteAllText(file, JsonSerializer.Serialize(new { ids, logits = rows }) + "\n");
            Console.WriteLine($"wrote {ids.Length} × {model.Config.VocabSize} logits to {file}");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
