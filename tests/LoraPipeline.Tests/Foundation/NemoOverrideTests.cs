using LoraPipeline.Configuration;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Foundation;

/// <summary>Issue 17 point 4: NeMo-style overrides (the whitepaper's command) mapped to our keys, noted, or refused.</summary>
public class NemoOverrideTests
{
    // The whitepaper's megatron_gpt_finetuning.py overrides, written by hand from its command and the NeMo recipe.
    internal static readonly string[] WhitepaperCommand =
    [
        "trainer.precision=bf16",
        "trainer.devices=1",
        "trainer.num_nodes=1",
        "trainer.val_check_interval=20",
        "trainer.max_steps=2048",
        "model.restore_from_path=/models/llama-2-7b.nemo",
        "model.peft.peft_scheme=lora",
        "model.micro_batch_size=1",
        "model.global_batch_size=128",
        "model.tensor_model_parallel_size=1",
        "model.pipeline_model_parallel_size=1",
        "model.megatron_amp_O2=False",
        "model.activations_checkpoint_granularity=full",
        "model.activations_checkpoint_num_layers=1",
        "model.activations_checkpoint_method=uniform",
        "model.optim.name=fused_adam",
        "model.optim.lr=1e-4",
        "model.answer_only_loss=True",
        "model.data.train_ds.file_names=[/data/train.jsonl]",
        "model.data.validation_ds.file_names=[/data/valid.jsonl]",
        "model.data.test_ds.file_names=[/data/test.jsonl]",
        "model.data.train_ds.concat_sampling_probabilities=[1.0]",
        "model.data.train_ds.max_seq_length=4096",
        "model.data.validation_ds.max_seq_length=4096",
        "model.data.train_ds.num_workers=0",
        "exp_manager.checkpoint_callback_params.monitor=validation_loss",
        "exp_manager.checkpoint_callback_params.save_best_model=True",
        "exp_manager.checkpoint_callback_params.save_nemo_on_train_end=True",
        "exp_manager.resume_if_exists=True",
        "exp_manager.create_wandb_logger=False",
        "exp_manager.explicit_log_dir=/results",
    ];

    [Test]
    public void TheWhitepapersOverridesAreAcceptedEachReadExplicitly()
    {
        var config = ConfigLoader.Parse("train:\n  resume: never\n  precision: f32\n", "c.yaml", WhitepaperCommand);

        Assert.That(config.Train.MaxSteps, Is.EqualTo(2048));
        Assert.That(config.Train.Lr, Is.EqualTo(1e-4));
        Assert.That(config.Train.MicroBatchSize, Is.EqualTo(1));
        Assert.That(config.Train.GlobalBatchSize, Is.EqualTo(128));
        Assert.That(config.Train.ValCheckInterval, Is.EqualTo(20));
        Assert.That(config.Train.Precision, Is.EqualTo(ComputePrecision.Bf16));
        Assert.That(config.Train.ActivationCheckpointing, Is.EqualTo(ActivationCheckpointing.Full));
        Assert.That(config.Train.Resume, Is.EqualTo(ResumeMode.Auto));
        Assert.That(config.Data.MaxSeqLength, Is.EqualTo(4096));
        Assert.That(config.Data.TrainFiles, Is.EqualTo(new[] { "/data/train.jsonl" }));
        Assert.That(config.Data.ConcatSamplingProbabilities, Is.EqualTo(new[] { 1.0 }));
        Assert.That(config.Model.Source, Is.EqualTo("builtin:tiny-llama"), "a .nemo archive is noted, not taken as the source");

        // One line per NeMo override, in order, naming it and saying what it became.
        Assert.That(config.NemoTranslations, Has.Count.EqualTo(WhitepaperCommand.Length));
        for (var i = 0; i < WhitepaperCommand.Length; i++)
            Assert.That(config.NemoTranslations[i], Does.StartWith(WhitepaperCommand[i] + " -> "));
        Assert.That(config.NemoTranslations, Does.Contain("trainer.max_steps=2048 -> train.max_steps=2048"));
        Assert.That(config.NemoTranslations, Does.Contain("model.optim.lr=1e-4 -> train.lr=1e-4"));
        Assert.That(config.NemoTranslations.Single(l => l.StartsWith("model.megatron_amp_O2", StringComparison.Ordinal)), Does.Contain("nothing set: no effect here"));
        Assert.That(config.KeyOrigins["train.max_steps"], Is.EqualTo("--set trainer.max_steps=2048"), "errors and origins name what the user wrote");
    }

    [Test]
    public void NemoOnlySpellingsTranslateToSeveralKeys()
    {
        var config = ConfigLoader.Parse("", "c.yaml",
        [
            "model.optim.betas=[0.8,0.95]", "model.peft.lora_tuning.target_modules=[attention_qkv,mlp_fc2]",
            "++model.peft.lora_tuning.adapter_dim=32", "trainer.devices=2", "model.optim.sched.name=WarmupAnnealing",
            "exp_manager.create_early_stopping_callback=False", "trainer.precision=32-true",
        ]);
        Assert.That((config.Train.Beta1, config.Train.Beta2), Is.EqualTo((0.8, 0.95)));
        Assert.That(config.Lora.TargetModules, Is.EqualTo(new[] { "q_proj", "k_proj", "v_proj", "down_proj" }));
        Assert.That(config.Lora.R, Is.EqualTo(32));
        Assert.That(config.Train.Devices, Is.EqualTo(new[] { "cuda:0", "cuda:1" }));
        Assert.That(config.Train.Schedule, Is.EqualTo(LrSchedule.Linear));
        Assert.That(config.Train.EarlyStoppingPatience, Is.EqualTo(0));
        Assert.That(config.Train.Precision, Is.EqualTo(ComputePrecision.F32));
    }

