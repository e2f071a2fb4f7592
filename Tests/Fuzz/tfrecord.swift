// libFuzzer target: the TFRecord framing and protobuf reader
// (scripts/fuzz.sh tfrecord SECONDS). Any input must give a corpus or a
// DataError, never a crash, a hang or an unbounded allocation; an accepted
// corpus must hold only valid rows.
import Corpus

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    // The first byte picks the options; the rest is the file.
    let flags = data[0]
    var options = TFRecordLoadOptions(rows: CSVLoadOptions(maxLength: flags & 1 == 0 ? 30 : 1000,
                                                           vocabularySize: flags & 2 == 0 ? 10_000 : 50,
                                                           skipBadRows: flags & 4 != 0))
    if flags & 8 != 0 { options.names = TFRecordFeatureNames(tokens: "ids", label: "y") }
    // Bit 32: the rest is one record's payload, framed here with valid
    // checksums, so mutations reach the protobuf reader instead of failing the CRC.
    var input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    if flags & 32 != 0 { input = TFRecordWriter.framed(input) }
    let parsed = input.withUnsafeBytes { try? CorpusTFRecord.parse($0, fileName: "fuzz.tfrecord", gzip: flags & 16 != 0, options: options) }
    if let result = parsed {
        let c = result.corpus
        precondition(c.offsets.count == c.count + 1 && c.offsets.last == c.tokenIDs.count, "inconsistent corpus")
        precondition(!c.hasTokenLabels || c.tokenLabels.count == c.tokenIDs.count, "step labels do not match the tokens")
        for r in 0 ..< c.count { precondition(c.length(r) >= 1 && c.length(r) <= options.rows.maxLength) }
        for id in c.tokenIDs { precondition(id >= 0 && Int(id) < options.rows.vocabularySize) }
        for l in c.labels { precondition(Int(l) < c.numClasses, "label without a class") }
        for l in c.tokenLabels { precondition(Int(l) < c.numClasses, "step label without a class") }
        precondition(options.rows.skipBadRows || result.skippedRows == 0, "skipped without --skip-bad-rows")
    }
    return 0
}

