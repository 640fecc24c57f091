import Foundation

/// Development sink: appends one JSON object per line to a file; a key already in the file is not written again.
///
/// Cost: the file is read once per sink; after that a delivery reads only the bytes appended since this sink last
/// looked (the lines other sinks and processes wrote meanwhile), so it is O(1) in the file's length.
///
/// Guarantees: each key is written at most once, across the threads and processes that deliver to the file
/// through a `FileSink`, as long as `flock` excludes them (one host, a local file system): every delivery holds an
/// exclusive `flock` while it catches up on the lines appended since its last look, checks its in-memory set of
/// keys and appends. A file that was replaced or truncated meanwhile (another inode, or shorter than what was read)
/// is read again from the start; a torn last line (a writer that crashed mid-line) is ended and skipped. Not
/// guaranteed: against writers that do not take the lock, or where `flock` does not reach other hosts (NFS).
public struct FileSink: NotificationSink {
    public let path: String
    private let index = KeyIndex()

    public init(path: String) { self.path = path }

    struct Line: Codable { let key: String; let channel: String; let recipient: String; let subject: String; let body: String; let at: Date }

    /// What this sink has read of the file: which file (device and inode), up to where, and the keys seen.
    private final class KeyIndex: @unchecked Sendable {
        let lock = NSLock()
        // Guarded by `lock`.
        var file: (device: UInt64, inode: UInt64)?
        var offset: UInt64 = 0
        var keys: Set<String> = []
    }

    private struct Key: Decodable { let key: String }

    public func deliver(_ message: OutboxMessage) throws {
        let descriptor = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard descriptor >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        // Exclusive lock: sinks of this and other processes sharing the file catch up, check and append one at a time.
        guard flock(descriptor, LOCK_EX) == 0 else { throw CocoaError(.fileLocking, userInfo: [NSFilePathErrorKey: path]) }
        defer { flock(descriptor, LOCK_UN) }
        index.lock.lock()
        defer { index.lock.unlock() }
        let size = try catchUp(descriptor, handle)
        guard !index.keys.contains(message.idempotencyKey) else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        // A torn last line is ended first, so that the new line stays whole.
        var data = size > index.offset ? Data([UInt8(ascii: "\n")]) : Data()
        data.append(try encoder.encode(Line(key: message.idempotencyKey, channel: message.channel.rawValue, recipient: message.recipient,
                                            subject: message.subject, body: message.body, at: Date())))
        data.append(UInt8(ascii: "\n"))
        try handle.write(contentsOf: data)
        try handle.synchronize()
        index.offset = size + UInt64(data.count)
        index.keys.insert(message.idempotencyKey)
    }

    /// Reads the whole lines appended since the last look (all of the file when it is new to this sink) into
    /// `index` and returns the file's size. Called with the file locked and `index.lock` held.
    private func catchUp(_ descriptor: Int32, _ handle: FileHandle) throws -> UInt64 {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw CocoaError(.fileReadUnknown, userInfo: [NSFilePathErrorKey: path]) }
        let size = UInt64(status.st_size)
        let file = (device: UInt64(status.st_dev), inode: UInt64(status.st_ino))
        if index.file.map({ $0 != file }) ?? true || size < index.offset {
            index.file = file
            index.offset = 0
            index.keys.removeAll()
        }
        guard size > index.offset else { return size }
        try handle.seek(toOffset: index.offset)
        let appended = try handle.read(upToCount: Int(size - index.offset)) ?? Data()
        guard let end = appended.lastIndex(of: UInt8(ascii: "\n")) else { return size }
        let decoder = JSONDecoder()
        for line in appended[..<end].split(separator: UInt8(ascii: "\n")) {
            if let key = try? decoder.decode(Key.self, from: Data(line)).key { index.keys.insert(key) }
        }
        index.offset += UInt64(appended.distance(from: appended.startIndex, to: end) + 1)
        return size
    }
}
