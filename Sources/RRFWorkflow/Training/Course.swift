/// A training course the fund runs, e.g. PSEA, with how long its certificate stays valid.
public struct Course: Hashable, Sendable, Codable {
    /// The course's identifier.
    public let id: CourseID
    /// A short code, e.g. `PSEA`.
    public let code: String
    /// The title, e.g. "Protection from sexual exploitation and abuse".
    public let title: String
    /// How many months a certificate stays valid (1 or more).
    public let validityMonths: Int

    /// Creates a course.
    /// - Throws: `course_invalid` when the code or title is empty or the validity is not at least one month.
    public init(id: CourseID, code: String, title: String, validityMonths: Int) throws(WorkflowRejection) {
        let code = try requireText(code, code: "course_invalid", "The course code is empty; give a code such as PSEA.", field: "course code", maximum: 40, shape: .line)
        let title = try requireText(title, code: "course_invalid", "The course title is empty; give the course a title.", field: "course title", maximum: TextLimit.line, shape: .line)
        guard validityMonths >= 1 else {
            throw WorkflowRejection(code: "course_invalid", message: "A certificate must stay valid for at least one month; give the validity in months.")
        }
        guard validityMonths <= 240 else {
            throw WorkflowRejection(code: "course_invalid", message: "A certificate can stay valid for at most 240 months; give a shorter validity.")
        }
        self.id = id
        self.code = code
        self.title = title
        self.validityMonths = validityMonths
    }

    /// A course built from values known to be valid (for the sample facts of the machine descriptions).
    init(consistentID id: CourseID, code: String, title: String, validityMonths: Int) {
        self.id = id
        self.code = code
        self.title = title
        self.validityMonths = validityMonths
    }

    /// The last day a certificate issued on `issuedOn` is valid.
    ///
    /// Rule: a certificate is valid from its issue day through the day before the same day of the month
    /// `validityMonths` later; when that month is shorter, the day is first clamped to its last day
    /// (issued 2026-03-15, 12 months → valid through 2027-03-14; issued 2024-01-31, 1 month → the same day
    /// one month later is 2024-02-29, so valid through 2024-02-28).
    public func lastValidDay(issuedOn: LocalDate) -> LocalDate {
        issuedOn.adding(months: validityMonths).adding(days: -1)
    }
}
