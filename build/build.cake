// LoraPipeline task graph. Each stage target runs one stage of the core through the `lora` CLI,
// which does the heavy work in its own process; this script loads nothing heavy. A stage target's
// IsDependentOn edges are exactly the stage's IStage.Upstream (tests/.../Pipeline/StageGraphTests.cs).
#load "lora.cake"
#load "test.cake"

// Paths below are relative to the repository root, one level above this script.
Context.Environment.WorkingDirectory = Context.Environment.WorkingDirectory.Combine("..").Collapse();

var target = Argument("target", "Evaluate");

Task("Clean")
    .Description("Delete this config's artifacts folder and the build outputs")
    .Does(() =>
{
    var artifacts = Lora.ArtifactsDirectory(Context);
    if (DirectoryExists(artifacts)) DeleteDirectory(artifacts, new DeleteDirectorySettings { Recursive = true, Force = true });
    DotNetClean(Lora.Solution, new DotNetCleanSettings { Configuration = Lora.Configuration(Context) });
});

Task("Build")
    .Description("Build the lora command line (Release)")
    .Does(() => Lora.BuildCli(Context));

Task("Select").Description("Choose the base model and hardware against serving targets (model.source: select: takes the choice)")
    .IsDependentOn("Build").Does(() => Lora.RunStage(Context, "select"));
Task("Download").Description("Fetch the base model snapshot")
    .IsDependentOn("Build").Does(() => Lora.RunStage(Context, "download"));
Task("Convert").Description("Verify and normalize the checkpoint")
    .IsDependentOn("Download").Does(() => Lora.RunStage(Context, "convert"));
Task("Prepare").Description("Build RAG training splits (train/valid/test JSONL)")
    .IsDependentOn("Convert").Does(() => Lora.RunStage(Context, "prepare"));
Task("Sweep").Description("Short training runs over the sweep grid, ranked by validation loss (train.from_sweep: true takes the winner)")
    .IsDependentOn("Convert").IsDependentOn("Prepare").Does(() => Lora.RunStage(Context, "sweep"));
Task("Train").Description("LoRA-train the model")
    .IsDependentOn("Convert").IsDependentOn("Prepare").Does(() => Lora.RunStage(Context, "train"));
Task("Evaluate").Description("Evaluate base vs adapter on the holdout split and apply the gate")
    .IsDependentOn("Convert").IsDependentOn("Prepare").IsDependentOn("Train").Does(() => Lora.RunStage(Context, "evaluate"));
Task("Publish").Description("Package the adapter and publish a GitHub release (only past the gate)")
    .IsDependentOn("Convert").IsDependentOn("Prepare").IsDependentOn("Train").IsDependentOn("Evaluate").Does(() => Lora.RunStage(Context, "publish"));
Task("Plan").Description("Memory and hardware plan for training and serving")
    .IsDependentOn("Convert").Does(() => Lora.RunStage(Context, "plan"));
Task("Benchmark").Description("Inference latency and throughput by batch size, base + adapter unmerged and merged")
    .IsDependentOn("Convert").IsDependentOn("Train").Does(() => Lora.RunStage(Context, "benchmark"));

Task("Test")
    .Description("Build in Release and run all tests; ends with 'Tests: N passed, N failed, N skipped'")
    .Does(() => TestRunner.Run(Context));

Task("Default").IsDependentOn("Evaluate");

RunTarget(target);
