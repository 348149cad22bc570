import Foundation
import XCTest
@testable import AWDLSTM

/// Importing PyTorch checkpoints (fixtures from `scripts/reference/make_import_fixtures.py`).
final class ImportTests: XCTestCase {
    static let folder = Fixtures.folder.appendingPathComponent("import")
    static var corpusFolder: URL { folder.appendingPathComponent("corpus") }

    struct Expected: Decodable {
        struct Loss: Decodable { let valid_loss: Double }
        let vocab_size: Int, emsize: Int, nhid: Int, nlayers: Int, batch_size: Int, bptt: Int
        let salesforce: Loss, fastai: Loss, salesforce_qrnn: Loss
    }

    func expected() throws -> Expected {
        try JSONDecoder().decode(Expected.self, from: Data(contentsOf: Self.folder.appendingPathComponent("expected.json")))
    }

    func fixture(_ format: CheckpointFormat) -> URL {
        Self.folder.appendingPathComponent("\(format.rawValue).safetensors")
    }

    // MARK: importing matches PyTorch

    func assertImportMatchesPyTorch(_ format: CheckpointFormat, file: StaticString = #filePath, line: UInt = #line) throws {
        let want = try expected()
        let corpus = try Corpus(folder: Self.corpusFolder)
        XCTAssertEqual(corpus.vocabulary.count, want.vocab_size, file: file, line: line)
        let imported = try CheckpointImport(contentsOf: fixture(format), format: format)
        XCTAssertEqual(imported.config, ModelConfig(vocabSize: want.vocab_size, emsize: want.emsize,
                                                    nhid: want.nhid, nlayers: want.nlayers), file: file, line: line)
        try imported.requireVocabularySize(corpus.vocabulary.count, of: "the corpus")
        let model = try imported.makeModel()
        let loss = try Evaluator.loss(model: model, data: BatchedTokens(corpus.valid, batchSize: want.batch_size), bptt: want.bptt)
        let reference = format == .salesforce ? want.salesforce.valid_loss : want.fastai.valid_loss
        XCTAssertEqual(loss, reference, accuracy: 1e-5 * reference, "\(format) loss", file: file, line: line)
    }

    func testSalesforceImportMatchesPyTorchLoss() throws { try assertImportMatchesPyTorch(.salesforce) }

    /// The authors' QRNN names (`rnns.{l}.linear.module.weight_raw [3H, window·In]`, `.bias [3H]`):
    /// sizes and kind inferred, and the loss of PyTorch's QRNN on valid.
    func testSalesforceQRNNImportMatchesPyTorchLoss() throws {
        let want = try expected()
        let corpus = try Corpus(folder: Self.corpusFolder)
        let source = Self.folder.appendingPathComponent("salesforce_qrnn.safetensors")
        let imported = try CheckpointImport(contentsOf: source, format: .salesforce)
        XCTAssertEqual(imported.config, ModelConfig(vocabSize: want.vocab_size, model: .qrnn, emsize: want.emsize,
                                                    nhid: want.nhid, nlayers: want.nlayers))
        try imported.requireVocabularySize(corpus.vocabulary.count, of: "the corpus")
        let model = try imported.makeModel()
        XCTAssertEqual(try model.tensor("rnns.0.linear.module.weight_raw"), try imported.file.floats("rnns.0.linear.module.weight_raw"))
        let loss = try Evaluator.loss(model: model, data: BatchedTokens(corpus.valid, batchSize: want.batch_size), bptt: want.bptt)
        XCTAssertEqual(loss, want.salesforce_qrnn.valid_loss, accuracy: 1e-5 * want.salesforce_qrnn.valid_loss)
        // The fastai format has no QRNN: its names are not taken for one.
        XCTAssertThrowsError(try CheckpointImport(contentsOf: source, format: .fastai))
    }

