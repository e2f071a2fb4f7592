import XCTest
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Each optimizer against PyTorch's `torch.optim` over 5 steps. The literals
/// in GoldenOptimizerValues.swift were produced by
/// scripts/golden_optimizers.py, whose formulas are repeated here.
final class GoldenOptimizerTests: XCTestCase {
    func run(_ spec: OptimizerSpec) -> [Float] {
        let n = 7
        let params = FloatBuffer((0 ..< n).map { Float(0.1 * Double($0) - 0.3) })
        let optimizer = spec.make(parameterCount: n)
        for t in 1 ... 5 {
            let g = FloatBuffer((0 ..< n).map { Float(sin(0.7 * Double($0) + 1.3 * Double(t)) * (1 + 0.2 * Double(t))) })
            optimizer.update(params, g)
        }
        XCTAssertEqual(optimizer.step, 5)
        return params.array
    }

    func testEveryOptimizerMatchesPyTorch() throws {
        var rmsCentered = OptimizerSpec(kind: .rmsprop, learningRate: 0.01)
        rmsCentered.alpha = 0.9
        rmsCentered.epsilon = 1e-6
        rmsCentered.momentum = 0.8
        rmsCentered.centered = true
        var sgdMomentum = OptimizerSpec(kind: .sgd, learningRate: 0.1)
        sgdMomentum.momentum = 0.9
        var sgdNesterov = sgdMomentum
        sgdNesterov.nesterov = true
        var adamw = OptimizerSpec(kind: .adam, learningRate: 0.01)
        adamw.weightDecay = 0.5
        let cases: [(String, OptimizerSpec)] = [
            ("adam", OptimizerSpec(kind: .adam, learningRate: 0.01)), ("adamw", adamw), ("rmsprop", OptimizerSpec(kind: .rmsprop, learningRate: 0.01)),
            ("rmspropCenteredMomentum", rmsCentered), ("sgdMomentum", sgdMomentum), ("sgdNesterov", sgdNesterov),
        ]
        XCTAssertEqual(Set(cases.map(\.0)), Set(goldenOptimizerParams.keys))
        for (name, spec) in cases {
            let expected = try XCTUnwrap(goldenOptimizerParams[name]).map(Float.init)
            assertClose(run(spec), expected, abs: 2e-6, rel: 2e-5, name)
        }
    }

    /// The state buffers a checkpoint saves carry the whole optimizer: an
    /// optimizer given another's state and step continues identically.
    func testStateNamesCarryEveryOptimizer() {
        var rms = OptimizerSpec(kind: .rmsprop, learningRate: 0.01)
        rms.momentum = 0.5
        rms.centered = true
        var sgd = OptimizerSpec(kind: .sgd, learningRate: 0.1)
        sgd.momentum = 0.9
        for spec in [OptimizerSpec(kind: .adam, learningRate: 0.01), rms, sgd] {
            let a = spec.make(parameterCount: 5), b = spec.make(parameterCount: 5)
            XCTAssertEqual(a.state.count, spec.stateCount)
            let pa = FloatBuffer([1, 2, 3, 4, 5]), g = FloatBuffer([0.5, -0.25, 1, -1, 0.1])
            a.update(pa, g)
            for (x, y) in zip(a.state, b.state) {
                XCTAssertEqual(x.name, y.name)
                y.buffer.base.update(from: x.buffer.base, count: 5)
            }
            b.step = a.step
            let pb = FloatBuffer(pa.array)
            a.update(pa, g)
            b.update(pb, g)
            XCTAssertEqual(pa.array, pb.array, "\(spec.kind)")
        }
    }
}
