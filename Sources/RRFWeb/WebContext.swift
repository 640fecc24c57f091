import Hummingbird

/// The request context of the portal: forms are URL-encoded.
public struct WebContext: RequestContext {
    public typealias Decoder = URLEncodedFormDecoder
    public var coreContext: CoreRequestContextStorage
    /// The client's address, for the sign-in rate limit (nil when unknown, e.g. in router tests).
    public let clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    public var requestDecoder: URLEncodedFormDecoder { URLEncodedFormDecoder() }
}
