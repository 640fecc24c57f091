/// A training requirement an organisation does not meet on a given day.
public struct TrainingShortfall: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The course's code, e.g. `PSEA`.
    public let courseCode: String
    /// The course's title.
    public let courseTitle: String
    /// How many staff need a valid certificate.
    public let required: Int
    /// How many staff have one.
    public let valid: Int

    /// Creates a shortfall.
    public init(courseCode: String, courseTitle: String, required: Int, valid: Int) {
        self.courseCode = courseCode
        self.courseTitle = courseTitle
        self.required = required
        self.valid = valid
    }

    /// A sentence naming the missing course, e.g. "2 staff need a valid PSEA (Protection from sexual
    /// exploitation and abuse) certificate; 1 has one."
    public var description: String {
        "\(required) staff need a valid \(courseCode) (\(courseTitle)) certificate; \(valid) \(valid == 1 ? "has" : "have") one."
    }
}

extension TrainingShortfall {
    /// An organisation submits to a call only once its staff hold the certificates the call requires.
    /// - Throws: `training_requirement_unmet`, naming every shortfall.
    public static func requireNone(_ shortfalls: [TrainingShortfall], organisation: String, call: String) throws(WorkflowRejection) {
        guard shortfalls.isEmpty else {
            throw WorkflowRejection(
                code: "training_requirement_unmet",
                message: "\(organisation) cannot submit to call \(call) yet: " + shortfalls.map(\.description).joined(separator: " ")
                    + " Staff must pass the course in a training session first."
            )
        }
    }
}
