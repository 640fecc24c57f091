import Foundation

/// A horizontal bar chart drawn as inline SVG on the server: no script, no image request, a few hundred bytes a
/// bar, readable by screen readers through its title and a text value beside each bar.
struct BarChart {
    /// One bar: its label, its length as a percentage (0–100, clamped), and the text shown after it.
    struct Bar {
        let label: String
        let percent: Double
        let value: String
    }

    /// What the chart shows, said to assistive technology.
    let title: String
    let bars: [Bar]

    /// The chart's SVG, with every text escaped.
    var svg: String {
        let rowHeight = 28, labelWidth = 180, barWidth = 260, height = max(bars.count, 1) * rowHeight + 8
        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 \(labelWidth + barWidth + 150) \(height)\" aria-label=\"\(Self.escape(title))\">",
            "<title>\(Self.escape(title))</title>",
        ]
        for (index, bar) in bars.enumerated() {
            let y = index * rowHeight + 4
            let length = Int((min(max(bar.percent, 0), 100) / 100 * Double(barWidth)).rounded())
            parts.append("<text x=\"0\" y=\"\(y + 17)\">\(Self.escape(bar.label))</text>")
            parts.append("<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(barWidth)\" height=\"16\" class=\"track\"/>")
            parts.append("<rect x=\"\(labelWidth)\" y=\"\(y + 4)\" width=\"\(length)\" height=\"16\" class=\"bar\"/>")
            parts.append("<text x=\"\(labelWidth + barWidth + 8)\" y=\"\(y + 17)\">\(Self.escape(bar.value))</text>")
        }
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }

    /// `text` safe inside SVG text and attribute values.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
