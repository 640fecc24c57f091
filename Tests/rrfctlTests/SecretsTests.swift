import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import Testing

/// Secrets stay secret: a full run's logs, audit payloads, security log, exports and `--json` output hold none
/// of the passwords, tokens, one-time codes, recovery codes, invitation links or TOTP secrets it used.
@Suite(.serialized) struct SecretsTests {
    @Test func noSecretOfAFullRunAppearsInLogsAuditExportsOrJSON() throws {
        try withTestDatabase { db in
            var cli = CLI(db)
            cli.environment = ["RRF_LOG_LEVEL": "debug", "RRF_DEBUG": "1"]
            var secrets: [String] = []
            var captured = ""
            func keep(_ outcome: CLI.Outcome) { captured += outcome.stdout + "\n" + outcome.stderr + "\n" }
            let connection = try db.connect()
            defer { connection.close() }

            // The first administrator, then everyone by invitation: each sets their own password and signs in.
            let first = try cli.ok("user", "add", "admin", "--name", "Ada Admin", "--role", "admin", "--email", "ada@fund.example", as: nil)
            let firstLink = try #require(first.stdout.split(separator: " ").first { $0.hasPrefix("rrfl_") }.map { String($0.split(separator: "\n")[0]) })
            func enrol(_ login: String, link: String) throws {
                let password = "pw-\(UUID().uuidString.prefix(18))"
                secrets += [password, link]
                let set = cli.finish(try cli.start(cli.bare(["user", "set-password", "--link", link, "--password-file", "-"], actor: login), input: password))
                #expect(set.status == 0, "\(set.stderr)")
                let lines = set.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                let secret = lines.first { $0.hasPrefix("Secret:") }.map { String($0.dropFirst("Secret:".count)).trimmingCharacters(in: .whitespaces) }
                secrets += lines.filter { $0.count == 14 && $0.filter { $0 == "-" }.count == 2 }
                var arguments = ["login", "--login", login, "--password-file", "-"]
                if let secret, let otp = OneTimePassword(base32: secret) {
                    secrets.append(secret)
                    let code = otp.code(at: Date())
                    secrets.append(code)
                    arguments += ["--code", code]
                }
                let signedIn = cli.finish(try cli.start(cli.bare(arguments, actor: login), input: password))
                #expect(signedIn.status == 0, "\(signedIn.stderr)")
                keep(signedIn)
                secrets.append(try String(contentsOf: cli.tokenFile(login), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines))
            }
            try enrol("admin", link: firstLink)
            for (login, role) in [("sec", "secretariat"), ("fm", "fund_manager"), ("fin", "finance_officer")] {
                try cli.ok("user", "add", login, "--name", "Person \(login)", "--role", role, "--email", "\(login)@fund.example", as: "admin")
                keep(try cli.ok("user", "invite", login, "--json", as: "admin"))
                let body = try connection.query(
                    "SELECT body FROM notifications WHERE recipient = $1 ORDER BY id DESC LIMIT 1", ["\(login)@fund.example"]
                ).single().decode("body", as: String.self)
                let link = try #require(body.split(separator: "\n").first { $0.contains("/invitation/") }?.split(separator: "/").last.map(String.init))
                try enrol(login, link: link)
            }
            // A failed sign-in, an API token, a revoked one.
            keep(cli.finish(try cli.start(cli.bare(["login", "--login", "sec", "--password-file", "-"], actor: "nobody"), input: "a wrong password here")))
            let created = try cli.ok("token", "create", "--label", "nightly export", "--days", "5", as: "fin")
            let apiToken = try #require(created.stdout.split(separator: "\n").first { $0.hasPrefix("rrf_") }.map(String.init))
            secrets.append(apiToken)
            keep(try cli.ok("token", "create", "--label", "nightly export", "--days", "5", "--json", as: "fin"))
            keep(try cli.ok("token", "list", "--all", "--json", as: "admin"))

            // The fund at work, every read as JSON.
            try cli.ok("org", "register", "NGO-ALPHA", "--name", "Alpha Relief", "--country", "KE", as: "sec")
            keep(try cli.ok("user", "list", "--json", as: "admin"))
            keep(try cli.ok("whoami", "--json", as: "fm"))
            keep(try cli.ok("audit", "refusals", "--json", as: "admin"))
            keep(try cli.ok("org", "list", "--json", as: "sec"))
            keep(try cli.ok("ledger", "balance", "--json", as: "fin"))
            for aggregate in ["organisations", "calls"] { keep(try cli.ok("export", "csv", aggregate, as: "sec")) }
            keep(try cli.ok("export", "iati", as: "sec"))
            keep(try cli.ok("export", "hxl", as: "sec"))
            let daemon = try Daemon(db)
            defer { daemon.cleanUp() }
            try daemon.drain()
            captured += daemon.logText("drain")

            let audit = try connection.query("SELECT string_agg(actor || ' ' || payload, E'\\n') AS text FROM audit_events").single().decode("text", as: String.self)
            let refusals = try connection.query("SELECT coalesce(string_agg(coalesce(actor, '') || ' ' || reason, E'\\n'), '') AS text FROM security_events")
                .single().decode("text", as: String.self)
            #expect(refusals.contains("sign_in") || !refusals.isEmpty)
            let everything = captured + "\n" + audit + "\n" + refusals
            #expect(secrets.count > 12)
            for secret in secrets where !secret.isEmpty {
                #expect(!everything.contains(secret), "a secret appears in the run's output: \(secret.prefix(6))…")
            }
        }
    }
}
