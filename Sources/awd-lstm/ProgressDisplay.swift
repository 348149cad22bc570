import Foundation

/// Everything a command writes on stderr while it works: log lines, and the
/// progress of a long task (steps done of a total, with an ETA). Every command
/// writes through the one `shared` display, so the two never mix:
///
/// - On a terminal, progress is one transient status line, redrawn in place
///   (`\r`, then clear-to-end-of-line `ESC [K`) at most ten times a second. It
///   is cleared before any log line is written and when its task ends, so log
///   lines always begin a line of their own and nothing is left behind. It is
///   cut to the terminal's width (`terminalColumns`), since a line that wraps
///   cannot be redrawn by `\r` and leaves stale copies on a narrow terminal.
/// - Off a terminal (a pipe or a file), progress is a plain line printed when a
///   tenth of the task has passed since its last progress line, or when
///   `quietSeconds` have passed without any line; never a control character.
///   A task's first line waits until it has run `graceSeconds` (2 s, or
///   `AWDLSTM_PROGRESS_AFTER` seconds), so that a short task (a one-second
///   `generate`) adds no lines to a log.
///
/// The mode follows stderr (a terminal whose `TERM` is not `dumb`) unless
/// `AWDLSTM_PROGRESS` says `terminal`, `lines` or `off` (tests run the tool
/// through pipes and force each mode this way).
final class ProgressDisplay: @unchecked Sendable {
    enum Mode: String {
        case terminal, lines, off

        /// `AWDLSTM_PROGRESS` when it names a mode, else what stderr is.
        static func fromEnvironment() -> Mode {
            let environment = ProcessInfo.processInfo.environment
            if let forced = environment["AWDLSTM_PROGRESS"].flatMap(Mode.init(rawValue:)) { return forced }
            return isatty(2) != 0 && environment["TERM"] != "dumb" ? .terminal : .lines
        }
    }

    static let shared = ProgressDisplay(mode: .fromEnvironment(), write: StandardStreams.writeError)

    /// Off a terminal, the longest wait for a progress line while a task runs.
    static let quietSeconds: TimeInterval = 30
    /// On a terminal, the shortest time between two redraws of the status line.
    static let redrawSeconds: TimeInterval = 0.1
    /// Off a terminal, how long a task runs before its first progress line:
    /// `AWDLSTM_PROGRESS_AFTER` when it is a number of seconds, else 2.
    static let graceSeconds: TimeInterval = {
        let value = ProcessInfo.processInfo.environment["AWDLSTM_PROGRESS_AFTER"].flatMap(Double.init) ?? 2
        return value.isFinite && value >= 0 ? value : 2
    }()

    let mode: Mode
    private let write: (String) -> Void
    // Log lines also come from signal handlers on other threads.
    private let lock = NSLock()
    private var statusShown = false
    private var lastRedraw = Date.distantPast
    private var lastLine = Date()

    /// The terminal's width in columns, asked at each redraw (the window may be resized); nil when unknown.
    private let columns: () -> Int?

    init(mode: Mode, write: @escaping (String) -> Void, columns: @escaping () -> Int? = ProgressDisplay.terminalColumns) {
        self.mode = mode
        self.write = write
        self.columns = columns
    }

