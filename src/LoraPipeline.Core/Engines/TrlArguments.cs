using System.Globalization;
using LoraPipeline.Configuration;

namespace LoraPipeline.Engines;

/// <summary>
/// Our <c>lora</c> and <c>train</c> settings as the keyword arguments of TRL's <c>SFTConfig</c> and PEFT's <c>LoraConfig</c>,
/// one to one, each value a Python literal. The generated entry script is written from these lists, so the mapping lives here
/// only.
/// </summary>
internal static class TrlArguments
{
    /// <summary>Gradient-accumulation steps that make <c>micro_batch_size x processes x steps = global_batch_size</c>; throws
    /// <see cref="ConfigException"/> when the global batch is not such a multiple.</summary>
    public static int AccumulationSteps(PipelineConfig config)
    {
        var train = config.Train;
        var processes = train.Distributed.Nodes * train.Distributed.GpusPerNode;
        var perStep = train.MicroBatchSize * processes;
        if (train.GlobalBatchSize % perStep != 0)
            throw config.Problem("train.global_batch_size",
                $"must be a multiple of train.micro_batch_size x nodes x gpus_per_node ({train.MicroBatchSize} x {processes} = {perStep}) for the trl engine, got {train.GlobalBatchSize}");
        return train.GlobalBatchSize / perStep;
    }

    /// <summary><c>SFTConfig</c> keyword arguments (name, Python literal), output folder excluded.</summary>
    public static IReadOnlyList<(string Name, string Value)> SftConfig(PipelineConfig config)
    {
        var train = config.Train;
        return
        [
            ("learning_rate", Number(train.Lr)),
            ("lr_scheduler_type", Text(train.Schedule switch
            {
                LrSchedule.Cosine => "cosine",
                LrSchedule.Linear => "linear",
                _ => "constant_with_warmup",
            })),
            ("warmup_steps", Integer(train.WarmupSteps)),
            ("max_steps", Integer(train.MaxSteps)),
            ("per_device_train_batch_size", Integer(train.MicroBatchSize)),
            ("gradient_accumulation_steps", Integer(AccumulationSteps(config))),
            ("per_device_eval_batch_size", Integer(train.EvalBatchSize)),
            ("weight_decay", Number(train.WeightDecay)),
            ("adam_beta1", Number(train.Beta1)),
            ("adam_beta2", Number(train.Beta2)),
            ("adam_epsilon", Number(1e-8)),
            ("optim", Text("adamw_torch")),
            ("max_grad_norm", Number(train.GradClip)),
            ("seed", Integer(train.Seed)),
            ("data_seed", Integer(train.Seed)),
            ("max_length", Integer(config.Data.MaxSeqLength)),
            ("packing", Bool(config.Data.Packing)),
            ("completion_only_loss", Bool(true)),
            // A GPU cluster is the point of this engine: auto means bf16 there (our probe is about this machine's CPU).
            ("bf16", Bool(train.Precision != ComputePrecision.F32)),
            // transformers recomputes whole decoder layers; selective (attention core only) has no equivalent, so it maps to full.
            ("gradient_checkpointing", Bool(train.ActivationCheckpointing != ActivationCheckpointing.None)),
            ("eval_strategy", Text("steps")),
            ("eval_steps", Integer(train.ValCheckInterval)),
            ("save_strategy", Text("steps")),
            ("save_steps", Integer(train.ValCheckInterval)),
            ("save_total_limit", Integer(train.KeepLastCheckpoints + 1)),
            ("logging_steps", Integer(1)),
            ("load_best_model_at_end", Bool(true)),
            ("metric_for_best_model", Text("eval_loss")),
            ("greater_is_better", Bool(false)),
            ("report_to", "[]"),
        ];
    }

    /// <summary><c>LoraConfig</c> keyword arguments (name, Python literal).</summary>
    public static IReadOnlyList<(string Name, string Value)> LoraConfig(PipelineConfig config)
    {
        var lora = config.Lora;
        return
        [
            ("r", Integer(lora.R)),
            ("lora_alpha", Number(lora.Alpha)),
            ("lora_dropout", Number(lora.Dropout)),
            // A single regular expression is passed as a string (PEFT full-matches it); names go as a list.
            ("target_modules", lora.TargetModules.Count == 1 && !Lora.TargetModuleMatcher.IsShortName(lora.TargetModules[0])
                ? Text(lora.TargetModules[0])
                : "[" + string.Join(", ", lora.TargetModules.Select(Text)) + "]"),
            ("use_rslora", Bool(lora.UseRslora)),
            ("bias", Text("none")),
            ("task_type", Text("CAUSAL_LM")),
        ];
    }

    /// <summary>Early stopping as <c>EarlyStoppingCallback</c> arguments, or null when <c>early_stopping_patience</c> is 0.</summary>
    public static IReadOnlyList<(string Name, string Value)>? EarlyStopping(PipelineConfig config) =>
        config.Train.EarlyStoppingPatience == 0
            ? null
            : [("early_stopping_patience", Integer(config.Train.EarlyStoppingPatience)), ("early_stopping_threshold", Number(config.Train.EarlyStoppingMinDelta))];

    /// <summary>A Python float literal that reads back as the same double.</summary>
    public static string Number(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.') || text.Contains('E') || text.Contains('e') ? text : text + ".0";
    }

    /// <summary>A Python int literal.</summary>
    public static string Integer(long value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>A Python bool literal.</summary>
    public static string Bool(bool value) => value ? "True" : "False";

    /// <summary>A Python string literal (JSON string syntax is valid Python for these characters).</summary>
    public static string Text(string value) => System.Text.Json.JsonSerializer.Serialize(value);
}
