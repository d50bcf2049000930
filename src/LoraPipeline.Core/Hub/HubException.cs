namespace LoraPipeline.Hub;

/// <summary>A Hub download failure with a message a user can act on. Messages never contain the access token.</summary>
internal sealed class HubException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HubException(HubErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException) => Kind = kind;

    /// <summary>What went wrong.</summary>
    public HubErrorKind Kind { get; }
}
