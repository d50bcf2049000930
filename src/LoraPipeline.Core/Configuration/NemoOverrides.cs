using System.Globalization;

namespace LoraPipeline.Configuration;

/// <summary>
/// The one table between NeMo's <c>megatron_gpt_finetuning.py</c> override names (as the whitepaper's command writes
/// them) and our config keys. Read forwards it translates a NeMo override given to <c>--set</c> (or positionally) into
/// ours, or accepts it with a note saying why it changes nothing here, or refuses it with the reason; read backwards
/// it derives NeMo overrides from our config for <c>lora export nemo</c>. No NeMo key is ever ignored silently.
/// </summary>
internal static class NemoOverrides
{
    /// <summary>The first segments that mark a NeMo override (<c>model.</c> only where it is not one of our model keys).</summary>
    public static readonly IReadOnlyList<string> Roots = ["trainer", "exp_manager", "model"];

    /// <summary>What one NeMo override becomes.</summary>
    /// <param name="Assignments">Our overrides (<c>key</c>, YAML value), possibly none.</param>
    /// <param name="Note">Why it changes nothing (or what else it implies); null when the assignments say it all.</param>
    /// <param name="Refusal">Why it is refused; when set, nothing is assigned.</param>
    internal sealed record Outcome(IReadOnlyList<KeyValuePair<string, string>> Assignments, string? Note, string? Refusal);

    /// <summary>One NeMo key: how it is translated, and (optionally) how our config exports it.</summary>
    /// <param name="Name">The NeMo dotted key.</param>
    /// <param name="Translate">From a NeMo value to ours.</param>
    /// <param name="Export">From our config and the launch layout to the NeMo value text, or null to leave the key out.</param>
    internal sealed record Entry(string Name, Func<NemoValue, Outcome> Translate, Func<PipelineConfig, NemoLaunch, string?>? Export = null);

    private static Outcome Set(params (string Key, string Value)[] assignments) =>
        new(assignments.Select(a => KeyValuePair.Create(a.Key, a.Value)).ToList(), null, null);

    private static Outcome SetWithNote(string note, params (string Key, string Value)[] assignments) =>
        new(assignments.Select(a => KeyValuePair.Create(a.Key, a.Value)).ToList(), note, null);

    private static Outcome Noted(string note) => new([], note, null);

    private static Outcome Refused(string reason) => new([], null, reason);

    private static Entry Same(string name, string ours, Func<PipelineConfig, object?> export) =>
        new(name, v => Set((ours, v.Text)), (c, _) => NemoValue.Format(export(c)));

    private static string F(double value) => NemoValue.Format(value);

    // Our short projection names per NeMo LoRA target (NeMo fuses q/k/v and gate/up into one linear each).
    private static readonly (string Nemo, string[] Ours)[] TargetModules =
    [
        ("attention_qkv", ["q_proj", "k_proj", "v_proj"]),
        ("attention_dense", ["o_proj"]),
        ("mlp_fc1", ["gate_proj", "up_proj"]),
        ("mlp_fc2", ["down_proj"]),
    ];

    /// <summary>Our target modules as NeMo's (a fused NeMo target adapts all the projections it fuses).</summary>
    public static IReadOnlyList<string> NemoTargetModules(IEnumerable<string> ours)
    {
        var set = ours.ToHashSet(StringComparer.Ordinal);
        return TargetModules.Where(t => t.Ours.Any(set.Contains)).Select(t => t.Nemo).ToList();
    }

    private static Outcome TranslateTargets(NemoValue v)
    {
        var ours = new List<string>();
        foreach (var item in v.Items)
        {
            if (item == "all") return Set(("lora.target_modules", "[" + string.Join(", ", TargetModules.SelectMany(t => t.Ours)) + "]"));
            var match = TargetModules.FirstOrDefault(t => t.Nemo == item);
            if (match.Ours is null)
                return Refused($"'{item}' is not a NeMo LoRA target; use attention_qkv, attention_dense, mlp_fc1, mlp_fc2 or all");
            ours.AddRange(match.Ours);
        }
        return ours.Count == 0 ? Refused("names no module; use for example [attention_qkv]") : Set(("lora.target_modules", "[" + string.Join(", ", ours) + "]"));
    }

