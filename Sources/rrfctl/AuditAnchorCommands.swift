import ArgumentParser
import Foundation
import RRFStore

/// Where checkpoints live and which key file signs or checks them: flags first, then the environment.
struct AnchorLocation {
    let folder: URL
    let key: URL

    /// Nil when neither the folder nor the key is given and they are not `required`; refuses one without the other.
    init?(folder: String?, key: String?, keyVariable: String, required: Bool) throws {
        let environment = ProcessInfo.processInfo.environment
        let folder = folder ?? environment["RRF_AUDIT_ANCHOR_DIR"].flatMap { $0.isEmpty ? nil : $0 }
        let key = key ?? environment[keyVariable].flatMap { $0.isEmpty ? nil : $0 }
        switch (folder, key) {
        case (nil, nil) where !required:
            return nil
        case (let folder?, let key?):
            self.folder = URL(fileURLWithPath: folder, isDirectory: true)
            self.key = URL(fileURLWithPath: key)
        case (nil, _):
            throw ValidationError("Give the folder of checkpoints with --anchors/--to (or RRF_AUDIT_ANCHOR_DIR).")
        case (_, nil):
            throw ValidationError("Give the key file with \(keyVariable == "RRF_AUDIT_PUBLIC_KEY" ? "--public-key" : "--signing-key") (or \(keyVariable)).")
        }
    }
}

/// `rrfctl audit anchor`: writes a signed checkpoint of the log outside the database.
struct AuditAnchorCommand: OperatorQuery {
    static let configuration = CommandConfiguration(
        commandName: "anchor",
        abstract: "Write a signed checkpoint of every stream's last event into a folder outside the database.",
        discussion: """
            The folder's next file (checkpoint-000001.json, …) lists the streams whose last event changed since the \
            folder's latest checkpoint, the digest of that checkpoint and an Ed25519 signature by the key in \
            --signing-key (from `rrfctl audit keygen`; readable by its owner only, never stored in the database). \
            rrfd writes one on a schedule when it is configured with the same folder and key. Copy the folder \
            off the machine (or put it on storage the database's users cannot write): `rrfctl audit verify \
            --anchors` then detects any rewrite of the log up to the latest checkpoint.
            """
    )
    @Option(help: "The folder of checkpoints (RRF_AUDIT_ANCHOR_DIR).") var to: String?
    @Option(help: "The private key file (RRF_AUDIT_SIGNING_KEY).") var signingKey: String?
    @OptionGroup var options: ReadOptions

    func perform(_ store: FundStore) throws -> AuditAnchorResult {
        guard let location = try AnchorLocation(folder: to, key: signingKey, keyVariable: "RRF_AUDIT_SIGNING_KEY", required: true) else {
            throw ValidationError("Give the folder with --to and the key with --signing-key.")
        }
        return try store.anchorAuditLog(into: location.folder, signingKey: AuditSigningKey.privateKey(at: location.key))
    }

    func show(_ result: AuditAnchorResult) {
        if let number = result.checkpoint, let file = result.file {
            print("Checkpoint \(number) written to \(file): \(result.streams) stream(s) changed, \(result.events) event(s) in the log.")
        } else {
            print("Nothing changed since checkpoint \(result.unchangedSince ?? 0); no checkpoint written.")
        }
    }
}

/// `rrfctl audit keygen`: makes the key pair checkpoints are signed with.
struct AuditKeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make the Ed25519 key pair audit checkpoints are signed with (the private key readable by its owner only).",
        discussion: """
            Keep the private key where rrfd (or whoever runs `rrfctl audit anchor`) can read it and the database's \
            users cannot, and the public key with whoever verifies. Neither file is overwritten.
            """
    )
    @Option(help: "Where to write the private key (mode 0600).") var privateKey: String
    @Option(help: "Where to write the public key.") var publicKey: String

    func run() throws {
        try reportingFailures {
            try AuditSigningKey.generate(privateKeyFile: URL(fileURLWithPath: privateKey), publicKeyFile: URL(fileURLWithPath: publicKey))
            print("Wrote the private key to \(privateKey) and the public key to \(publicKey).")
        }
    }
}
