import Foundation

/// `training_curves.svg`: training and validation perplexity (bits per
/// character for a character-level corpus) per epoch on a logarithmic axis, with a dashed marker where NT-ASGD averaging switched on,
/// and the training perplexity of every log interval as a thin line (at
/// epoch − 1 + batch / batches, so that a long first epoch already has a curve).
/// Drawn from the epoch and log records of `metrics.jsonl`; plain SVG text, no
/// dependencies.
@_spi(CLI) public enum TrainingCurves {
    /// The plot's name inside a run folder.
    public static let fileName = "training_curves.svg"

    /// Reads `metrics` and replaces `url` atomically with the drawing. The
    /// title names the run folder that holds `metrics`. `bitsPerCharacter`
    /// plots bpc (loss / ln 2) instead of perplexity.
    public static func write(metrics: URL, to url: URL, bitsPerCharacter: Bool = false) throws {
        let records = try MetricsLog.read(metrics)
        let run = metrics.standardizedFileURL.deletingLastPathComponent().lastPathComponent
        let title = run.isEmpty || run == "/" ? "Training curves" : "Training curves: \(run)"
        try AtomicFile.write(svg(from: records, title: title, bitsPerCharacter: bitsPerCharacter), to: url)
    }

    /// The SVG document for the epoch and log records among `records` (test
    /// records are ignored; of repeated epochs, or log records at the same
    /// batch, the last record counts).
    static func svg(from records: [MetricsRecord], title: String, bitsPerCharacter: Bool = false) -> String {
        var byEpoch: [Int: MetricsRecord] = [:]
        for r in records where r.kind == "epoch" { byEpoch[r.epoch] = r }
        let epochs = byEpoch.values.sorted { $0.epoch < $1.epoch }

        let unit = bitsPerCharacter ? "bpc" : "ppl"
        func value(_ loss: Double?, _ ppl: Double?) -> Double? {
            bitsPerCharacter ? loss.map { $0 / log(2.0) } : ppl ?? loss.map(exp)
        }
        let intervals = intervalPoints(records, epochs: byEpoch) { plottable(value($0.loss, $0.ppl)) }
        guard !epochs.isEmpty || !intervals.isEmpty else { return emptyDocument(title: title) }
        let train = epochs.compactMap { r in plottable(value(r.loss, r.ppl)).map { (Double(r.epoch), $0) } }
        let valid = epochs.compactMap { r in plottable(value(r.valLoss, r.valPpl)).map { (Double(r.epoch), $0) } }
        let averagingFrom = epochs.first { $0.averaging == true }?.epoch
        let bestValid = valid.min { $0.1 < $1.1 }

        // Axes.
        let values = (train + valid + intervals).map(\.1)
        let y = LogAxis(min: values.min() ?? 10, max: values.max() ?? 1000)
        let xs = (epochs.map { Double($0.epoch) } + intervals.map(\.0))
        let x = EpochAxis(first: xs.min()!, last: xs.max()!)

        // Layout: title, legend row, averaging label row, plot, x labels.
        let labelChars = y.major.map { tickLabel($0).count }.max() ?? 3
        let plotLeft = 44 + Double(labelChars) * 7
        let plotRight = width - 28
        let plotTop: Double = averagingFrom == nil ? 70 : 86
        let plotBottom = height - 60
        func px(_ epoch: Double) -> Double { plotLeft + (epoch - x.lo) / (x.hi - x.lo) * (plotRight - plotLeft) }
        func py(_ value: Double) -> Double { plotBottom - (log10(value) - y.lo) / (y.hi - y.lo) * (plotBottom - plotTop) }

        var s = header(title: title)

        // Grid.
        s.append("<g stroke-width=\"1\" fill=\"none\">")
        for v in y.minor {
            s.append("<line x1=\"\(f(plotLeft))\" y1=\"\(f(py(v)))\" x2=\"\(f(plotRight))\" y2=\"\(f(py(v)))\" stroke=\"#f0f0f0\"/>")
        }
        for v in y.major {
            s.append("<line x1=\"\(f(plotLeft))\" y1=\"\(f(py(v)))\" x2=\"\(f(plotRight))\" y2=\"\(f(py(v)))\" stroke=\"#dcdcdc\"/>")
        }
        for e in x.ticks {
            s.append("<line x1=\"\(f(px(Double(e))))\" y1=\"\(f(plotTop))\" x2=\"\(f(px(Double(e))))\" y2=\"\(f(plotBottom))\" stroke=\"#ececec\"/>")
        }
        s.append("<rect x=\"\(f(plotLeft))\" y=\"\(f(plotTop))\" width=\"\(f(plotRight - plotLeft))\" height=\"\(f(plotBottom - plotTop))\" stroke=\"#b0b0b0\"/>")
        s.append("</g>")

        // Ticks and tick labels.
        s.append("<g font-size=\"11\" fill=\"#444\" stroke=\"none\">")
        for v in y.major {
            s.append("<line x1=\"\(f(plotLeft - 5))\" y1=\"\(f(py(v)))\" x2=\"\(f(plotLeft))\" y2=\"\(f(py(v)))\" stroke=\"#444\"/>")
            s.append("<text x=\"\(f(plotLeft - 8))\" y=\"\(f(py(v) + 4))\" text-anchor=\"end\">\(escape(tickLabel(v)))</text>")
        }
        for e in x.ticks {
            s.append("<line x1=\"\(f(px(Double(e))))\" y1=\"\(f(plotBottom))\" x2=\"\(f(px(Double(e))))\" y2=\"\(f(plotBottom + 5))\" stroke=\"#444\"/>")
            s.append("<text x=\"\(f(px(Double(e))))\" y=\"\(f(plotBottom + 19))\" text-anchor=\"middle\">\(e)</text>")
        }
        s.append("</g>")

        // Axis labels.
        let midY = (plotTop + plotBottom) / 2
        s.append("<text x=\"\(f((plotLeft + plotRight) / 2))\" y=\"\(f(height - 16))\" font-size=\"13\" fill=\"#222\" text-anchor=\"middle\">epoch</text>")
        s.append("<text x=\"18\" y=\"\(f(midY))\" font-size=\"13\" fill=\"#222\" text-anchor=\"middle\" transform=\"rotate(-90 18 \(f(midY)))\">perplexity (log scale)</text>")

        // Averaging marker: a dashed line through the first averaged epoch,
        // labelled in its own row above the plot.
        if let from = averagingFrom {
            let ax = px(Double(from))
            let text = "averaging (NT-ASGD) from epoch \(from)"
            let w = textWidth(text, size: 12)
            let left = min(max(ax - w / 2, plotLeft), width - 8 - w)
            s.append("<g class=\"averaging\">")
            s.append("<line x1=\"\(f(ax))\" y1=\"\(f(plotTop - 4))\" x2=\"\(f(ax))\" y2=\"\(f(plotBottom))\" stroke=\"#555\" stroke-width=\"1.3\" stroke-dasharray=\"6 4\"/>")
            s.append("<text x=\"\(f(left))\" y=\"\(f(plotTop - 9))\" font-size=\"12\" fill=\"#333\">\(escape(text))</text>")
            s.append("</g>")
        }

        // The log intervals first, under the epochs' curves: a thin line, a marker only when alone.
        if !intervals.isEmpty {
            let coords = intervals.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
            s.append("<polyline class=\"train-interval\" points=\"\(coords)\" fill=\"none\" stroke=\"\(intervalColor)\" stroke-width=\"1.2\" stroke-linejoin=\"round\"/>")
            if intervals.count == 1 {
                s.append("<circle cx=\"\(f(px(intervals[0].0)))\" cy=\"\(f(py(intervals[0].1)))\" r=\"3\" fill=\"\(intervalColor)\"/>")
            }
        }
        if epochs.isEmpty {
            s.append("<text x=\"\(f((plotLeft + plotRight) / 2))\" y=\"\(f(plotTop + 24))\" font-size=\"13\" fill=\"#888\" text-anchor=\"middle\">no epoch finished yet</text>")
        }

        // Curves: one polyline each, with point markers.
        let series: [(name: String, color: String, points: [(Double, Double)])] = [
            ("train", trainColor, train), ("validation", validColor, valid),
        ]
        let radius = epochs.count == 1 ? 4.5 : epochs.count <= 40 ? 3 : epochs.count <= 100 ? 2 : 0
        for (name, color, points) in series where !epochs.isEmpty {
            let coords = points.map { "\(f(px($0.0))),\(f(py($0.1)))" }.joined(separator: " ")
            s.append("<polyline class=\"\(name)\" points=\"\(coords)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>")
            if radius > 0 {
                s.append("<g fill=\"\(color)\" stroke=\"#fff\" stroke-width=\"1\">")
                for (e, v) in points {
                    s.append("<circle cx=\"\(f(px(e)))\" cy=\"\(f(py(v)))\" r=\"\(f(radius))\"/>")
                }
                s.append("</g>")
            }
        }
        if values.isEmpty {
            s.append("<text x=\"\(f((plotLeft + plotRight) / 2))\" y=\"\(f(midY))\" font-size=\"14\" fill=\"#888\" text-anchor=\"middle\">no finite perplexities yet</text>")
        }

        // Legend in its own row under the title, clear of the curves.
        var legend: [(String, String)] = [("train \(unit)", trainColor)]
        if let (e, v) = bestValid {
            legend.append(("validation \(unit) (best \(String(format: bitsPerCharacter ? "%.3f" : "%.2f", v)) at epoch \(Int(e)))", validColor))
        } else {
            legend.append(("validation \(unit)", validColor))
        }
        if !intervals.isEmpty { legend.append(("train \(unit) per log interval", intervalColor)) }
        var lx = plotLeft
        let ly: Double = 52
        s.append("<g font-size=\"12\" fill=\"#222\">")
        for (text, color) in legend {
            s.append("<line x1=\"\(f(lx))\" y1=\"\(f(ly - 4))\" x2=\"\(f(lx + 22))\" y2=\"\(f(ly - 4))\" stroke=\"\(color)\" stroke-width=\"2\"/>")
            s.append("<circle cx=\"\(f(lx + 11))\" cy=\"\(f(ly - 4))\" r=\"3\" fill=\"\(color)\" stroke=\"#fff\" stroke-width=\"1\"/>")
            s.append("<text x=\"\(f(lx + 28))\" y=\"\(f(ly))\">\(escape(text))</text>")
            lx += 28 + textWidth(text, size: 12) + 24
        }
        s.append("</g>")

        s.append("</svg>")
        return s.joined(separator: "\n") + "\n"
    }