    private static Outcome TranslatePrecision(NemoValue v) => v.Scalar switch
    {
        "bf16" or "bf16-mixed" or "bf16-true" => Set(("train.precision", "bf16")),
        "32" or "32-true" or "fp32" => Set(("train.precision", "f32")),
        "16" or "16-mixed" or "fp16" => Refused("float16 is not supported here (no loss scaling); use bf16 or 32"),
        _ => Refused($"expected bf16, bf16-mixed, 32 or 32-true, got '{v.Text}'"),
    };

    private static Outcome TranslateDevices(NemoValue v)
    {
        if (v.Scalar is "-1" or "auto") return Set(("train.devices", "[auto]"));
        if (v.Integer is not { } n || n < 1) return Refused($"expected a number of GPUs, -1 or auto, got '{v.Text}'");
        if (n == 1) return Noted("one device: the one train.device names");
        return SetWithNote("our trainer spreads decoder layers over these GPUs in one process (no data or tensor parallelism)",
            ("train.devices", "[" + string.Join(", ", Enumerable.Range(0, (int)n).Select(i => $"cuda:{i}")) + "]"));
    }

    private static Outcome OnlyOne(NemoValue v, string what, string why) =>
        v.IsNull || v.Integer == 1 ? Noted($"{what} 1 is what our trainer does") : Refused($"{why}; only 1 is accepted (lora export nemo writes the degree from the Plan for NeMo itself)");

    private static Outcome TranslateOptimizer(NemoValue v) => v.Scalar switch
    {
        "fused_adam" or "distributed_fused_adam" or "adamw" or "mcore_distributed_optim" =>
            SetWithNote("NeMo's fused_adam is AdamW: decoupled weight decay", ("train.optimizer", "adamw")),
        "adam" => Set(("train.optimizer", "adam")),
        "sgd" => Set(("train.optimizer", "sgd")),
        _ => Refused($"'{v.Text}' is not an optimizer here; use fused_adam (AdamW), adam or sgd"),
    };

    private static Outcome TranslateSchedule(NemoValue v) => v.Scalar switch
    {
        "CosineAnnealing" => Set(("train.schedule", "cosine")),
        "WarmupAnnealing" => Set(("train.schedule", "linear")),
        "WarmupPolicy" or "ConstantLR" => Set(("train.schedule", "constant")),
        _ => Refused($"'{v.Text}' has no counterpart; use CosineAnnealing, WarmupAnnealing (linear decay) or WarmupPolicy (constant)"),
    };

    private static string ScheduleName(LrSchedule schedule) => schedule switch
    {
        LrSchedule.Cosine => "CosineAnnealing",
        LrSchedule.Linear => "WarmupAnnealing",
        _ => "WarmupPolicy",
    };

    private static Outcome TranslateGranularity(NemoValue v) => v.IsNull
        ? Set(("train.activation_checkpointing", "none"))
        : v.Scalar is "selective" or "full"
            ? Set(("train.activation_checkpointing", v.Scalar))
            : Refused($"expected selective, full or null, got '{v.Text}'");

    private static Outcome BoolNote(NemoValue v, bool accepted, string note, string refusal) =>
        v.Bool == accepted ? Noted(note) : v.Bool is null ? Refused($"expected True or False, got '{v.Text}'") : Refused(refusal);

    private static Outcome NotedAny(NemoValue v, string note) => Noted(note);

    private static string Files(IReadOnlyList<string> files) => NemoValue.Format(files);

