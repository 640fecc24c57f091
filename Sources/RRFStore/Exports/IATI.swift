import Foundation
import RRFWorkflow

/// An organisation as IATI names it: an identifier (`XM-DAC-…`, `KE-NGO-…`), an organisation type code and a name.
public struct IATIOrganisation: Sendable, Equatable {
    /// nil when the organisation has no IATI identifier (participating organisations only).
    public var ref: String?
    /// IATI OrganisationType code: 10 government, 21 international NGO, 22 national NGO, 40 multilateral,
    /// 90 other.
    public var type: String
    public var name: String

    public init(ref: String?, type: String, name: String) {
        self.ref = ref
        self.type = type
        self.name = name
    }

    /// The codes of IATI's OrganisationType codelist.
    public static let organisationTypes: Set<String> = ["10", "11", "15", "21", "22", "23", "24", "30", "40", "60", "70", "71", "72", "73", "80", "90"]

    /// The reporting organisation of an export, refused when its identifier is not an IATI organisation
    /// identifier (a registration agency prefix such as `XM-DAC` or `GB-COH`, a hyphen, the number; no spaces) or
    /// its type is not in the OrganisationType codelist; the sentence names the option.
    public static func reporting(ref: String, type: String, name: String) throws -> IATIOrganisation {
        let parts = ref.split(separator: "-", omittingEmptySubsequences: false)
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._")
        guard parts.count >= 2, parts[0].count == 2, parts[0].allSatisfy({ $0.isASCII && $0.isUppercase }),
              parts.allSatisfy({ !$0.isEmpty && $0.unicodeScalars.allSatisfy(allowed.contains) }), ref.count <= 100 else {
            throw StoreError(
                .rejected, code: "iati_identifier_invalid",
                "The reporting organisation's identifier \(ref.debugDescription) is not an IATI organisation identifier; write the registration agency's prefix, a hyphen and the number, e.g. XM-DAC-41127 or GB-COH-1234567."
            )
        }
        guard organisationTypes.contains(type) else {
            throw StoreError(
                .rejected, code: "iati_organisation_type_invalid",
                "The reporting organisation's type \(type.debugDescription) is not an IATI OrganisationType code; use one of \(organisationTypes.sorted().joined(separator: ", ")) (40 multilateral, 21 international NGO)."
            )
        }
        let checkedName: String
        do {
            checkedName = try Validate.text(name, field: "reporting organisation's name (--reporting-org-name)", maximum: TextLimit.line)
        } catch {
            throw StoreError(error)
        }
        return IATIOrganisation(ref: ref, type: type, name: checkedName)
    }
}

/// One grant as an IATI 2.03 activity.
public struct IATIActivity: Sendable, Equatable {
    /// IATI ActivityStatus codes.
    public enum Status: String, Sendable {
        case pipeline = "1", implementation = "2", finalisation = "3", closed = "4", cancelled = "5", suspended = "6"
    }

    /// IATI TransactionType codes used by the fund.
    public enum TransactionType: String, Sendable {
        /// Signed agreement.
        case commitment = "2"
        /// A released tranche.
        case disbursement = "3"
        /// Spending from an accepted financial report.
        case expenditure = "4"
    }

    public struct Transaction: Sendable, Equatable {
        public var type: TransactionType
        public var date: LocalDate
        public var value: Money
        public var description: String?

        public init(type: TransactionType, date: LocalDate, value: Money, description: String? = nil) {
            self.type = type
            self.date = date
            self.value = value
            self.description = description
        }
    }

    /// A cluster's share of the activity.
    public struct Sector: Sendable, Equatable {
        public var cluster: Cluster
        public var percentage: Int

        public init(cluster: Cluster, percentage: Int) {
            self.cluster = cluster
            self.percentage = percentage
        }
    }

    public var identifier: String
    public var reportingOrg: IATIOrganisation
    public var title: String
    public var description: String
    /// Role 1: the donors whose money funds the activity.
    public var funders: [IATIOrganisation]
    /// Role 3: the fund's manager.
    public var extending: IATIOrganisation
    /// Role 4: the NGO.
    public var implementing: IATIOrganisation
    public var status: Status
    /// Actual start (activity-date type 2).
    public var start: LocalDate
    /// Planned end (activity-date type 3).
    public var plannedEnd: LocalDate?
    /// Actual end (activity-date type 4): the day a grant was closed or terminated.
    public var actualEnd: LocalDate?
    /// ISO 3166-1 alpha-2.
    public var recipientCountry: String
    /// Percentages summing to 100.
    public var sectors: [Sector]
    public var currency: Currency
    public var transactions: [Transaction]
    public var lastUpdated: Date

