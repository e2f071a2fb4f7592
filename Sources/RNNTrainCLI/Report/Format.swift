/// Number formatting without Foundation's `String(format:)`.
enum Format {
    /// `x` with exactly `decimals` digits after the point: fixed(0.36141, 4) = "0.3614".
    static func fixed(_ x: Double, _ decimals: Int) -> String {
        guard x.isFinite else { return x.isNaN ? "nan" : (x > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0 ..< decimals { scale *= 10 }
        let negative = x < 0
        let scaled = (abs(x) * scale).rounded()
        guard scaled < 9e18 else { return "\(x)" }
        let n = UInt64(scaled)
        let p = UInt64(scale)
        var s = "\(n / p)"
        if decimals > 0 {
            let frac = "\(n % p)"
            s += "." + String(repeating: "0", count: decimals - frac.count) + frac
        }
        return (negative && scaled > 0 ? "-" : "") + s
    }

    /// A learning rate as a metrics file records it: the Float's shortest
    /// decimal (1e-3, not 0.0010000000474974513).
    static func rate(_ x: Float) -> Double { Double("\(x)")! }

    /// Thousands separators: 1234567 -> "1,234,567".
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(abs(n)))
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return (n < 0 ? "-" : "") + out
    }

    static func percent(_ share: Double, _ decimals: Int = 1) -> String { fixed(share * 100, decimals) + "%" }

    static func padLeft(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : String(repeating: " ", count: width - s.count) + s
    }

    static func padRight(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }

    /// Seconds as "12.4 s", or "2 min 05 s" past two minutes.
    static func duration(_ s: Double) -> String {
        if s < 120 { return fixed(s, 1) + " s" }
        let total = Int(s.rounded())
        let sec = total % 60
        return "\(total / 60) min " + (sec < 10 ? "0" : "") + "\(sec) s"
    }
}
