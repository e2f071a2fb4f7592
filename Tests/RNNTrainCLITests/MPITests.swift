import XCTest
import Foundation
import Model
import TensorCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Data-parallel training under a real `mpirun -np 2` (OpenMPI comes with
/// `make deps`): the same curve and weights as one process with the same
/// number of workers, checkpoints that resume on any rank count, an
/// interrupt every rank agrees on, and a launch the batch cannot feed.
final class MPITests: XCTestCase {
    var binary: String { repoRoot + "/.build/release/rnntrain" }
    let data = ["--synth-rows", "3000", "--bucketed", "--batch-size", "64", "--lr", "3e-3", "--embed", "16", "--hidden", "16"]

    /// mpirun from PATH (or the usual places); the test skips without it.
    func mpirun() throws -> String {
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("no release binary (run make build)") }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for dir in path.split(separator: ":") + ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/mpirun") {
            return "\(dir)/mpirun"
        }
        throw XCTSkip("mpirun not found: `make deps` installs OpenMPI (openmpi-bin)")
    }

    /// Starts `rnntrain args` on `ranks` MPI ranks (ranks 0: as a plain process).
    func start(_ args: [String], ranks: Int) throws -> (Process, Pipe, Pipe) {
        let p = Process()
        var env = ProcessInfo.processInfo.environment
        for k in env.keys where k.hasPrefix("OMPI_") || k.hasPrefix("PMI") { env.removeValue(forKey: k) }
        if ranks > 0 {
            p.executableURL = URL(fileURLWithPath: try mpirun())
            // Root in containers and CI; two ranks on a one-core machine.
            env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
            env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
            p.arguments = ["--oversubscribe", "-np", "\(ranks)", binary] + args
        } else {
            p.executableURL = URL(fileURLWithPath: binary)
            p.arguments = args
        }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }

    func run(_ args: [String], ranks: Int) throws -> (status: Int32, out: String, err: String) {
        let (p, out, err) = try start(args, ranks: ranks)
        return finish(p, out, err)
    }

    func finish(_ p: Process, _ out: Pipe, _ err: Pipe) -> (status: Int32, out: String, err: String) {
        let o = out.fileHandleForReading.readDataToEndOfFile(), e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
    }

    /// The numbers of each epoch line: accuracies and losses (train, validation, test).
    func figures(_ out: String) -> [[Double]] {
        out.split(separator: "\n").filter { $0.hasPrefix("Epoch ") }.map { line in
            line.components(separatedBy: " - ").compactMap { field -> Double? in
                let named = ["train acc", "val acc", "test acc", "loss", "val loss", "test loss"]
                guard named.contains(where: { field.hasPrefix($0) }) else { return nil }
                return Double(field.split(separator: " ").last!)
            }
        }
    }

    func assertSameCurve(_ a: String, _ b: String, epochs: Int, file: StaticString = #filePath, line: UInt = #line) {
        let fa = figures(a), fb = figures(b)
        XCTAssertEqual(fa.count, epochs, a, file: file, line: line)
        XCTAssertEqual(fb.count, epochs, b, file: file, line: line)
        for (x, y) in zip(fa.joined(), fb.joined()) { XCTAssertEqual(x, y, accuracy: 1e-4, "\(a)\n\(b)", file: file, line: line) }
    }

    func assertSameWeights(_ pathA: String, _ pathB: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try Checkpoint.read(path: pathA).tensors, b = try Checkpoint.read(path: pathB).tensors
        XCTAssertEqual(Set(a.keys), Set(b.keys), file: file, line: line)
        for (name, t) in a where !name.hasPrefix("optimizer") {
            let u = try XCTUnwrap(b[name])
            var worst: Float = 0
            for (x, y) in zip(t.values, u.values) { worst = max(worst, abs(x - y) / max(abs(x), abs(y), 1e-3)) }
            XCTAssertLessThanOrEqual(worst, 1e-5, name, file: file, line: line)
        }
    }

    /// 2 ranks x 1 thread deal each batch to the same two shards as one
    /// process with 2 threads and add them in the same order: same epochs,
    /// same weights. Rank 0 alone prints; only it writes the checkpoint.
    func testTwoRanksTrainLikeOneProcessWithTwoWorkers() throws {
        let dir = temporaryDirectory()
        let two = try run(["classify"] + data + ["--epochs", "2", "--threads", "1", "--save", dir + "/two.safetensors"], ranks: 2)
        XCTAssertEqual(two.status, 0, two.err)
        let one = try run(["classify"] + data + ["--epochs", "2", "--threads", "2", "--save", dir + "/one.safetensors"], ranks: 0)
        XCTAssertEqual(one.status, 0, one.err)
        assertSameCurve(two.out, one.out, epochs: 2)
        try assertSameWeights(dir + "/two.safetensors", dir + "/one.safetensors")
        XCTAssertTrue(two.err.contains("MPI: 2 ranks x 1 thread"), two.err)
        XCTAssertFalse(two.err.contains("rank 1"), two.err)
        XCTAssertEqual(two.err.components(separatedBy: "saved ").count - 1, 2, "one saved line per epoch (rank 0 only)\n\(two.err)")
    }

    /// The dense update is sharded over the ranks (each steps its span,
    /// the clipping norm's parts added in rank order); a sparse embedding
    /// update reduces the whole gradient on every rank instead. Both give
    /// one process's epochs and weights.
    func testShardedAndWholeStepsWithClippingMatchOneProcess() throws {
        let dir = temporaryDirectory()
        for (name, extra, exchange) in [("dense", ["--clip", "0.5"], "step sharded"),
                                        ("sparse", ["--sparse-embedding", "--clip", "0.5"], "reduced by allgather")] {
            let args = ["classify"] + data + extra + ["--epochs", "1"]
            let two = try run(args + ["--threads", "1", "--save", dir + "/\(name)2.safetensors"], ranks: 2)
            XCTAssertEqual(two.status, 0, two.err)
            let one = try run(args + ["--threads", "2", "--save", dir + "/\(name)1.safetensors"], ranks: 0)
            XCTAssertEqual(one.status, 0, one.err)
            assertSameCurve(two.out, one.out, epochs: 1)
            try assertSameWeights(dir + "/\(name)2.safetensors", dir + "/\(name)1.safetensors")
            XCTAssertTrue(two.err.contains(exchange), two.err)
        }
    }

    /// seq2seq (per-step loss over real tokens) splits the same way.
    func testTwoRanksSeq2SeqMatchOneProcess() throws {
        let args = ["seq2seq"] + data + ["--epochs", "1", "--quiet"]
        let two = try run(args + ["--threads", "1"], ranks: 2)
        XCTAssertEqual(two.status, 0, two.err)
        let one = try run(args + ["--threads", "2"], ranks: 0)
        assertSameCurve(two.out, one.out, epochs: 1)
    }

    /// A checkpoint does not know how many ranks wrote it: 2 ranks resume
    /// one process's epoch 1, one process resumes 2 ranks' epoch 1, and both
    /// finish like the uninterrupted run.
    func testCheckpointsResumeOnAnyRankCount() throws {
        let dir = temporaryDirectory()
        let args = ["classify"] + data + ["--quiet"]
        let whole = try run(args + ["--epochs", "2", "--threads", "2"], ranks: 0)
        XCTAssertEqual(whole.status, 0, whole.err)
        XCTAssertEqual(try run(args + ["--epochs", "1", "--threads", "2", "--save", dir + "/a.safetensors"], ranks: 0).status, 0)
        XCTAssertEqual(try run(args + ["--epochs", "1", "--threads", "1", "--save", dir + "/b.safetensors"], ranks: 2).status, 0)
        let onTwo = try run(args + ["--epochs", "2", "--threads", "1", "--resume", dir + "/a.safetensors"], ranks: 2)
        XCTAssertEqual(onTwo.status, 0, onTwo.err)
        let onOne = try run(args + ["--epochs", "2", "--threads", "2", "--resume", dir + "/b.safetensors"], ranks: 0)
        XCTAssertEqual(onOne.status, 0, onOne.err)
        let last = whole.out.split(separator: "\n").filter { $0.hasPrefix("Epoch 2/") }.joined()
        assertSameCurve(onTwo.out, last, epochs: 1)
        assertSameCurve(onOne.out, last, epochs: 1)
    }

    /// More ranks than rows in a batch: refused before training, by rank 0
    /// alone, with the numbers that clash.
    /// Every rank parses the arguments; rank 0 alone reports the mistake.
    func testAUsageErrorIsReportedOnce() throws {
        let r = try run(["classify", "--bukceted"], ranks: 2)
        XCTAssertEqual(r.status, 64)
        XCTAssertEqual(r.err.components(separatedBy: "error: unknown option --bukceted").count, 2, r.err)
    }

    func testMoreRanksThanTheBatchIsAClearError() throws {
        let r = try run(["classify"] + data + ["--batch-size", "1", "--epochs", "1"], ranks: 2)
        XCTAssertNotEqual(r.status, 0)
        XCTAssertTrue(r.err.contains("error: --batch-size 1 is smaller than the 2 MPI ranks"), r.err)
        XCTAssertFalse(r.err.contains("rank 1"), r.err)
        XCTAssertEqual(r.out, "")
    }

    /// SIGTERM to one rank (as a scheduler or mpirun's Ctrl-C sends): the
    /// ranks agree after the batch to stop together, rank 0 saves the
    /// position, the job exits 130, and one process resumes it to the end
    /// of the uninterrupted run.
    func testInterruptStopsEveryRankAtTheSameBatch() throws {
        let dir = temporaryDirectory(), ckpt = dir + "/m.safetensors"
        let args = ["classify", "--synth-rows", "10000", "--bucketed", "--epochs", "3", "--lr", "1e-3"]
        let r = try interruptOnceSaved(args + ["--threads", "1", "--save", ckpt], ranks: 2, checkpoint: ckpt)
        XCTAssertEqual(r.status, 130, r.err)
        XCTAssertTrue(r.err.contains("interrupted in epoch "), r.err)
        XCTAssertTrue(r.err.contains("saved \(ckpt): continue with --resume \(ckpt)"), r.err)
        let saved = try Checkpoint.read(path: ckpt).record(path: ckpt).progress
        XCTAssertNotNil(saved.partial, "the interrupted epoch's position is saved")
        let resumed = try run(args + ["--threads", "2", "--resume", ckpt, "--quiet"], ranks: 0)
        XCTAssertEqual(resumed.status, 0, resumed.err)
        let whole = try run(args + ["--threads", "2", "--quiet"], ranks: 0)
        let finished = whole.out.split(separator: "\n").filter { $0.hasPrefix("Epoch") }.suffix(3 - saved.epoch).joined(separator: "\n")
        assertSameCurve(resumed.out, finished, epochs: 3 - saved.epoch)
    }

    /// Starts `args` on `ranks` ranks (0: one plain process) and, once
    /// `checkpoint` exists (the first epoch is saved) and `delay` seconds
    /// more, sends SIGTERM to the last rank (or SIGINT to the process);
    /// returns how the job ended.
    func interruptOnceSaved(_ args: [String], ranks: Int, checkpoint: String, delay: Double = 0) throws -> (status: Int32, out: String, err: String) {
        let (p, out, err) = try start(args, ranks: ranks)
        let deadline = Date().addingTimeInterval(120)
        while !fileExists(checkpoint) && p.isRunning && Date() < deadline { usleep(5_000) }
        usleep(UInt32(delay * 1e6))
        XCTAssertTrue(p.isRunning, "finished before it could be interrupted")
        if ranks == 0 {
            kill(p.processIdentifier, SIGINT)
        } else {
            let id = p.processIdentifier
            let children = (try? String(contentsOfFile: "/proc/\(id)/task/\(id)/children", encoding: .utf8)) ?? ""
            let pids = children.split(separator: " ").compactMap { Int32($0) }
            XCTAssertEqual(pids.count, ranks, "mpirun's children: \(children)")
            kill(try XCTUnwrap(pids.last), SIGTERM)
        }
        return finish(p, out, err)
    }
}

