// client DATA_DIR: trains a tiny AWD-LSTM on DATA_DIR/{train,valid,test}.txt
// for a few batches, evaluates the saved model on the test split and prints a
// sample, through the public API of AWDLSTM only.
//
// The DocC article "Train, evaluate, sample" (Sources/AWDLSTM/AWDLSTM.docc)
// walks through this file; keep the two in sync.
import AWDLSTM
import Foundation

guard CommandLine.arguments.count == 2 else {
    FileHandle.standardError.write(Data("usage: client DATA_DIR (a folder with train.txt, valid.txt, test.txt)\n".utf8))
    exit(2)
}
let data = URL(fileURLWithPath: CommandLine.arguments[1])

do {
    // 1. The corpus: the vocabulary is built from the three splits, `<eos>` ends every line.
    let corpus = try Corpus(folder: data)

    // 2. A tiny model and a short run: the authors' defaults, made small.
    let config = ModelConfig(vocabSize: corpus.vocabulary.count, emsize: 16, nhid: 24, nlayers: 2)
    var options = TrainingOptions()
    (options.epochs, options.maxBatches, options.batchSize, options.bptt) = (1, 5, 4, 10)
    (options.evalBatchSize, options.logInterval) = (2, 5)
    var rng = RandomSource(seed: options.seed)
    let model = try AWDLSTMModel(config: config, rng: &rng)

    // 3. Training writes a run folder: best weights, config.json, vocab.txt, metrics.jsonl, state.
    let folder = RunFolder(FileManager.default.temporaryDirectory
        .appendingPathComponent("awd-lstm-client-\(ProcessInfo.processInfo.processIdentifier)"))
    defer { try? FileManager.default.removeItem(at: folder.url) }
    let trainer = try Trainer(model: model, corpus: corpus, options: options, folder: folder, dataPath: data.path)
    trainer.testAtEnd = false
    trainer.onEvent = { event in
        if case let .validation(epoch, result, _) = event { print("epoch \(epoch): validation perplexity \(result.ppl)") }
    }
    let summary = try trainer.run()
    print("trained \(summary.epochsCompleted) epoch(s); best validation loss \(summary.bestValid.map { String($0.loss) } ?? "-")")

    // 4. Evaluation of the saved best model on the test split, as the authors' `evaluate`.
    let (best, _, vocabulary) = try folder.loadModel()
    let test = try Evaluator.evaluate(model: best, data: BatchedTokens(corpus.test, batchSize: 1), bptt: options.bptt)
    print(String(format: "evaluation: test loss %.3f, perplexity %.2f over %d tokens", test.loss, test.ppl, test.tokens))

    // 5. A sample of 20 words at temperature 1, `<eos>` included as a word.
    let ids = try Generator(temperature: 1, seed: 7).sample(model: best, prompt: [], count: 20)
    print("sample: " + ids.map { vocabulary.words[Int($0)] }.joined(separator: " "))
} catch {
    FileHandle.standardError.write(Data("client: \(error)\n".utf8))
    exit(1)
}
