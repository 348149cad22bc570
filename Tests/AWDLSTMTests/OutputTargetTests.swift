import Foundation
import XCTest
@_spi(CLI) @testable import AWDLSTM

/// Output paths that are not plain files, through the executable: a FIFO, a
/// symbolic link (to a file, or dangling), `/dev/null` and `/dev/stdout` are
/// written through or followed, never replaced by a new regular file; a
/// regular file is still replaced atomically.
final class OutputTargetTests: XCTestCase {
    static let trained = TrainedRun.shared(name: "O", corpus: { try smallCorpus($0) }, ["--max-batches", "3"] + FieldFaultTests.model)

    override class func tearDown() { trained.reset() }

    /// What `generate --words n` prints on stdout (the same seed: the same words).
    func sample(_ n: Int) throws -> String {
        let r = try CLI.run(["generate", "--checkpoint", try Self.trained.get().run.path, "--words", "\(n)"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stdout.isEmpty)
        return r.stdout
    }

    func fileType(_ path: String) -> mode_t {
        var info = stat()
        return lstat(path, &info) == 0 ? info.st_mode & S_IFMT : 0
    }

    /// Reads a FIFO to its end on another thread while `body` writes it; returns what was read.
    func readingFIFO(_ path: String, while body: () throws -> Void) rethrows -> String {
        let box = ResultBox()
        let reader = Thread {
            // Plain open and read: the writer's open returns once a reader has the FIFO open.
            let fd = open(path, O_RDONLY)
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while fd >= 0 {
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { break }
                bytes += chunk[0..<n]
            }
            if fd >= 0 { close(fd) }
            box.text = fd >= 0 ? String(decoding: bytes, as: UTF8.self) : "<unreadable>"
            box.done.signal()
        }
        reader.start()
        try body()
        XCTAssertEqual(box.done.wait(timeout: .now() + 60), .success, "the FIFO's reader got no end of file")
        return box.text
    }

    final class ResultBox: @unchecked Sendable {
        var text = ""
        let done = DispatchSemaphore(value: 0)
    }

    /// generate --out and plot --out into a FIFO: its reader gets the output and the FIFO stays a FIFO.
    func testFIFOIsWrittenThrough() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let fifo = dir.url.appendingPathComponent("words.fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        var generate: CLI.Result?
        let words = try readingFIFO(fifo) {
            generate = try CLI.run(["generate", "--checkpoint", good.run.path, "--words", "25", "--out", fifo])
        }
        XCTAssertEqual(generate?.status, 0, generate?.stderr ?? "")
        XCTAssertEqual(words, try sample(25))
        XCTAssertEqual(fileType(fifo), S_IFIFO, "the FIFO was replaced")

        let svgFIFO = dir.url.appendingPathComponent("curves.svg").path
        XCTAssertEqual(mkfifo(svgFIFO, 0o644), 0)
        var plot: CLI.Result?
        let svg = try readingFIFO(svgFIFO) { plot = try CLI.run(["plot", "--checkpoint", good.run.path, "--out", svgFIFO]) }
        XCTAssertEqual(plot?.status, 0, plot?.stderr ?? "")
        XCTAssertTrue(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"), String(svg.prefix(80)))
        XCTAssertEqual(fileType(svgFIFO), S_IFIFO)
    }

    /// A symbolic link is followed: the target file gets the content (a dangling
    /// link's target is created), and the link stays a link.
    func testSymbolicLinkTargetIsWritten() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let target = try dir.write("target.txt", "old\n")
        let link = dir.url.appendingPathComponent("link.txt").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target.path)
        let r = try CLI.run(["generate", "--checkpoint", good.run.path, "--words", "10", "--out", link])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(fileType(link), S_IFLNK, "the link was replaced")
        XCTAssertEqual(try String(contentsOf: target, encoding: .utf8), try sample(10))

        // Relative and dangling: the file is made where the link points.
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("sub"), withIntermediateDirectories: true)
        let dangling = dir.url.appendingPathComponent("curves.svg").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: "sub/made.svg")
        let plot = try CLI.run(["plot", "--checkpoint", good.run.path, "--out", dangling])
        XCTAssertEqual(plot.status, 0, plot.stderr)
        XCTAssertEqual(fileType(dangling), S_IFLNK)
        XCTAssertEqual(fileType(dir.url.appendingPathComponent("sub/made.svg").path), S_IFREG)
        // No temporary file is left beside either.
        let left = try FileManager.default.contentsOfDirectory(atPath: dir.url.path) + FileManager.default.contentsOfDirectory(atPath: dir.url.path + "/sub")
        XCTAssertFalse(left.contains { $0.contains(".tmp-") }, "\(left)")
    }

    /// A run folder's file that is a symbolic link (a state kept on another disk):
    /// a resume replaces the link's target and the link stays a link.
    func testRunFolderFileBehindALinkIsWrittenThrough() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let run = try dir.copy(good.run, as: "R")
        let state = run.appendingPathComponent("state.safetensors")
        try FileManager.default.createDirectory(at: dir.url.appendingPathComponent("elsewhere"), withIntermediateDirectories: true)
        let kept = dir.url.appendingPathComponent("elsewhere/state.safetensors")
        try FileManager.default.moveItem(at: state, to: kept)
        try FileManager.default.createSymbolicLink(atPath: state.path, withDestinationPath: kept.path)
        let before = try Data(contentsOf: kept)
        let r = try CLI.run(["train", "--resume", run.path, "--data", good.data.path, "--epochs", "2", "--max-batches", "1"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(fileType(state.path), S_IFLNK, "the link was replaced")
        XCTAssertNotEqual(try Data(contentsOf: kept), before, "the target was not written")
        XCTAssertNoThrow(try SafeTensors(contentsOf: kept))
    }

    /// /dev/null is written through (it stays a character device), and the
    /// authors' `--outf /dev/stdout` prints the words on stdout.
    func testDevicesAreWrittenThrough() throws {
        let good = try Self.trained.get()
        let null = try CLI.run(["generate", "--checkpoint", good.run.path, "--words", "5", "--out", "/dev/null"])
        XCTAssertEqual(null.status, 0, null.stderr)
        XCTAssertEqual(fileType("/dev/null"), S_IFCHR)
        let plotNull = try CLI.run(["plot", "--checkpoint", good.run.path, "--out", "/dev/null"])
        XCTAssertEqual(plotNull.status, 0, plotNull.stderr)
        XCTAssertEqual(fileType("/dev/null"), S_IFCHR)

        let stdout = try CLI.run(["generate", "--checkpoint", good.run.path, "--words", "12", "--outf", "/dev/stdout"])
        XCTAssertEqual(stdout.status, 0, stdout.stderr)
        XCTAssertEqual(stdout.stdout, try sample(12))
        let svg = try CLI.run(["plot", "--checkpoint", good.run.path, "--out", "/dev/stdout"])
        XCTAssertEqual(svg.status, 0, svg.stderr)
        XCTAssertTrue(svg.stdout.contains("<svg"), svg.stdout)
        // Appended to, as the shell's `>>` asks, not overwritten from the start.
        let dir = try TemporaryFolder()
        let log = try dir.write("log.txt", "kept\n")
        let appended = try CLI.run(["-c", "exec \"$0\" \"$@\" >> \"$LOG\"", CLI.binary.path, "generate", "--checkpoint", good.run.path,
                                    "--words", "4", "--outf", "/dev/stdout"],
                                   environment: ["LOG": log.path], executable: URL(fileURLWithPath: "/bin/sh"))
        XCTAssertEqual(appended.status, 0, appended.stderr)
        XCTAssertEqual(try String(contentsOf: log, encoding: .utf8), "kept\n" + (try sample(4)))
    }

    /// A regular file is still replaced atomically: a reader holding the old
    /// file keeps its content, and the path gets a new file.
    func testRegularFileIsReplacedAtomically() throws {
        let dir = try TemporaryFolder()
        let good = try Self.trained.get()
        let out = try dir.write("words.txt", "old\n")
        let held = try FileHandle(forReadingFrom: out)
        defer { try? held.close() }
        var before = stat()
        XCTAssertEqual(stat(out.path, &before), 0)
        let r = try CLI.run(["generate", "--checkpoint", good.run.path, "--words", "7", "--out", out.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        var after = stat()
        XCTAssertEqual(stat(out.path, &after), 0)
        XCTAssertNotEqual(before.st_ino, after.st_ino, "replaced by a new file, not written in place")
        XCTAssertEqual(String(decoding: held.readDataToEndOfFile(), as: UTF8.self), "old\n")
    }

    /// The library's view of each kind of path.
    func testDestinationOfEachKindOfPath() throws {
        let dir = try TemporaryFolder()
        let file = try dir.write("f.txt", "x")
        XCTAssertEqual(AtomicFile.destination(of: file), .file(file.resolvingSymlinksInPath()))
        XCTAssertEqual(AtomicFile.destination(of: URL(fileURLWithPath: "/dev/null")), .stream)
        XCTAssertEqual(AtomicFile.destination(of: URL(fileURLWithPath: "/dev/stdout")), .stream)
        let fifo = dir.url.appendingPathComponent("p").path
        XCTAssertEqual(mkfifo(fifo, 0o644), 0)
        XCTAssertEqual(AtomicFile.destination(of: URL(fileURLWithPath: fifo)), .stream)
        let new = dir.url.appendingPathComponent("new.txt")
        XCTAssertEqual(AtomicFile.destination(of: new), .file(new))
    }
}
