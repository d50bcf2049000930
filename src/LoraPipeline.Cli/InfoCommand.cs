using System.CommandLine;
using LoraPipeline.Torch;
using Spectre.Console;

namespace LoraPipeline.Cli;

/// <summary><c>lora info</c>: loads libtorch, runs one tensor operation and lists the CUDA devices (memory, compute capability), to check an installation.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        var command = new Command("info", "load libtorch, run a tensor op and print versions and devices");
        command.SetAction(_ =>
        {
            AnsiConsole.MarkupLineInterpolated($"LoraPipeline core {CoreInfo.Version}");
            AnsiConsole.WriteLine(TorchRuntime.Describe());
            using var x = TorchSharp.torch.arange(6, TorchSharp.torch.float32).reshape(2, 3);
            using var y = x.matmul(x.T);
            AnsiConsole.WriteLine($"check: [[0,1,2],[3,4,5]] x its transpose = [{string.Join(", ", y.data<float>().ToArray())}]");
            var devices = CudaDevices.List();
            AnsiConsole.WriteLine(devices.Count == 0
                ? "CUDA devices: none (this build's libtorch is CPU-only, or no GPU/driver is visible; build with -p:TorchBackend=cuda on a GPU machine)"
                : $"CUDA devices: {devices.Count}" + (Environment.GetEnvironmentVariable("CUDA_VISIBLE_DEVICES") is { Length: > 0 } visible ? $" (CUDA_VISIBLE_DEVICES={visible}: nvidia-smi's ordinals may differ)" : ""));
            foreach (var device in devices) AnsiConsole.WriteLine("  " + CudaDevices.Describe(device));
            return ExitCodes.Ok;
        });
        return command;
    }
}