    /// A QRNN whose first layer has the wrong window width is rejected with the tensor's name.
    func testQRNNWrongWindowIsRejected() throws {
        var rng = RandomSource(seed: 3)
        let model = try AWDLSTMModel(config: ModelConfig(vocabSize: 12, model: .qrnn, emsize: 6, nhid: 8, nlayers: 2), rng: &rng)
        var tensors = model.namedTensors()
        let i = tensors.firstIndex { $0.name == "rnns.0.linear.module.weight_raw" }!
        let narrow = [Float](repeating: 0, count: 24 * 6)
        let data = narrow.withUnsafeBufferPointer { values -> Data in
            tensors[i] = .init(name: tensors[i].name, shape: [24, 6], values: values)
            return SafeTensors.encode(tensors)
        }
        let file = try SafeTensors(data: data, source: "narrow")
        XCTAssertThrowsError(try CheckpointImport(file: file, format: .salesforce, source: "narrow")) { error in
            XCTAssertTrue("\(error)".contains("rnns.0.linear.module.weight_raw' has shape [24, 6], expected [3·H, 12]"), "\(error)")
        }
    }

    func testFastaiImportMatchesPyTorchLoss() throws { try assertImportMatchesPyTorch(.fastai) }

    /// fastai's raw hidden-to-hidden matrix is read, not the weight-dropped copy beside it;
    /// saved under fastai's names, the model gives back every tensor of the file but the dropped copies.
    func testFastaiMapsRawMatrixAndIgnoresDroppedCopy() throws {
        let imported = try CheckpointImport(contentsOf: fixture(.fastai), format: .fastai)
        let model = try imported.makeModel()
        XCTAssertEqual(try model.tensor("rnns.2.module.weight_hh_l0_raw"), try imported.file.floats("0.rnns.2.weight_hh_l0_raw"))
        XCTAssertNotEqual(try model.tensor("rnns.2.module.weight_hh_l0_raw"), try imported.file.floats("0.rnns.2.module.weight_hh_l0"))
        XCTAssertEqual(try model.tensor("rnns.1.module.weight_ih_l0"), try imported.file.floats("0.rnns.1.module.weight_ih_l0"))
        XCTAssertEqual(try model.tensor("encoder.weight"), try imported.file.floats("1.decoder.weight"))
        try assertSaved(model, format: .fastai, equal: imported.file, except: { $0.hasSuffix(".module.weight_hh_l0") })
    }

    /// Saving the imported salesforce model gives back the salesforce file, bit for bit.
    func testSalesforceImportSavesBackTheFile() throws {
        for name in ["salesforce", "salesforce_qrnn"] {
            let file = try SafeTensors(contentsOf: Self.folder.appendingPathComponent("\(name).safetensors"))
            let model = try CheckpointImport(file: file, format: .salesforce, source: name).makeModel()
            try assertSaved(model, format: .salesforce, equal: file, except: { _ in false })
        }
    }

    /// `model` saved under `format`'s names holds exactly the tensors of `file` (those
    /// `except` names aside), with their shapes and values.
    func assertSaved(_ model: AWDLSTMModel, format: CheckpointFormat, equal file: SafeTensors, except: (String) -> Bool,
                     line: UInt = #line) throws {
        let saved = try SafeTensors(data: SafeTensors.encode(model.namedTensors(format: format)), source: "saved")
        let expected = file.tensors.filter { !except($0.name) }
        XCTAssertEqual(Set(saved.tensors.map(\.name)), Set(expected.map(\.name)), line: line)
        for t in expected {
            XCTAssertEqual(try saved.floats(t.name).map(\.bitPattern), try file.floats(t.name).map(\.bitPattern), t.name, line: line)
            XCTAssertEqual(saved.info(t.name)?.shape, t.shape, t.name, line: line)
        }
    }

    // MARK: the run folder

