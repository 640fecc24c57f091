import Foundation
import Yams

/// YAML input files.
enum YAMLInput {
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try YAMLDecoder().decode(T.self, from: data)
    }
}
