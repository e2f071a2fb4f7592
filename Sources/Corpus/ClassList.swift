/// The per-class text files: `labels.txt` (one class name per line, line k
/// names class k, as `prepare` writes it) and a class-weights file (one
/// non-negative number per line, line k weighs class k). At most 256 lines:
/// labels are bytes.
public enum ClassList {
    public static let maxClasses = 256

    public static func names(path: String) throws -> [String] {
        try MappedFile(path: path).withBytes { try parseNames($0, fileName: path) }
    }

    public static func weights(path: String) throws -> [Float] {
        try MappedFile(path: path).withBytes { try parseWeights($0, fileName: path) }
    }

    /// Names: non-empty, distinct, spaces around them dropped.
    public static func parseNames(_ bytes: UnsafeRawBufferPointer, fileName: String) throws -> [String] {
        var names: [String] = [], seen: [String: Int] = [:]
        try lines(bytes, fileName: fileName) { line, text in
            let name = text.trimmingSpaces()
            if name.isEmpty { throw DataError(file: fileName, line: line, "empty class name (line k names class k)") }
            if let first = seen[name] { throw DataError(file: fileName, line: line, "class name '\(name)' already names class \(first)") }
            seen[name] = names.count
            names.append(name)
        }
        return names
    }

    /// Weights: finite numbers >= 0, at least one above 0.
    public static func parseWeights(_ bytes: UnsafeRawBufferPointer, fileName: String) throws -> [Float] {
        var weights: [Float] = []
        try lines(bytes, fileName: fileName) { line, text in
            let t = text.trimmingSpaces()
            guard let w = Double(t), w.isFinite, w >= 0, w <= 1e30 else {
                throw DataError(file: fileName, line: line, "'\(t.prefix(40))' is not a class weight (a number >= 0)")
            }
            weights.append(Float(w))
        }
        guard weights.contains(where: { $0 > 0 }) else { throw DataError(file: fileName, line: 0, "every class weight is 0") }
        return weights
    }

    private static func lines(_ bytes: UnsafeRawBufferPointer, fileName: String, _ body: (Int, String) throws -> Void) throws {
        var count = 0
        try forEachLine(in: bytes) { line, text in
            count += 1
            if count > maxClasses { throw DataError(file: fileName, line: line, "more than \(maxClasses) lines (one per class)") }
            try body(line, String(decoding: text, as: UTF8.self))
        }
        guard count > 0 else { throw DataError(file: fileName, line: 0, "file is empty (one line per class)") }
    }
}
