import Foundation

/// A call or tranche policy's demand that an organisation has at least `minimumStaff` people with a valid
/// certificate for a course.
public struct TrainingRequirement: Hashable, Sendable, Codable {
    /// The course required.
    public let course: Course
    /// How many different staff must hold a valid certificate (at least 1).
    public let minimumStaff: Int

    /// Creates a requirement.
    public init(course: Course, minimumStaff: Int = 1) {
        self.course = course
        self.minimumStaff = max(1, minimumStaff)
    }

    /// The shortfall of `organisationID` on `date`, or nil when the requirement is met. People are counted once
    /// each (by name, ignoring case and surrounding spaces), whatever the number of their certificates.
    public func shortfall(certificates: [Certificate], organisationID: OrganisationID, on date: LocalDate) -> TrainingShortfall? {
        let holders = Set(certificates.lazy
            .filter { $0.courseID == course.id && $0.organisationID == organisationID && $0.isValid(on: date) }
            .map { $0.holderName.trimmingCharacters(in: .whitespaces).lowercased() })
        guard holders.count < minimumStaff else { return nil }
        return TrainingShortfall(courseCode: course.code, courseTitle: course.title, required: minimumStaff, valid: holders.count)
    }

    /// Every unmet requirement among `requirements`, in order.
    public static func shortfalls(
        _ requirements: [TrainingRequirement], certificates: [Certificate], organisationID: OrganisationID, on date: LocalDate
    ) -> [TrainingShortfall] {
        requirements.compactMap { $0.shortfall(certificates: certificates, organisationID: organisationID, on: date) }
    }
}
