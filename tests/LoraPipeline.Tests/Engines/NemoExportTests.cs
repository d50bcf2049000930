using System.Globalization;
using System.Text.Json;
using LoraPipeline.Configuration;
using LoraPipeline.Engines;
using LoraPipeline.Sizing;
using LoraPipeline.Tests.Foundation;
using LoraPipeline.Tests.Support;

namespace LoraPipeline.Tests.Engines;

/// <summary>Issue 15 point 3: <c>lora export nemo</c> derives the whitepaper's megatron_gpt_finetuning.py overrides from our config.</summary>
public class NemoExportTests
{
    private static readonly string Llama2Config = RepositoryPaths.Combine("tests", "LoraPipeline.Tests", "Fixtures", "configs", "llama2-7b.json");

    [Test]
    public void TheWhitepapersCommandReadIntoOurConfigExportsEachOfItsOverrides()
    {
        // Our config built from the whitepaper's command (hand-written in NemoOverrideTests), the layout from the Plan.
        var config = ConfigLoader.Parse("", "c.yaml", NemoOverrideTests.WhitepaperCommand);
        var plan = HardwarePlan.Compute("llama-2-7b", PlanModelConfig.Load(Llama2Config), SizingInputs.FromConfig(config));
        var (devices, tp) = NemoExport.Layout(config, plan, "H100 80GB", null, 1);
        var launch = new NemoLaunch(devices, 1, tp, 1, "/models/llama-2-7b.nemo", ["/data/train.jsonl"], [1.0],
            ["/data/valid.jsonl"], ["/data/test.jsonl"], "/results");

        var exported = NemoExport.Overrides(config, launch).ToDictionary(o => o.Key, o => o.Value);

        foreach (var assignment in NemoOverrideTests.WhitepaperCommand)
        {
            var key = assignment[..assignment.IndexOf('=')];
            var expected = assignment[(key.Length + 1)..];
            Assert.That(exported, Does.ContainKey(key), $"{key} is not exported");
            Assert.That(Normalise(exported[key]), Is.EqualTo(Normalise(expected)), key);
        }
        // Beyond the whitepaper's list: what our config holds that NeMo would otherwise take from its defaults.
        Assert.That(exported["model.optim.betas"], Is.EqualTo("[0.9,0.98]"));
        Assert.That(exported["model.optim.sched.warmup_steps"], Is.EqualTo(config.Train.WarmupSteps.ToString(CultureInfo.InvariantCulture)));
        Assert.That(exported["model.peft.lora_tuning.target_modules"], Is.EqualTo("[attention_qkv,attention_dense,mlp_fc1,mlp_fc2]"));
        Assert.That(exported["exp_manager.early_stopping_callback_params.patience"], Is.EqualTo("10"));
    }

    [Test]
    public void ExportedOverridesReadBackGiveTheSameTrainingSettings()
    {
        var config = ConfigLoader.Parse("", "c.yaml", ["train.lr=2e-4", "lora.r=8", "lora.target_modules=[q_proj, v_proj]", "train.schedule=linear",
            "train.activation_checkpointing=selective", "train.resume=never", "train.early_stopping_patience=0", "train.precision=bf16"]);
        var launch = new NemoLaunch(1, 1, 1, 1, "/m/base", ["/d/train.jsonl"], [1.0], ["/d/v.jsonl"], ["/d/t.jsonl"], "/r");
        var exported = NemoExport.Overrides(config, launch).Select(o => $"{o.Key}={o.Value}").ToList();
        var back = ConfigLoader.Parse("", "c.yaml", exported);
        Assert.That(ConfigJson.Serialize(back.Train), Is.EqualTo(ConfigJson.Serialize(config.Train) ), "train section");
        Assert.That(back.Lora.R, Is.EqualTo(8));
        Assert.That(back.Lora.TargetModules, Is.EqualTo(new[] { "q_proj", "k_proj", "v_proj" }), "NeMo fuses q/k/v: the fused target adapts all three");
        Assert.That(back.Model.Source, Is.EqualTo("/m/base"));
    }

    [Test]
    public void ALayoutThatCannotDivideTheBatchIsOneMessage()
    {
        var config = ConfigLoader.Parse("", "c.yaml", ["train.micro_batch_size=4", "train.global_batch_size=8"]);
        var plan = HardwarePlan.Compute("llama-2-7b", PlanModelConfig.Load(Llama2Config), SizingInputs.FromConfig(config));
        var e = Assert.Throws<ArgumentException>(() => NemoExport.Layout(config, plan, "H100 80GB", 4, 1))!;
        Assert.That(e.Message, Does.Contain("train.global_batch_size 8 must be a multiple of train.micro_batch_size 4 x 4 data-parallel replicas"));
        Assert.Throws<ArgumentException>(() => NemoExport.Layout(config, plan, "TPU v9", null, 1));
    }

