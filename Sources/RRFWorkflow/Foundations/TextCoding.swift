/// Decodes a value stored as text, turning a parsing refusal into a `DecodingError` that carries its message.
func decodeText<Value>(from decoder: any Decoder, parse: (String) throws(WorkflowRejection) -> Value) throws -> Value {
    let container = try decoder.singleValueContainer()
    let text = try container.decode(String.self)
    do {
        return try parse(text)
    } catch {
        throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message)
    }
}

/// Encodes a value as its text.
func encodeText(_ text: String, to encoder: any Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(text)
}
