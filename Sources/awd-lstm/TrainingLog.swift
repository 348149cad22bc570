import AWDLSTM
import Foundation

/// The trainer's events as the authors' log lines (`main.py`, `finetune.py`),
/// with bits per character added to every perplexity.
enum TrainingLog {
    static let rule = String(repeating: "-", count: 89)
    static let doubleRule = String(repeating: "=", count: 89)

    /// The lines for `event`; none for the per-batch event and the checkpoint.
    static func lines(_ event: TrainingEvent) -> [String] {
        switch event {
        case .batch, .evaluating, .checkpointSaved, .diverged, .testCut:
            // Batches go to the status line; a divergence is the error that follows; `handler`
            // words a cut test, with how far it got.
            return []
        case let .interval(epoch, batch, batchesInEpoch, lr, msPerBatch, loss):
            let r = EvaluationResult(loss: loss, tokens: 0)
            return [logFormat("| epoch %3d | %5d/%5d batches | lr %05.5f | ms/batch %5.2f | loss %5.2f | ppl %8.2f | bpc %8.3f",
                           epoch, batch, batchesInEpoch, lr, msPerBatch, r.loss, r.ppl, r.bpc)]
        case .interrupted:
            return [rule, "Exiting from training early"]  // `handler` words a stop during an evaluation
        case let .validation(epoch, r, seconds):
            return [rule,
                    logFormat("| end of epoch %3d | time: %5.2fs | valid loss %5.2f | valid ppl %8.2f | valid bpc %8.3f",
                           epoch, seconds, r.loss, r.ppl, r.bpc),
                    rule]
        case .savedBest(let averaged):
            return [averaged ? "Saving Averaged (new best validation)" : "Saving model (new best validation)"]
        case .switchedToASGD:
            return ["Switching to ASGD"]
        case .learningRateDivided:
            return ["Dividing learning rate by 10"]
        case .finetuningDone:
            return ["Done!"]
        case .timeLimitReached(let minutes):
            // The limit counts the run's whole training time, earlier invocations included,
            // so that a run resumed under the same limit does not train for it again.
            return ["Time limit of \(minutes) minutes reached: training stopped to leave time for the validation and the final test "
                    + "(--max-minutes bounds the whole command and counts the run's total training time, resumes included; "
                    + "resume with a larger --max-minutes to train on)"]
        case .test(let r):
            return [doubleRule, logFormat("| End of training | test loss %5.2f | test ppl %8.2f | test bpc %8.3f", r.loss, r.ppl, r.bpc),
                    doubleRule]
        }
    }

