using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.Json;
using System.Text;
using LoraPipeline.Evaluation;

namespace LoraPipeline.Publishing;

/// <summary>Renders the package's <c>README.md</c>: a Hugging Face model card with YAML front matter (<c>base_model</c>,
/// <c>library_name: peft</c>, <c>license</c>, <c>tags</c>, <c>datasets</c>, <c>pipeline_tag</c>), then training setup,
/// hyperparameters, evaluation, gate, intended use, limits and how to load the adapter.</summary>
internal static class ModelCard
{
    /// <summary>Tags written into the front matter.</summary>
    public static IReadOnlyList<string> Tags { get; } = ["lora", "peft", "rag", "retrieval-augmented-generation", "text-generation", "lora-pipeline"];

    /// <summary>The Hugging Face id (or other name) of the base model: the adapter's <c>base_model_name_or_path</c>
    /// when set, else the model source without its <c>hf:</c> prefix and <c>@revision</c>.</summary>
    public static string BaseModel(ModelCardInputs inputs)
    {
        var fromAdapter = inputs.AdapterConfig["base_model_name_or_path"]?.ToString();
        if (!string.IsNullOrWhiteSpace(fromAdapter)) return fromAdapter;
        var source = inputs.Report.ModelSource;
        if (source.StartsWith("hf:", StringComparison.Ordinal)) source = source[3..];
        var at = source.IndexOf('@');
        return at > 0 ? source[..at] : source;
    }

    /// <summary>Renders the card.</summary>
    public static string Render(ModelCardInputs inputs)
    {
        var report = inputs.Report;
        var config = inputs.Config;
        var baseModel = BaseModel(inputs);
        var text = new StringBuilder();
        text.Append("---\n");
        // The Hub links base_model and datasets to repositories: written only when they are Hub ids.
        if (report.ModelSource.StartsWith("hf:", StringComparison.Ordinal))
            text.Append("base_model: ").Append(Quote(baseModel)).Append('\n');
        text.Append("library_name: peft\n");
        if (inputs.License is { } license)
        {
            text.Append("license: ").Append(Quote(license.Id)).Append('\n');
            if (license.Name is { } name) text.Append("license_name: ").Append(Quote(name)).Append('\n');
            if (license.Link is { } link) text.Append("license_link: ").Append(Quote(link)).Append('\n');
        }
        text.Append("pipeline_tag: text-generation\n");
        if (config.Publish.Language.Count > 0)
        {
            text.Append("language:\n");
            foreach (var language in config.Publish.Language) text.Append("  - ").Append(Quote(language)).Append('\n');
        }
        text
            .Append("tags:\n");
        foreach (var tag in Tags) text.Append("  - ").Append(tag).Append('\n');
        if (report.Dataset.StartsWith("hf:", StringComparison.Ordinal))
            text.Append("datasets:\n  - ").Append(Quote(report.Dataset[3..].Split('@')[0])).Append('\n');
        ModelIndex.Append(text, inputs.Tag, report);
        text.Append("---\n\n");

        text.Append("# ").Append(inputs.Tag).Append(": LoRA adapter for ").Append(baseModel).Append("\n\n")
            .Append("A LoRA adapter (PEFT format) that fine-tunes `").Append(baseModel)
            .Append("` to answer questions from retrieved documents (retrieval-augmented generation), ")
            .Append("trained and evaluated by LoraPipeline on `").Append(report.Dataset).Append("`.\n\n");

        text.Append("## Training setup\n\n")
            .Append("- Base model: `").Append(report.ModelSource).Append('`')
            .Append(report.ModelRevision is { Length: > 0 } rev ? $" at revision `{rev}`" : "")
            .Append(report.ModelCommit is { Length: > 0 } commit ? $" (commit `{commit}`; the adapter's `revision` pins it)" : "").Append('\n')
            .Append("- Dataset: `").Append(report.Dataset).Append("`\n")
            .Append("- Prompt format: `").Append(inputs.PromptFormat ?? "unknown")
            .Append(inputs.PromptFormat == "chat_template"
                ? "` (the base model's own chat template, shipped in `tokenizer_config.json` and `chat_template.jinja`; the adapter was trained on the messages " +
                  "system = the instruction in `prompt_format.json`, user = `Context:` with the numbered passages `[1] ...` then `Question: ...`, assistant = the answer: " +
                  "build the same messages for `apply_chat_template(..., add_generation_prompt=True)`)\n"
                : "` (the `chat_template` in `tokenizer_config.json` and `chat_template.jinja` renders it, so `apply_chat_template` prompts the adapter as it was trained; pass the context passages as `documents`; `prompt_format.json` records it)\n")
            .Append("- Loss on answer tokens only; precision ").Append(config.Train.Precision.ToString().ToLowerInvariant()).Append("\n\n");

        text.Append("## Hyperparameters\n\n| key | value |\n| --- | --- |\n");
        foreach (var (key, value) in Hyperparameters(inputs))
            text.Append("| ").Append(key).Append(" | ").Append(value).Append(" |\n");
        text.Append('\n');

        text.Append("## Evaluation\n\nHoldout split, base model vs base model + this adapter.\n\n")
            .Append(MetricsTable.Render(report)).Append('\n')
            .Append(MetricsTable.Verdict(report.Gate)).Append('\n');
        if (report.Gate?.AdapterSha256 is { } sha)
            text.Append("\nEvaluated adapter: `adapter_model.safetensors` sha256 `").Append(sha).Append("`.\n");
        text.Append('\n');

        text.Append("## Intended use\n\n")
            .Append("Answering questions about the documents of the training knowledge base when the relevant passages are ")
            .Append("retrieved and placed in the prompt, in the prompt format above; refusing when the passages do not hold the answer.\n\n");

        text.Append("## Limits\n\n")
            .Append("- Evaluated only on the holdout split of `").Append(report.Dataset).Append("`; other domains are untested.\n")
            .Append("- Answers are only as good as the retrieved passages; the adapter does not add knowledge reliably.\n")
            .Append("- A different prompt format or tokenizer than the packaged ones degrades the output.\n")
            .Append("- Inherits the base model's biases, limits and licence terms.\n\n");

        text.Append("## How to use\n\n")
            .Append("With Hugging Face `peft` (unzip the release's `").Append(inputs.Tag).Append(".zip` first):\n\n")
            .Append("```python\n")
            .Append("from transformers import AutoModelForCausalLM, AutoTokenizer\n")
            .Append("from peft import PeftModel\n\n")
            .Append("base = AutoModelForCausalLM.from_pretrained(").Append(PythonString(baseModel))
            .Append((report.ModelCommit ?? report.ModelRevision) is { Length: > 0 } r ? $", revision={PythonString(r)}" : "")
            .Append(", dtype=\"auto\")\n")
            .Append("model = PeftModel.from_pretrained(base, ").Append(PythonString(inputs.Tag)).Append(")\n")
            .Append("tokenizer = AutoTokenizer.from_pretrained(").Append(PythonString(inputs.Tag)).Append(")\n")
            .Append("```\n\n")
            .Append("With LoraPipeline:\n\n")
            .Append("```sh\n")
            .Append("lora generate --model <base model folder> --adapter ").Append(inputs.Tag).Append(" --prompt \"...\"\n")
            .Append("```\n\n");

        text.Append("## Files\n\n");
        foreach (var file in inputs.Files.Order(StringComparer.Ordinal))
            text.Append("- `").Append(file).Append("`\n");
        text.Append("\nVerify with `sha256sum -c SHA256SUMS`.\n");
        return text.ToString();
    }