    func testWritesRunFolderThatLoadsAndRefusesToOverwrite() throws {
        let tmp = try TemporaryFolder()
        let folder = RunFolder(tmp.url.appendingPathComponent("run"))
        let corpus = try Corpus(folder: Self.corpusFolder)
        let imported = try CheckpointImport(contentsOf: fixture(.fastai), format: .fastai)
        let written = try imported.makeModel()
        let run = RunConfig(model: imported.config, training: TrainingOptions(), data: Self.corpusFolder.path)
        try folder.writeImported(written, vocabulary: corpus.vocabulary, config: run, metadata: ["format": "fastai"])
        let (model, config, vocabulary) = try folder.loadModel()
        XCTAssertEqual(config.model, imported.config)
        XCTAssertEqual(config.model.dropout, ModelConfig(vocabSize: 1).dropout)
        XCTAssertEqual(config.training, TrainingOptions())
        XCTAssertEqual(config.data, Self.corpusFolder.path)
        XCTAssertEqual(vocabulary, corpus.vocabulary)
        XCTAssertEqual(model.weights.toArray().map(\.bitPattern), written.weights.toArray().map(\.bitPattern))
        let saved = try SafeTensors(contentsOf: folder.model)
        XCTAssertEqual(saved.metadata["format"], "fastai")

        XCTAssertThrowsError(try folder.writeImported(written, vocabulary: corpus.vocabulary, config: run, metadata: [:])) { error in
            XCTAssertTrue("\(error)".contains("model.safetensors already exists"), "\(error)")
        }
    }

    // MARK: inconsistent files: one clear message naming the tensor

    /// The fixture's tensors, to modify and write elsewhere.
    struct Tensors {
        var entries: [(name: String, shape: [Int], values: [Float])]

        init(_ url: URL) throws {
            let file = try SafeTensors(contentsOf: url)
            entries = try file.tensors.map { ($0.name, $0.shape, try file.floats($0.name)) }
        }

        subscript(name: String) -> (shape: [Int], values: [Float])? {
            get { entries.first { $0.name == name }.map { ($0.shape, $0.values) } }
            set {
                let i = entries.firstIndex { $0.name == name }
                switch (i, newValue) {
                case let (i?, v?): entries[i] = (name, v.shape, v.values)
                case let (nil, v?): entries.append((name, v.shape, v.values))
                case let (i?, nil): entries.remove(at: i)
                case (nil, nil): break
                }
            }
        }

        func write(to url: URL) throws {
            let flat = entries.flatMap(\.values)
            try flat.withUnsafeBufferPointer { buffer in
                var offset = 0
                var tensors: [SafeTensors.Tensor] = []
                for e in entries {
                    let view = UnsafeBufferPointer(rebasing: buffer[offset..<(offset + e.values.count)])
                    tensors.append(.init(name: e.name, shape: e.shape, values: view))
                    offset += e.values.count
                }
                try SafeTensors.write(tensors, to: url)
            }
        }
    }

    func assertRejected(_ format: CheckpointFormat, mentioning fragments: [String], vocabularySize: Int? = nil,
                        file: StaticString = #filePath, line: UInt = #line, _ change: (inout Tensors) -> Void) throws {
        let tmp = try TemporaryFolder()
        var tensors = try Tensors(fixture(format))
        change(&tensors)
        let url = tmp.url.appendingPathComponent("modified.safetensors")
        try tensors.write(to: url)
        XCTAssertThrowsError(try {
            let imported = try CheckpointImport(contentsOf: url, format: format)
            try vocabularySize.map { try imported.requireVocabularySize($0, of: "the data") }
            return try imported.makeModel()
        }(), file: file, line: line) { error in
            let text = "\(error)"
            XCTAssertTrue(error is ImportError || error is CheckpointError, "\(type(of: error))", file: file, line: line)
            for fragment in fragments + [url.path] {
                XCTAssertTrue(text.contains(fragment), "message '\(text)' lacks '\(fragment)'", file: file, line: line)
            }
        }
    }

