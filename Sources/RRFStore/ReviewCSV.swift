import Foundation

/// Records of a CSV text (RFC 4180: commas, double quotes, quoted line breaks), each with the line it starts on.
enum ReviewCSV {
    struct Record {
        let line: Int
        let fields: [String]
    }

    static func parse(_ text: String) throws -> [Record] {
        var records: [Record] = []
        var fields: [String] = []
        var field = ""
        var inQuotes = false
        var line = 1
        var recordLine = 1
        var characters = Array(text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n"))[...]
        if characters.first == "\u{FEFF}" { characters = characters.dropFirst() }
        func finishRecord() {
            fields.append(field)
            field = ""
            if !(fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
        }
        while let character = characters.popFirst() {
            if inQuotes {
                if character == "\"" {
                    if characters.first == "\"" {
                        field.append("\"")
                        characters = characters.dropFirst()
                    } else {
                        inQuotes = false
                    }
                } else {
                    if character == "\n" { line += 1 }
                    field.append(character)
                }
                continue
            }
            switch character {
            case "\"" where field.isEmpty: inQuotes = true
            case ",":
                fields.append(field)
                field = ""
            case "\n":
                finishRecord()
                line += 1
                recordLine = line
            default: field.append(character)
            }
        }
        if inQuotes {
            throw StoreError.rejected("csv_invalid", "Line \(recordLine): a quoted field is not closed; nothing was imported.")
        }
        if !field.isEmpty || !fields.isEmpty { finishRecord() }
        return records
    }
}
