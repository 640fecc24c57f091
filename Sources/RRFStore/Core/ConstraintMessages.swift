import Postgres

/// Turns database errors into sentences: a violated constraint (by its name, see `sql/`) becomes the domain
/// rule it protects; anything else becomes a generic sentence, keeping the technical cause in `underlying`.
enum ConstraintMessages {
    /// constraint name → (code, sentence).
    static let sentences: [String: (code: String, message: String)] = [
        "organisations_code_key": ("organisation_code_taken", "Another organisation already has this code; choose a different code."),
        "organisations_code_format": ("organisation_code_invalid", "An organisation code is 2 to 32 capital letters, digits, '-' or '_', e.g. NGO-ALPHA."),
        "organisations_name_length": ("organisation_name_invalid", "An organisation name must have 1 to 300 characters."),
        "organisations_country_format": ("country_invalid", "The country must be an ISO 3166 two-letter code in capitals, e.g. KE."),
        "organisations_expiry_after_assessment": ("due_diligence_expiry_invalid", "The due diligence expiry must be after the assessment day."),
        "users_login_key": ("login_taken", "Another user already has this login; choose a different login."),
        "users_login_format": ("login_invalid", "A login is 1 to 64 lowercase letters, digits, '.', '_', '@' or '-', starting with a letter or digit."),
        "users_display_name_length": ("display_name_invalid", "A user's name must have 1 to 200 characters."),
        "users_email_format": ("email_invalid", "The e-mail address is not valid; write it like name@example.org."),
        "user_roles_pkey": ("role_duplicate", "The user already has this role."),
        "calls_code_key": ("call_code_taken", "Another call already has this code; choose a different code."),
        "calls_code_format": ("call_code_invalid", "A call code is 2 to 32 capital letters, digits, '-' or '_', e.g. SA-2026-1."),
        "calls_title_length": ("call_title_invalid", "A call title must have 1 to 300 characters."),
        "calls_ceiling_positive": ("ceiling_not_positive", "The per-proposal ceiling must be above zero."),
        "calls_deadlines_ordered": ("deadlines_out_of_order", "The review deadline must come after the submission deadline; move it later."),
        "calls_decision_sla_positive": ("decision_sla_invalid", "The decision SLA must be at least one business hour or day."),
        "calls_quorum_positive": ("quorum_invalid", "The review quorum must be at least 1 reviewer."),
        "calls_divergence_spread_range": ("divergence_spread_invalid", "The divergence spread must be between 0 and 100 points."),
        "call_envelopes_amount_not_negative": ("envelope_negative", "An envelope cannot be negative."),
        "call_envelopes_committed_within_amount": ("amount_exceeds_envelope", "The envelope does not have enough uncommitted money for this; approve less or add funds to the envelope."),
        "call_envelopes_cluster_known": ("cluster_unknown", "The cluster is not one of the clusters the fund knows."),
        "proposals_reference_key": ("reference_taken", "A proposal with this reference already exists."),
        "proposals_title_length": ("title_invalid", "A proposal title must have 1 to 300 characters."),
        "proposals_summary_length": ("summary_too_long", "The proposal summary is too long; shorten it to 20,000 characters or fewer."),
        "proposals_locations_present": ("locations_invalid", "A proposal names 1 to 200 locations."),
        "proposals_beneficiaries_positive": ("beneficiaries_not_positive", "The number of beneficiaries must be above zero."),
        "proposals_requested_positive": ("requested_amount_not_positive", "The requested amount must be above zero."),
        "proposals_duration_range": ("duration_out_of_range", "The duration must be 1 to 24 months."),
        "proposals_currency_of_call": ("currency_differs_from_call", "A proposal must be in its call's currency; state the amount in the call's currency."),
        "proposals_cluster_funded": ("cluster_not_funded", "The call does not fund this cluster; choose one of the call's clusters."),
        "proposals_approved_within_request": ("amount_exceeds_request", "The approved amount is more than requested; approve at most the requested amount."),
        "proposals_approved_positive": ("amount_not_positive", "The approved amount must be above zero; reject the proposal instead."),
        "proposals_decision_recorded": ("justification_required", "A decision needs its decider, time and a written justification."),
        "proposals_screening_reason_present": ("reason_required", "Give the reason why the proposal is ineligible."),
        "proposals_withdrawal_reason_present": ("reason_required", "Give the reason for withdrawing the proposal."),
    ]

    static func storeError(for error: PostgresError) -> StoreError {
        if let constraint = error.constraint, let sentence = sentences[constraint] {
            return StoreError(.rejected, code: sentence.code, sentence.message, underlying: error)
        }
        switch error.kind {
        case .connectionFailed:
            return StoreError(.configuration, code: "database_unreachable", sentence(error.message) + " " + (error.hint ?? ""), underlying: error)
        case .connectionClosed:
            return StoreError(.configuration, code: "database_connection_lost", "The connection to the database was lost. Check that PostgreSQL is running, then run the command again.", underlying: error)
        case .timeout:
            return StoreError(.configuration, code: "database_busy", "No database connection became free in time; try again in a moment.", underlying: error)
        case .server, .decoding, .misuse:
            break
        }
        switch error.sqlState ?? "" {
        case SQLState.uniqueViolation:
            return StoreError(.rejected, code: "already_exists", "This record already exists.", underlying: error)
        case SQLState.foreignKeyViolation:
            return StoreError(.rejected, code: "reference_missing", "The record refers to something that does not exist (or is still referred to).", underlying: error)
        case SQLState.checkViolation, SQLState.notNullViolation:
            return StoreError(.rejected, code: "invalid_value", "A value breaks a rule of the fund's records; check the values given.", underlying: error)
        case "42P01":
            return StoreError(.configuration, code: "schema_missing", "The database has no RRF schema yet; run `rrfctl db migrate` first.", underlying: error)
        case let state where state.hasPrefix("22"):
            return StoreError(.rejected, code: "invalid_value", "A value is not valid for its field (wrong format, out of range or not text); check the values given.", underlying: error)
        case SQLState.serializationFailure, SQLState.deadlockDetected, SQLState.lockNotAvailable:
            return StoreError(.conflict, code: "changed_since_loaded", "Someone else changed the same record at the same time; reload and try again.", underlying: error)
        default:
            return StoreError(.internal, code: "database_error", "The command failed because of an unexpected database error; run it again with RRF_DEBUG=1 for details and report it.", underlying: error)
        }
    }

    private static func sentence(_ text: String) -> String {
        (text.first.map { String($0).uppercased() } ?? "") + text.dropFirst()
    }
}