/// charlm under mpirun: the streams are dealt to threads x ranks workers,
/// each rank carrying its own streams' state.
extension MPITests {
    /// A text of random words (57,800 characters), made once per test.
    func charText() -> String {
        var rng = RNG(seed: 8)
        let words = ["to", "be", "or", "not", "that", "is", "the", "question", "whether", "tis", "nobler", "mind"]
        let path = temporaryDirectory() + "/t.txt"
        writeFile(path, (0 ..< 12_000).map { _ in words[rng.below(words.count)] }.joined(separator: " "))
        return path
    }

    func charArgs(_ text: String) -> [String] {
        ["charlm", "--text", text, "--batch-size", "8", "--window", "25", "--layers", "2", "--hidden", "48", "--layer-keep", "0.9",
         "--lr", "3e-3", "--sample-length", "20"]
    }

    /// 2 ranks x 1 thread run the two stream shares of one process with 2
    /// threads (dropout keyed by stream, gradients summed in the same order):
    /// the same epochs, samples and weights; rank 0 alone prints and saves.
    func testTwoRanksCharLMMatchOneProcessWithTwoThreads() throws {
        let dir = temporaryDirectory(), args = charArgs(charText()) + ["--epochs", "2"]
        let two = try run(args + ["--threads", "1", "--save", dir + "/two.safetensors"], ranks: 2)
        XCTAssertEqual(two.status, 0, two.err)
        let one = try run(args + ["--threads", "2", "--save", dir + "/one.safetensors"], ranks: 0)
        XCTAssertEqual(one.status, 0, one.err)
        assertSameCurve(two.out, one.out, epochs: 2)
        let samples = { (s: String) in s.split(separator: "\n").filter { $0.hasPrefix("  sample: ") } }
        XCTAssertEqual(samples(two.out), samples(one.out))
        XCTAssertEqual(samples(two.out).count, 2, "one sample per epoch, from rank 0 alone\n\(two.out)")
        try assertSameWeights(dir + "/two.safetensors", dir + "/one.safetensors")
        XCTAssertTrue(two.err.contains("MPI: 2 ranks x 1 thread"), two.err)
        XCTAssertEqual(two.err.components(separatedBy: "saved ").count - 1, 2, "one saved line per epoch (rank 0 only)\n\(two.err)")
    }

