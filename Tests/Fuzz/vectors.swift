// libFuzzer target: the pretrained word-vector reader (scripts/fuzz.sh vectors SECONDS).
// The input is fed whole and again in two pieces cut at a place its first
// byte chooses: both must give the same table or the same error.
import Corpus

let fuzzVocabulary = Vocabulary(tokens: ["<UNK>", "<#>", "the", "paris", "cat", ". . .", "a\u{A0}b"])

func fuzzParse(_ bytes: UnsafeRawBufferPointer, cut: Int) -> (String, [Float]) {
    let dim = 4
    var table = [Float](repeating: 0, count: fuzzVocabulary.count * dim)
    let outcome: String = table.withUnsafeMutableBufferPointer { t in
        let p = PretrainedVectors(fileName: "fuzz.vec", dim: dim, vocabulary: fuzzVocabulary, table: t.baseAddress!)
        do {
            try p.consume(UnsafeRawBufferPointer(rebasing: bytes[..<cut]))
            try p.consume(UnsafeRawBufferPointer(rebasing: bytes[cut...]))
            let s = try p.finish()
            precondition(s.matched <= fuzzVocabulary.count && s.vectors >= s.matched && s.dim == dim)
            return "\(s)"
        } catch {
            precondition(error is DataError)
            return "\(error)"
        }
    }
    return (outcome, table)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    let whole = fuzzParse(bytes, cut: 0)
    let split = fuzzParse(bytes, cut: size == 0 ? 0 : Int(data[0]) % (size + 1))
    precondition(whole.0 == split.0, "chunking changed the outcome")
    if !whole.0.hasPrefix("fuzz.vec") {
        precondition(whole.1.allSatisfy { $0.isFinite })
        precondition(zip(whole.1, split.1).allSatisfy { $0.bitPattern == $1.bitPattern })
    }
    return 0
}
