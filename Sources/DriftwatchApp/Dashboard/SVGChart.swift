/// Inline SVG charts drawn by the server (no JavaScript, no external assets).
///
/// Output is ``SafeMarkup``: the structure is built from constants and formatted numbers;
/// the only text from outside (tool names) goes through ``HTMLText/escape(_:)``. Colours
/// are presentation attributes, not `style`, so the strict CSP (`style-src 'self'`) holds.
public enum SVGChart {
    /// One row of a paired bar chart.
    public struct Pair: Sendable {
        public var label: String
        public var baseline: Double
        public var recent: Double
        /// Drawn in the alert colour (a tool the baseline never saw).
        public var isNew: Bool

        public init(label: String, baseline: Double, recent: Double, isNew: Bool = false) {
            self.label = label
            self.baseline = baseline
            self.recent = recent
            self.isNew = isNew
        }
    }

    static func n(_ x: Double) -> String {
        let r = (x * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }

    /// Horizontal paired bars (baseline grey, recent blue) of shares in [0, 1].
    public static func pairedBars(_ rows: [Pair], title: String) -> SafeMarkup {
        let labelWidth = 230.0
        let barWidth = 330.0
        let rowHeight = 26.0
        let width = labelWidth + barWidth + 70
        let height = Double(rows.count) * rowHeight + 30
        let top = max(rows.map { max($0.baseline, $0.recent) }.max() ?? 0, 0.01)
        var s = open(width: width, height: height, title: title)
        for (i, row) in rows.enumerated() {
            let y = Double(i) * rowHeight
            s += "<text x=\"\(n(labelWidth - 8))\" y=\"\(n(y + 16))\" text-anchor=\"end\" font-size=\"12\" fill=\"#1f2933\">"
            HTMLText.escape(HTMLText.truncated(row.label, to: 32), into: &s)
            s += "</text>"
            let bw = row.baseline / top * barWidth
            let rw = row.recent / top * barWidth
            s += "<rect x=\"\(n(labelWidth))\" y=\"\(n(y + 3))\" width=\"\(n(max(bw, 0.5)))\" height=\"9\" fill=\"#b8c2cc\"/>"
            s += "<rect x=\"\(n(labelWidth))\" y=\"\(n(y + 12))\" width=\"\(n(max(rw, 0.5)))\" height=\"9\" fill=\"\(row.isNew ? "#c53030" : "#2b6cb0")\"/>"
            s += "<text x=\"\(n(labelWidth + max(bw, rw) + 6))\" y=\"\(n(y + 16))\" font-size=\"11\" fill=\"#52606d\">"
            s += "\(percent(row.baseline)) → \(percent(row.recent))</text>"
        }
        let ly = Double(rows.count) * rowHeight + 12
        s += "<rect x=\"\(n(labelWidth))\" y=\"\(n(ly))\" width=\"12\" height=\"9\" fill=\"#b8c2cc\"/>"
        s += "<text x=\"\(n(labelWidth + 16))\" y=\"\(n(ly + 9))\" font-size=\"11\" fill=\"#52606d\">baseline</text>"
        s += "<rect x=\"\(n(labelWidth + 80))\" y=\"\(n(ly))\" width=\"12\" height=\"9\" fill=\"#2b6cb0\"/>"
        s += "<text x=\"\(n(labelWidth + 96))\" y=\"\(n(ly + 9))\" font-size=\"11\" fill=\"#52606d\">recent</text>"
        s += "<rect x=\"\(n(labelWidth + 150))\" y=\"\(n(ly))\" width=\"12\" height=\"9\" fill=\"#c53030\"/>"
        s += "<text x=\"\(n(labelWidth + 166))\" y=\"\(n(ly + 9))\" font-size=\"11\" fill=\"#52606d\">not in baseline</text>"
        s += "</svg>"
        return SafeMarkup(trusted: s)
    }

    static func percent(_ x: Double) -> String {
        x == 0 ? "0%" : x < 0.01 ? "<1%" : "\(Int((x * 100).rounded()))%"
    }

    /// A column chart of values over equal time buckets, with the axis labels given.
    public static func columns(_ values: [Double], title: String, leftLabel: String, rightLabel: String,
                               valueLabel: (Double) -> String) -> SafeMarkup {
        let width = 640.0
        let height = 150.0
        let plotTop = 18.0
        let plotBottom = height - 22
        let top = max(values.max() ?? 0, 1e-9)
        let w = width / Double(max(values.count, 1))
        var s = open(width: width, height: height, title: title)
        s += "<line x1=\"0\" y1=\"\(n(plotBottom))\" x2=\"\(n(width))\" y2=\"\(n(plotBottom))\" stroke=\"#cbd2d9\"/>"
        for (i, v) in values.enumerated() where v > 0 {
            let h = max(v / top * (plotBottom - plotTop), 1)
            s += "<rect x=\"\(n(Double(i) * w + 1))\" y=\"\(n(plotBottom - h))\" width=\"\(n(max(w - 2, 1)))\" height=\"\(n(h))\" fill=\"#2b6cb0\"><title>"
            HTMLText.escape(valueLabel(v), into: &s)
            s += "</title></rect>"
        }
        s += "<text x=\"0\" y=\"12\" font-size=\"11\" fill=\"#52606d\">max "
        HTMLText.escape(valueLabel(values.max() ?? 0), into: &s)
        s += "</text><text x=\"0\" y=\"\(n(height - 6))\" font-size=\"11\" fill=\"#52606d\">"
        HTMLText.escape(leftLabel, into: &s)
        s += "</text><text x=\"\(n(width))\" y=\"\(n(height - 6))\" text-anchor=\"end\" font-size=\"11\" fill=\"#52606d\">"
        HTMLText.escape(rightLabel, into: &s)
        s += "</text></svg>"
        return SafeMarkup(trusted: s)
    }

    /// A step line of a running total against call number, with alert markers.
    public static func cumulative(_ totals: [Double], alertsAt: Set<Int>, title: String,
                                  valueLabel: (Double) -> String) -> SafeMarkup {
        let width = 640.0
        let height = 150.0
        let plotTop = 18.0
        let plotBottom = height - 22
        let top = max(totals.last ?? 0, totals.max() ?? 0, 1e-9)
        let count = max(totals.count, 2)
        func x(_ i: Int) -> Double { Double(i) / Double(count - 1) * (width - 10) + 5 }
        func y(_ v: Double) -> Double { plotBottom - v / top * (plotBottom - plotTop) }
        var s = open(width: width, height: height, title: title)
        s += "<line x1=\"0\" y1=\"\(n(plotBottom))\" x2=\"\(n(width))\" y2=\"\(n(plotBottom))\" stroke=\"#cbd2d9\"/>"
        if !totals.isEmpty {
            var points = "\(n(x(0))),\(n(plotBottom))"
            for (i, v) in totals.enumerated() { points += " \(n(x(i))),\(n(y(v)))" }
            s += "<polyline points=\"\(points)\" fill=\"none\" stroke=\"#2b6cb0\" stroke-width=\"2\"/>"
            for i in alertsAt.sorted() where i < totals.count {
                s += "<circle cx=\"\(n(x(i)))\" cy=\"\(n(y(totals[i])))\" r=\"4\" fill=\"#c53030\"/>"
            }
        }
        s += "<text x=\"0\" y=\"12\" font-size=\"11\" fill=\"#52606d\">total "
        HTMLText.escape(valueLabel(totals.last ?? 0), into: &s)
        s += "</text><text x=\"0\" y=\"\(n(height - 6))\" font-size=\"11\" fill=\"#52606d\">call 1</text>"
        s += "<text x=\"\(n(width))\" y=\"\(n(height - 6))\" text-anchor=\"end\" font-size=\"11\" fill=\"#52606d\">call \(totals.count)</text>"
        s += "</svg>"
        return SafeMarkup(trusted: s)
    }

    /// The `<svg>` element's opening with its accessible name: the title is
    /// escaped here once for every chart (it can carry an agent's name).
    static func open(width: Double, height: Double, title: String) -> String {
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"\(n(width))\" height=\"\(n(height))\" "
        s += "viewBox=\"0 0 \(n(width)) \(n(height))\" role=\"img\" aria-label=\""
        HTMLText.escape(title, into: &s)
        s += "\"><title>"
        HTMLText.escape(title, into: &s)
        s += "</title>"
        return s
    }
}