    /// Interrupted mid-epoch on 2 ranks and resumed in one process, and the
    /// other way round: the checkpoint holds every stream's carried state in
    /// stream order and the window position, whatever the rank count, so
    /// both finish with the epochs of the uninterrupted run.
    func testCharLMResumesMidEpochAcrossRankCounts() throws {
        let dir = temporaryDirectory(), args = charArgs(charText()) + ["--epochs", "3", "--quiet"]
        let whole = try run(args + ["--threads", "2"], ranks: 0)
        XCTAssertEqual(whole.status, 0, whole.err)
        for (first, then) in [(2, 0), (0, 2)] {
            let ckpt = dir + "/from\(first).safetensors"
            let threads = { (ranks: Int) in ["--threads", ranks == 0 ? "2" : "1"] }
            // Some windows into epoch 2 (an epoch takes 0.3 to 0.6 s).
            let stopped = try interruptOnceSaved(args + threads(first) + ["--save", ckpt], ranks: first, checkpoint: ckpt, delay: 0.05)
            XCTAssertEqual(stopped.status, 130, stopped.err)
            let saved = try Checkpoint.read(path: ckpt)
            let progress = try saved.record(path: ckpt).progress
            XCTAssertGreaterThan(progress.partial?.batchesDone ?? 0, 0, "stopped mid-epoch\n\(stopped.err)\n\(stopped.out)")
            XCTAssertEqual(saved.tensors["charlm.state.h"]?.shape, [2, 8, 48])
            XCTAssertEqual(saved.tensors["charlm.state.c"]?.shape, [2, 8, 48])
            let resumed = try run(args + threads(then) + ["--resume", ckpt], ranks: then)
            XCTAssertEqual(resumed.status, 0, resumed.err)
            let rest = whole.out.split(separator: "\n").filter { $0.hasPrefix("Epoch") }.suffix(3 - progress.epoch).joined(separator: "\n")
            assertSameCurve(resumed.out, rest, epochs: 3 - progress.epoch)
        }
    }