    [Test]
    [Category("Integration")]
    public void LoraExportNemoWritesTheSplitsAndTheCommand()
    {
        using var temp = new TempDirectory("nemo-export");
        var result = LoraProcess.Run(RepositoryPaths.Root, null, "export", "nemo", "--artifacts", temp.Combine("art"), "--out", temp.Combine("nemo"),
            "--model-config", Llama2Config, "--nemo-model", "/models/llama-2-7b.nemo", "trainer.max_steps=2048", "model.optim.lr=1e-4");
        Assert.That(result.ExitCode, Is.EqualTo(0), result.Output);
        Assert.That(result.StdOut, Does.Contain("NeMo trainer.max_steps=2048 -> train.max_steps=2048"));
        Assert.That(result.StdOut, Does.Contain("megatron_gpt_finetuning.py").And.Contain("trainer.max_steps=2048 \\").And.Contain("model.optim.lr=0.0001 \\"));

        foreach (var (split, file) in NemoExport.SplitFileNames)
        {
            var ours = File.ReadAllLines(temp.Combine("art", "prepare", LoraPipeline.Data.SplitFiles.RecordsFile(split)));
            var theirs = File.ReadAllLines(temp.Combine("nemo", file));
            Assert.That(theirs, Has.Length.EqualTo(ours.Length).And.Length.GreaterThan(0), file);
            for (var i = 0; i < ours.Length; i++)
            {
                using var a = JsonDocument.Parse(ours[i]);
                using var b = JsonDocument.Parse(theirs[i]);
                Assert.That(b.RootElement.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "input", "output" }));
                Assert.That(b.RootElement.GetProperty("input").GetString(), Is.EqualTo(a.RootElement.GetProperty("input").GetString()));
                // The plain format renders the answer after a space: the output is the text our trainer learns.
                Assert.That(b.RootElement.GetProperty("output").GetString(), Is.EqualTo(" " + a.RootElement.GetProperty("output").GetString()));
            }
        }
        var script = File.ReadAllText(temp.Combine("nemo", NemoExport.CommandFile));
        Assert.That(script, Does.StartWith("#!/usr/bin/env bash"));
        Assert.That(script, Does.Contain($"\"model.data.train_ds.file_names=[{temp.Combine("nemo")}/train.jsonl]\""));
        Assert.That(script, Does.Contain("model.restore_from_path=/models/llama-2-7b.nemo"));

        // Issue 17 point 2: with data.train_files each file is exported and listed with its share.
        var extra = temp.Combine("extra");
        Directory.CreateDirectory(extra);
        foreach (var name in new[] { "train.jsonl", "train.tokens.jsonl" })
            File.WriteAllLines(Path.Combine(extra, name), File.ReadAllLines(temp.Combine("art", "prepare", name)).Take(5));
        var mixed = LoraProcess.Run(RepositoryPaths.Root, null, "export", "nemo", "--artifacts", temp.Combine("art"), "--out", temp.Combine("nemo-mixed"),
            "--model-config", Llama2Config, "--nemo-model", "/models/llama-2-7b.nemo",
            "--set", $"data.train_files=[prepare, '{extra}']", "--set", "data.concat_sampling_probabilities=[0.6, 0.4]");
        Assert.That(mixed.ExitCode, Is.EqualTo(0), mixed.Output);
        var exportedExtra = File.ReadAllLines(temp.Combine("nemo-mixed", "train_2.jsonl"));
        Assert.That(exportedExtra, Has.Length.EqualTo(5));
        Assert.That(File.ReadAllLines(temp.Combine("nemo-mixed", "train.jsonl")), Is.EqualTo(File.ReadAllLines(temp.Combine("nemo", "train.jsonl"))));
        var mixedScript = File.ReadAllText(temp.Combine("nemo-mixed", NemoExport.CommandFile));
        var root = temp.Combine("nemo-mixed");
        Assert.That(mixedScript, Does.Contain($"\"model.data.train_ds.file_names=[{root}/train.jsonl,{root}/train_2.jsonl]\""));
        Assert.That(mixedScript, Does.Contain("\"model.data.train_ds.concat_sampling_probabilities=[0.6,0.4]\""));
    }

    // Numbers compare by value (1e-4 and 0.0001), everything else as text.
    private static string Normalise(string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d.ToString("R", CultureInfo.InvariantCulture) : value;
}
