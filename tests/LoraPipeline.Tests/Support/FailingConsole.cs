using Spectre.Console;
using Spectre.Console.Rendering;

namespace LoraPipeline.Tests.Support;

/// <summary>
/// An interactive console whose rendering throws from the <paramref name="failAfter"/>-th live write on, standing in for
/// Spectre's live-renderer crash (spectreconsole/spectre.console#2191), which cannot be caused on demand. Live writes are
/// everything but plain lines (markup and paragraphs), unless <paramref name="plainFails"/> makes every write count.
/// </summary>
internal sealed class FailingConsole(IAnsiConsole inner, int failAfter, bool plainFails = false) : IAnsiConsole
{
    private int _writes;

    public Profile Profile => inner.Profile;
    public IAnsiConsoleCursor Cursor => inner.Cursor;
    public IAnsiConsoleInput Input => inner.Input;
    public IExclusivityMode ExclusivityMode => inner.ExclusivityMode;
    public RenderPipeline Pipeline => inner.Pipeline;
    public int Writes => _writes;

    public void Clear(bool home) => inner.Clear(home);

    public void Write(IRenderable renderable)
    {
        var plain = renderable is Markup or Paragraph;
        if ((plainFails || !plain) && ++_writes >= failAfter) throw new ArgumentException("Index and count do not denote a valid range of elements (simulated LiveRenderable failure)");
        inner.Write(renderable);
    }

    /// <summary>An interactive ANSI console writing into <paramref name="text"/>, <paramref name="width"/> × <paramref name="height"/>.</summary>
    public static IAnsiConsole Interactive(TextWriter text, int width = 200, int height = 24)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes,
            Interactive = InteractionSupport.Yes,
            Out = new AnsiConsoleOutput(text),
        });
        console.Profile.Width = width;
        console.Profile.Height = height;
        return console;
    }
}
