using System.CommandLine;
using LoraPipeline.Checkpoints;
using LoraPipeline.Configuration;
using LoraPipeline.Engines;
using LoraPipeline.Pipeline;
using LoraPipeline.Sizing;
using Spectre.Console;

namespace LoraPipeline.Cli;

/// <summary>
/// <c>lora export nemo</c>: runs Download, Convert and Prepare (incrementally), then writes the splits in NeMo's SFT JSONL
/// and <c>run_nemo.sh</c>, the whitepaper's <c>megatron_gpt_finetuning.py</c> command with overrides from the config and
/// the tensor-parallel degree from the Plan; prints the command.
/// </summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var export = new Command("export", "hand the prepared data and settings to another engine");
        export.Subcommands.Add(CreateNemo());
        return export;
    }

    private static Command CreateNemo()
    {
        var options = new StageOptions();
        var output = new Option<string?>("--out") { Description = "folder to write (default: <artifacts>/export/nemo)" };
        var gpu = new Option<string>("--gpu") { Description = "GPU of the NeMo machine, from the Plan's catalogue", DefaultValueFactory = _ => "H100 80GB" };
        var devices = new Option<int?>("--devices") { Description = "GPUs per node (default: the tensor-parallel degree the Plan needs)" };
        var nodes = new Option<int>("--nodes") { Description = "nodes", DefaultValueFactory = _ => 1 };
        var nemoModel = new Option<string>("--nemo-model") { Description = "the .nemo checkpoint on the NeMo machine", DefaultValueFactory = _ => "${NEMO_MODEL}" };
        var dataDir = new Option<string?>("--data-dir") { Description = "where the exported splits will be on the NeMo machine (default: the export folder)" };
        var results = new Option<string?>("--results") { Description = "NeMo's log and checkpoint folder (default: <export folder>/results)" };
        var nemoDir = new Option<string>("--nemo-dir") { Description = "NeMo checkout on the NeMo machine", DefaultValueFactory = _ => "/opt/NeMo" };
        var modelConfig = new Option<string?>("--model-config") { Description = "plan for this config.json instead of the converted model's (e.g. the real model when the run uses a small one)" };
        var command = new Command("nemo", "write NeMo SFT splits and the megatron_gpt_finetuning.py command for this config");
        options.AddTo(command);
        command.Arguments.Add(options.Overrides);
        foreach (var option in new Option[] { output, gpu, devices, nodes, nemoModel, dataDir, results, nemoDir, modelConfig }) command.Options.Add(option);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var console = AnsiConsole.Console;
            var configPath = parse.GetValue(options.Config)!;
            PipelineConfig config;
            try
            {
                config = PipelineConfigs.Load(configPath, options.AllOverrides(parse));
                NemoTranslationLines.Write(Console.Out, config);
            }
            catch (ConfigException e)
            {
                CliErrors.Write($"config error: {e.Message}");
                return ExitCodes.ConfigError;
            }
            var baseDirectory = Directory.GetCurrentDirectory();
            var artifacts = Path.GetFullPath(parse.GetValue(options.Artifacts) ?? PipelineRun.DefaultArtifactsDirectory(baseDirectory, configPath));
            var run = new PipelineRun(config, artifacts, baseDirectory, console);
            try
            {
                foreach (var stage in new[] { "download", "convert", "prepare" })
                    await StageRunner.RunAsync(StageCatalog.Create(stage), run, cancellationToken);

                var modelConfigPath = parse.GetValue(modelConfig) ?? Path.Combine(artifacts, "convert");
                var plan = HardwarePlan.Compute(parse.GetValue(modelConfig) ?? config.Model.Source, PlanModelConfig.Load(modelConfigPath), SizingInputs.FromConfig(config));
                var nodeCount = parse.GetValue(nodes);
                if (nodeCount < 1) throw new ArgumentException($"--nodes {nodeCount}: must be 1 or more");
                var (perNode, tp) = NemoExport.Layout(config, plan, parse.GetValue(gpu)!, parse.GetValue(devices), nodeCount);

                var outDirectory = Path.GetFullPath(parse.GetValue(output) ?? Path.Combine(artifacts, "export", "nemo"));
                var dataRoot = (parse.GetValue(dataDir) ?? outDirectory).TrimEnd('/');
                var files = NemoExport.SplitFileNames.ToDictionary(s => s.Split, s => $"{dataRoot}/{s.File}");
                var trainParts = NemoExport.TrainParts(config, baseDirectory);
                var launch = new NemoLaunch(perNode, nodeCount, tp, 1, parse.GetValue(nemoModel)!,
                    [.. trainParts.Select(p => $"{dataRoot}/{p.File}")], [.. trainParts.Select(p => p.Probability)],
                    [files[Data.Split.Valid]], [files[Data.Split.Test]],
                    parse.GetValue(results) ?? $"{outDirectory}/results");
                var text = NemoExport.Command(NemoExport.Overrides(config, launch), launch, parse.GetValue(nemoDir)!);
                var note = $"Plan: {plan.Model} on {perNode} x {parse.GetValue(gpu)} per node, tensor parallel {tp}, pipeline parallel 1.";
                AtomicDirectory.Write(outDirectory, temp =>
                {
                    NemoExport.WriteSplits(Path.Combine(artifacts, "prepare"), temp, trainParts);
                    var script = Path.Combine(temp, NemoExport.CommandFile);
                    AtomicFile.WriteAllText(script, NemoExport.Script(text, note));
                    if (!OperatingSystem.IsWindows())
                        File.SetUnixFileMode(script, File.GetUnixFileMode(script) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
                });
                Console.Out.WriteLine($"export nemo: {outDirectory} ({string.Join(", ", trainParts.Select(p => p.File).Concat(NemoExport.SplitFileNames.Skip(1).Select(s => s.File)).Distinct())}, {NemoExport.CommandFile}); {note}");
                Console.Out.Write(text);
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException)
            {
                CliErrors.Write("export nemo: interrupted");
                return ExitCodes.Interrupted;
            }
            catch (Exception e) when (e is StageException or CheckpointException or ArgumentException)
            {
                CliErrors.Write($"export nemo failed: {(e is ArgumentException a ? PipelineConfigs.Message(a) : e.Message)}");
                return ExitCodes.Failed;
            }
        });
        return command;
    }
}
