// libFuzzer target: the character text reader of charlm (scripts/fuzz.sh chartext SECONDS).
import Corpus

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let t = try? CharText.parse(bytes, fileName: "fuzz.txt") {
        precondition(t.count >= 1 && t.count <= size && t.vocabulary.count >= 1)
        for id in t.ids { precondition(id >= 0 && Int(id) < t.vocabulary.count) }
        // The stored form of the vocabulary reads back to the same characters.
        precondition(CharVocabulary(characters: t.vocabulary.characters) == t.vocabulary)
    }
    return 0
}
