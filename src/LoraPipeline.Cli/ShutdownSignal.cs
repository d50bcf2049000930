using System.Runtime.InteropServices;

namespace LoraPipeline.Cli;

/// <summary>
/// Ctrl-C and SIGTERM: the first asks the running stage to stop after its current step (training writes a
/// checkpoint); the second exits at once. Outputs are written atomically, so neither leaves a half-written file.
/// </summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly List<PosixSignalRegistration> _registrations = [];
    private int _count;

    public ShutdownSignal()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            _registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
    }

    public CancellationToken Token => _source.Token;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Interlocked.Increment(ref _count) == 1)
        {
            Console.Error.WriteLine($"{context.Signal}: stopping after the current step (again to exit at once)");
            _source.Cancel();
        }
        else
        {
            Console.Error.WriteLine($"{context.Signal}: exiting now");
            ExitNow(ExitCodes.Interrupted);
        }
    }

    // Environment.Exit runs finalizers while libtorch may still be computing on other threads, which ends in a
    // PyTorch internal assert; _exit leaves at once (outputs are atomic, so nothing half-written stays behind).
    private static void ExitNow(int code)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
        {
            Console.Error.Flush();
            NativeExit(code);
        }
        Environment.Exit(code);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void NativeExit(int code);

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