    func testMismatchedShapeIsRejectedNamingTheTensor() throws {
        // Layer 1's input must be layer 0's hidden size (8).
        try assertRejected(.salesforce, mentioning: ["'rnns.1.module.weight_ih_l0'", "[32, 7]", "expected [32, 8]"]) {
            $0["rnns.1.module.weight_ih_l0"] = ([32, 7], [Float](repeating: 0.1, count: 32 * 7))
        }
        // Layer 0's input must be emsize.
        try assertRejected(.fastai, mentioning: ["'0.rnns.0.module.weight_ih_l0'", "expected [32, 6]"]) {
            $0["0.rnns.0.module.weight_ih_l0"] = ([32, 5], [Float](repeating: 0.1, count: 32 * 5))
        }
        // A hidden-to-hidden matrix that is not [4H, H].
        try assertRejected(.fastai, mentioning: ["'0.rnns.1.weight_hh_l0_raw'", "[30, 8]"]) {
            $0["0.rnns.1.weight_hh_l0_raw"] = ([30, 8], [Float](repeating: 0.1, count: 30 * 8))
        }
        // Biases of the wrong length.
        try assertRejected(.salesforce, mentioning: ["'rnns.2.module.bias_hh_l0'", "expected [24]"]) {
            $0["rnns.2.module.bias_hh_l0"] = ([32], [Float](repeating: 0.1, count: 32))
        }
        try assertRejected(.salesforce, mentioning: ["'decoder.bias'", "expected [12]"]) {
            $0["decoder.bias"] = ([13], [Float](repeating: 0.1, count: 13))
        }
        // The last layer must have hidden size emsize (tied decoder): make it 8 wide, consistently.
        try assertRejected(.salesforce, mentioning: ["'rnns.2.module.weight_hh_l0_raw'", "last layer", "emsize 6"]) {
            $0["rnns.2.module.weight_ih_l0"] = ([32, 8], [Float](repeating: 0.1, count: 32 * 8))
            $0["rnns.2.module.weight_hh_l0_raw"] = ([32, 8], [Float](repeating: 0.1, count: 32 * 8))
            $0["rnns.2.module.bias_ih_l0"] = ([32], [Float](repeating: 0.1, count: 32))
            $0["rnns.2.module.bias_hh_l0"] = ([32], [Float](repeating: 0.1, count: 32))
        }
        // The decoder matrix must have the embedding's shape.
        try assertRejected(.fastai, mentioning: ["'1.decoder.weight'", "[12, 5]", "tied"]) {
            $0["1.decoder.weight"] = ([12, 5], [Float](repeating: 0.1, count: 60))
        }
    }

    func testIncompleteOrUnknownTensorsAreRejected() throws {
        try assertRejected(.salesforce, mentioning: ["missing tensor 'rnns.1.module.bias_ih_l0'", "layer 1 of 3"]) {
            $0["rnns.1.module.bias_ih_l0"] = nil
        }
        // A gap in the layers.
        try assertRejected(.fastai, mentioning: ["missing tensor '0.rnns.1.weight_hh_l0_raw'"]) {
            for name in ["0.rnns.1.weight_hh_l0_raw", "0.rnns.1.module.weight_ih_l0", "0.rnns.1.module.bias_ih_l0",
                         "0.rnns.1.module.bias_hh_l0", "0.rnns.1.module.weight_hh_l0"] { $0[name] = nil }
        }
        try assertRejected(.salesforce, mentioning: ["missing tensor 'decoder.bias'"]) { $0["decoder.bias"] = nil }
        try assertRejected(.salesforce, mentioning: ["unexpected tensor 'rnns.0.module.weight_ih_l0_reverse'"]) {
            $0["rnns.0.module.weight_ih_l0_reverse"] = ([32, 6], [Float](repeating: 0, count: 32 * 6))
        }
        try assertRejected(.fastai, mentioning: ["unexpected tensor '0.rnns.01.module.bias_ih_l0'"]) {
            $0["0.rnns.01.module.bias_ih_l0"] = ([32], [Float](repeating: 0, count: 32))
        }
        // An embedding alias that is not the embedding.
        try assertRejected(.fastai, mentioning: ["'0.encoder_dp.emb.weight' differs from '0.encoder.weight'"]) {
            var v = $0["0.encoder_dp.emb.weight"]!
            v.values[3] += 0.5
            $0["0.encoder_dp.emb.weight"] = v
        }
    }

