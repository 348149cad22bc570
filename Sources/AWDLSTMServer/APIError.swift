import Hummingbird

/// A refused request: its HTTP status (4xx) and a one-line reason, sent as
/// `{"error": "..."}`.
struct APIError: Error, Sendable {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A field of the request body that is out of range.
    static func badField(_ message: String) -> APIError { APIError(.unprocessableContent, message) }

    /// What the server was not started with.
    static func notFound(_ message: String) -> APIError { APIError(.notFound, message) }
}
