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
        var tokens: [String] = []
        try forEachLine(in: bytes) { line, text in
            let token = String(decoding: text, as: UTF8.self)
            if token.isEmpty { throw DataError(file: path, line: line, "empty token (every line must hold one token)") }
            tokens.append(token)
            if tokens.count > maxTokens { throw DataError(file: path, line: line, "more than \(maxTokens) tokens; a real vocabulary has thousands") }
        }
        guard !tokens.isEmpty else { throw DataError(file: path, line: 0, "vocabulary file is empty") }
        return Vocabulary(tokens: tokens)
    }
}
