namespace LoraPipeline.Cli;

/// <summary>Process exit codes of <c>lora</c>.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failed = 1;
    public const int ConfigError = 2;
    public const int GateFailed = 4;
    public const int Interrupted = 130;
}
