// libFuzzer target: the vocabulary file reader (scripts/fuzz.sh vocab SECONDS).
import Corpus

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let v = try? Vocabulary.parse(bytes, fileName: "fuzz.txt", maxTokens: 100_000) {
        precondition(v.count >= 1 && v.count <= 100_000)
        for (i, t) in v.tokens.enumerated() { precondition(!t.isEmpty && v.id(of: t)! <= Int32(i)) }
    }
    return 0
}
