/// The module grid of one QR code: function patterns, the zigzag placement of codewords under a mask, format
/// and version information, and the standard's penalty score for choosing the mask.
struct Matrix {
    let version: Int
    let size: Int
    var dark: [[Bool]]
    /// Modules of function patterns (not data).
    var reserved: [[Bool]]

    init(version: Int) {
        self.version = version
        size = 17 + 4 * version
        dark = Array(repeating: Array(repeating: false, count: size), count: size)
        reserved = dark
        for (x, y) in [(0, 0), (size - 7, 0), (0, size - 7)] { finder(x, y) }
        for i in 8..<(size - 8) {
            set(i, 6, i % 2 == 0)
            set(6, i, i % 2 == 0)
        }
        let centres = QRAlignment.positions(version)
        for (i, cy) in centres.enumerated() {
            for (j, cx) in centres.enumerated() {
                let last = centres.count - 1
                // Not where a finder pattern is (three corners).
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                alignmentPattern(cx, cy)
            }
        }
        set(8, size - 8, true)
        // Reserve the format areas (drawn per mask) and the version areas.
        for i in 0..<9 {
            reserve(i, 8)
            reserve(8, i)
        }
        for i in 0..<8 {
            reserve(size - 1 - i, 8)
            reserve(8, size - 1 - i)
        }
        if version >= 7 { drawVersion() }
    }

    private mutating func set(_ x: Int, _ y: Int, _ value: Bool) {
        dark[y][x] = value
        reserved[y][x] = true
    }

    private mutating func reserve(_ x: Int, _ y: Int) { reserved[y][x] = true }

    private mutating func finder(_ left: Int, _ top: Int) {
        for dy in -1...7 {
            for dx in -1...7 {
                let x = left + dx, y = top + dy
                guard x >= 0, y >= 0, x < size, y < size else { continue }
                let ring = max(abs(dx - 3), abs(dy - 3))
                set(x, y, ring != 2 && ring != 4)
            }
        }
    }

    private mutating func alignmentPattern(_ cx: Int, _ cy: Int) {
        for dy in -2...2 {
            for dx in -2...2 { set(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1) }
        }
    }

    private mutating func drawVersion() {
        var remainder = version
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        let bits = version << 12 | remainder
        for i in 0..<18 {
            let bit = (bits >> i) & 1 == 1
            let a = size - 11 + i % 3, b = i / 3
            set(a, b, bit)
            set(b, a, bit)
        }
    }

    /// Format information (level M, `mask`), in both places.
    mutating func drawFormat(mask: Int) {
        let data = 0b00 << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 == 1 }
        for i in 0...5 { set(8, i, bit(i)) }
        set(8, 7, bit(6))
        set(8, 8, bit(7))
        set(7, 8, bit(8))
        for i in 9..<15 { set(14 - i, 8, bit(i)) }
        for i in 0..<8 { set(size - 1 - i, 8, bit(i)) }
        for i in 8..<15 { set(8, size - 15 + i, bit(i)) }
        set(8, size - 8, true)
    }

    /// Places the codewords in the standard's two-column zigzag, from the bottom right, applying `mask`.
    mutating func place(_ codewords: [UInt8], mask: Int) {
        var index = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            for vertical in 0..<size {
                for column in 0..<2 {
                    let x = right - column
                    let upward = ((right + 1) & 2) == 0
                    let y = upward ? size - 1 - vertical : vertical
                    guard !reserved[y][x] else { continue }
                    var value = false
                    if index < codewords.count * 8 { value = (codewords[index >> 3] >> (7 - (index & 7))) & 1 == 1 }
                    index += 1
                    dark[y][x] = value != Self.masked(mask, x, y)
                }
            }
            right -= 2
        }
    }

    private static func masked(_ mask: Int, _ x: Int, _ y: Int) -> Bool {
        switch mask {
        case 0: (x + y) % 2 == 0
        case 1: y % 2 == 0
        case 2: x % 3 == 0
        case 3: (x + y) % 3 == 0
        case 4: (x / 3 + y / 2) % 2 == 0
        case 5: x * y % 2 + x * y % 3 == 0
        case 6: (x * y % 2 + x * y % 3) % 2 == 0
        default: ((x + y) % 2 + x * y % 3) % 2 == 0
        }
    }

    /// The standard's penalty: runs, 2×2 blocks, finder-like patterns, and the balance of dark modules.
    func penalty() -> Int {
        var score = 0
        for line in 0..<size {
            for horizontal in [true, false] {
                var run = 1
                var history: [Bool] = []
                for i in 0..<size {
                    let current = horizontal ? dark[line][i] : dark[i][line]
                    history.append(current)
                    if i > 0 {
                        let previous = horizontal ? dark[line][i - 1] : dark[i - 1][line]
                        if current == previous {
                            run += 1
                            if run == 5 { score += 3 } else if run > 5 { score += 1 }
                        } else {
                            run = 1
                        }
                    }
                }
                let pattern: [Bool] = [true, false, true, true, true, false, true]
                for start in 0...(size - 7) where Array(history[start..<start + 7]) == pattern {
                    let before = start >= 4 && history[(start - 4)..<start].allSatisfy { !$0 }
                    let after = start + 11 <= size && history[(start + 7)..<(start + 11)].allSatisfy { !$0 }
                    if before || after { score += 40 }
                }
            }
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) where dark[y][x] == dark[y][x + 1] && dark[y][x] == dark[y + 1][x] && dark[y][x] == dark[y + 1][x + 1] {
                score += 3
            }
        }
        let darkCount = dark.reduce(0) { $0 + $1.filter { $0 }.count }
        score += abs(darkCount * 20 - size * size * 10) / (size * size) * 10
        return score
    }
}

/// Where the alignment patterns of each version are centred.
enum QRAlignment {
    static func positions(_ version: Int) -> [Int] {
        [[], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34], [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50]][version - 1]
    }
}