    [TestCase("trainer.precision=16-mixed", "float16 is not supported")]
    [TestCase("model.tensor_model_parallel_size=2", "no tensor parallelism here")]
    [TestCase("trainer.num_nodes=4", "our trainer runs on one machine")]
    [TestCase("model.optim.name=lamb", "'lamb' is not an optimizer here")]
    [TestCase("model.answer_only_loss=False", "always over the answer tokens only")]
    [TestCase("model.peft.peft_scheme=none", "full fine-tuning is not done here")]
    [TestCase("trainer.val_check_interval=0.25", "a fraction of an epoch has no counterpart")]
    [TestCase("exp_manager.create_wandb_logger=True", "no W&B logger here")]
    public void NemoValuesWithoutMeaningHereAreRefusedWithTheReason(string assignment, string reason)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("", "c.yaml", [assignment]))!;
        Assert.That(e.Message, Does.StartWith($"--set {assignment}: {assignment[..assignment.IndexOf('=')]}: NeMo key refused: "));
        Assert.That(e.Message, Does.Contain(reason));
    }

    [Test]
    public void AnUnknownNemoKeyIsRefusedListingTheKnownOnesNearIt()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("", "c.yaml", ["model.optim.lrr=1e-4"]))!;
        Assert.That(e.Message, Does.Contain("model.optim.lrr: neither one of our keys nor a NeMo key translated here"));
        Assert.That(e.Message, Does.Contain("model.optim.lr, "));
        var trainer = Assert.Throws<ConfigException>(() => ConfigLoader.Parse("", "c.yaml", ["trainer.strategy=ddp"]))!;
        Assert.That(trainer.Message, Does.Contain("trainer.max_steps"));
    }

    [Test]
    public void OurOwnModelKeysAreNotTakenForNemos()
    {
        var config = ConfigLoader.Parse("", "c.yaml", ["model.source=/models/x", "model.prompt_format=chatml"]);
        Assert.That(config.Model.Source, Is.EqualTo("/models/x"));
        Assert.That(config.NemoTranslations, Is.Empty);
    }

    [Test]
    [Category("Integration")]
    public void LoraConfigTakesTheWhitepapersCommandPositionallyAndPrintsTheMapping()
    {
        // The whitepaper's command as written: /data/train.jsonl is on its cluster, not here, so lora config maps it and warns.
        var whitepaper = LoraProcess.Run(RepositoryPaths.Root, null, ["config", .. WhitepaperCommand]);
        Assert.That(whitepaper.ExitCode, Is.EqualTo(0), whitepaper.Output);
        foreach (var assignment in WhitepaperCommand)
            Assert.That(whitepaper.StdErr, Does.Contain($"NeMo {assignment} -> "), assignment);
        Assert.That(whitepaper.StdErr, Does.Contain("warning: --set model.data.train_ds.file_names=[/data/train.jsonl]: data.train_files: '/data/train.jsonl': /data/train.tokens.jsonl does not exist"));
        Assert.That(whitepaper.StdOut, Does.Contain("\"max_steps\": 2048").And.Contain("\"max_seq_length\": 4096"));

        // With the file on this machine there is no warning, and a stage run refuses the missing one before any work.
        using var temp = new TempDirectory("whitepaper");
        var train = temp.Combine("train.tokens.jsonl");
        File.WriteAllText(train, "{\"id\":\"a\",\"input_ids\":[1,2,3],\"label_start\":2}\n");
        var command = WhitepaperCommand.Select(a => a.Replace("file_names=[/data/train.jsonl]", $"file_names=[{train}]", StringComparison.Ordinal)).ToArray();
        var result = LoraProcess.Run(RepositoryPaths.Root, null, ["config", .. command]);
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain("\"max_steps\": 2048").And.Contain("\"lr\": 0.0001"));
        Assert.That(result.StdErr, Does.Contain($"-> data.train_files=['{train}']"));
        Assert.That(result.StdErr, Does.Not.Contain("warning:"));
        using var artifacts = new TempDirectory("whitepaper-run");
        var missing = LoraProcess.Run(RepositoryPaths.Root, null, ["train", "--artifacts", artifacts.Path, .. WhitepaperCommand.Select(a => "--set=" + a)]);
        Assert.That(missing.ExitCode, Is.EqualTo(2), missing.Output);
        Assert.That(missing.Output, Does.Contain("data.train_files: '/data/train.jsonl': /data/train.tokens.jsonl does not exist"));
        Assert.That(Directory.EnumerateFileSystemEntries(artifacts.Path), Is.Empty, "refused before any stage ran");
        foreach (var assignment in command)
            Assert.That(result.StdErr, Does.Contain($"NeMo {assignment} -> "), assignment);
        var refused = LoraProcess.Run(RepositoryPaths.Root, null, "config", "--set", "model.pipeline_model_parallel_size=2");
        Assert.That(refused.ExitCode, Is.EqualTo(2), refused.Output);
        Assert.That(refused.Output, Does.Contain("--set model.pipeline_model_parallel_size=2: model.pipeline_model_parallel_size: NeMo key refused"));
    }
}
