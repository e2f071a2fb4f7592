// libFuzzer target: the tokenized-CSV loader (scripts/fuzz.sh csv SECONDS).
// Any input must give a corpus or a DataError, never a crash, a hang or an
// unbounded allocation.
import Corpus

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    // The first byte picks the options; the rest is the file.
    let flags = data[0]
    let options = CSVLoadOptions(maxLength: flags & 1 == 0 ? 30 : 1000, vocabularySize: flags & 2 == 0 ? 10_000 : 50,
                                 skipBadRows: flags & 4 != 0)
    let bytes = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    if let result = try? CorpusCSV.parse(bytes, fileName: "fuzz.csv", options: options) {
        let c = result.corpus
        precondition(c.offsets.count == c.count + 1 && c.offsets.last == c.tokenIDs.count, "inconsistent corpus")
        for r in 0 ..< c.count { precondition(c.length(r) >= 1 && c.length(r) <= options.maxLength) }
        for id in c.tokenIDs { precondition(id >= 0 && Int(id) < options.vocabularySize) }
    }
    return 0
}