    func testWrongFormatGetsAHint() throws {
        for (given, likely) in [(CheckpointFormat.fastai, CheckpointFormat.salesforce), (.salesforce, .fastai)] {
            XCTAssertThrowsError(try CheckpointImport(contentsOf: fixture(likely), format: given)) { error in
                guard case .wrongFormat(let source, _, let named)? = error as? ImportError else { return XCTFail("\(error)") }
                XCTAssertEqual(source, fixture(likely).path)
                XCTAssertEqual(named, likely)
                XCTAssertTrue("\(error)".contains("try format \(likely.rawValue)"), "\(error)")
            }
        }
    }

    func testVocabularySizeMismatchIsRejected() throws {
        let imported = try CheckpointImport(contentsOf: fixture(.salesforce), format: .salesforce)
        XCTAssertThrowsError(try imported.requireVocabularySize(13, of: "the data folder D")) { error in
            XCTAssertTrue("\(error)".contains("vocabulary of 12 words ('encoder.weight' is [12, 6])"), "\(error)")
            XCTAssertTrue("\(error)".contains("the data folder D has 13 words"), "\(error)")
        }
    }

    func testUntiedDecoderIsRejected() throws {
        for format in CheckpointFormat.allCases {
            let name = format == .salesforce ? "decoder.weight" : "1.decoder.weight"
            try assertRejected(format, mentioning: ["'\(name)' differs from", "not tied", "tied weights only"]) {
                var v = $0[name]!
                v.values[7] += 0.01
                $0[name] = v
            }
        }
    }

    func testNonFloat32IsRejected() throws {
        // A hand-built file: the embedding stored as F16.
        let tmp = try TemporaryFolder()
        var tensors = try Tensors(fixture(.salesforce))
        tensors["encoder.weight"] = nil
        tensors["decoder.weight"] = nil
        let url = tmp.url.appendingPathComponent("f16.safetensors")
        try tensors.write(to: url)
        var data = try Data(contentsOf: url)
        var n: UInt64 = 0
        for i in (0..<8).reversed() { n = n << 8 | UInt64(data[i]) }
        let header = String(decoding: data[8..<(8 + Int(n))], as: UTF8.self).trimmingCharacters(in: .whitespaces)
        let dataLength = data.count - 8 - Int(n)
        let f16 = "\"encoder.weight\":{\"dtype\":\"F16\",\"shape\":[12,6],\"data_offsets\":[\(dataLength),\(dataLength + 144)]}"
        let newHeader = Data((String(header.dropLast()) + "," + f16 + "}").utf8)
        var out = Data()
        var length = UInt64(newHeader.count).littleEndian
        withUnsafeBytes(of: &length) { out.append(contentsOf: $0) }
        out.append(newHeader)
        out.append(data[(8 + Int(n))...])
        out.append(Data(count: 144))
        data = out
        try data.write(to: url)
        XCTAssertThrowsError(try CheckpointImport(contentsOf: url, format: .salesforce)) { error in
            XCTAssertTrue("\(error)".contains("tensor 'encoder.weight' has dtype F16"), "\(error)")
        }
    }
}

extension AWDLSTMModel {
    /// The values of the parameter the authors' `state_dict` calls `name`.
    func tensor(_ name: String) throws -> [Float] {
        let e = try XCTUnwrap(layout.entry(named: name), name)
        return Array(UnsafeBufferPointer(start: weights.pointer + e.offset, count: e.count))
    }
}

/// `import` through the executable: word lists (`--vocab`), remapping, refusals that leave nothing behind.
final class ImportCommandTests: XCTestCase {
    static var itos: URL { ImportTests.folder.appendingPathComponent("fastai_itos.txt") }
    static var fastaiItos: URL { ImportTests.folder.appendingPathComponent("fastai_itos.safetensors") }

    struct ItosExpected: Decodable {
        let ids: [Int32], batch_size: Int, bptt: Int, valid_loss: Double, vocab_size: Int
    }

