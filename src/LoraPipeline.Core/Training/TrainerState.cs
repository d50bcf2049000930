namespace LoraPipeline.Training;

/// <summary>Training progress saved with each checkpoint (<c>trainer_state.json</c>, written last: its presence marks a complete checkpoint).</summary>
/// <param name="Step">Last completed optimizer step.</param>
/// <param name="BestValidationLoss">Best validation loss so far (step 0 included).</param>
/// <param name="BestStep">Step of the best validation loss.</param>
/// <param name="ValidationsWithoutImprovement">Early-stopping counter.</param>
/// <param name="InitialValidationLoss">Validation loss before training.</param>
/// <param name="Fingerprint">Stage fingerprint the checkpoint belongs to.</param>
internal sealed record TrainerState(int Step, double BestValidationLoss, int BestStep, int ValidationsWithoutImprovement,
    double InitialValidationLoss, string Fingerprint);
