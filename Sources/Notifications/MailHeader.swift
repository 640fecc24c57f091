import Foundation

/// Header fields of an RFC 5322 message whose values may hold any text: line breaks become spaces (so a value
/// cannot add headers), and a value with non-ASCII characters is written as RFC 2047 encoded-words (UTF-8, base64:
/// `=?UTF-8?B?…?=`), each holding whole Unicode scalars, folded so that no line is longer than 76 characters.
/// ASCII values are written as they are.
enum MailHeader {
    static let maximumLineLength = 76
    /// `=?UTF-8?B?` and `?=` around the base64 text of an encoded-word.
    private static let wordOverhead = 12

    /// `name: value` (without the final CRLF; folds are CRLF and a space).
    static func field(_ name: String, _ value: String) -> String {
        let text = singleLine(value)
        guard !text.unicodeScalars.allSatisfy(\.isASCII) else { return "\(name): \(text)" }
        return "\(name): " + encodedWords(text, firstLineUsed: name.count + 2).joined(separator: "\r\n ")
    }

    /// A mailbox field (`From`, `To`): in `Display Name <address>` only the display name is encoded (an address
    /// must stay as it is); a bare address is written as it is.
    static func mailboxField(_ name: String, _ value: String) -> String {
        let text = singleLine(value)
        guard !text.unicodeScalars.allSatisfy(\.isASCII), text.hasSuffix(">"), let open = text.lastIndex(of: "<") else {
            return "\(name): \(text)"
        }
        let display = text[..<open].trimmingCharacters(in: .whitespaces)
        let address = String(text[open...])
        guard !display.isEmpty else { return "\(name): \(address)" }
        var lines = encodedWords(display, firstLineUsed: name.count + 2)
        let last = lines.count == 1 ? name.count + 2 + lines[0].count : 1 + lines[lines.count - 1].count
        if last + 1 + address.count <= maximumLineLength {
            lines[lines.count - 1] += " \(address)"
        } else {
            lines.append(address)
        }
        return "\(name): " + lines.joined(separator: "\r\n ")
    }

    private static func singleLine(_ text: String) -> String {
        text.replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    /// `text` as encoded-words, one per line: the first fits after `firstLineUsed` characters, the others after
    /// the folding space. A scalar is never split across two words.
    private static func encodedWords(_ text: String, firstLineUsed: Int) -> [String] {
        // Whole base64 quanta: 3 bytes of UTF-8 per 4 characters.
        func capacity(_ room: Int) -> Int { max(4, (room - wordOverhead) / 4 * 3) }
        var words: [String] = []
        var chunk: [UInt8] = []
        var room = maximumLineLength - firstLineUsed
        for scalar in text.unicodeScalars {
            let bytes = Array(String(scalar).utf8)
            if !chunk.isEmpty, chunk.count + bytes.count > capacity(room) {
                words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
                chunk.removeAll()
                room = maximumLineLength - 1
            }
            chunk += bytes
        }
        words.append("=?UTF-8?B?\(Data(chunk).base64EncodedString())?=")
        return words
    }
}
