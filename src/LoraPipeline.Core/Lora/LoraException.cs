namespace LoraPipeline.Lora;

/// <summary>A LoRA adapter cannot be injected, saved, loaded or applied; the message names the module, pattern or file.</summary>
internal sealed class LoraException : Exception
{
    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public LoraException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> caused by <paramref name="inner"/>.</summary>
    public LoraException(string message, Exception inner) : base(message, inner)
    {
    }
}