    /// fastai's model with its own word list (special tokens, no `<eos>`): the list is
    /// the run's vocabulary as it is, and the imported model scores like PyTorch.
    func testFastaiImportWithItsWordList() throws {
        let tmp = try TemporaryFolder()
        let run = tmp.url.appendingPathComponent("R")
        let r = try CLI.run(["import", "--from", Self.fastaiItos.path, "--format", "fastai", "--vocab", Self.itos.path, "--save", run.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("vocabulary 16, emsize 6, nhid 8, nlayers 3"), r.stderr)
        XCTAssertEqual(try Data(contentsOf: run.appendingPathComponent("vocab.txt")), try Data(contentsOf: Self.itos))
        let want = try JSONDecoder().decode(ItosExpected.self, from: Data(contentsOf: ImportTests.folder.appendingPathComponent("fastai_itos.json")))
        let (model, config, vocabulary) = try RunFolder(run).loadModel()
        XCTAssertNil(config.data)
        XCTAssertEqual(vocabulary.words.first, "xxunk")
        XCTAssertNil(vocabulary.id("<eos>"))
        let loss = try Evaluator.loss(model: model, data: BatchedTokens(want.ids, batchSize: want.batch_size), bptt: want.bptt)
        XCTAssertEqual(loss, want.valid_loss, accuracy: 1e-5 * want.valid_loss)

        // A word list of another length is refused, naming both sizes.
        let short = try tmp.write("short.txt", "xxunk\nxxpad\n")
        let bad = try CLI.run(["import", "--from", Self.fastaiItos.path, "--format", "fastai", "--vocab", short.path,
                               "--save", tmp.url.appendingPathComponent("S").path])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("vocabulary of 16 words ('0.encoder.weight' is [16, 6]), but \(short.path) has 2 words"), bad.stderr)
        let neither = try CLI.run(["import", "--from", Self.fastaiItos.path, "--format", "fastai", "--save", tmp.url.appendingPathComponent("S").path])
        XCTAssertEqual(neither.status, 1, neither.stderr)
        XCTAssertTrue(neither.stderr.contains("give --data (the corpus the model was trained on) or --vocab (its word list)"), neither.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: tmp.url.appendingPathComponent("S").path))

