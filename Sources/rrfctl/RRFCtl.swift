import ArgumentParser

/// `rrfctl`: the admin CLI of the Rapid Response Fund.
@main
struct RRFCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rrfctl",
        abstract: "Operate a Rapid Response Fund: partners, calls, proposals, reviews, grants, training and the daemon's jobs.",
        discussion: """
            The database comes from --database-url, DATABASE_URL, or the standard PostgreSQL settings \
            (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, ~/.pgpass).

            Commands that change something name the person doing it: --as <login> or RRF_ACTOR. Every read \
            accepts --json.

            Exit codes: 0 success; 1 unexpected failure; 3 refused by a rule of the fund; \
            4 not found; 5 changed by someone else meanwhile (reload and retry); 6 not allowed for this user; \
            7 configuration or database unreachable; 64 usage error (bad or missing arguments); \
            74 a file could not be read or written.

            Shell completions: rrfctl --generate-completion-script bash (or zsh, fish). The manual page: \
            rrfctl commands --man (troff) or --markdown.
            """,
        version: RRFVersion.current,
        subcommands: [
            DatabaseCommand.self, OrganisationCommand.self, UserCommand.self, CallCommand.self, ProposalCommand.self,
            CommitteeCommand.self, ReviewCommand.self, FundCommand.self, GrantCommand.self, TrancheCommand.self,
            ReportCommand.self, LedgerCommand.self, TrainingCommand.self, AuditCommand.self, JobsCommand.self,
            DaemonCommand.self, WorkflowCommand.self, ExportCommand.self, DemoCommand.self, CommandsCommand.self,
        ]
    )
}

/// The version printed by `--version`.
enum RRFVersion {
    static let current = "0.1.0"
}