    // A flow list for our YAML reader, each item quoted so paths with ':' or spaces stay strings.
    private static string YamlList(IEnumerable<string> items) =>
        "[" + string.Join(", ", items.Select(i => double.TryParse(i, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? i : "'" + i.Replace("'", "''") + "'")) + "]";

    /// <summary>Every NeMo key we know, in the order <c>lora export nemo</c> writes them.</summary>
    public static readonly IReadOnlyList<Entry> Entries =
    [
        // ----- trainer -----
        new("trainer.precision", TranslatePrecision, (c, _) => c.Train.Precision == ComputePrecision.F32 ? "32" : "bf16"),
        new("trainer.devices", TranslateDevices, (_, l) => NemoValue.Format(l.Devices)),
        new("trainer.num_nodes", v => v.IsNull || v.Integer == 1
            ? Noted("one node is what our trainer runs on")
            : Refused("our trainer runs on one machine; for several nodes use lora export nemo (or train.launcher where available)"),
            (_, l) => NemoValue.Format(l.Nodes)),
        new("trainer.accelerator", v => v.Scalar switch
        {
            "gpu" or "cuda" => Set(("train.device", "cuda")),
            "cpu" => Set(("train.device", "cpu")),
            _ => Refused($"expected gpu or cpu, got '{v.Text}'"),
        }),
        new("trainer.max_steps", v => v.Integer == -1
            ? Refused("-1 (train by epochs) has no counterpart: training is bounded by train.max_steps; give a number of steps")
            : Set(("train.max_steps", v.Text)), (c, _) => NemoValue.Format(c.Train.MaxSteps)),
        new("trainer.max_epochs", v => NotedAny(v, "training is bounded by train.max_steps (as in the whitepaper's recipe, where max_steps ends training first)")),
        new("trainer.val_check_interval", v => v.Integer is not null
            ? Set(("train.val_check_interval", v.Text))
            : Refused($"a fraction of an epoch has no counterpart; give a number of steps, got '{v.Text}'"),
            (c, _) => NemoValue.Format(c.Train.ValCheckInterval)),
        new("trainer.gradient_clip_val", v => Set(("train.grad_clip", v.IsNull ? "0" : v.Text)), (c, _) => F(c.Train.GradClip)),
        new("trainer.accumulate_grad_batches", v => NotedAny(v, "accumulation is train.global_batch_size / train.micro_batch_size (as NeMo derives it)")),
        new("trainer.log_every_n_steps", v => NotedAny(v, "every step is logged to train/metrics.jsonl")),
        new("trainer.limit_val_batches", v => NotedAny(v, "validation always covers the whole validation split")),
        new("trainer.enable_checkpointing", v => NotedAny(v, "checkpoints are written at every validation (train.val_check_interval)")),
        new("trainer.logger", v => NotedAny(v, "metrics go to train/metrics.jsonl, metrics.csv and loss.png")),

        // ----- model -----
        new("model.restore_from_path", v => v.Scalar is { } path && path.EndsWith(".nemo", StringComparison.OrdinalIgnoreCase)
            ? Noted("not used: a .nemo archive cannot be read here, so model.source keeps naming the Hugging Face checkpoint it was made from")
            : Set(("model.source", v.Text)), (_, l) => l.ModelPath),
        new("model.seed", v => Set(("train.seed", v.Text)), (c, _) => NemoValue.Format(c.Train.Seed)),
        new("model.peft.peft_scheme", v => v.Scalar switch
        {
            "lora" => Set(("peft.scheme", "lora")),
            "ptuning" => SetWithNote("P-tuning as PEFT's PromptEncoder (MLP reparameterisation by default; model.peft.p_tuning.* map to peft.*)",
                ("peft.scheme", "ptuning")),
            "none" or "null" or "" => Refused("full fine-tuning is not done here; use lora or ptuning"),
            _ => Refused($"'{v.Text}' is not supported; use lora or ptuning"),
        }, (c, _) => ConfigNaming.EnumName(c.Peft.Scheme)),
        new("model.peft.p_tuning.virtual_tokens", v => Set(("peft.num_virtual_tokens", v.Text)), (c, _) => c.Peft.Scheme == PeftScheme.Ptuning ? NemoValue.Format(c.Peft.NumVirtualTokens) : null),
        new("model.peft.p_tuning.bottleneck_dim", v => SetWithNote("the hidden size of PEFT's MLP prompt encoder", ("peft.encoder_hidden_size", v.Text)),
            (c, _) => c.Peft.Scheme == PeftScheme.Ptuning && c.Peft.EncoderHiddenSize is { } hidden ? NemoValue.Format(hidden) : null),
        new("model.peft.p_tuning.embedding_dim", v => NotedAny(v, "the prompt encoder's embeddings are the model's hidden size wide, as in PEFT's PromptEncoder")),
        new("model.peft.p_tuning.init_std", v => NotedAny(v, "the virtual token table starts N(0, 1) and the MLP Kaiming-uniform, as in PEFT's PromptEncoder")),
        new("model.peft.lora_tuning.adapter_dim", v => Set(("lora.r", v.Text)), (c, _) => NemoValue.Format(c.Lora.R)),
        new("model.peft.lora_tuning.alpha", v => Set(("lora.alpha", v.Text)), (c, _) => F(c.Lora.Alpha)),
        new("model.peft.lora_tuning.adapter_dropout", v => Set(("lora.dropout", v.Text)), (c, _) => F(c.Lora.Dropout)),
        new("model.peft.lora_tuning.target_modules", TranslateTargets, (c, _) => NemoValue.Format(NemoTargetModules(c.Lora.TargetModules))),
        new("model.peft.lora_tuning.column_init_method", v => NotedAny(v, "lora_A is Kaiming-uniform initialised (PEFT's default)")),
        new("model.peft.lora_tuning.row_init_method", v => v.Scalar == "zero"
            ? Noted("lora_B starts at zero, as here") : Refused("lora_B starts at zero here (the adapter begins as the base model); only zero is accepted")),
        new("model.micro_batch_size", v => Set(("train.micro_batch_size", v.Text)), (c, _) => NemoValue.Format(c.Train.MicroBatchSize)),
        new("model.global_batch_size", v => Set(("train.global_batch_size", v.Text)), (c, _) => NemoValue.Format(c.Train.GlobalBatchSize)),
        new("model.tensor_model_parallel_size", v => OnlyOne(v, "tensor parallelism", "TorchSharp has no process groups, so there is no tensor parallelism here"),
            (_, l) => NemoValue.Format(l.TensorParallel)),
        new("model.pipeline_model_parallel_size", v => OnlyOne(v, "pipeline parallelism", "layers are spread over GPUs with train.devices, not with pipeline stages"),
            (_, l) => NemoValue.Format(l.PipelineParallel)),
        new("model.sequence_parallel", v => BoolNote(v, false, "no sequence parallelism here", "sequence parallelism needs tensor parallelism, which is not done here")),
        new("model.mcore_gpt", v => NotedAny(v, "no effect here: one implementation of the network (Modeling/)")),
        new("model.megatron_amp_O2", v => NotedAny(v, "no effect here: the frozen base computes in train.precision and the adapters and optimizer state are always float32"),
            (_, _) => "False"),
        new("model.activations_checkpoint_granularity", TranslateGranularity,
            (c, _) => c.Train.ActivationCheckpointing switch { ActivationCheckpointing.None => "null", var m => ConfigNaming.ToSnakeCase(m.ToString()) }),
        new("model.activations_checkpoint_method", v => NotedAny(v, "we recompute layer by layer (NeMo's uniform with 1 layer per chunk); the method changes memory, never results"),
            (c, _) => c.Train.ActivationCheckpointing == ActivationCheckpointing.Full ? "uniform" : "null"),
        new("model.activations_checkpoint_num_layers", v => NotedAny(v, "we recompute each decoder layer on its own; the chunk size changes memory, never results"),
            (c, _) => c.Train.ActivationCheckpointing == ActivationCheckpointing.Full ? "1" : "null"),
        new("model.answer_only_loss", v => BoolNote(v, true, "the loss is always over the answer tokens only",
            "the loss here is always over the answer tokens only (RAG prompts would otherwise dominate it)"), (_, _) => "True"),
        new("model.optim.name", TranslateOptimizer, (c, _) => c.Train.Optimizer switch
        {
            OptimizerKind.Adamw => "fused_adam",
            var kind => ConfigNaming.ToSnakeCase(kind.ToString()),
        }),
        new("model.optim.momentum", v => Set(("train.momentum", v.Text)), (c, _) => c.Train.Optimizer == OptimizerKind.Sgd ? F(c.Train.Momentum) : null),
        new("model.optim.lr", v => Set(("train.lr", v.Text)), (c, _) => F(c.Train.Lr)),
        new("model.optim.weight_decay", v => Set(("train.weight_decay", v.Text)), (c, _) => F(c.Train.WeightDecay)),
        new("model.optim.betas", v => v.Items.Count == 2
            ? Set(("train.beta1", v.Items[0]), ("train.beta2", v.Items[1]))
            : Refused($"expected two values [beta1,beta2], got '{v.Text}'"), (c, _) => $"[{F(c.Train.Beta1)},{F(c.Train.Beta2)}]"),
        new("model.optim.sched.name", TranslateSchedule, (c, _) => ScheduleName(c.Train.Schedule)),
        new("model.optim.sched.warmup_steps", v => Set(("train.warmup_steps", v.Text)), (c, _) => NemoValue.Format(c.Train.WarmupSteps)),
        new("model.optim.sched.min_lr", v => v.IsNull || v.Scalar is "0" or "0.0"
            ? Noted("the schedule decays to 0, as here")
            : Refused("the schedule here decays to 0; only min_lr=0 is accepted"), (c, _) => c.Train.Schedule == LrSchedule.Constant ? null : "0.0"),
        new("model.optim.sched.constant_steps", v => v.IsNull || v.Integer == 0
            ? Noted("no constant phase after warm-up, as here") : Refused("there is no constant phase after warm-up here; only 0 is accepted")),
        new("model.data.train_ds.file_names", v => v.Items.Count == 0
                ? Refused("names no file; give [a.jsonl,b.jsonl] (our prepared folders or *.tokens.jsonl, or prepare)")
                : Set(("data.train_files", YamlList(v.Items))),
            (_, l) => Files(l.TrainFiles)),
        new("model.data.train_ds.concat_sampling_probabilities", v => v.Items.Count == 0
                ? Refused("gives no value; give one probability per file, e.g. [0.7,0.3]")
                : Set(("data.concat_sampling_probabilities", YamlList(v.Items))),
            (_, l) => NemoValue.Format(l.TrainProbabilities)),
        new("model.data.train_ds.max_seq_length", v => Set(("data.max_seq_length", v.Text)), (c, _) => NemoValue.Format(c.Data.MaxSeqLength)),
        new("model.data.train_ds.num_workers", v => NotedAny(v, "no loader workers: the tokenized examples are read once into memory"), (_, _) => "0"),
        new("model.data.train_ds.micro_batch_size", v => NotedAny(v, "the micro batch is train.micro_batch_size (model.micro_batch_size)")),
        new("model.data.train_ds.global_batch_size", v => NotedAny(v, "the global batch is train.global_batch_size (model.global_batch_size)")),
        new("model.data.train_ds.prompt_template", v => NotedAny(v, "the prompt is rendered by model.prompt_format; the splits' input field holds it"),
            (_, _) => "'{input}{output}'"),
        new("model.data.validation_ds.file_names", v => NotedAny(v, "not used: the validation split is the Prepare stage's valid.jsonl"),
            (_, l) => Files(l.ValidFiles)),
        new("model.data.validation_ds.max_seq_length", v => NotedAny(v, "one length for every split: data.max_seq_length (model.data.train_ds.max_seq_length)"),
            (c, _) => NemoValue.Format(c.Data.MaxSeqLength)),
        new("model.data.validation_ds.num_workers", v => NotedAny(v, "no loader workers: the tokenized examples are read once into memory"), (_, _) => "0"),
        new("model.data.validation_ds.metric.name", v => v.Scalar == "loss"
            ? Noted("validation is scored by loss, as here") : Refused("validation during training is scored by loss here; generation metrics are the Evaluate stage's")),
        new("model.data.test_ds.max_seq_length", v => NotedAny(v, "one length for every split: data.max_seq_length"), (c, _) => NemoValue.Format(c.Data.MaxSeqLength)),
        new("model.data.test_ds.file_names", v => NotedAny(v, "not used: the holdout split is the Prepare stage's test.jsonl, scored by Evaluate"),
            (_, l) => Files(l.TestFiles)),

        // ----- exp_manager -----
        new("exp_manager.explicit_log_dir", v => NotedAny(v, "outputs go to the artifacts folder (--artifacts, default artifacts/<config name>)"),
            (_, l) => l.OutputDirectory),
        new("exp_manager.exp_dir", v => NotedAny(v, "outputs go to the artifacts folder (--artifacts)")),
        new("exp_manager.name", v => NotedAny(v, "the run is named by its config file")),
        new("exp_manager.resume_if_exists", v => v.Bool is { } b
            ? Set(("train.resume", b ? "auto" : "never"))
            : Refused($"expected True or False, got '{v.Text}'"), (c, _) => NemoValue.Format(c.Train.Resume == ResumeMode.Auto)),
        new("exp_manager.resume_ignore_no_checkpoint", v => NotedAny(v, "a run without a checkpoint starts from step 0"),
            (c, _) => c.Train.Resume == ResumeMode.Auto ? "True" : null),
        new("exp_manager.create_wandb_logger", v => BoolNote(v, false, "no W&B logger: metrics go to train/metrics.jsonl",
            "there is no W&B logger here; metrics go to train/metrics.jsonl, metrics.csv and loss.png"), (_, _) => "False"),
        new("exp_manager.wandb_logger_kwargs.project", v => NotedAny(v, "no W&B logger here")),
        new("exp_manager.wandb_logger_kwargs.name", v => NotedAny(v, "no W&B logger here")),
        new("exp_manager.create_checkpoint_callback", v => BoolNote(v, true, "a checkpoint is written at every validation",
            "checkpoints are always written here (they make resume exact)"), (_, _) => "True"),
        new("exp_manager.checkpoint_callback_params.monitor", v => v.Scalar is "validation_loss" or "val_loss"
            ? Noted("the best checkpoint is chosen by validation loss, as here")
            : Refused("the best checkpoint is chosen by validation loss here; use validation_loss"), (_, _) => "validation_loss"),
        new("exp_manager.checkpoint_callback_params.mode", v => v.Scalar == "min"
            ? Noted("lower validation loss is better, as here") : Refused("lower validation loss is better; use min"), (_, _) => "min"),
        new("exp_manager.checkpoint_callback_params.save_top_k", v => NotedAny(v,
            "the best checkpoint is kept, plus the train.keep_last_checkpoints most recent ones"), (_, _) => "1"),
        new("exp_manager.checkpoint_callback_params.save_best_model", v => NotedAny(v, "the best adapter is always kept (train/adapter/)"), (_, _) => "True"),
        new("exp_manager.checkpoint_callback_params.save_nemo_on_train_end", v => NotedAny(v,
            "the adapter is written in PEFT format (train/adapter/), not as a .nemo archive"), (_, _) => "True"),
        new("exp_manager.checkpoint_callback_params.always_save_nemo", v => NotedAny(v, "the adapter is written in PEFT format, not as a .nemo archive")),
        new("exp_manager.checkpoint_callback_params.filename", v => NotedAny(v, "checkpoints are named by step under train/checkpoints/")),
        new("exp_manager.checkpoint_callback_params.every_n_train_steps", v => NotedAny(v, "checkpoints follow train.val_check_interval")),
        new("exp_manager.create_early_stopping_callback", v => v.Bool switch
        {
            true => Noted("early stopping follows train.early_stopping_patience"),
            false => Set(("train.early_stopping_patience", "0")),
            null => Refused($"expected True or False, got '{v.Text}'"),
        }, (c, _) => NemoValue.Format(c.Train.EarlyStoppingPatience > 0)),
        new("exp_manager.early_stopping_callback_params.monitor", v => v.Scalar is "validation_loss" or "val_loss"
            ? Noted("early stopping watches validation loss, as here") : Refused("early stopping watches validation loss here; use validation_loss"),
            (c, _) => c.Train.EarlyStoppingPatience > 0 ? "validation_loss" : null),
        new("exp_manager.early_stopping_callback_params.mode", v => v.Scalar == "min"
            ? Noted("lower validation loss is better, as here") : Refused("lower validation loss is better; use min"),
            (c, _) => c.Train.EarlyStoppingPatience > 0 ? "min" : null),
        new("exp_manager.early_stopping_callback_params.patience", v => Set(("train.early_stopping_patience", v.Text)),
            (c, _) => c.Train.EarlyStoppingPatience > 0 ? NemoValue.Format(c.Train.EarlyStoppingPatience) : null),
        new("exp_manager.early_stopping_callback_params.min_delta", v => Set(("train.early_stopping_min_delta", v.Text)),
            (c, _) => c.Train.EarlyStoppingPatience > 0 ? F(c.Train.EarlyStoppingMinDelta) : null),
        new("exp_manager.early_stopping_callback_params.strict", v => NotedAny(v, "validation runs at every train.val_check_interval, so the metric always exists")),
    ];

    private static readonly Dictionary<string, Entry> ByName = Entries.ToDictionary(e => e.Name, StringComparer.Ordinal);

    /// <summary>The entry for a NeMo key (Hydra's <c>+</c>/<c>++</c> prefixes removed), or null.</summary>
    public static Entry? Find(string key) => ByName.GetValueOrDefault(StripHydraPrefix(key));

    /// <summary>Removes Hydra's <c>+</c> (add) and <c>++</c> (add or override) prefixes.</summary>
    public static string StripHydraPrefix(string key) => key.TrimStart('+');

    /// <summary>
    /// Whether <paramref name="key"/> is meant as a NeMo key: in the table, or under <c>trainer.</c> or <c>exp_manager.</c>,
    /// or under <c>model.</c> without being one of our <c>model</c> keys.
    /// </summary>
    public static bool IsNemoKey(string key, Func<string, bool> isOurKey)
    {
        var bare = StripHydraPrefix(key);
        if (ByName.ContainsKey(bare)) return true;
        var root = bare.Split('.')[0];
        return root is "trainer" or "exp_manager" || (root == "model" && bare.Contains('.') && !isOurKey(bare));
    }

    /// <summary>The NeMo keys under the same section as <paramref name="key"/> (for an error that lists what is known).</summary>
    public static IEnumerable<string> KnownNear(string key)
    {
        var bare = StripHydraPrefix(key);
        var cut = bare.LastIndexOf('.');
        var prefix = cut < 0 ? bare : bare[..(cut + 1)];
        var near = Entries.Select(e => e.Name).Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).ToList();
        return near.Count > 0 ? near : Entries.Select(e => e.Name).Where(n => n.StartsWith(bare.Split('.')[0] + ".", StringComparison.Ordinal));
    }
}
