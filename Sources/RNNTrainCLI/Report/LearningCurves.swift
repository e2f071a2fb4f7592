#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Learning curves as a self-contained SVG: two panels, accuracy and loss
/// against the epoch; per run, the training curve solid, validation dashed
/// and test dotted, in one colour per run (a colour-blind-safe palette; past
/// its eight colours, square markers tell runs apart); the epoch a run keeps
/// as a ring on its validation point and a vertical line; the majority
/// class's share as a grey line in the accuracy panel; a legend underneath,
/// with an entry only for the curves drawn, laid out by the width of its
/// texts so none overlap.
public struct LearningCurves {
    public struct Series {
        public var label: String
        public var records: [MetricsRecord]
        /// The epoch whose model the run kept (its final record's); nil: the
        /// epoch of lowest validation loss.
        public var kept: Int? = nil
    }

    var title: String
    var series: [Series]
    /// The x axis: the epoch, or the optimizer step (charts of step records).
    var bySteps = false
    /// The x axis in seconds of training instead (`seconds` of each record
    /// holds the running total: `withElapsedSeconds`), so runs of different
    /// speeds compare at equal time.
    var byTime = false

    func x(_ r: MetricsRecord) -> Double { byTime ? r.seconds ?? 0 : Double(bySteps ? r.step ?? 0 : r.epoch) }

    /// The series with each record's `seconds` replaced by the seconds of
    /// training up to its end (the sum of the run's records so far).
    static func withElapsedSeconds(_ series: [Series]) -> [Series] {
        series.map { se in
            var total = 0.0, out = se
            for i in out.records.indices {
                total += out.records[i].seconds ?? 0
                out.records[i].seconds = total
            }
            return out
        }
    }

    /// Okabe and Ito's palette (distinct for the common colour blindnesses), black last.
    static let palette = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    /// The record of the epoch a run kept, if it has validation figures:
    /// `kept`, else the one of lowest validation loss.
    func selectedRecord(_ se: Series) -> MetricsRecord? {
        let withVal = se.records.filter { $0.valLoss?.isFinite ?? false }
        if let kept = se.kept { return withVal.first { $0.epoch == kept } }
        return withVal.min { $0.valLoss! < $1.valLoss! }
    }

    /// Splits records into runs: a new series starts where the run name
    /// changes or the epoch does not increase (a run appended after another).
    /// Only epoch records, or with `steps` only step records (by step).
    public static func series(from records: [MetricsRecord], fallbackLabel: String, steps: Bool = false) -> [Series] {
        var out: [Series] = []
        for r in records where (r.step != nil) == steps {
            if r.final == true {
                if let last = out.last?.records.last, last.run == r.run, !steps { out[out.count - 1].kept = r.epoch }
                continue
            }
            if let last = out.last?.records.last, last.run == r.run,
               steps ? r.step! > last.step! : r.epoch > last.epoch {
                out[out.count - 1].records.append(r)
            } else {
                out.append(Series(label: r.run ?? fallbackLabel, records: [r]))
            }
        }
        return out
    }

    /// Gives repeated labels a suffix, so every legend entry is distinct.
    static func uniqueLabels(_ series: [Series]) -> [Series] {
        var seen: [String: Int] = [:]
        var out = series
        for i in out.indices {
            let n = (seen[out[i].label] ?? 0) + 1
            seen[out[i].label] = n
            if n > 1 { out[i].label += " (\(n))" }
        }
        return out
    }

    private struct Panel {
        var title: String
        var yLabel: String
        var x0: Double, y0: Double, width: Double, height: Double
        var train: (MetricsRecord) -> Double?
        var val: (MetricsRecord) -> Double?
        var test: (MetricsRecord) -> Double?
    }

    /// A chart path as given, refused unless it ends in `.svg` (the only format written).
    static func checkedPath(_ path: String?, option: String) throws -> String? {
        guard let path else { return nil }
        guard path.lowercased().hasSuffix(".svg") else {
            throw UsageError("\(option) \(path): charts are written as SVG; give a name ending in .svg")
        }
        return path
    }

