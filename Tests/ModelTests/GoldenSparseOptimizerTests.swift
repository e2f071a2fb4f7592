import XCTest
import Corpus
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sparse (row-wise) updates of an embedding table against PyTorch's
/// `SparseAdam` + `Adam` and `SGD` on `sparse=True` gradients, over 5 steps
/// with rows left untouched for several steps. The literals in
/// GoldenSparseOptimizerValues.swift were produced by
/// scripts/golden_sparse_optimizers.py, whose formulas are repeated here.
final class GoldenSparseOptimizerTests: XCTestCase {
    let rows = 6, width = 3, n = 4

    /// g_t[r][j] = sin(0.5 r + 0.9 j + 1.1 t) * (1 + 0.1 t) for the touched rows.
    func fillRows(_ g: FloatBuffer, _ touched: [Int32], step t: Int) {
        for r in touched {
            for j in 0 ..< width {
                let x: Double = 0.5 * Double(r) + 0.9 * Double(j) + 1.1 * Double(t)
                let scale: Double = 1 + 0.1 * Double(t)
                g.base[Int(r) * width + j] = Float(sin(x) * scale)
            }
        }
    }

    func run(_ spec: OptimizerSpec) throws -> (table: [Float], dense: [Float]) {
        let tableCount = rows * width
        let table = RowTable(offset: 0, rows: rows, width: width)
        let initial: [Float] = (0 ..< tableCount).map { i in Float(0.05 * Double(i) - 0.4) }
        let dense0: [Float] = (0 ..< n).map { i in Float(0.1 * Double(i) - 0.2) }
        let params = FloatBuffer(initial + dense0)
        let optimizer = try XCTUnwrap(spec.make(parameterCount: params.count) as? any SparseRowOptimizer)
        for t in 1 ... 5 {
            let touched = goldenSparseRows[t - 1]
            let g = FloatBuffer(count: params.count)
            fillRows(g, touched, step: t)
            for i in 0 ..< n {
                let x: Double = 0.3 * Double(i) + 0.8 * Double(t)
                g.base[tableCount + i] = Float(cos(x))
            }
            optimizer.beginStep()
            optimizer.apply(params: params.base, grads: g.base, gradScale: 1, range: tableCount ..< params.count)
            touched.withUnsafeBufferPointer { optimizer.applyRows(params: params.base, grads: g.base, gradScale: 1, table: table, rows: $0) }
        }
        let all = params.array
        return (Array(all[..<tableCount]), Array(all[tableCount...]))
    }

    func testLazyAdamAndSparseSGDMatchPyTorch() throws {
        let cases: [(String, OptimizerSpec)] = [
            ("lazyAdam", OptimizerSpec(kind: .adam, learningRate: 0.01)), ("sparseSGD", OptimizerSpec(kind: .sgd, learningRate: 0.1)),
        ]
        XCTAssertEqual(Set(cases.map(\.0)), Set(goldenSparseOptimizerParams.keys))
        for (name, spec) in cases {
            let expected = try XCTUnwrap(goldenSparseOptimizerParams[name])
            let got = try run(spec)
            assertClose(got.table, expected.table.map(Float.init), abs: 2e-6, rel: 2e-5, name + " table")
            assertClose(got.dense, expected.dense.map(Float.init), abs: 2e-6, rel: 2e-5, name + " dense")
        }
    }

    /// Lazy Adam is not dense Adam: a dense update of the same gradients
    /// moves row 5 while it is untouched (its moments decay and still push),
    /// so the golden table tells the two apart.
    func testLazyAdamDiffersFromDenseAdamOnUntouchedRows() throws {
        let lazy = try run(OptimizerSpec(kind: .adam, learningRate: 0.01)).table
        let dense = Adam(parameterCount: rows * width, learningRate: 0.01)
        let initial: [Float] = (0 ..< rows * width).map { i in Float(0.05 * Double(i) - 0.4) }
        let p = FloatBuffer(initial)
        for t in 1 ... 5 {
            let g = FloatBuffer(count: rows * width)
            fillRows(g, goldenSparseRows[t - 1], step: t)
            dense.update(p, g)
        }
        let row5 = 5 * width ..< 6 * width
        XCTAssertGreaterThan(zip(p.array[row5], lazy[row5]).map { abs($0 - $1) }.max()!, 1e-3)
    }
}
