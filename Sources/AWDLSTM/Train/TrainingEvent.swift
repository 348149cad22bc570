/// What a `Trainer` reports while it runs, as values (`Trainer.onEvent`). The
/// command line turns them into the authors' log lines (`main.py`,
/// `finetune.py`) and a progress display; a library client may do anything.
///
/// Losses are mean cross-entropies in nats per token, before the AR/TAR terms.
/// Epochs and batches count from 1, as in the authors' logs.
public enum TrainingEvent: Sendable {
    /// After every training batch; built from numbers only, so it costs nothing
    /// beside the batch.
    /// - batchesInEpoch: the batches this epoch runs (at most `maxBatches`).
    /// - msPerBatch: the mean wall time of the epoch's batches so far,
    ///   including those before a resume (for an ETA).
    /// - loss: this batch's loss.
    case batch(epoch: Int, batch: Int, batchesInEpoch: Int, lr: Double, msPerBatch: Double, loss: Double)

    /// Every `logInterval` batches: the authors' report.
    /// - msPerBatch and loss: means over the batches since the last report.
    case interval(epoch: Int, batch: Int, batchesInEpoch: Int, lr: Double, msPerBatch: Double, loss: Double)

    /// `shouldStop` asked to stop the phase in progress, which the last event
    /// tells: training (after `.batch`) or validation (after `.evaluating(.valid)`),
    /// whose state is saved mid-epoch before the best model is still tested; or
    /// the final test (after `.evaluating(.test)`), which then has no result.
    case interrupted

    /// Progress of the validation at the end of an epoch (`.valid`) or of the
    /// final test (`.test`): `done` of `total` evaluation windows (this rank's
    /// columns under mpirun).
    case evaluating(split: Corpus.Split, done: Int, total: Int)

    /// The end of an epoch: the validation result (of the averaged weights once
    /// averaging) and the epoch's wall time in seconds.
    case validation(epoch: Int, result: EvaluationResult, seconds: Double)

    /// The validation loss is the best so far and the weights were saved to
    /// `model.safetensors`: the averaged ones when `averaged`.
    case savedBest(averaged: Bool)

    /// The non-monotone trigger fired: averaged SGD from the next epoch on.
    case switchedToASGD

    /// A `--when` epoch ended: the learning rate is divided by 10, to `lr`.
    case learningRateDivided(lr: Double)

    /// Fine-tuning met the non-monotone condition and stops (`finetune.py`'s "Done!").
    case finetuningDone

    /// The wall-time limit (`maxMinutes`) ended training after this epoch,
    /// leaving time for the final test.
    case timeLimitReached(minutes: Double)

    /// The wall-time limit (`maxMinutes`) passed during the final test, which
    /// stopped there without a result (after `.evaluating(.test)`).
    case testCut(minutes: Double)

    /// `state.safetensors` was written: mid-epoch (`checkpointEvery`, a stop)
    /// or at the end of an epoch.
    case checkpointSaved(epoch: Int, batch: Int, midEpoch: Bool)

    /// Training diverged: `cause` was no longer finite. `run()` throws
    /// `TrainingError.diverged` right after, with what the run folder holds.
    case diverged(TrainingError.Divergence)

    /// The best saved model on the test split, at the end.
    case test(EvaluationResult)
}
