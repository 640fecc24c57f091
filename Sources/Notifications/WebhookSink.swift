import Crypto
import Foundation
import JobQueue
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The key webhook bodies are signed with. It never shows in text: its description, debug description and mirror
/// are redacted, so logging a sink or a configuration that holds it reveals nothing.
public struct WebhookSecret: Sendable, Equatable, Decodable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    fileprivate let bytes: [UInt8]

    /// nil for an empty text.
    public init?(_ text: String) {
        guard !text.isEmpty else { return nil }
        bytes = Array(text.utf8)
    }

    /// From a non-empty string (e.g. the YAML key `webhook_secret`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let secret = WebhookSecret(try container.decode(String.self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "the webhook secret must not be empty")
        }
        self = secret
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: []) }
}

/// POSTs a JSON document (the `OutboxMessage`) to the message's recipient URL, which must be one of `allowedURLs`,
/// with an `Idempotency-Key` header (the message's key) and a signature header, Stripe-like:
/// `RRF-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>`. A receiver recomputes
/// the HMAC over the timestamp, a dot and the raw body, compares in constant time, and refuses old timestamps
/// (replays).
public struct WebhookSink: NotificationSink {
    public static let signatureHeader = "RRF-Signature"

    public let allowedURLs: Set<String>
    public let secret: WebhookSecret
    public let timeout: Duration

    public init(allowedURLs: [String], secret: WebhookSecret, timeout: Duration = .seconds(10)) {
        self.allowedURLs = Set(allowedURLs)
        self.secret = secret
        self.timeout = timeout
    }

    /// The `RRF-Signature` value for `body` sent at `timestamp` (seconds since 1970).
    public static func signature(of body: Data, timestamp: Int, secret: WebhookSecret) -> String {
        let signed = Data("\(timestamp).".utf8) + body
        let mac = HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: secret.bytes))
        return "t=\(timestamp),v1=\(mac.map { String(format: "%02x", $0) }.joined())"
    }

    private final class Outcome: @unchecked Sendable {
        var result: Result<Int, any Error> = .success(0)
    }

    public func deliver(_ message: OutboxMessage) throws {
        guard allowedURLs.contains(message.recipient), let url = URL(string: message.recipient),
              url.scheme == "https" || url.scheme == "http" else { throw NotificationError.webhookNotAllowed(message.recipient) }
        var request = URLRequest(url: url, timeoutInterval: timeout.seconds)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(message.idempotencyKey, forHTTPHeaderField: "Idempotency-Key")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let body = try encoder.encode(message)
        request.httpBody = body
        request.setValue(Self.signature(of: body, timestamp: Int(Date().timeIntervalSince1970), secret: secret),
                         forHTTPHeaderField: Self.signatureHeader)
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        session.dataTask(with: request) { _, response, error in
            if let error { outcome.result = .failure(error) } else { outcome.result = .success((response as? HTTPURLResponse)?.statusCode ?? 0) }
            done.signal()
        }.resume()
        // Blocking is fine here: sinks run on a worker thread, never on the cooperative pool.
        done.wait()
        switch outcome.result {
        case .failure(let error):
            throw NotificationError.webhookFailed(url: message.recipient, reason: error.localizedDescription)
        case .success(let status) where !(200..<300).contains(status):
            throw NotificationError.webhookFailed(url: message.recipient, reason: "HTTP status \(status)")
        case .success:
            return
        }
    }
}
