import Hummingbird
import RRFStore

extension Portal {
    /// The fields of a one-button form: its CSRF token and the version of the record it acts on.
    struct OneButtonForm: Decodable {
        let csrf: String?
        let version: String?
    }

    /// A staff form's command, the one way every desk runs one: refused without the person's CSRF token, run on a
    /// store thread, then back to `done`; a refusal of the rules, or a record changed or gone meanwhile, shows the
    /// form's page again through `refused` with the store's sentence. Other errors answer as every page does.
    func formCommand(
        csrf: String?, request: Request, person: SignedInPerson, done: String, _ command: @escaping @Sendable () throws -> Void,
        refused: (StoreError) async throws -> Response
    ) async throws -> Response {
        guard person.accepts(csrf) else { return formExpired(request) }
        do {
            try await runner.run { try command() }
            return redirect(done)
        } catch let error as StoreError where [.rejected, .conflict, .notFound].contains(error.kind) {
            return try await refused(error)
        }
    }
}
