import TensorCore
import Corpus

/// `rnntrain convert`: moves a corpus between the tokenized CSV and TFRecord
/// (SequenceExample) in either direction, by the output's name: `.csv`,
/// `.tfrecord`, `.tfrecord.gz`. The input is any `--data` (CSV or TFRecord,
/// a list or glob). The output is written atomically: a bad input row
/// leaves no file.
enum ConvertCommand {
    static let specs: [OptionSpec] = DataOptions.specs.filter { $0.name != "--synth-rows" } + [
        OptionSpec("--out", "PATH", help: "file to write: .csv, .tfrecord or .tfrecord.gz (required)"),
        OptionSpec("--seed", "N", help: "seed of the built-in sample when --data is not given", default: "1"),
    ]

    static var help: String {
        helpText(usage: "rnntrain convert --data IN --out OUT [options]",
                 summary: "Converts between the tokenized CSV and TFRecord files of tf.train.SequenceExample\n(context length, label, gender and age_bracket, post_id, string; feature lists tokens\nand labels, one per step). Per-step labels travel as the CSV column 'labels'; without\nthem the row label is repeated. Everything read is written: CSV -> TFRecord -> CSV\ngives the same bytes.",
                 specs: specs)
    }

    static func run(_ arguments: [String], _ console: Console) throws -> Int32 {
        let o = try ParsedOptions.parse(arguments, specs: specs)
        guard let out = o.string("--out") else { throw UsageError("option --out is required (the .csv or .tfrecord file to write)") }
        let tfrecord = CorpusTFRecord.isTFRecord(out)
        guard tfrecord || out.hasSuffix(".csv") else {
            throw UsageError("--out \(out): the name must end in .csv, .tfrecord or .tfrecord.gz")
        }
        try AtomicFile.checkWritable(path: out)
        var data = try DataOptions(o, synthSeed: try o.seed("--seed", default: 1))
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
