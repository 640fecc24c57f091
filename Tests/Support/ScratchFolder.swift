import Foundation

/// Runs `body` with a new empty folder under this checkout's `.build/test-scratch/` (never /tmp), removed
/// afterwards whatever `body` does.
public func withScratchFolder<T>(_ body: (URL) throws -> T) throws -> T {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/test-scratch/\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try body(folder)
}
