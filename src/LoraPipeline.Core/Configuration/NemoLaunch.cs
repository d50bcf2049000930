namespace LoraPipeline.Configuration;

/// <summary>
/// What a NeMo launch needs beyond our config: the GPU layout (from the Plan) and where the model, the splits and the
/// run's output live on the machine that runs NeMo. <see cref="NemoOverrides"/> turns it and a config into overrides.
/// </summary>
/// <param name="Devices">GPUs per node (<c>trainer.devices</c>).</param>
/// <param name="Nodes">Nodes (<c>trainer.num_nodes</c>).</param>
/// <param name="TensorParallel">Tensor-parallel degree.</param>
/// <param name="PipelineParallel">Pipeline-parallel degree.</param>
/// <param name="ModelPath">The <c>.nemo</c> checkpoint (<c>model.restore_from_path</c>).</param>
/// <param name="TrainFiles">Training JSONL files.</param>
/// <param name="TrainProbabilities">Sampling share of each training file (sum 1).</param>
/// <param name="ValidFiles">Validation JSONL files.</param>
/// <param name="TestFiles">Test JSONL files.</param>
/// <param name="OutputDirectory">NeMo's log and checkpoint folder (<c>exp_manager.explicit_log_dir</c>).</param>
internal sealed record NemoLaunch(
    int Devices,
    int Nodes,
    int TensorParallel,
    int PipelineParallel,
    string ModelPath,
    IReadOnlyList<string> TrainFiles,
    IReadOnlyList<double> TrainProbabilities,
    IReadOnlyList<string> ValidFiles,
    IReadOnlyList<string> TestFiles,
    string OutputDirectory);