    func svg() -> String {
        let panelW = 420.0, panelH = 280.0, left = 70.0, top = 50.0, gap = 90.0
        let totalW = left + 2 * panelW + gap + 30
        let totalH = top + panelH + 60 + Double(legendRows(width: totalW - left - 20)) * 20 + 20
        let panels = [
            Panel(title: "Accuracy", yLabel: "accuracy", x0: left, y0: top, width: panelW, height: panelH,
                  train: { $0.trainAccuracy }, val: { $0.valAccuracy }, test: { $0.testAccuracy }),
            Panel(title: "Loss", yLabel: "loss", x0: left + panelW + gap, y0: top, width: panelW, height: panelH,
                  train: { $0.trainLoss }, val: { $0.valLoss }, test: { $0.testLoss }),
        ]
        var s = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(n(totalW))" height="\(n(totalH))" viewBox="0 0 \(n(totalW)) \(n(totalH))" font-family="Helvetica, Arial, sans-serif" font-size="12">
        <title>\(escape(title))</title>
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(n(totalW / 2))" y="24" text-anchor="middle" font-size="16" font-weight="bold">\(escape(title))</text>

        """
        let epochs = series.flatMap { $0.records.map(x) }
        let xLo = byTime ? 0 : epochs.min() ?? 1, xHi = max(epochs.max() ?? 1, xLo + 1)
        for p in panels {
            var values: [Double] = []
            for se in series { for r in se.records { values += [p.train(r), p.val(r), p.test(r)].compactMap { $0 }.filter(\.isFinite) } }
            let majority = p.yLabel == "accuracy" ? series.compactMap({ $0.records.last?.majorityShare }).first : nil
            if let majority { values.append(majority) }
            var yLo = values.min() ?? 0, yHi = values.max() ?? 1
            if yHi - yLo < 1e-9 { yLo -= 0.5; yHi += 0.5 }
            let yTicks = Self.ticks(yLo, yHi)
            yLo = min(yLo, yTicks.first ?? yLo); yHi = max(yHi, yTicks.last ?? yHi)
            let xTicks = Self.ticks(xLo, xHi, integer: true)
            func px(_ x: Double) -> Double { p.x0 + (x - xLo) / (xHi - xLo) * p.width }
            func py(_ y: Double) -> Double { p.y0 + p.height - (y - yLo) / (yHi - yLo) * p.height }
            s += "<g class=\"panel\" id=\"\(p.yLabel)\">\n"
            s += "<text x=\"\(n(p.x0 + p.width / 2))\" y=\"\(n(p.y0 - 10))\" text-anchor=\"middle\" font-size=\"14\">\(p.title)</text>\n"
            for t in yTicks where t >= yLo - 1e-12 && t <= yHi + 1e-12 {
                s += "<line x1=\"\(n(p.x0))\" y1=\"\(n(py(t)))\" x2=\"\(n(p.x0 + p.width))\" y2=\"\(n(py(t)))\" stroke=\"#e5e5e5\"/>\n"
                s += "<text x=\"\(n(p.x0 - 6))\" y=\"\(n(py(t) + 4))\" text-anchor=\"end\">\(Self.label(t, step: yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1))</text>\n"
            }
            for t in xTicks {
                s += "<line x1=\"\(n(px(t)))\" y1=\"\(n(p.y0 + p.height))\" x2=\"\(n(px(t)))\" y2=\"\(n(p.y0 + p.height + 5))\" stroke=\"black\"/>\n"
                s += "<text x=\"\(n(px(t)))\" y=\"\(n(p.y0 + p.height + 18))\" text-anchor=\"middle\">\(Int(t))</text>\n"
            }
            s += "<rect x=\"\(n(p.x0))\" y=\"\(n(p.y0))\" width=\"\(n(p.width))\" height=\"\(n(p.height))\" fill=\"none\" stroke=\"black\"/>\n"
            s += "<text x=\"\(n(p.x0 + p.width / 2))\" y=\"\(n(p.y0 + p.height + 36))\" text-anchor=\"middle\">\(byTime ? "seconds of training" : bySteps ? "step" : "epoch")</text>\n"
            s += "<text transform=\"translate(\(n(p.x0 - 50)),\(n(p.y0 + p.height / 2))) rotate(-90)\" text-anchor=\"middle\">\(p.yLabel)</text>\n"
            if let majority {
                s += "<line class=\"majority\" x1=\"\(n(p.x0))\" y1=\"\(n(py(majority)))\" x2=\"\(n(p.x0 + p.width))\" y2=\"\(n(py(majority)))\" stroke=\"#888888\" stroke-dasharray=\"3 3\"/>\n"
                s += "<text x=\"\(n(p.x0 + p.width - 4))\" y=\"\(n(py(majority) - 4))\" text-anchor=\"end\" fill=\"#666666\">majority class</text>\n"
            }
            for (i, se) in series.enumerated() {
                s += curves(se, index: i, panel: p, px: px, py: py)
            }
            s += "</g>\n"
        }
        s += legend(top: top + panelH + 62, left: left, width: totalW - left - 20)
        s += "</svg>\n"
        return s
    }

    /// One run's train, validation and test curves in a panel, and its selected epoch.
    private func curves(_ se: Series, index i: Int, panel p: Panel, px: (Double) -> Double, py: (Double) -> Double) -> String {
        var s = ""
        let color = Self.palette[i % Self.palette.count], square = i >= Self.palette.count
        let kinds = [("train", p.train, ""), ("val", p.val, " stroke-dasharray=\"6 4\""), ("test", p.test, " stroke-dasharray=\"2 3\"")]
        let selected = selectedRecord(se), selectedX = selected.map(x)
        for (kind, value, dash) in kinds {
            let pts = se.records.compactMap { r in value(r).flatMap { $0.isFinite ? (x(r), $0) : nil } }
            guard !pts.isEmpty else { continue }
            let path = pts.map { "\(n(px($0.0))),\(n(py($0.1)))" }.joined(separator: " ")
            s += "<polyline class=\"series\" data-run=\"\(escape(se.label))\" data-kind=\"\(kind)\" data-metric=\"\(p.yLabel)\" points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>\n"
            let fill = kind == "train" ? color : "white"
            for (x, y) in pts {
                s += square ? "<rect x=\"\(n(px(x) - 3))\" y=\"\(n(py(y) - 3))\" width=\"6\" height=\"6\" fill=\"\(fill)\" stroke=\"\(color)\"/>\n"
                    : "<circle cx=\"\(n(px(x)))\" cy=\"\(n(py(y)))\" r=\"2.5\" fill=\"\(fill)\" stroke=\"\(color)\"/>\n"
                if kind == "val", let selected, x == selectedX {
                    s += "<circle class=\"selected\" data-epoch=\"\(selected.epoch)\" cx=\"\(n(px(x)))\" cy=\"\(n(py(y)))\" r=\"6\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
                    s += "<line x1=\"\(n(px(x)))\" y1=\"\(n(p.y0))\" x2=\"\(n(px(x)))\" y2=\"\(n(p.y0 + p.height))\" stroke=\"\(color)\" stroke-opacity=\"0.35\"/>\n"
                }
            }
        }
        return s
    }

    /// One legend entry: a line sample (dash pattern, or a ring) and its text.
    struct LegendEntry {
        var text: String
        var color: String
        var dash: String?
        var ring = false
    }

    /// Width of a legend text at 12 px: at most 7.2 px a character (wider than
    /// Helvetica's and Arial's widest lower-case average), so estimates never overlap.
    static func textWidth(_ text: String) -> Double { Double(text.count) * 7.2 }

    /// Per run, an entry for each kind of curve it draws; a ring entry when any run has a kept epoch.
    func legendEntries() -> [[LegendEntry]] {
        var rows: [[LegendEntry]] = []
        var ring = false
        for (i, se) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            func has(_ value: (MetricsRecord) -> Double?) -> Bool { se.records.contains { value($0)?.isFinite ?? false } }
            var row = [LegendEntry(text: "\(se.label) train", color: color, dash: "")]
            if has({ $0.valLoss }) || has({ $0.valAccuracy }) { row.append(LegendEntry(text: "\(se.label) validation", color: color, dash: "6 4")) }
            if has({ $0.testLoss }) || has({ $0.testAccuracy }) { row.append(LegendEntry(text: "\(se.label) test", color: color, dash: "2 3")) }
            ring = ring || selectedRecord(se) != nil
            rows.append(row)
        }
        if ring { rows.append([LegendEntry(text: "ring: the epoch whose model the run kept", color: "#444444", dash: nil, ring: true)]) }
        return rows
    }

    /// Entries placed left to right (sample 28 px, 6 px, text, 24 px gap), a
    /// new line where a row ends or the next entry would pass `width`.
    func legendLayout(width: Double) -> [(entry: LegendEntry, x: Double, line: Int)] {
        var out: [(LegendEntry, Double, Int)] = []
        var line = 0
        for row in legendEntries() {
            var x = 0.0
            for e in row {
                let w = 34 + Self.textWidth(e.text)
                if x > 0 && x + w > width { line += 1; x = 0 }
                out.append((e, x, line))
                x += w + 24
            }
            line += 1
        }
        return out
    }

    func legendRows(width: Double) -> Int { (legendLayout(width: width).last?.line ?? -1) + 1 }

    /// The legend group, its first line at `top`.
    func legend(top: Double, left: Double, width: Double) -> String {
        var s = "<g class=\"legend\">\n"
        for (e, dx, line) in legendLayout(width: width) {
            let x = left + dx, y = top + Double(line) * 20
            if e.ring {
                s += "<circle cx=\"\(n(x + 14))\" cy=\"\(n(y))\" r=\"6\" fill=\"none\" stroke=\"\(e.color)\" stroke-width=\"2\"/>\n"
            } else {
                let dash = e.dash.map { $0.isEmpty ? "" : " stroke-dasharray=\"\($0)\"" } ?? ""
                s += "<line x1=\"\(n(x))\" y1=\"\(n(y))\" x2=\"\(n(x + 28))\" y2=\"\(n(y))\" stroke=\"\(e.color)\" stroke-width=\"2\"\(dash)/>\n"
            }
            s += "<text x=\"\(n(x + 34))\" y=\"\(n(y + 4))\">\(escape(e.text))</text>\n"
        }
        return s + "</g>\n"
    }

    /// About five round tick values covering [lo, hi] (steps of 1, 2 or 5 x 10^k).
    public static func ticks(_ lo: Double, _ hi: Double, integer: Bool = false) -> [Double] {
        let raw = (hi - lo) / 5
        var step = 1.0
        if raw > 0 {
            let mag = pow(10, (log10(raw)).rounded(.down))
            step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw * (1 - 1e-9) } ?? 10 * mag
        }
        if integer { step = max(1, step.rounded(.up)) }
        // Ticks as whole multiples of the step, so they do not drift.
        var k = (lo / step * (1 + 1e-12)).rounded(.down)
        if k * step < lo - step * 1e-9, integer { k += 1 }
        var out: [Double] = []
        while k * step <= hi + step * 1e-9 && out.count <= 100 {
            out.append(k * step)
            k += 1
        }
        if !integer, let last = out.last, last < hi - step * 1e-9 { out.append(k * step) }
        return out
    }

    /// A tick label with as many decimals as the step needs.
    static func label(_ v: Double, step: Double) -> String {
        var decimals = 0
        var s = step
        while s < 0.999 && decimals < 6 { s *= 10; decimals += 1 }
        return Format.fixed(v, decimals)
    }

    private func n(_ x: Double) -> String { Format.fixed(x, 1) }
}

/// Text for XML content and attributes.
func escape(_ s: String) -> String {
    var out = ""
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        default: out.append(c)
        }
    }
    return out
}
