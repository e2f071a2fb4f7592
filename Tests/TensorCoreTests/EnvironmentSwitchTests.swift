import XCTest
import TensorCore

/// Every `RNNTRAIN_*` variable the sources name in a string is declared in
/// `EnvironmentSwitch` (and named in no other string), and
/// docs/environment.md's table lists exactly the declared ones.
final class EnvironmentSwitchTests: XCTestCase {
    let root: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)    // Tests/TensorCoreTests/EnvironmentSwitchTests.swift
        return parts.joined(separator: "/")
    }()

    /// The distinct `RNNTRAIN_[A-Z_]+` words in `text` that open a string
    /// literal (`quote` "\""; comments and header guards do not count) or a
    /// code span (quote "`").
    func names(in text: String, quote: UInt8 = 34) -> Set<String> {
        var found = Set<String>(), bytes = Array(text.utf8), i = 0
        let prefix = Array("RNNTRAIN_".utf8)
        while i + prefix.count <= bytes.count {
            if i > 0, bytes[i - 1] == quote, Array(bytes[i ..< i + prefix.count]) == prefix {
                var j = i + prefix.count
                while j < bytes.count, (bytes[j] >= 65 && bytes[j] <= 90) || bytes[j] == 95 { j += 1 }
                found.insert(String(decoding: bytes[i ..< j], as: UTF8.self))
                i = j
            } else { i += 1 }
        }
        return found
    }

    func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    func testEveryVariableIsDeclaredOnceAndDocumented() throws {
        let declared = Set(EnvironmentSwitch.allCases.map(\.rawValue))
        let home = "Sources/TensorCore/Platform/EnvironmentSwitch.swift"
        let enumerator = FileManager.default.enumerator(atPath: root + "/Sources")!
        while let f = enumerator.nextObject() as? String {
            guard f.hasSuffix(".swift") || f.hasSuffix(".c"), "Sources/" + f != home else { continue }
            let named = names(in: try read(root + "/Sources/" + f))
            XCTAssertTrue(named.isEmpty, "Sources/\(f) names \(named.sorted()): use EnvironmentSwitch")
        }
        XCTAssertEqual(names(in: try read(root + "/" + home)), declared)
        let table = try read(root + "/docs/environment.md").split(separator: "\n").filter { $0.hasPrefix("| `RNNTRAIN_") }
        XCTAssertEqual(Set(table.flatMap { names(in: String($0), quote: 96) }), declared, "docs/environment.md's table")
    }
}
