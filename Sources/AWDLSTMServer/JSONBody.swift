import AWDLSTM
import Foundation
import Hummingbird

/// Request and response bodies as JSON.
enum JSONBody {
    /// The largest request body read (1 MiB): a text of some 150,000 words. A
    /// larger body is refused with 413 before it is read to its end.
    static let limit = 1 << 20

    /// The body of `request` decoded as `T`: 415 unless its content type is
    /// `application/json`, 413 over `limit`, 400 when it is not JSON of that shape.
    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let contentType = request.headers[.contentType] ?? ""
        guard contentType.lowercased().split(separator: ";").first?.trimmingCharacters(in: .whitespaces) == "application/json" else {
            throw APIError(.unsupportedMediaType, "the body must be JSON (Content-Type: application/json; got '\(contentType)')")
        }
        let buffer: ByteBuffer
        do { buffer = try await request.body.collect(upTo: limit) } catch {
            throw APIError(.contentTooLarge, "the body is larger than \(limit) bytes")
        }
        do { return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView)) } catch let DecodingError.keyNotFound(key, _) {
            throw APIError(.badRequest, "the body has no field '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
            throw APIError(.badRequest, "the body must be a JSON object")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw APIError(.badRequest, "field '\(fieldName(context))' has the wrong type")
        } catch {
            throw APIError(.badRequest, "the body is not valid JSON of the expected shape")
        }
    }

    /// The field a decoding error is about, as a dotted path.
    private static func fieldName(_ context: DecodingError.Context) -> String {
        context.codingPath.map(\.stringValue).joined(separator: ".")
    }

    /// `value` as a JSON response with `status`.
    static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let data = try encoder.encode(value)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `{"error": message}` with `status`.
    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        (try? response(["error": message], status: status)) ?? Response(status: status)
    }
}
