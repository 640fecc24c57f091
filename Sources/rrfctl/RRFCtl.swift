import ArgumentParser
import RRFStore

/// `rrfctl`: the admin CLI of the Rapid Response Fund.
@main
struct RRFCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rrfctl",
        abstract: "Operate a Rapid Response Fund: partners, calls, proposals, reviews, grants, training and the daemon's jobs.",
        discussion: """
            The database comes from --database-url, DATABASE_URL, or the standard PostgreSQL settings \
            (PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD, ~/.pgpass).

            Sign in first with `rrfctl login --login <you>`: every command then acts as you and sees what your \
            roles let you see (scripts set RRF_TOKEN to an API token from `rrfctl token create`). An administrator \
            can act for another person with --as <login>, recorded as the administrator acting for them. \
            `db migrate`, `db status` and `audit verify` need only the database. Every read accepts --json.

            Exit codes: 0 success; 1 unexpected failure; 3 refused by a rule of the fund (also a file whose \
            content breaks one); 4 not found; 5 changed by someone else meanwhile (reload and retry); 6 not allowed \
            for this user; 64 usage error (bad or missing arguments, an unknown command); 65 a file not in its \
            format (empty, not UTF-8, bad syntax, a field missing, unknown or of the wrong type: the command's \
            --help gives the format); 69 the database cannot be reached; 74 a file could not be read or written; \
            77 not signed in (or the sign-in expired or was revoked); 78 configuration (the schema not migrated, \
            a changed migration, a key or anchor file).

            Shell completions: rrfctl --generate-completion-script bash (or zsh, fish). The manual page: \
            rrfctl commands --man (troff) or --markdown.
            """,
        version: RRFVersion.current,
        subcommands: [
            LoginCommand.self, LogoutCommand.self, WhoamiCommand.self, TokenCommand.self,
            DatabaseCommand.self, OrganisationCommand.self, UserCommand.self, CallCommand.self, ProposalCommand.self,
            CommitteeCommand.self, ReviewCommand.self, FundCommand.self, GrantCommand.self, TrancheCommand.self,
            ReportCommand.self, LedgerCommand.self, TrainingCommand.self, AuditCommand.self, JobsCommand.self,
            DaemonCommand.self, WorkflowCommand.self, ExportCommand.self, DemoCommand.self, CommandsCommand.self,
        ]
    )
}
