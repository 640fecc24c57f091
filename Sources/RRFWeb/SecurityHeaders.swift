import HTTPTypes
import Hummingbird

/// Headers every answer carries: a Content-Security-Policy that allows no inline script or style and nothing
/// from elsewhere, no framing, no sniffing, no referrer (links carry one-time tokens), and pages never cached;
/// answers made from an HTTP error (a malformed form, an unknown address) carry them too.
struct SecurityHeaders<Context: RequestContext>: RouterMiddleware {
    static var policy: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        } catch is URLEncodedFormError, is DecodingError {
            // A body that is not the form it claims to be: the sender's fault, said plainly; nothing was done.
            response = Response(
                status: .badRequest, headers: [.contentType: "text/plain; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "The form could not be read. Reload the page and send it again.\n"))
            )
        }
        response.headers[.contentSecurityPolicy] = Self.policy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        if response.headers[.cacheControl] == nil { response.headers[.cacheControl] = "no-store" }
        return response
    }
}
