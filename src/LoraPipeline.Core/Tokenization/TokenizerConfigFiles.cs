namespace LoraPipeline.Tokenization;

/// <summary>What tokenizer_config.json and special_tokens_map.json say: named special tokens (strings or
/// <c>{content: ...}</c> objects), whether to add BOS/EOS, and extra added tokens (<c>added_tokens_decoder</c>).
/// tokenizer_config.json wins over special_tokens_map.json.</summary>
internal sealed class TokenizerConfigFiles
{
    public static readonly string[] NamedRoles = ["bos_token", "eos_token", "unk_token", "pad_token"];

    /// <summary>Role (bos_token, ...) → (content, "file at path") for error messages.</summary>
    public Dictionary<string, (string Content, string Where)> Named { get; } = new(StringComparer.Ordinal);

    public List<(string Content, string Where)> AdditionalSpecial { get; } = [];

    public List<AddedToken> AddedTokens { get; } = [];

    public bool? AddBos { get; private set; }

    public bool? AddEos { get; private set; }

    public static TokenizerConfigFiles Read(string directory)
    {
        var result = new TokenizerConfigFiles();
        var map = Path.Combine(directory, "special_tokens_map.json");
        if (File.Exists(map)) result.ReadNamed(JsonAccess.Parse(map));
        var config = Path.Combine(directory, "tokenizer_config.json");
        if (File.Exists(config))
        {
            var json = JsonAccess.Parse(config);
            result.ReadNamed(json);
            result.AddBos = json.OptionalBool("add_bos_token");
            result.AddEos = json.OptionalBool("add_eos_token");
            if (json.Optional("added_tokens_decoder") is { } decoder)
            {
                foreach (var (key, value) in decoder.Properties())
                {
                    if (!int.TryParse(key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
                        throw value.Error("has a key that is not a token id.");
                    result.AddedTokens.Add(new AddedToken(id, value.Required("content").String(), value.OptionalBool("special") ?? false,
                        value.OptionalBool("lstrip") ?? false, value.OptionalBool("rstrip") ?? false, value.OptionalBool("single_word") ?? false));
                }
            }
        }
        return result;
    }

    private void ReadNamed(JsonAccess json)
    {
        foreach (var role in NamedRoles)
            if (json.Optional(role) is { } value)
                Named[role] = (value.TokenContent(), value.Location);
        if (json.Optional("additional_special_tokens") is { } extra)
        {
            AdditionalSpecial.Clear();
            foreach (var item in extra.Items()) AdditionalSpecial.Add((item.TokenContent(), item.Location));
        }
    }
}