    /// The width of the terminal on stderr (`TIOCGWINSZ`), else `COLUMNS` when
    /// it is a positive number, else nil.
    static func terminalColumns() -> Int? {
        var size = winsize()
        if ioctl(2, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
    }

    /// `text` cut to `columns − 1` characters (the last column left free: some
    /// terminals wrap as soon as it is written), ending in `…` when cut.
    static func fitted(_ text: String, columns: Int?) -> String {
        guard let columns, text.count > columns - 1 else { return text }
        let room = max(columns - 2, 0)
        return String(text.prefix(room)) + (columns > 1 ? "…" : "")
    }

    /// Writes `text` as a line of its own (the status line cleared first).
    func log(_ text: String) {
        lock.withLock {
            clearStatus()
            write(text + "\n")
            lastLine = Date()
        }
    }

    /// Removes the status line, if one is shown.
    func clear() {
        lock.withLock { clearStatus() }
    }

    private func clearStatus() {
        if statusShown { write("\r\u{1B}[K") }
        statusShown = false
    }

    /// Shows `task`'s progress at `done` of `total` steps with `text` (built
    /// only when it is shown), following the rules of the mode.
    fileprivate func show(_ task: ProgressTask, done: Int, total: Int, _ text: () -> String) {
        lock.withLock {
            let now = Date()
            switch mode {
            case .off:
                return
            case .terminal:
                if done >= total { clearStatus(); return }
                guard !statusShown || now.timeIntervalSince(lastRedraw) >= Self.redrawSeconds else { return }
                write("\r\u{1B}[K" + Self.fitted(text(), columns: columns()))
                (statusShown, lastRedraw) = (true, now)
            case .lines:
                guard now.timeIntervalSince(task.start) >= Self.graceSeconds else { return }
                let tenth = task.linesEveryTenth ? (total + 9) / 10 : Int.max
                guard done - task.lastLineAt >= tenth || now.timeIntervalSince(lastLine) >= Self.quietSeconds else { return }
                write(text() + "\n")
                (task.lastLineAt, lastLine) = (done, now)
            }
        }
    }
}

/// One long task shown by the `ProgressDisplay`: "LABEL DONE/TOTAL UNIT (P %)
/// DETAIL | ETA M:SS". The ETA is the mean time per step so far times the steps
/// left, unless the caller knows better (training's ms/batch).
final class ProgressTask: @unchecked Sendable {
    let label: String, unit: String
    /// Off a terminal, a line at each tenth of the task (else only after `quietSeconds`).
    let linesEveryTenth: Bool
    private let display: ProgressDisplay
    fileprivate let start = Date()
    /// `done` at the last progress line printed off a terminal.
    fileprivate var lastLineAt = 0

    init(_ label: String, unit: String, linesEveryTenth: Bool = true, display: ProgressDisplay = .shared) {
        (self.label, self.unit, self.linesEveryTenth, self.display) = (label, unit, linesEveryTenth, display)
    }

    /// `done` of `total` steps are done; `secondsLeft` overrides the ETA. An
    /// `estimated` total is shown as `~N` and never below `done`: the task
    /// may take more steps (the percentage then stays at 99 until it ends).
    /// `trailer` follows the ETA (training's whole-run ETA).
    func update(_ done: Int, of total: Int, estimated: Bool = false, secondsLeft: Double? = nil,
                detail: @autoclosure () -> String = "", trailer: @autoclosure () -> String = "") {
        let total = estimated ? max(total, done + 1) : total
        display.show(self, done: done, total: total) {
            let elapsed = Date().timeIntervalSince(start)
            let left = secondsLeft ?? (done > 0 ? elapsed / Double(done) * Double(total - done) : nil)
            let percent = total > 0 ? 100 * done / total : 100
            return "\(label) \(done)/\(estimated ? "~" : "")\(total) \(unit) (\(percent) %)\(detail()) | ETA \(left.map(formatDuration) ?? "?")\(trailer())"
        }
    }

    /// The task's `(done, total)` callback, for the library's long computations.
    var handler: (Int, Int) -> Void { { self.update($0, of: $1) } }
}

/// H:MM:SS, M:SS under an hour, "Nd H:MM:SS" from a day on (a paper's run on a CPU).
func formatDuration(_ seconds: Double) -> String {
    let s = Int(min(max(0, seconds), 1e12).rounded())
    if s >= 86400 { return String(format: "%dd %d:%02d:%02d", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60) }
    return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
}

/// `String(format:)` for log lines. NaN is written `nan` whatever its sign bit
/// (the C library writes `-nan` for a negative one), so that every non-finite
/// number reads as Python prints it: `nan`, `inf`, `-inf`.
func logFormat(_ format: String, _ arguments: CVarArg...) -> String {
    String(format: format, arguments: arguments.map { argument -> CVarArg in
        if let x = argument as? Double, x.isNaN { return Double.nan }
        if let x = argument as? Float, x.isNaN { return Double.nan }
        return argument
    })
}

/// "15 minutes", "1 minute", "0.5 minutes".
func formatMinutes(_ minutes: Double) -> String {
    if minutes == 1 { return "1 minute" }
    if minutes < 1e9 && minutes == minutes.rounded() { return "\(Int(minutes)) minutes" }
    return "\(minutes) minutes"
}
