/// Commonly used passwords of ``PasswordPolicy/minimumLength`` characters or more, folded to lower case.
///
/// A short list kept in the code; a deployment that wants a breach corpus checks it at the portal's edge.
enum CommonPasswords {
    /// Whether `folded` (lower case) is on the list.
    static func contains(_ folded: String) -> Bool { list.contains(folded) }

    private static let list: Set<String> = [
        "123456789012", "1234567890123", "12345678901234", "123456789000", "qwertyuiopas", "qwertyuiop12",
        "qwertyuiop123", "qwerty123456", "1q2w3e4r5t6y", "1qaz2wsx3edc", "qazwsxedcrfv", "password1234",
        "password12345", "password123456", "passwordpassword", "password1!", "password123!", "iloveyou1234",
        "abcdefghijkl", "abc123456789", "aaaaaaaaaaaa", "111111111111", "000000000000", "123123123123",
        "112233445566", "123321123321", "welcome12345", "welcome123456", "letmein12345", "administrator",
        "admin1234567", "admin12345678", "changeme1234", "changemenow!", "monkey123456", "football1234",
        "baseball1234", "sunshine1234", "princess1234", "dragon123456", "superman1234", "trustno11234",
        "starwars1234", "whatever1234", "computer1234", "internet1234", "qwerty12345678", "asdfghjkl123",
        "zxcvbnm12345", "passw0rd1234", "p@ssw0rd1234", "p@ssword1234", "secret123456", "master123456",
        "michael12345", "jennifer1234", "1234qwerasdf", "qwerasdfzxcv", "987654321098", "121212121212",
        "654321654321", "999999999999", "useruseruser", "testtesttest", "test12345678", "guest1234567",
        "default12345", "humanitarian", "unicef123456", "wfp123456789", "ngo123456789", "password2024",
        "password2025", "password2026", "summer2024!!", "winter2025!!", "spring2026!!", "autumn2026!!",
        "december2026", "november2026",
    ]
}