    /// Fewer streams than ranks: refused by rank 0 before training.
    func testCharLMWithFewerStreamsThanRanksIsAClearError() throws {
        let r = try run(charArgs(charText()) + ["--batch-size", "1", "--epochs", "1"], ranks: 2)
        XCTAssertEqual(r.status, 64, r.err)
        XCTAssertTrue(r.err.contains("error: --batch-size 1 is smaller than the 2 MPI ranks"), r.err)
        XCTAssertFalse(r.err.contains("rank 1"), r.err)
        XCTAssertEqual(r.out, "")
    }
}

/// A fixed shard count (`--shards`): 1 thread, 2 threads and 2 ranks x 1
/// thread train the same bits.
extension MPITests {
    /// The epoch lines without their time and speed fields.
    func epochLines(_ out: String) -> [String] {
        out.split(separator: "\n").filter { $0.hasPrefix("Epoch ") }.map { $0.components(separatedBy: " - ").dropLast(2).joined(separator: " - ") }
    }

    /// Every tensor of the two checkpoints (weights and optimizer state) bit for bit.
    func assertSameTensors(_ pathA: String, _ pathB: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let a = try Checkpoint.read(path: pathA).tensors, b = try Checkpoint.read(path: pathB).tensors
        XCTAssertEqual(Set(a.keys), Set(b.keys), file: file, line: line)
        for (name, t) in a {
            XCTAssertEqual(t.shape, b[name]?.shape, name, file: file, line: line)
            XCTAssertTrue(t.values.map(\.bitPattern) == b[name]?.values.map(\.bitPattern), "\(name) differs", file: file, line: line)
        }
    }

