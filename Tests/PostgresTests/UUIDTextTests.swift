import Foundation
import Postgres
import Testing

@Suite struct UUIDTextTests {
    @Test(arguments: ["0f8e2b1c-7a3d-4e59-b6c0-1d2e3f405162", "0F8E2B1C-7A3D-4E59-B6C0-1D2E3F405162"])
    func decodesTheServersForm(text: String) throws {
        #expect(try UUID(postgresText: text, type: 2950) == UUID(uuidString: text))
    }

    @Test(arguments: ["", "0f8e2b1c7a3d4e59b6c01d2e3f405162", "0f8e2b1c-7a3d-4e59-b6c0-1d2e3f40516", "0f8e2b1c-7a3d-4e59-b6c0-1d2e3f4051620",
                      "0f8e2b1c-7a3d-4e59-b6c0-1d2e3f40516g", "0f8e2b1c-7a3d-4e59-b6c01-d2e3f405162", "{0f8e2b1c-7a3d-4e59-b6c0-1d2e3f405162}"])
    func refusesOtherText(text: String) {
        #expect(throws: PostgresError.self) { try UUID(postgresText: text, type: 2950) }
    }
}