    // MARK: - Document parts

    static let width: Double = 900
    static let height: Double = 560
    static let trainColor = "#1f77b4"
    static let validColor = "#e8710a"
    static let intervalColor = "#9ecae1"

    /// The log records' points, (epoch − 1 + batch / batches, `value`), in order
    /// of x, the last record at each x kept. A record without `batches` (older
    /// files) is placed by its epoch's batch count, else the epoch's last log batch.
    static func intervalPoints(_ records: [MetricsRecord], epochs: [Int: MetricsRecord],
                               value: (MetricsRecord) -> Double?) -> [(Double, Double)] {
        let logs = records.filter { $0.kind == "log" && $0.batch != nil }
        var lastBatch: [Int: Int] = [:]
        for r in logs { lastBatch[r.epoch] = max(lastBatch[r.epoch] ?? 0, r.batch!) }
        var byX: [Double: Double] = [:]
        for r in logs {
            guard let v = value(r) else { continue }
            let batches = max(1, r.batches ?? epochs[r.epoch]?.batch ?? lastBatch[r.epoch]!, r.batch!)
            byX[Double(r.epoch - 1) + Double(r.batch!) / Double(batches)] = v
        }
        return byX.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    static func header(title: String) -> [String] {
        let shown = fitted(title, size: 16, room: width - 40)
        return [
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\">",
            "<title>\(escape(title))</title>",
            "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#ffffff\"/>",
            "<text x=\"\(f(width / 2))\" y=\"28\" font-size=\"16\" font-weight=\"bold\" fill=\"#111\" text-anchor=\"middle\">\(escape(shown))</text>",
        ]
    }

    static func emptyDocument(title: String) -> String {
        var s = header(title: title)
        s.append("<text x=\"\(f(width / 2))\" y=\"\(f(height / 2))\" font-size=\"16\" fill=\"#777\" text-anchor=\"middle\">no epochs yet</text>")
        s.append("</svg>")
        return s.joined(separator: "\n") + "\n"
    }

    // MARK: - Axes

    /// A logarithmic axis: `lo`/`hi` are log10 bounds; `major` ticks are
    /// labelled (decades, 1-2-5, or round linear steps for narrow ranges),
    /// `minor` ones only drawn as faint grid lines.
    struct LogAxis {
        var lo: Double, hi: Double
        var major: [Double] = [], minor: [Double] = []

        init(min: Double, max: Double) {
            var a = log10(min), b = log10(max)
            if b - a < 0.08 { let mid = (a + b) / 2; a = mid - 0.04; b = mid + 0.04 }
            let span = b - a
            // Each end reaches out to the next labelled tick when that is close,
            // else gets a little padding.
            func fit(_ ticks: [Double]) -> (lo: Double, hi: Double, major: [Double]) {
                let below = ticks.last { log10($0) <= a && a - log10($0) <= 0.15 * span }
                let above = ticks.first { log10($0) >= b && log10($0) - b <= 0.15 * span }
                let lo = below.map { Swift.min(log10($0), a - 0.05 * span) } ?? a - 0.06 * span
                let hi = above.map { Swift.max(log10($0), b + 0.05 * span) } ?? b + 0.06 * span
                let eps = 1e-9 * (hi - lo)
                return (lo, hi, ticks.filter { log10($0) >= lo - eps && log10($0) <= hi + eps })
            }
            let (wideLo, wideHi) = (pow(10, a - 0.2 * span), pow(10, b + 0.2 * span))
            var usesMantissas = true
            var fitted: (lo: Double, hi: Double, major: [Double])
            if span >= 3 {
                let stride = Swift.max(1, Int((span / 7).rounded(.up)))
                fitted = fit((Int(log10(wideLo).rounded(.up))...Int(log10(wideHi).rounded(.down)))
                    .filter { $0 % stride == 0 }.map { pow(10, Double($0)) })
            } else {
                fitted = fit(Self.mantissaTicks([1, 2, 5], wideLo, wideHi))
                if fitted.major.count < 3 {
                    fitted = fit(Self.linearTicks(pow(10, a), pow(10, b), over: wideLo, wideHi))
                    usesMantissas = false
                }
            }
            (lo, hi, major) = fitted
            if usesMantissas && hi - lo <= 6 {
                let major = major
                minor = Self.mantissaTicks(Array(1...9).map(Double.init), pow(10, lo), pow(10, hi))
                    .filter { m in !major.contains { abs($0 - m) <= 1e-9 * m } }
            }
        }

        static func mantissaTicks(_ mantissas: [Double], _ lo: Double, _ hi: Double) -> [Double] {
            var ticks: [Double] = []
            for k in Int(log10(lo).rounded(.down))...Int(log10(hi).rounded(.up)) {
                for m in mantissas {
                    let v = m * pow(10, Double(k))
                    if v >= lo && v <= hi { ticks.append(v) }
                }
            }
            return ticks
        }

        /// Round steps (1-2-5 times a power of ten) giving about five ticks
        /// over `lo...hi`, laid out over `from...to`.
        static func linearTicks(_ lo: Double, _ hi: Double, over from: Double, _ to: Double) -> [Double] {
            let raw = (hi - lo) / 5
            let magnitude = pow(10, log10(raw).rounded(.down))
            let step = [0.5, 1, 2, 5, 10].map { $0 * magnitude }.min { abs((hi - lo) / $0 - 5) < abs((hi - lo) / $1 - 5) }!
            let first = Int((from / step).rounded(.up)), last = Int((to / step).rounded(.down))
            guard first <= last else { return [] }
            return (first...last).map { Double($0) * step }.filter { $0 > 0 }
        }
    }

    /// A linear epoch axis with at most ten integer ticks at round steps, over
    /// `first...last` (fractional where log intervals are drawn).
    struct EpochAxis {
        var lo: Double, hi: Double
        var ticks: [Int]

        init(first: Double, last: Double) {
            let span = last - first
            let pad = max(0.5, span * 0.03)
            lo = first - pad
            hi = last + pad
            let whole = Int(span.rounded(.up))
            var step = 1
            outer: for magnitude in [1, 10, 100, 1000, 10000, 100000] {
                for m in [1, 2, 5] where whole / (m * magnitude) + 1 <= 10 {
                    step = m * magnitude
                    break outer
                }
            }
            let start = Int((lo / Double(step)).rounded(.up)) * step
            ticks = Array(stride(from: start, through: Int(hi.rounded(.down)), by: step))
        }
    }

    // MARK: - Text

    static func plottable(_ v: Double?) -> Double? {
        guard let v, v.isFinite, v > 0 else { return nil }
        return v
    }

    static func f(_ v: Double) -> String { String(format: "%.1f", v) }

    static func tickLabel(_ v: Double) -> String {
        if v >= 1e6 { return String(format: "%g", v) }
        if v >= 1e4, (v / 1000).rounded() == v / 1000 { return "\(Int(v / 1000))k" }
        if v.rounded() == v { return String(Int(v)) }
        return String(format: "%g", v)
    }

    /// A generous estimate of the rendered width of sans-serif text.
    static func textWidth(_ text: String, size: Double) -> Double { Double(text.count) * size * 0.6 }

    static func fitted(_ text: String, size: Double, room: Double) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        let chars = Int(room / (size * 0.6))
        return flat.count <= chars ? flat : String(flat.prefix(max(1, chars - 1))) + "…"
    }

    /// Escapes XML markup characters and replaces characters XML 1.0 forbids.
    static func escape(_ text: String) -> String {
        var out = ""
        for u in text.unicodeScalars {
            switch u {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default:
                let v = u.value
                if (v < 0x20 && v != 0x9 && v != 0xA && v != 0xD) || v == 0xFFFE || v == 0xFFFF {
                    out.unicodeScalars.append("\u{FFFD}")
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        return out
    }
}

extension RunFolder {
    /// `training_curves.svg`, redrawn from `metrics.jsonl` after each epoch.
    public var trainingCurves: URL { url.appendingPathComponent(TrainingCurves.fileName) }
}
