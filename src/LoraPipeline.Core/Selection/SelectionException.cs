namespace LoraPipeline.Selection;

/// <summary>A user error in selection inputs: an unknown GPU or use case, a catalogue entry without dimensions.</summary>
internal sealed class SelectionException(string message, Exception? inner = null) : Exception(message, inner);