    /// Runs `args` on 1 thread, on 2 threads and on 2 ranks x 1 thread,
    /// each saving to its own checkpoint; asserts the same epoch lines and
    /// checkpoint tensors, and returns the epoch lines.
    @discardableResult
    func assertSameBitsOnThreadsAndRanks(_ args: [String], epochs: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        let dir = temporaryDirectory()
        var outs: [String] = []
        for (name, threads, ranks) in [("t1", 1, 0), ("t2", 2, 0), ("r2", 1, 2)] {
            let r = try run(args + ["--threads", "\(threads)", "--save", "\(dir)/\(name).safetensors"], ranks: ranks)
            XCTAssertEqual(r.status, 0, r.err, file: file, line: line)
            outs.append(r.out)
        }
        XCTAssertEqual(epochLines(outs[0]).count, epochs, outs[0], file: file, line: line)
        XCTAssertEqual(epochLines(outs[1]), epochLines(outs[0]), "2 threads", file: file, line: line)
        XCTAssertEqual(epochLines(outs[2]), epochLines(outs[0]), "2 ranks", file: file, line: line)
        try assertSameTensors(dir + "/t2.safetensors", dir + "/t1.safetensors", file: file, line: line)
        try assertSameTensors(dir + "/r2.safetensors", dir + "/t1.safetensors", file: file, line: line)
        return epochLines(outs[0])
    }

    /// classify (GRU, 2 epochs) with 4 shards: plain, with clipping (the
    /// step sharded over the ranks), and with a sparse embedding update
    /// and clipping (the whole gradient on every rank).
    func testFixedShardsClassifyGivesTheSameBitsOnThreadsAndRanks() throws {
        for extra in [[], ["--clip", "0.5"], ["--sparse-embedding", "--clip", "0.5"]] {
            try assertSameBitsOnThreadsAndRanks(["classify"] + data + extra + ["--epochs", "2", "--shards", "4", "--quiet"], epochs: 2)
        }
    }

    /// charlm (a few windows an epoch, 2 epochs, clipping) with 4 shards;
    /// the samples come out the same too.
    func testFixedShardsCharLMGivesTheSameBitsOnThreadsAndRanks() throws {
        // 1,800 characters for training: 9 windows of 8 streams x 25 steps.
        let short = temporaryDirectory() + "/short.txt"
        writeFile(short, String(try String(contentsOfFile: charText(), encoding: .utf8).prefix(2_000)))
        try assertSameBitsOnThreadsAndRanks(charArgs(short) + ["--epochs", "2", "--shards", "4", "--clip", "0.5"], epochs: 2)
    }

    /// 4 ranks x 1 thread with 8 shards (the ranks' sums added by the
    /// tree's upper levels) and batches of 6 rows (the last rank has none,
    /// every batch): the bits of one process, with the step sharded and
    /// with a sparse embedding update.
    func testFourRanksWithAnEmptyRankGiveOneProcessBits() throws {
        let dir = temporaryDirectory()
        let args = ["classify", "--synth-rows", "600", "--bucketed", "--batch-size", "6", "--embed", "16", "--hidden", "16", "--lr", "3e-3",
                    "--epochs", "1", "--shards", "8", "--quiet"]
        for (name, extra) in [("dense", ["--clip", "0.5"]), ("sparse", ["--sparse-embedding"])] {
            let one = try run(args + extra + ["--threads", "2", "--save", "\(dir)/\(name)1.safetensors"], ranks: 0)
            XCTAssertEqual(one.status, 0, one.err)
            let four = try run(args + extra + ["--threads", "1", "--save", "\(dir)/\(name)4.safetensors"], ranks: 4)
            XCTAssertEqual(four.status, 0, four.err)
            XCTAssertEqual(epochLines(four.out), epochLines(one.out), name)
            try assertSameTensors(dir + "/\(name)4.safetensors", dir + "/\(name)1.safetensors")
        }
    }

    /// A shard count the ranks cannot split into equal power-of-two blocks
    /// is refused before training.
    func testShardsThatTheRanksCannotSplitAreAClearError() throws {
        let r = try run(["classify"] + data + ["--epochs", "1", "--shards", "3"], ranks: 2)
        XCTAssertEqual(r.status, 64, r.err)
        XCTAssertTrue(r.err.contains("error: --shards 3 cannot be split over 2 MPI ranks"), r.err)
    }
}
