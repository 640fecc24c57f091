import Foundation

/// `.build/test-scratch/` of this checkout: where tests write their files (never /tmp).
let scratchRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent(".build/test-scratch", isDirectory: true)

/// Runs `body` with a new empty folder under this checkout's `.build/test-scratch/` (never /tmp), removed
/// afterwards whatever `body` does.
public func withScratchFolder<T>(_ body: (URL) throws -> T) throws -> T {
    let folder = scratchRoot.appendingPathComponent(UUID().uuidString, isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(folder)
}
