import JobQueue
import Logging
import RRFStore

/// `training.certificate_expiry_reminders` (periodic) → ``FundStore/remindExpiringCertificates(withinDays:)``:
/// certificates valid for 30 days or less → their organisation's users are told, once per certificate.
struct CertificateExpiryHandler: StoreJobHandler {
    static let jobKind = DaemonJobKinds.certificateExpiryReminders
    let services: RRFServices

    func perform(_ payload: NoPayload, store: FundStore, context: JobContext) throws {
        let reminded = try store.remindExpiringCertificates(withinDays: 30)
        context.logger.info("certificate expiry reminders", metadata: ["count": "\(reminded.count)"])
    }
}
