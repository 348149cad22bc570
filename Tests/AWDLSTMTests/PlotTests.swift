import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@_spi(CLI) @testable import AWDLSTM

/// What an SVG document holds, read back with `XMLParser`.
private final class SVGSummary: NSObject, XMLParserDelegate {
    var elements: [String] = []
    var polylinePoints: [[String]] = []
    var texts: [String] = []
    var root: [String: String] = [:]
    private var inText = false
    private var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        if elements.isEmpty { root = attributes }
        elements.append(name)
        if name == "polyline" {
            polylinePoints.append((attributes["points"] ?? "").split(separator: " ").map(String.init))
        }
        if name == "text" { inText = true; text = "" }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if inText { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(text); inText = false }
    }

    func count(_ name: String) -> Int { elements.filter { $0 == name }.count }
}

final class PlotTests: XCTestCase {
    /// Parses `svg`, failing the test if it is not well-formed XML.
    private func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) throws -> SVGSummary {
        let parser = XMLParser(data: Data(svg.utf8))
        let summary = SVGSummary()
        parser.delegate = summary
        let ok = parser.parse()
        XCTAssertTrue(ok, "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")", file: file, line: line)
        XCTAssertEqual(summary.elements.first, "svg", file: file, line: line)
        return summary
    }

    private func epoch(_ e: Int, train: Double, valid: Double, averaging: Bool = false) -> MetricsRecord {
        var r = MetricsRecord(kind: "epoch", epoch: e)
        (r.loss, r.ppl) = (log(train), train)
        (r.valLoss, r.valPpl) = (log(valid), valid)
        r.averaging = averaging
        return r
    }

    /// Eight epochs, averaging on from epoch 3, with log and test records mixed in.
    private func history() -> [MetricsRecord] {
        var records: [MetricsRecord] = []
        for e in 1...8 {
            var log = MetricsRecord(kind: "log", epoch: e)
            (log.batch, log.ppl) = (50, 700)
            records.append(log)
            records.append(epoch(e, train: 600 / Double(e), valid: 420 / Double(e) + 20, averaging: e >= 3))
        }
        var test = MetricsRecord(kind: "test", epoch: 8)
        test.ppl = 70
        records.append(test)
        return records
    }

    func testCurvesAreWellFormedWithTwoPolylinesAndLabels() throws {
        let svg = TrainingCurves.svg(from: history(), title: "run <A & B>")
        let doc = try parse(svg)
        // The log intervals' thin line first, then train and validation per epoch.
        XCTAssertEqual(doc.count("polyline"), 3)
        XCTAssertEqual(doc.polylinePoints.map(\.count), [8, 8, 8])
        for point in doc.polylinePoints.joined() {
            let xy = point.split(separator: ",").compactMap { Double($0) }
            XCTAssertEqual(xy.count, 2, "bad point \(point)")
        }
        XCTAssertTrue(doc.texts.contains { $0 == "epoch" })
        XCTAssertTrue(doc.texts.contains { $0.contains("perplexity") })
        XCTAssertTrue(doc.texts.contains("averaging (NT-ASGD) from epoch 3"))
        XCTAssertTrue(doc.texts.contains("run <A & B>"), "title is escaped and read back intact")
        XCTAssertTrue(doc.texts.contains { $0.hasPrefix("train") })
        XCTAssertTrue(doc.texts.contains { $0.hasPrefix("validation") })
        XCTAssertEqual(doc.root["width"], "900")
        XCTAssertEqual(doc.root["height"], "560")
        XCTAssertEqual(doc.root["viewBox"], "0 0 900 560")
        XCTAssertEqual(doc.root["font-family"], "sans-serif")
        // Tick labels on the log axis are round numbers.
        let numbers = doc.texts.compactMap { Int($0) }
        XCTAssertTrue(numbers.contains(100) && numbers.contains(200), "labels: \(doc.texts)")
    }

    func testNoAveragingMarkerWithoutAveraging() throws {
        let records = (1...5).map { epoch($0, train: 300 / Double($0), valid: 250 / Double($0)) }
        let doc = try parse(TrainingCurves.svg(from: records, title: "plain"))
        XCTAssertEqual(doc.count("polyline"), 2)
        XCTAssertFalse(doc.texts.contains { $0.contains("averaging") })
    }

    func testSingleEpochDrawsOnePointAndVisibleMarkers() throws {
        let doc = try parse(TrainingCurves.svg(from: [epoch(1, train: 590, valid: 404)], title: "one"))
        XCTAssertEqual(doc.count("polyline"), 2)
        XCTAssertEqual(doc.polylinePoints.map(\.count), [1, 1])
        XCTAssertEqual(doc.count("circle") - 2, 2, "one marker per curve besides the two legend markers")
    }

    func testNoEpochsSaysSo() throws {
        var log = MetricsRecord(kind: "log", epoch: 1)
        log.ppl = 900
        for records in [[], [log]] {
            let doc = try parse(TrainingCurves.svg(from: records, title: "empty"))
            XCTAssertTrue(doc.texts.contains("no epochs yet"))
            XCTAssertEqual(doc.count("polyline"), 0)
        }
    }

    /// Every log-interval record is a point at epoch − 1 + batch / batches, so
    /// that a first epoch still running already has a curve.
    func testLogIntervalsAreDrawnBetweenTheEpochs() throws {
        func log(_ epoch: Int, _ batch: Int, _ ppl: Double) -> MetricsRecord {
            var r = MetricsRecord(kind: "log", epoch: epoch)
            (r.batch, r.batches, r.ppl) = (batch, 400, ppl)
            return r
        }
        let first = [log(1, 100, 900), log(1, 200, 600), log(1, 300, 450)]
        let running = try parse(TrainingCurves.svg(from: first, title: "first epoch"))
        XCTAssertEqual(running.polylinePoints.map(\.count), [3])
        XCTAssertTrue(running.texts.contains("no epoch finished yet"), "\(running.texts)")
        XCTAssertTrue(running.texts.contains("train ppl per log interval"), "\(running.texts)")
        let xs = running.polylinePoints[0].map { Double($0.split(separator: ",")[0])! }
        XCTAssertEqual(xs, xs.sorted())
        XCTAssertEqual(Set(xs).count, 3)

        let records = first + [epoch(1, train: 500, valid: 400), log(2, 100, 420), log(2, 200, 400), epoch(2, train: 380, valid: 300)]
        let svg = TrainingCurves.svg(from: records, title: "two epochs")
        let doc = try parse(svg)
        XCTAssertEqual(doc.polylinePoints.map(\.count), [5, 2, 2])
        // Epoch 2's intervals (x = 1.25, 1.5) lie between the points of epochs 1 and 2.
        func x(_ point: String) -> Double { Double(point.split(separator: ",")[0])! }
        let (intervals, epochs) = (doc.polylinePoints[0].map(x), doc.polylinePoints[1].map(x))
        XCTAssertTrue(intervals[0..<3].allSatisfy { $0 < epochs[0] }, "\(intervals) \(epochs)")
        XCTAssertTrue(intervals[3...].allSatisfy { $0 > epochs[0] && $0 < epochs[1] }, "\(intervals) \(epochs)")
        XCTAssertTrue(svg.contains("class=\"train-interval\""))
    }

    func testNonFiniteValuesAreSkipped() throws {
        var records = (1...4).map { epoch($0, train: 200 / Double($0), valid: 180 / Double($0)) }
        records[1].ppl = .nan
        records[2].valPpl = .infinity
        let svg = TrainingCurves.svg(from: records, title: "nan")
        let doc = try parse(svg)
        XCTAssertEqual(doc.polylinePoints.map(\.count), [3, 3])
        for point in doc.polylinePoints.joined() {
            XCTAssertTrue(point.split(separator: ",").allSatisfy { Double($0)?.isFinite == true }, "bad point \(point)")
        }

        // Nothing finite at all: still a well-formed drawing with empty curves.
        var bad = epoch(1, train: 1, valid: 1)
        (bad.ppl, bad.valPpl) = (.nan, .nan)
        let empty = try parse(TrainingCurves.svg(from: [bad], title: "nan"))
        XCTAssertEqual(empty.polylinePoints.map(\.count), [0, 0])
    }

    func testWriteReadsMetricsAndReplacesFile() throws {
        let folder = try TemporaryFolder()
        let run = RunFolder(folder.url.appendingPathComponent("my-run"))
        try run.create()
        let log = try MetricsLog(url: run.metrics)
        for r in history() { try log.append(r) }
        try TrainingCurves.write(metrics: run.metrics, to: run.trainingCurves)
        let text = try String(contentsOf: run.trainingCurves, encoding: .utf8)
        let doc = try parse(text)
        XCTAssertEqual(doc.polylinePoints.map(\.count), [8, 8, 8])
        XCTAssertTrue(doc.texts.contains { $0.contains("my-run") })
        XCTAssertEqual(run.trainingCurves.lastPathComponent, "training_curves.svg")

        XCTAssertThrowsError(try TrainingCurves.write(metrics: folder.url.appendingPathComponent("missing.jsonl"),
                                                      to: folder.url.appendingPathComponent("x.svg")))
    }
}
