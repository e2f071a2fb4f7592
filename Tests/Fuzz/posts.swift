// libFuzzer target: what `prepare` does to a raw corpus file: post
// extraction from XML that is not well-formed, tolerant decoding
// (UTF-8 / Windows-1252, entities), the tokenizer and the sentence split
// (scripts/fuzz.sh posts SECONDS). Also the file-name parser.
import Corpus

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let tokenizer = Tokenizer()
    for post in PostExtractor.postTexts(in: bytes) {
        let sentences = tokenizer.sentences(post)
        let all = tokenizer.tokens(post)
        precondition(sentences.reduce(0) { $0 + $1.count } == all.count, "sentences and tokens disagree")
        for t in all { precondition(!t.isEmpty && !t.contains(" "), "bad token '\(t)'") }
    }
    let text = TolerantDecoder.decode(bytes, entities: true)
    _ = tokenizer.sentences(text)
    _ = BlogFileName.parse(String(decoding: bytes.prefix(200), as: UTF8.self))
    return 0
}
