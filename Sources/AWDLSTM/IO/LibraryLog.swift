import Logging

/// The library's own messages — the steps of a download, a benchmark's steps,
/// what `Enwik8.prepare` writes — go through swift-log, so that the
/// application using the library decides where they go: it calls
/// `LoggingSystem.bootstrap` once at start-up (the `awd-lstm` tool writes them
/// to stderr, one line each), and without that swift-log's default handler
/// prints them to stderr with a timestamp and level.
///
/// Functions that log take a `logger` parameter defaulting to `LibraryLog.logger`,
/// so a caller can also hand one in (with metadata, another label, or
/// `SwiftLogNoOpLogHandler` to keep a rank quiet).
public enum LibraryLog {
    /// The label of the library's loggers.
    public static let label = "AWDLSTM"

    /// A logger labelled `label`, made through the handler bootstrapped at the
    /// time of the call.
    public static var logger: Logger { Logger(label: label) }

    /// A logger that drops every message.
    public static var silent: Logger { Logger(label: label, factory: { _ in SwiftLogNoOpLogHandler() }) }
}