    /// The handler the commands give the trainer: log lines on stderr, and
    /// progress tasks (`ProgressDisplay`): the epoch's batches, with the ETA of
    /// the epoch's mean ms/batch, then its validation and the final test. Off a
    /// terminal an evaluation prints a line only every 30 s (a long final test),
    /// so that short validations add no lines to every epoch. With variable
    /// BPTT (windows of random length) the epoch's batch total is an estimate,
    /// shown as `~N`, unless it is `options.maxBatches`, which the epoch reaches.
    ///
    /// A stop (Ctrl-C) is worded by the phase it ended, which the events before
    /// it tell: training, the validation of an epoch, or the final test of the
    /// run in `folder`.
    ///
    /// `secondsLeft` is the whole run's ETA (`Trainer.estimatedSecondsLeft`), shown
    /// after the epoch's on the status line, and as "run remaining" at the end of every epoch's line.
    static func handler(folder: RunFolder, options: TrainingOptions,
                        secondsLeft: @escaping () -> Double? = { nil }) -> (TrainingEvent) -> Void {
        var task: (epoch: Int, progress: ProgressTask)?
        var evaluation: ProgressTask?
        var epoch = 0, evaluating: (split: Corpus.Split, done: Int, total: Int)?
        return { event in
            switch event {
            case .batch(let e, _, _, _, _, _):
                (epoch, evaluating) = (e, nil)
            case let .evaluating(split, done, total):
                evaluating = (split, done, total)
            case .validation, .test:
                evaluating = nil
            case .interrupted:
                let stop = evaluating.map { stopLines(during: $0, epoch: epoch, folder: folder) } ?? stopLines(training: folder)
                for line in stop { logLine(line) }
                return
            case .testCut(let minutes):
                for line in testCutLines(minutes: minutes, at: evaluating, folder: folder) { logLine(line) }
                return
            default:
                break
            }
            switch event {
            case let .batch(epoch, batch, total, lr, ms, _):
                if task?.epoch != epoch { task = (epoch, ProgressTask("epoch \(epoch)", unit: "batches")) }
                task?.progress.update(batch, of: total, estimated: !options.fixedBPTT && total != options.maxBatches, secondsLeft: Double(max(0, total - batch)) * ms / 1000,
                                      detail: logFormat(" | lr %05.5f | ms/batch %5.2f", lr, ms), trailer: runETA(secondsLeft()))
            case let .evaluating(split, done, total):
                if done == 1 || evaluation == nil {
                    evaluation = ProgressTask("evaluating \(split.rawValue)", unit: "windows", linesEveryTenth: false)
                }
                evaluation?.update(done, of: total)
            default:
                break
            }
            var out = lines(event)
            // Worded apart from the status line's "ETA", which a log line never holds.
            if case .validation = event, out.count == 3, let left = secondsLeft() { out[1] += " | run remaining \(formatDuration(left))" }
            for line in out { logLine(line) }
        }
    }

    /// " | run ETA D H:MM:SS", the whole run's time left; empty when unknown.
    static func runETA(_ seconds: Double?) -> String {
        seconds.map { " | run ETA \(formatDuration($0))" } ?? ""
    }

    /// The lines for a final test cut by `--max-minutes` at `evaluation`'s window.
    static func testCutLines(minutes: Double, at evaluation: (split: Corpus.Split, done: Int, total: Int)?, folder: RunFolder) -> [String] {
        let path = folder.url.path
        let at = evaluation.map { " at window \($0.done) of \($0.total)" } ?? ""
        return [doubleRule, "Final test cut\(at): the time limit of \(minutes) minutes was reached (--max-minutes bounds the whole "
                + "command), so the run has no test figure; \(path) keeps the best weights (model.safetensors); test them with "
                + "`awd-lstm evaluate --checkpoint \(shellWord(path)) --data \(ErrorMessages.runData(path)) --split test`, "
                + "or give --no-test to skip the test", doubleRule]
    }

    /// What a stop during an evaluation did, and how to go on.
    /// The lines for a stop during training: what the folder keeps and the
    /// command that continues it (`train --resume` continues a fine-tuning too).
    static func stopLines(training folder: RunFolder) -> [String] {
        let path = folder.url.path
        let kept = folder.exists(folder.model)
            ? "\(path) keeps the best weights so far (model.safetensors, tested next) and the state after the last batch"
            : "no epoch has finished, so no model is saved or tested yet; \(path) keeps the state after the last batch"
        return lines(.interrupted) + ["\(kept); continue with \(ErrorMessages.resumeCommand(path))"]
    }

    /// The lines for a stop during the validation of `epoch` or the final test.
    static func stopLines(during evaluation: (split: Corpus.Split, done: Int, total: Int), epoch: Int, folder: RunFolder) -> [String] {
        let path = folder.url.path
        let at = "at window \(evaluation.done) of \(evaluation.total)"
        if evaluation.split == .test {
            return [doubleRule, "Final test stopped \(at), so the run has no test figure; \(path) keeps the best weights "
                    + "(model.safetensors) and the run's state; test them with "
                    + "`awd-lstm evaluate --checkpoint \(shellWord(path)) --data \(ErrorMessages.runData(path)) --split test`", doubleRule]
        }
        return [rule, "Exiting from training early: validation of epoch \(epoch) stopped \(at); state.safetensors keeps the "
                + "epoch's training, and \(ErrorMessages.resumeCommand(path)) validates it first"]
    }
}
