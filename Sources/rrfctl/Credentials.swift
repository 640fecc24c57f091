import Foundation
import Postgres
import RRFStore

/// The CLI's sign-in: the token `rrfctl login` saved in a file only its owner can read, or `RRF_TOKEN`.
enum Credentials {
    /// Where `rrfctl login` keeps the token: `RRF_TOKEN_FILE`, else `$XDG_CONFIG_HOME/rrf/token`, else
    /// `~/.config/rrf/token`.
    static var tokenFile: URL {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["RRF_TOKEN_FILE"], !path.isEmpty { return URL(fileURLWithPath: path) }
        let base = environment["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".config")
        return base.appendingPathComponent("rrf").appendingPathComponent("token")
    }

    /// The token to act with: `RRF_TOKEN`, else the saved one; nil when there is none.
    static func token() -> String? {
        if let token = ProcessInfo.processInfo.environment["RRF_TOKEN"], !token.isEmpty { return token }
        guard let data = FileManager.default.contents(atPath: tokenFile.path) else { return nil }
        let token = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    /// Saves `token` for later commands, readable by its owner only (folder 0700, file 0600).
    static func save(_ token: String) throws {
        let file = tokenFile
        do {
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]
            )
            _ = FileManager.default.createFile(atPath: file.path, contents: nil, attributes: [.posixPermissions: 0o600])
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file.path)
            let handle = try FileHandle(forWritingTo: file)
            defer { try? handle.close() }
            try handle.truncate(atOffset: 0)
            try handle.write(contentsOf: Data((token + "\n").utf8))
        } catch {
            throw FileProblem(message: "The sign-in could not be saved in \(file.path); check that folder's permissions, or set RRF_TOKEN_FILE.", underlying: "\(error)")
        }
    }

    /// Forgets the saved token.
    static func forget() { try? FileManager.default.removeItem(at: tokenFile) }
}

extension DatabaseOptions {
    /// The fund's store acting for the signed-in person (`actingFor`: an administrator's `--as`).
    /// - Throws: `sign_in_required` (exit code 77) without a token.
    func signedInStore(actingFor: String? = nil) throws -> FundStore {
        guard let token = Credentials.token() else {
            throw StoreError(
                .unauthenticated, code: "sign_in_required",
                "Sign in first: run `rrfctl login --login <your login>` (or set RRF_TOKEN to an API token); this command acts as a person."
            )
        }
        return store().signedIn(token: token, channel: .cli, actingFor: actingFor)
    }
}

/// Reads a secret typed by a person: from the terminal without echo, or one line of standard input when it
/// is not a terminal (scripts pipe it); `--password-file` names a file instead.
enum SecretInput {
    static func read(prompt: String, file: String?) throws -> String {
        if let file {
            let text = try readText(file, holding: "the password on its first line", saveAs: "save it as UTF-8 text")
            return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        guard isatty(STDIN_FILENO) == 1 else { return readLine(strippingNewline: true) ?? "" }
        FileHandle.standardError.write(Data(prompt.utf8))
        var original = termios()
        tcgetattr(STDIN_FILENO, &original)
        var silent = original
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &original)
            FileHandle.standardError.write(Data("\n".utf8))
        }
        return readLine(strippingNewline: true) ?? ""
    }
}
