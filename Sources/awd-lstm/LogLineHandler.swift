import Logging

/// The swift-log handler the tool bootstraps: each message of the library's
/// loggers (`LibraryLog`) becomes one line on stderr through `logLine`, written
/// as the message alone (no timestamp, level or label), so that the tool's
/// stderr reads as it always has and a progress status line is cleared first.
/// Messages below `logLevel` (info) are dropped.
struct LogLineHandler: LogHandler {
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        logLine(event.message.description)
    }
}
