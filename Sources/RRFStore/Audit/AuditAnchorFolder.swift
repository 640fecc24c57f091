import Crypto
import Foundation
import Glibc

/// The folder of signed checkpoints (`checkpoint-000001.json`, `checkpoint-000002.json`, …) outside PostgreSQL:
/// `rrfctl audit anchor` (and rrfd on a schedule) adds one, `rrfctl audit verify --anchors` reads them all.
public enum AuditAnchorFolder {
    /// What the folder's checkpoints say, each checked against the trusted key and chained to the one before.
    public struct Contents: Sendable {
        public let state: AuditAnchorState
        /// The latest checkpoint as written (nil when the folder holds none).
        public let latest: SignedAuditCheckpoint?
    }

    /// Reads and checks every checkpoint in `folder`: signed by `trusted`, numbered 1, 2, 3 … without a gap,
    /// each carrying the digest of the one before; refuses the folder at the first that is not.
    public static func read(_ folder: URL, trusting trusted: Curve25519.Signing.PublicKey) throws -> Contents {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw StoreError.configuration("The anchor folder \(folder.path) cannot be read; check the path and its permissions.")
        }
        let numbered = names.compactMap { name in number(ofFile: name).map { ($0, name) } }.sorted { $0.0 < $1.0 }
        var state = AuditAnchorState()
        var latest: SignedAuditCheckpoint?
        for (index, (number, name)) in numbered.enumerated() {
            guard number == index + 1 else {
                throw invalid("Checkpoint \(index + 1) is missing from \(folder.path) (the next one is \(name)): checkpoints were removed.")
            }
            let signed: SignedAuditCheckpoint
            do {
                signed = try JSONDecoder().decode(SignedAuditCheckpoint.self, from: Data(contentsOf: folder.appendingPathComponent(name)))
            } catch {
                throw invalid("\(name) in \(folder.path) is not a signed checkpoint (it cannot be read as one).")
            }
            let checkpoint = try signed.verified(by: trusted, file: name)
            guard checkpoint.number == number, checkpoint.previousDigest == (latest?.digest ?? AuditLog.genesisHash) else {
                throw invalid("\(name) does not follow checkpoint \(number - 1): checkpoints were replaced or renamed.")
            }
            for head in checkpoint.heads {
                state.heads[head.stream] = .init(sequence: head.sequence, hash: head.hash, id: head.id, checkpoint: number)
            }
            state.latestCheckpoint = number
            state.latestTakenAtMicros = checkpoint.takenAtMicros
            latest = signed
        }
        return Contents(state: state, latest: latest)
    }

    /// Writes `checkpoint`, signed with `key`, as the folder's next file; refuses to replace a file.
    public static func write(_ checkpoint: AuditCheckpoint, signedWith key: Curve25519.Signing.PrivateKey, into folder: URL) throws -> URL {
        let signed = try SignedAuditCheckpoint(checkpoint, signedWith: key)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let file = folder.appendingPathComponent(fileName(checkpoint.number))
        guard createExclusively(file, contents: try encoder.encode(signed) + Data("\n".utf8), permissions: 0o644) else {
            throw StoreError.configuration(
                "\(file.path) cannot be created (another anchor wrote it at the same moment, or the folder is not writable); nothing was written."
            )
        }
        return file
    }

    /// The file name of checkpoint `number`.
    public static func fileName(_ number: Int) -> String { "checkpoint-" + String(format: "%06d", number) + ".json" }

    /// A refusal of the folder: what was found, as a tampering finding (exit code 3 in rrfctl).
    static func invalid(_ message: String) -> StoreError {
        StoreError(.rejected, code: "audit_anchor_invalid", "The audit anchors were tampered with: \(message)")
    }

    /// Creates `file` with `contents` only if it does not exist (O_EXCL), flushed to disk before it is named
    /// complete; false when it exists or cannot be written (a partial file is removed).
    static func createExclusively(_ file: URL, contents: Data, permissions: mode_t) -> Bool {
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_EXCL, permissions)
        guard descriptor >= 0 else { return false }
        let written = contents.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count <= 0 { return false }
                offset += count
            }
            return fsync(descriptor) == 0
        }
        let closed = close(descriptor) == 0
        if !(written && closed) { unlink(file.path) }
        return written && closed
    }

    private static func number(ofFile name: String) -> Int? {
        guard name.hasPrefix("checkpoint-"), name.hasSuffix(".json") else { return nil }
        return Int(name.dropFirst("checkpoint-".count).dropLast(".json".count))
    }
}
