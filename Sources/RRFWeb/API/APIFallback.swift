import HTTPTypes
import Hummingbird

/// What the API answers for a request that no operation takes: 405 with `Allow` for an address of the API
/// asked with another method, a 404 problem for any other address below ``Portal/apiBase``. Other requests
/// pass untouched.
struct APIFallback<Context: RequestContext>: RouterMiddleware {
    let routes: [APIRoute]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && request.uri.path.hasPrefix(Portal.apiBase + "/") {
            // The API's handlers answer every error themselves, so a 404 thrown here is the router's: no route.
            let segments = request.uri.path.dropFirst(Portal.apiBase.count).split(separator: "/")
            let allowed = routes.filter { Self.path($0.path, matches: segments) }.map(\.method)
            guard !allowed.isEmpty else {
                return APIProblem(.notFound, code: "operation_not_found", detail: "No operation of the API has this address; see \(Portal.apiBase)/openapi.json.").response
            }
            return APIProblem.methodNotAllowed(allowed)
        }
    }

    /// Whether the path template `template` (e.g. `/grants/{reference}`) matches the path `segments`.
    static func path(_ template: String, matches segments: [Substring]) -> Bool {
        let parts = template.split(separator: "/")
        return parts.count == segments.count && zip(parts, segments).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
    }
}
