import ArgumentParser
import Foundation
import Postgres
import RRFStore
import RRFWorkflow

extension TrainingCommand {
    /// `rrfctl training certificate`: the certificates the fund issued.
    struct Certificate: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "certificate",
            abstract: "List, watch and revoke certificates.", subcommands: [List.self, Expiring.self, Revoke.self],
            aliases: ["certificates"]
        )

        struct List: StoreQuery {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List the certificates valid today (or all with --all).")
            @Option(help: "Only this organisation's.", transform: codeArgument) var organisation: String?
            @Option(help: "Only this course's.", transform: codeArgument) var course: String?
            @Flag(help: "Also expired and revoked certificates.") var all = false
            @OptionGroup var page: PageOptions
            @OptionGroup var options: ReadOptions

            func perform(_ store: FundStore) throws -> Page<CertificateRecord> {
                try store.trainingCertificates(CertificateFilter(
                    organisation: organisation, course: course, includeInvalid: all, limit: page.limit, after: page.after
                ))
            }
        }

        struct Expiring: StoreQuery {
            static let configuration = CommandConfiguration(commandName: "expiring", abstract: "Certificates whose last valid day is within the next N days.")
            @Option(help: "How many days ahead.") var days = 30
            @OptionGroup var options: ReadOptions

            func perform(_ store: FundStore) throws -> [CertificateRecord] { try store.expiringCertificates(withinDays: days) }
        }

        struct Revoke: StoreChange {
            static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke a certificate (secretariat); it no longer counts.")
            @Argument(help: "The certificate, e.g. TC-7.") var certificate: String
            @Option(help: "Why.") var reason: String
            @OptionGroup var options: ChangeOptions

            func perform(_ store: FundStore, as login: String) throws -> CertificateRecord {
                try store.revokeCertificate(certificate, reason: reason, as: login)
            }
        }
    }

    /// `rrfctl training report`: who is trained in what.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Who is trained in what (per organisation) and attendance (per course).", subcommands: [Organisation.self, Course.self]
        )

        struct Organisation: StoreQuery {
            static let configuration = CommandConfiguration(commandName: "org", abstract: "Valid certificates of an organisation's staff and its tranche training shortfalls.")
            @Argument(help: "The organisation's code.") var code: String
            @OptionGroup var options: ReadOptions

            func perform(_ store: FundStore) throws -> OrganisationTrainingReport { try store.organisationTrainingReport(code) }

            func show(_ report: OrganisationTrainingReport) {
                print("\(report.organisation) — \(report.name), on \(report.on)")
                var table = TextTable("HOLDER", "COURSE", "CERTIFICATE", "ISSUED", "VALID THROUGH")
                for certificate in report.certificates {
                    table.add(certificate.holderName, certificate.courseCode, certificate.reference, certificate.issuedOn.description, certificate.validThrough.description)
                }
                print(table.render())
                printShortfalls(report.trancheShortfalls, subject: "the tranche policy")
            }
        }

        struct Course: StoreQuery {
            static let configuration = CommandConfiguration(commandName: "course", abstract: "A course's sessions and attendance by gender and organisation.")
            @Argument(help: "The course's code.") var code: String
            @OptionGroup var options: ReadOptions

            func perform(_ store: FundStore) throws -> CourseTrainingReport { try store.courseTrainingReport(code) }

            func show(_ report: CourseTrainingReport) {
                print("\(report.course.code) — \(report.course.title) (valid \(report.course.validityMonths) months); \(report.validCertificates) valid certificates")
                TrainingSessionRecord.printTable(report.sessions)
                for (title, tallies) in [("GENDER", report.byGender), ("ORGANISATION", report.byOrganisation)] {
                    var table = TextTable(title, "REGISTERED", "ATTENDED", "PASSED")
                    for tally in tallies { table.add(tally.group, "\(tally.registered)", "\(tally.attended)", "\(tally.passed)") }
                    print("")
                    print(table.render())
                }
            }
        }
    }
}

extension CertificateRecord: HumanReadable, TablePrintable {
    /// Certificates as a table.
    static func printTable(_ records: [CertificateRecord]) {
        var table = TextTable("CERTIFICATE", "HOLDER", "ORGANISATION", "COURSE", "ISSUED", "VALID THROUGH", "STATUS")
        for record in records {
            table.add(record.reference, record.holderName, record.organisation, record.courseCode, record.issuedOn.description,
                      record.validThrough.description, record.status + (record.revocationReason.map { ": \($0)" } ?? ""))
        }
        print(table.render())
    }
}
