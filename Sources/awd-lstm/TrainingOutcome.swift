import AWDLSTM
import Foundation

/// What `train --json` and `finetune --json` print on stdout: the run's summary,
/// also when training diverges. Then `diverged` says what stopped being finite,
/// `error` is the error line, `epochs` counts the epochs completed before, and
/// the command exits 1 after printing it.
struct TrainingOutcome: Encodable {
    var save: String
    var epochs: Int
    var interrupted: Bool
    /// The best validation result (of this process's epochs, after a divergence).
    var valid: EvaluationResult?
    var test: EvaluationResult?
    var diverged: String?
    var error: String?

    /// Runs `trainer`, its events logged (`TrainingLog`) when `logging`, and
    /// returns its outcome. When training diverges and `json` is set, the
    /// outcome so far is printed before the error is thrown on.
    static func run(_ trainer: Trainer, logging: Bool, json: Bool) throws -> TrainingOutcome {
        let save = trainer.folder.url.path
        let log = logging ? TrainingLog.handler(folder: trainer.folder, options: trainer.options,
                                                secondsLeft: { [unowned trainer] in trainer.estimatedSecondsLeft }) : { _ in }
        // How far the run got, followed through its events.
        var epochInProgress = 0, completed = 0
        var lastValidation: EvaluationResult?, best: EvaluationResult?
        trainer.onEvent = { event in
            switch event {
            case .batch(let epoch, _, _, _, _, _): epochInProgress = epoch
            case .validation(let epoch, let result, _):
                if result.loss.isFinite { completed = epoch }
                lastValidation = result
            case .savedBest: best = lastValidation
            default: break
            }
            log(event)
        }
        if logging { noteNormalisation(of: trainer) }
        do {
            let r = try trainer.run()
            return TrainingOutcome(save: save, epochs: r.epochsCompleted, interrupted: r.interrupted, valid: r.bestValid, test: r.test)
        } catch let error as TrainingError {
            guard json, case .diverged(let cause, _, _, _) = error else { throw error }
            try printJSON(TrainingOutcome(save: save, epochs: max(completed, epochInProgress - 1), interrupted: false, valid: best,
                                          diverged: cause.description, error: ErrorMessages.line(for: error)))
            throw error
        }
    }
}
