using System.CommandLine;
using LoraPipeline.Lora;
using LoraPipeline.Pipeline;

namespace LoraPipeline.Cli;

/// <summary><c>lora merge</c>: bakes a PEFT adapter into its base model and writes a Hugging Face checkpoint.</summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "base Hugging Face model folder", Required = true };
        var adapter = new Option<string>("--adapter") { Description = "PEFT LoRA adapter folder", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "folder to write the merged checkpoint to: new, empty or an earlier merge output (replaced atomically)", Required = true };
        var overwrite = new Option<bool>("--overwrite") { Description = "replace a non-empty --out that is not an earlier merge output" };
        var dtype = new Option<string?>("--dtype") { Description = "dtype of the merged weights: bf16 or f32 (default: the base's torch_dtype)" };
        var command = new Command("merge", "merge a LoRA adapter into its base model and write a Hugging Face checkpoint");
        foreach (var option in new Option[] { model, adapter, output, dtype, overwrite }) command.Options.Add(option);
        command.SetAction(parse => ModelArguments.Guard(() =>
        {
            var modelDir = parse.GetValue(model)!;
            if (!Directory.Exists(modelDir)) throw new LoraException($"--model: folder '{modelDir}' not found");
            var dtypeText = parse.GetValue(dtype);
            var target = dtypeText is null ? (TorchSharp.torch.ScalarType?)null : ModelArguments.ParseDtype(dtypeText);
            var outDir = parse.GetValue(output)!;
            var adapterDir = parse.GetValue(adapter)!;
            if (!Directory.Exists(adapterDir)) throw new LoraException($"--adapter: folder '{adapterDir}' not found");
            if (LoadedAdapter.IsPTuning(adapterDir)) throw new LoraException(MergedCheckpointWriter.MergeRefusal(adapterDir));
            OutputFolder.EnsureReplaceable(outDir, "--out", "merge", parse.GetValue(overwrite), modelDir, adapterDir);
            var files = MergedCheckpointWriter.Write(modelDir, adapterDir, outDir, target, log: Console.WriteLine);
            OutputFolder.Mark(outDir, "merge");
            Console.WriteLine($"wrote merged checkpoint to {outDir} ({string.Join(", ", files)})");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
