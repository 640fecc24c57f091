import Postgres
import Testing

/// Printing a connection string never shows its password, in any of the forms libpq takes.
@Suite struct ConfigurationRedactionTests {
    @Test(arguments: [
        ("postgresql://rrf_app:pw-not-shown@db.internal:5432/rrf", "postgresql://rrf_app:(redacted)@db.internal:5432/rrf"),
        ("postgres://rrf_app:p%40ss-not-shown@db/rrf?sslmode=verify-full", "postgres://rrf_app:(redacted)@db/rrf?sslmode=verify-full"),
        ("postgresql://rrf_app@db/rrf?password=not-shown&sslmode=require", "postgresql://rrf_app@db/rrf?password=(redacted)&sslmode=require"),
        ("postgresql://rrf_app@db/rrf", "postgresql://rrf_app@db/rrf"),
        ("postgresql:///rrf?host=/run/postgresql", "postgresql:///rrf?host=/run/postgresql"),
        ("host=db user=rrf_app password=not-shown dbname=rrf", "host=db user=rrf_app password=(redacted) dbname=rrf"),
        ("host=db password = 'with spaces not-shown' dbname=rrf", "host=db password = (redacted) dbname=rrf"),
        ("host=db dbname=rrf", "host=db dbname=rrf"),
    ])
    func thePasswordIsRedacted(text: String, shown: String) {
        #expect(PostgresConfiguration.redactingPassword(in: text) == shown)
    }
}
