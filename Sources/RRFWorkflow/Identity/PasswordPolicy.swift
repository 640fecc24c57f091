/// What a password must be to protect an account that can move humanitarian money.
///
/// Length over composition rules (NIST SP 800-63B): at least ``minimumLength`` characters, at most
/// ``maximumLength`` (bcrypt reads 72 bytes), not one of the commonly used passwords, and not the person's
/// login or name.
public enum PasswordPolicy {
    /// The fewest characters a password may have.
    public static let minimumLength = 12
    /// The most bytes of UTF-8 a password may have (bcrypt ignores what follows).
    public static let maximumBytes = 72

    /// Refuses a password that breaks the policy.
    /// - Throws: `password_too_short`, `password_too_long`, `password_common`, `password_is_name`.
    public static func check(_ password: String, login: String, displayName: String) throws(WorkflowRejection) {
        guard password.count >= minimumLength else {
            throw WorkflowRejection(
                code: "password_too_short",
                message: "The password has \(password.count) characters; choose one of at least \(minimumLength), for example a few unrelated words."
            )
        }
        guard password.utf8.count <= maximumBytes else {
            throw WorkflowRejection(code: "password_too_long", message: "The password is longer than \(maximumBytes) bytes; choose a shorter one.")
        }
        let folded = password.lowercased()
        guard !CommonPasswords.contains(folded), Set(folded).count >= 5 else {
            throw WorkflowRejection(
                code: "password_common", message: "This password is one of the most commonly used and easy to guess; choose another."
            )
        }
        let nameParts = ([login] + displayName.lowercased().split(separator: " ").map(String.init)).filter { $0.count >= 4 }
        guard !nameParts.contains(where: { folded.contains($0.lowercased()) }) || folded.count >= 2 * minimumLength else {
            throw WorkflowRejection(
                code: "password_is_name", message: "The password contains your login or name; choose one that does not."
            )
        }
    }
}
