import Foundation
import RRFStore
import RRFWorkflow

/// The demo's people signing in as they would: each is invited, opens the invitation in their mailbox, sets a
/// password, enrols an authenticator app where the role needs one (the demo plays the app), and signs in;
/// every step of the story then runs as that person, signed in (again, when a week of story time has passed).
final class DemoDesk {
    /// One person as the closing table shows them, so a reader can sign in as each.
    struct Credential: Codable {
        let login: String
        let roles: [String]
        let organisation: String?
        let password: String
        /// The `otpauth://` URI for the roles that sign in with a one-time code.
        let totp: String?
    }

    private let store: FundStore
    private let clock: DemoClock
    private(set) var credentials: [Credential] = []
    private var secrets: [String: (password: String, totp: OneTimePassword?)] = [:]
    private var sessions: [String: (token: String, signedInAt: Date)] = [:]

    init(store: FundStore, clock: DemoClock) {
        self.store = store.via(.cli)
        self.clock = clock
    }

    /// The first administrator sets a password with the link the operator hands over.
    func enrolFirstAdministrator(_ person: DemoCast.Person) throws {
        try setPassword(person, link: try store.firstAdministratorInvitation(person.login))
    }

    /// The administrator invites `person`, who finds the link in their mailbox and sets a password.
    func invite(_ person: DemoCast.Person) throws {
        _ = try self.store(DemoCast.admin.login).inviteUser(person.login, baseURL: "http://localhost:8080", as: DemoCast.admin.login)
        let invitation = try store.mailbox(person.login).first { $0.subject.contains("invited") }
        guard let link = invitation?.body.split(separator: "\n").first(where: { $0.contains("/invitation/") })?.split(separator: "/").last else {
            throw StoreError(.internal, code: "demo_invitation_missing", "The demo found no invitation for \(person.login) in the outbox; this is a defect.")
        }
        try setPassword(person, link: String(link))
    }

    /// The store acting for `login`, signed in.
    func store(_ login: String) throws -> FundStore {
        if let session = sessions[login], clock.now.timeIntervalSince(session.signedInAt) < 6 * 86_400 {
            return store.signedIn(token: session.token, channel: .cli)
        }
        guard let secret = secrets[login] else {
            throw StoreError(.internal, code: "demo_person_unknown", "The demo has no password for \(login); this is a defect.")
        }
        let issued = try store.signIn(login: login, password: secret.password, code: secret.totp?.code(at: clock.now), label: "demo")
        sessions[login] = (issued.secret, clock.now)
        return store.signedIn(token: issued.secret, channel: .cli)
    }

    private func setPassword(_ person: DemoCast.Person, link: String) throws {
        let password = Self.password()
        let enrolment = try store.acceptCredentialLink(token: link, password: password)
        secrets[person.login] = (password, enrolment.flatMap { OneTimePassword(base32: $0.secret) })
        credentials.append(Credential(
            login: person.login, roles: person.roles.map(\.rawValue).sorted(), organisation: person.organisations.first, password: password,
            totp: enrolment?.uri
        ))
    }

    /// Four random words and two digits, e.g. `mango-river-stone-lamp-42`: long, easy to type.
    private static func password() -> String {
        let words = ["acacia", "baobab", "camel", "delta", "ember", "falcon", "gazelle", "harbour", "ivory", "jasmine", "kettle", "lantern",
                     "mango", "nomad", "oasis", "pepper", "quartz", "river", "savanna", "tamarind", "umber", "valley", "willow", "zebra"]
        var generator = SystemRandomNumberGenerator()
        let chosen = (0..<4).map { _ in words.randomElement(using: &generator)! }
        return chosen.joined(separator: "-") + "-\(Int.random(in: 10...99, using: &generator))"
    }
}