    private static IEnumerable<(string Key, string Value)> Hyperparameters(ModelCardInputs inputs)
    {
        var lora = inputs.Config.Lora;
        var train = inputs.Config.Train;
        var targets = inputs.AdapterConfig["target_modules"] switch
        {
            JsonArray array => array.Select(t => t?.ToString() ?? ""),
            JsonValue regex => [$"`{regex}`"],
            _ => lora.TargetModules,
        };
        yield return ("lora.r", Invariant(lora.R));
        yield return ("lora.alpha", Invariant(lora.Alpha));
        yield return ("lora.dropout", Invariant(lora.Dropout));
        yield return ("lora.use_rslora", lora.UseRslora ? "true" : "false");
        yield return ("lora.target_modules", string.Join(", ", targets));
        yield return ("train.lr", Invariant(train.Lr));
        yield return ("train.weight_decay", Invariant(train.WeightDecay));
        yield return ("train.betas", $"({Invariant(train.Beta1)}, {Invariant(train.Beta2)})");
        yield return ("train.schedule", train.Schedule.ToString().ToLowerInvariant());
        yield return ("train.warmup_steps", Invariant(train.WarmupSteps));
        yield return ("train.max_steps", Invariant(train.MaxSteps));
        yield return ("train.micro_batch_size", Invariant(train.MicroBatchSize));
        yield return ("train.global_batch_size", Invariant(train.GlobalBatchSize));
        yield return ("train.grad_clip", Invariant(train.GradClip));
        yield return ("train.seed", Invariant(train.Seed));
        yield return ("data.max_seq_length", Invariant(inputs.Config.Data.MaxSeqLength));
    }

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);

    private static string Quote(string value) => JsonSerializer.Serialize(value);

    private static string PythonString(string value) => JsonSerializer.Serialize(value);
}
