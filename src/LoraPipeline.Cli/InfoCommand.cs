using System.CommandLine;
using LoraPipeline.Torch;
using Spectre.Console;

namespace LoraPipeline.Cli;

/// <summary><c>lora info</c>: loads libtorch and runs one tensor operation, to check an installation.</summary>
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
            return ExitCodes.Ok;
        });
        return command;
    }
}
