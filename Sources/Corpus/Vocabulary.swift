/// A vocabulary file: one token per line, line k (0-based) is id k; line 0 is
/// `<UNK>`, line 1 `<#>` (numbers). CRLF and a UTF-8 byte-order mark are
/// tolerated.
public struct Vocabulary: Sendable {
    public var tokens: [String]
    private var index: [String: Int32]

    public init(tokens: [String]) {
        self.tokens = tokens
        var index: [String: Int32] = [:]
        for (i, t) in tokens.enumerated() where index[t] == nil { index[t] = Int32(i) }
        self.index = index
    }

    public var count: Int { tokens.count }

    public func id(of token: String) -> Int32? { index[token] }

    public static func load(path: String, maxTokens: Int = 1_000_000) throws -> Vocabulary {
        let file = try MappedFile(path: path)
        return try file.withBytes { try parse($0, fileName: path, maxTokens: maxTokens) }
    }

    /// Parses the bytes of a vocabulary file named `fileName` (for errors).
    public static func parse(_ bytes: UnsafeRawBufferPointer, fileName path: String, maxTokens: Int = 1_000_000) throws -> Vocabulary {
        var b = bytes
        if b.count >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF { b = UnsafeRawBufferPointer(rebasing: b[3...]) }
        var tokens: [String] = []
        var start = 0
        var line = 1
        var i = 0
        while i <= b.count {
            if i == b.count || b[i] == 0x0A {
                if i == b.count && start == i { break }
                var end = i
                if end > start && b[end - 1] == 0x0D { end -= 1 }
                let token = String(decoding: UnsafeRawBufferPointer(rebasing: b[start ..< end]), as: UTF8.self)
                if token.isEmpty { throw DataError(file: path, line: line, "empty token (every line must hold one token)") }
                tokens.append(token)
                if tokens.count > maxTokens { throw DataError(file: path, line: line, "more than \(maxTokens) tokens; a real vocabulary has thousands") }
                start = i + 1
                line += 1
            }
            i += 1
        }
        guard !tokens.isEmpty else { throw DataError(file: path, line: 0, "vocabulary file is empty") }
        return Vocabulary(tokens: tokens)
    }
}