    public init(
        identifier: String, reportingOrg: IATIOrganisation, title: String, description: String, funders: [IATIOrganisation],
        extending: IATIOrganisation, implementing: IATIOrganisation, status: Status, start: LocalDate, plannedEnd: LocalDate?,
        actualEnd: LocalDate? = nil, recipientCountry: String, sectors: [Sector], currency: Currency, transactions: [Transaction],
        lastUpdated: Date
    ) {
        self.identifier = identifier
        self.reportingOrg = reportingOrg
        self.title = title
        self.description = description
        self.funders = funders
        self.extending = extending
        self.implementing = implementing
        self.status = status
        self.start = start
        self.plannedEnd = plannedEnd
        self.actualEnd = actualEnd
        self.recipientCountry = recipientCountry
        self.sectors = sectors
        self.currency = currency
        self.transactions = transactions
        self.lastUpdated = lastUpdated
    }

}

extension Cluster {
    /// The cluster's code in IATI sector vocabulary 10 (IASC global clusters): the acronyms of OCHA's
    /// Global Coordination Groups list.
    public var iatiCode: String {
        switch self {
        case .campCoordination: "CCM"
        case .earlyRecovery: "ERY"
        case .education: "EDU"
        case .emergencyTelecommunications: "ETC"
        case .foodSecurity: "FSC"
        case .health: "HEA"
        case .logistics: "LOG"
        case .nutrition: "NUT"
        case .protection: "PRO"
        case .shelter: "SHL"
        case .wash: "WSH"
        }
    }
}

/// IATI 2.03 activity XML (`<iati-activities version="2.03">`), as OCHA's Financial Tracking Service imports it.
///
/// Per activity, in the order the schema requires: `iati-identifier`; `reporting-org` (the fund's manager);
/// `title`; `description`; `participating-org` role 1 Funding (each donor), 3 Extending (the fund's
/// manager), 4 Implementing (the NGO); `activity-status`; `activity-date` type 2 (actual start) and 3
/// (planned end); `recipient-country` (on the activity, never on transactions); `sector` vocabulary 10 with
/// percentages summing to 100; `transaction`s of type 2 Commitment, 3 Disbursement, 4 Expenditure, each
/// with `transaction-date` and `value` (currency, value-date). Activities carry `humanitarian="1"`,
/// `default-currency` and `last-updated-datetime`.
public enum IATIXML {
    public static func document(_ activities: [IATIActivity], generated: Date) -> String {
        var xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <iati-activities version="2.03" generated-datetime="\(timestamp(generated))">

            """
        for activity in activities { xml += self.activity(activity) }
        xml += "</iati-activities>\n"
        return xml
    }

    static func activity(_ activity: IATIActivity) -> String {
        var xml = """
             <iati-activity last-updated-datetime="\(timestamp(activity.lastUpdated))" xml:lang="en" default-currency="\(activity.currency.code)" humanitarian="1">
              <iati-identifier>\(escaped(activity.identifier))</iati-identifier>
              <reporting-org ref="\(escaped(activity.reportingOrg.ref ?? ""))" type="\(escaped(activity.reportingOrg.type))">\(narrative(activity.reportingOrg.name))</reporting-org>
              <title>\(narrative(activity.title))</title>
              <description type="1">\(narrative(activity.description))</description>

            """
        func participating(_ organisation: IATIOrganisation, role: String) -> String {
            let ref = organisation.ref.map { " ref=\"\(escaped($0))\"" } ?? ""
            return "  <participating-org\(ref) type=\"\(escaped(organisation.type))\" role=\"\(role)\">\(narrative(organisation.name))</participating-org>\n"
        }
        for funder in activity.funders { xml += participating(funder, role: "1") }
        xml += participating(activity.extending, role: "3")
        xml += participating(activity.implementing, role: "4")
        xml += "  <activity-status code=\"\(activity.status.rawValue)\"/>\n"
        xml += "  <activity-date type=\"2\" iso-date=\"\(activity.start)\"/>\n"
        if let end = activity.plannedEnd { xml += "  <activity-date type=\"3\" iso-date=\"\(end)\"/>\n" }
        if let end = activity.actualEnd { xml += "  <activity-date type=\"4\" iso-date=\"\(end)\"/>\n" }
        xml += "  <recipient-country code=\"\(escaped(activity.recipientCountry))\" percentage=\"100\"/>\n"
        for sector in activity.sectors {
            xml += "  <sector vocabulary=\"10\" code=\"\(sector.cluster.iatiCode)\" percentage=\"\(sector.percentage)\">\(narrative(sector.cluster.displayName))</sector>\n"
        }
        for transaction in activity.transactions {
            xml += """
                  <transaction>
                   <transaction-type code="\(transaction.type.rawValue)"/>
                   <transaction-date iso-date="\(transaction.date)"/>
                   <value currency="\(transaction.value.currency.code)" value-date="\(transaction.date)">\(transaction.value.amountText(grouped: false))</value>

                """
            if let description = transaction.description { xml += "   <description>\(narrative(description))</description>\n" }
            xml += "  </transaction>\n"
        }
        xml += " </iati-activity>\n"
        return xml
    }

    private static func narrative(_ text: String) -> String { "<narrative>\(escaped(text))</narrative>" }

    /// Text and attribute values with XML's five special characters escaped and control characters dropped.
    static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default: if scalar.value >= 0x20 { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
