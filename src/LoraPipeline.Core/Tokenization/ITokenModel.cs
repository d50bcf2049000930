namespace LoraPipeline.Tokenization;

/// <summary>The model part of a tokenizer: turns one plain segment (no added tokens in it) into ids, and back.</summary>
internal interface ITokenModel
{
    /// <summary>Appends the ids of <paramref name="segment"/>; <paramref name="atTextStart"/> is true when it begins the whole input.</summary>
    void Encode(ReadOnlySpan<char> segment, bool atTextStart, List<int> ids);

    /// <summary>The vocabulary string of an id, or null when the model has no such id.</summary>
    string? IdToToken(int id);

    /// <summary>The id of a vocabulary string, or null.</summary>
    int? TokenToId(string token);

    /// <summary>One more than the largest id the model knows.</summary>
    int Size { get; }
}