        // A vocab.txt beside the checkpoint is its word list too: taken as it is, and matched against --data.
        let beside = tmp.url.appendingPathComponent("ck")
        try FileManager.default.createDirectory(at: beside, withIntermediateDirectories: false)
        try FileManager.default.copyItem(at: Self.fastaiItos, to: beside.appendingPathComponent("model.safetensors"))
        try FileManager.default.copyItem(at: Self.itos, to: beside.appendingPathComponent("vocab.txt"))
        let weights = beside.appendingPathComponent("model.safetensors").path
        let found = try CLI.run(["import", "--from", weights, "--format", "fastai", "--save", tmp.url.appendingPathComponent("T").path])
        XCTAssertEqual(found.status, 0, found.stderr)
        XCTAssertEqual(try RunFolder(tmp.url.appendingPathComponent("T")).readVocabulary().words, try Vocabulary.read(from: Self.itos).words)
        let other = try CLI.run(["import", "--from", weights, "--format", "fastai", "--data", ImportTests.corpusFolder.path,
                                 "--save", tmp.url.appendingPathComponent("U").path])
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("\(beside.path)/vocab.txt (the weights' words) differs"), other.stderr)
    }

    /// A model of fastai's WikiText-103 vocabulary size (60,000 words, as fastai's
    /// pretrained AWD_LSTM; small layers, made here) imports with its word list.
    func testSixtyThousandWordFastaiModel() throws {
        let tmp = try TemporaryFolder()
        var rng = RandomSource(seed: 4)
        let model = try AWDLSTMModel(config: ModelConfig(vocabSize: 60_000, emsize: 4, nhid: 8, nlayers: 3, splits: []), rng: &rng)
        let weights = tmp.url.appendingPathComponent("wt103.safetensors")
        try SafeTensors.write(model.namedTensors(format: .fastai), to: weights)
        let special = ["xxunk", "xxpad", "xxbos", "xxeos", "xxfld", "xxrep", "xxwrep", "xxup", "xxmaj"]
        let itos = try tmp.write("itos.txt", (special + (special.count..<60_000).map { "word\($0)" }).joined(separator: "\n") + "\n")
        let run = tmp.url.appendingPathComponent("R")
        let r = try CLI.run(["import", "--from", weights.path, "--format", "fastai", "--vocab", itos.path, "--save", run.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("vocabulary 60000, emsize 4"), r.stderr)
        let (loaded, config, vocabulary) = try RunFolder(run).loadModel()
        XCTAssertEqual(config.model.vocabSize, 60_000)
        XCTAssertEqual(vocabulary.count, 60_000)
        XCTAssertEqual(loaded.weights.toArray(), model.weights.toArray())
    }

    /// `--vocab` with `--data`: words matched by string; a mismatch is refused unless
    /// `--remap-vocab`, which carries the shared words' rows over (new words at the mean).
    func testImportRemapsOntoTheData() throws {
        let tmp = try TemporaryFolder()
        let data = ImportTests.corpusFolder.path
        let run = tmp.url.appendingPathComponent("R")
        let args = ["import", "--from", Self.fastaiItos.path, "--format", "fastai", "--vocab", Self.itos.path, "--data", data, "--save", run.path]
        let refused = try CLI.run(args)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("\(Self.itos.path) (the weights' words) differs from the vocabulary of the data folder \(data): "
                                              + "7 of its 12 words are shared"), refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--remap-vocab"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path))

        let r = try CLI.run(args + ["--remap-vocab"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stderr.contains("vocabulary remapped by word: 7 shared, 5 new (mean embedding row and bias), 9 dropped"), r.stderr)
        let (model, _, vocabulary) = try RunFolder(run).loadModel()
        XCTAssertEqual(vocabulary, try Corpus(folder: ImportTests.corpusFolder).vocabulary)
        let source = try CheckpointImport(contentsOf: Self.fastaiItos, format: .fastai).makeModel()
        let itos = try Vocabulary.read(from: Self.itos)
        let e = source.config.emsize
        let (old, new) = (try source.tensor("encoder.weight"), try model.tensor("encoder.weight"))
        let (oldBias, newBias) = (try source.tensor("decoder.bias"), try model.tensor("decoder.bias"))
        for (id, word) in vocabulary.words.enumerated() {
            if let o = itos.id(word).map(Int.init) {
                XCTAssertEqual(Array(new[id * e..<(id + 1) * e]), Array(old[o * e..<(o + 1) * e]), word)
                XCTAssertEqual(newBias[id], oldBias[o], word)
            } else {
                for k in 0..<e {
                    let mean = (0..<itos.count).map { Double(old[$0 * e + k]) }.reduce(0, +) / Double(itos.count)
                    XCTAssertEqual(Double(new[id * e + k]), mean, accuracy: 1e-6, word)
                }
                XCTAssertEqual(Double(newBias[id]), oldBias.map(Double.init).reduce(0, +) / Double(itos.count), accuracy: 1e-6, word)
            }
        }
        XCTAssertEqual(try model.tensor("rnns.1.module.weight_hh_l0_raw"), try source.tensor("rnns.1.module.weight_hh_l0_raw"))
    }

    /// A refused import leaves no folder behind, and a folder that was there as it was.
    func testRefusedImportLeavesNothingBehind() throws {
        let tmp = try TemporaryFolder()
        let data = tmp.url.appendingPathComponent("data")
        for split in ["train", "valid", "test"] {
            let text = try String(contentsOf: ImportTests.corpusFolder.appendingPathComponent("\(split).txt"), encoding: .utf8)
            _ = try tmp.write("data/\(split).txt", split == "test" ? text + "zebra\n" : text)
        }
        let fixture = ImportTests.folder.appendingPathComponent("salesforce.safetensors").path
        let run = tmp.url.appendingPathComponent("R")
        let r = try CLI.run(["import", "--from", fixture, "--format", "salesforce", "--data", data.path, "--save", run.path])
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("vocabulary of 12 words ('encoder.weight' is [12, 6]), but the data folder \(data.path) has 13 words"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.path))
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: false)
        let again = try CLI.run(["import", "--from", fixture, "--format", "fastai", "--data", data.path, "--save", run.path])
        XCTAssertEqual(again.status, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: run.path), [])
    }
}
