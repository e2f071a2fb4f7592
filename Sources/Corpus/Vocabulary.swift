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

    /// "fnv1a64:0123456789abcdef": a 64-bit FNV-1a hash of every token with a
    /// line break after it, so files holding the same tokens in the same
    /// order match (whatever their line endings) and any other file almost
    /// surely does not. Checkpoints record it with the token count.
    public var fingerprint: String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for t in tokens {
            for b in t.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
            h = (h ^ 0x0A) &* 0x100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }

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
