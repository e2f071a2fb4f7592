/// Limited-memory BFGS (Nocedal and Wright, Algorithm 7.4: the two-loop
/// recursion over the last `memory` steps) with a backtracking line search
/// (Armijo condition, c1 = 1e-4), minimising a smooth function given with
/// its gradient. For convex problems such as logistic regression it reaches
/// the optimum scikit-learn's `lbfgs` solver reaches.
public struct LBFGS {
    public var memory = 10
    public var maxIterations = 200
    /// Stop when the largest gradient component is below this.
    public var gradientTolerance = 1e-6

    public init(maxIterations: Int = 200) { self.maxIterations = maxIterations }

    /// Minimises `f` (which returns f(x) and writes the gradient into its
    /// second argument) from `x`, in place; returns the iterations taken and the final value.
    @discardableResult
    public func minimize(_ x: inout [Double], _ f: ([Double], inout [Double]) -> Double) -> (iterations: Int, value: Double) {
        let n = x.count
        var g = [Double](repeating: 0, count: n), gNext = g, xNext = x
        var fx = f(x, &g)
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        var iteration = 0
        while iteration < maxIterations, maxAbs(g) > gradientTolerance {
            iteration += 1
            var d = direction(g, s, y, rho)
            var slope = dot(g, d)
            if slope >= 0 { d = g.map { -$0 }; slope = -dot(g, g) }
            // The first step has no curvature yet: scale it to a unit move.
            var step = s.isEmpty ? 1 / max((-slope).squareRoot(), 1e-12) : 1
            var fNext = fx
            for _ in 0 ..< 40 {
                for i in 0 ..< n { xNext[i] = x[i] + step * d[i] }
                fNext = f(xNext, &gNext)
                if fNext <= fx + 1e-4 * step * slope { break }
                step *= 0.5
            }
            guard fNext < fx else { break }   // no descent left at float precision
            let sk = zip(xNext, x).map { $0 - $1 }, yk = zip(gNext, g).map { $0 - $1 }
            let sy = dot(sk, yk)
            if sy > 1e-12 {
                s.append(sk); y.append(yk); rho.append(1 / sy)
                if s.count > memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
            }
            swap(&x, &xNext)
            swap(&g, &gNext)
            let decrease = fx - fNext
            fx = fNext
            if decrease <= 1e-12 * max(abs(fx), 1) { break }
        }
        return (iteration, fx)
    }

    /// `-H g` by the two-loop recursion; H0 = (s'y / y'y) I from the newest pair.
    private func direction(_ g: [Double], _ s: [[Double]], _ y: [[Double]], _ rho: [Double]) -> [Double] {
        var q = g
        var alpha = [Double](repeating: 0, count: s.count)
        for i in s.indices.reversed() {
            alpha[i] = rho[i] * dot(s[i], q)
            axpy(-alpha[i], y[i], &q)
        }
        if let sl = s.last, let yl = y.last {
            let gamma = dot(sl, yl) / dot(yl, yl)
            for j in q.indices { q[j] *= gamma }
        }
        for i in s.indices {
            let beta = rho[i] * dot(y[i], q)
            axpy(alpha[i] - beta, s[i], &q)
        }
        return q.map { -$0 }
    }

    private func dot(_ a: [Double], _ b: [Double]) -> Double {
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                var t = 0.0
                for i in 0 ..< a.count { t += a[i] * b[i] }
                return t
            }
        }
    }

    /// y += a * x.
    private func axpy(_ a: Double, _ x: [Double], _ y: inout [Double]) {
        x.withUnsafeBufferPointer { x in
            y.withUnsafeMutableBufferPointer { y in for i in 0 ..< y.count { y[i] += a * x[i] } }
        }
    }

    private func maxAbs(_ a: [Double]) -> Double { a.reduce(0) { max($0, abs($1)) } }
}
