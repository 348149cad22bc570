import AWDLSTM
import Foundation
import Hummingbird

/// Every failed request answered as `{"error": "..."}` with its status: a
/// refused request (`APIError`), the router's own refusals (unknown path, wrong
/// method) and, as 500, anything else, so that one bad request never stops the
/// server.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return JSONBody.error(error.status, error.message)
        } catch let error as CorpusError {
            return JSONBody.error(.unprocessableContent, error.description)
        } catch let error as ConfigurationError {
            return JSONBody.error(.unprocessableContent, error.description)
        } catch let error as HTTPError {
            return JSONBody.error(error.status, error.body ?? error.status.reasonPhrase.lowercased())
        } catch {
            return JSONBody.error(.internalServerError, String(describing: error))
        }
    }
}
