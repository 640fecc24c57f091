import Crypto
import Foundation

/// A signed statement of the audit log's stream heads at one moment, kept outside PostgreSQL so that someone
/// who can rewrite the database cannot rewrite it too (issue 18).
///
/// Checkpoints are numbered 1, 2, 3 … in their folder; each lists the streams whose last event changed since
/// the one before it and carries the digest of the one before it, so together they record every stream's head
/// and a checkpoint removed from the middle is noticed. Each is signed with Ed25519 by a key that never enters
/// the database (``AuditSigningKey``).
public struct AuditCheckpoint: Codable, Sendable, Equatable {
    /// One stream's last event when the checkpoint was taken.
    public struct Head: Codable, Sendable, Equatable {
        public let stream: String
        public let sequence: Int
        public let hash: String
        public let id: Int64

        public init(stream: String, sequence: Int, hash: String, id: Int64) {
            self.stream = stream
            self.sequence = sequence
            self.hash = hash
            self.id = id
        }
    }

    /// The format's name and version.
    public static let formatName = "rrf-audit-checkpoint-1"

    public let format: String
    public let number: Int
    /// When the database's snapshot was taken, microseconds since 1970-01-01 UTC.
    public let takenAtMicros: Int64
    /// SHA-256 of the previous checkpoint's signed text; zeros for the first.
    public let previousDigest: String
    /// How many events the log held.
    public let events: Int64
    /// The streams whose head changed since the previous checkpoint, by name.
    public let heads: [Head]

    public init(number: Int, takenAtMicros: Int64, previousDigest: String, events: Int64, heads: [Head]) {
        self.format = Self.formatName
        self.number = number
        self.takenAtMicros = takenAtMicros
        self.previousDigest = previousDigest
        self.events = events
        self.heads = heads
    }

    public var takenAt: Date { Date(timeIntervalSince1970: Double(takenAtMicros) / 1_000_000) }
}

/// A checkpoint as its file holds it: the exact text that was signed, the signer's public key and the signature
/// (both base64).
public struct SignedAuditCheckpoint: Codable, Sendable, Equatable {
    public let body: String
    public let publicKey: String
    public let signature: String

    /// Signs `checkpoint` (its canonical JSON text) with `key`.
    public init(_ checkpoint: AuditCheckpoint, signedWith key: Curve25519.Signing.PrivateKey) throws {
        body = try AuditLog.canonicalJSON(checkpoint)
        publicKey = key.publicKey.rawRepresentation.base64EncodedString()
        signature = try key.signature(for: Data(body.utf8)).base64EncodedString()
    }

    /// The digest the next checkpoint carries.
    public var digest: String { AuditLog.sha256Hex(body) }

    /// The checkpoint, once its signature is checked against `trusted` (the fund's public key, never the one
    /// the file carries by itself).
    public func verified(by trusted: Curve25519.Signing.PublicKey, file: String) throws -> AuditCheckpoint {
        guard publicKey == trusted.rawRepresentation.base64EncodedString(),
              let signatureBytes = Data(base64Encoded: signature),
              trusted.isValidSignature(signatureBytes, for: Data(body.utf8)) else {
            throw AuditAnchorFolder.invalid("\(file) is not signed by the fund's audit key: it was altered or written by someone else.")
        }
        do {
            let checkpoint = try JSONDecoder().decode(AuditCheckpoint.self, from: Data(body.utf8))
            guard checkpoint.format == AuditCheckpoint.formatName else {
                throw AuditAnchorFolder.invalid("\(file) is a checkpoint of an unknown format (\(checkpoint.format)).")
            }
            return checkpoint
        } catch let error as StoreError {
            throw error
        } catch {
            throw AuditAnchorFolder.invalid("\(file) is signed but is not a checkpoint this version of RRF can read.")
        }
    }
}

/// The Ed25519 key the checkpoints are signed with: a file holding the base64 of the 32-byte private key,
/// readable by its owner only; the public key (the same form) is what `audit verify --anchors` trusts.
public enum AuditSigningKey {
    /// Makes a new key pair: the private key into `privateKeyFile` (mode 0600) and the public key into
    /// `publicKeyFile`; refuses to overwrite either.
    public static func generate(privateKeyFile: URL, publicKeyFile: URL) throws {
        let key = Curve25519.Signing.PrivateKey()
        try write(key.rawRepresentation.base64EncodedString() + "\n", to: privateKeyFile, permissions: 0o600)
        try write(key.publicKey.rawRepresentation.base64EncodedString() + "\n", to: publicKeyFile, permissions: 0o644)
    }

    /// The private key in `file`; refuses a file others may read.
    public static func privateKey(at file: URL) throws -> Curve25519.Signing.PrivateKey {
        let attributes = try? FileManager.default.attributesOfItem(atPath: file.path)
        if let mode = (attributes?[.posixPermissions] as? NSNumber)?.intValue, mode & 0o077 != 0 {
            throw StoreError.configuration(
                "The audit signing key \(file.path) can be read by others; make it readable by its owner only (chmod 600 \(file.path))."
            )
        }
        return try key(at: file, what: "audit signing key") { try Curve25519.Signing.PrivateKey(rawRepresentation: $0) }
    }

    /// The public key in `file`.
    public static func publicKey(at file: URL) throws -> Curve25519.Signing.PublicKey {
        try key(at: file, what: "audit public key") { try Curve25519.Signing.PublicKey(rawRepresentation: $0) }
    }

    private static func key<Key>(at file: URL, what: String, _ make: (Data) throws -> Key) throws -> Key {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else {
            throw StoreError.configuration("The \(what) \(file.path) cannot be read; check the path and its permissions.")
        }
        guard let raw = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), let key = try? make(raw) else {
            throw StoreError.configuration("\(file.path) is not an \(what) (one line of base64, as `rrfctl audit keygen` writes it).")
        }
        return key
    }

    private static func write(_ text: String, to file: URL, permissions: mode_t) throws {
        guard AuditAnchorFolder.createExclusively(file, contents: Data(text.utf8), permissions: permissions) else {
            throw StoreError.configuration("\(file.path) cannot be created (it exists, or its folder is missing or not writable); nothing was written.")
        }
    }
}
