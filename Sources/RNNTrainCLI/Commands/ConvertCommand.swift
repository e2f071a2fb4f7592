import TensorCore
import Corpus

/// `rnntrain convert`: moves a corpus between the tokenized CSV and TFRecord
/// (SequenceExample) in either direction, by the output's name: `.csv`,
/// `.tfrecord`, `.tfrecord.gz`. The input is any `--data` (CSV or TFRecord,
/// a list or glob). The output is written atomically: a bad input row
/// leaves no file.
enum ConvertCommand {
    static let options: [OptionSpec] = DataOptions.specs.filter { $0.name != "--synth-rows" } + [
        .text("--out", "PATH", help: "file to write: .csv, .tfrecord or .tfrecord.gz (required)"),
        .seed(help: "seed of the built-in sample when --data is not given"),
    ]

    static let usage = "rnntrain convert --data IN --out OUT [options]"
    static let about = "Converts between the tokenized CSV and TFRecord files of tf.train.SequenceExample\n(context length, label, gender and age_bracket, post_id, string; feature lists tokens\nand labels, one per step). Per-step labels travel as the CSV column 'labels'; without\nthem the row label is repeated. Everything read is written: CSV -> TFRecord -> CSV\ngives the same bytes."

    static func run(_ o: ParsedOptions, _ console: Console) throws -> Int32 {
        guard let out = o.string("--out") else { throw UsageError("option --out is required (the .csv or .tfrecord file to write)") }
        let tfrecord = CorpusTFRecord.isTFRecord(out)
        guard tfrecord || out.hasSuffix(".csv") else {
            throw UsageError("--out \(out): the name must end in .csv, .tfrecord or .tfrecord.gz")
        }
        try AtomicFile.checkWritable(path: out)
        var data = try DataOptions(o, synthSeed: try o.seed())
        data.keepText = true
        let loaded = try data.load()
        console.note(loaded.summary)
        let clock = ContinuousClock()
        let start = clock.now
        if tfrecord {
            try TFRecordWriter.write(loaded.corpus, to: out, gzip: out.hasSuffix(".gz"))
        } else {
            try CorpusCSVWriter.write(loaded.corpus, to: out)
        }
        let c = loaded.corpus
        console.note("wrote \(out): \(Format.grouped(c.count)) rows, \(Format.grouped(c.totalTokens)) tokens, "
            + (c.hasTokenLabels ? "per-step labels" : "row labels") + " in \(Format.fixed((clock.now - start).inSeconds, 2)) s")
        return RNNTrain.ExitCode.ok
    }
}
