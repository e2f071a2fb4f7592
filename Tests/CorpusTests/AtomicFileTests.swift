import XCTest
import Corpus
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

final class AtomicFileTests: XCTestCase {
    func testReplacesAndLeavesNoTemporaryFile() throws {
        let dir = temporaryDirectory()
        let path = dir + "/out.csv"
        try AtomicFile.write(Array("old".utf8), to: path)
        try AtomicFile.write(Array("new contents".utf8), to: path)
        XCTAssertEqual(readFile(path), Array("new contents".utf8))
        let entries = try listing(dir)
        XCTAssertEqual(entries, ["out.csv"])
    }

    /// A write that fails half-way (here: the file-size limit, as a full
    /// disk would) leaves the old file intact and no temporary file behind.
    func testAFailedWriteKeepsTheOldFile() throws {
        let dir = temporaryDirectory()
        let path = dir + "/model.bin"
        try AtomicFile.write(Array("good".utf8), to: path)
        var old = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)
        var small = old
        small.rlim_cur = 1000
        signal(SIGXFSZ, SIG_IGN)
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &small)
        let result = Result { try AtomicFile.write([UInt8](repeating: 7, count: 100_000), to: path) }
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &old)
        signal(SIGXFSZ, SIG_DFL)
        XCTAssertThrowsError(try result.get()) {
            XCTAssertEqual("\($0)", "cannot write \(path): File too large")
        }
        XCTAssertEqual(readFile(path), Array("good".utf8))
        XCTAssertEqual(try listing(dir), ["model.bin"])
    }

    func testMissingFolderIsRefusedUpFront() {
        XCTAssertThrowsError(try AtomicFile.checkWritable(path: "/nonexistent-folder/x.csv")) {
            XCTAssertEqual("\($0)", "cannot write /nonexistent-folder/x.csv: folder /nonexistent-folder does not exist")
        }
        XCTAssertThrowsError(try AtomicFile.write([1, 2], to: "/nonexistent-folder/x.csv"))
        XCTAssertNoThrow(try AtomicFile.checkWritable(path: temporaryDirectory() + "/fine.csv"))
    }

    func listing(_ dir: String) throws -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
