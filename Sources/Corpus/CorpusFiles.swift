#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--data` as users shard data: one file, a comma list, or glob patterns
/// (`train-*.tfrecord`), each a CSV or a TFRecord file (by its name),
/// loaded in order into one corpus.
public enum CorpusFiles {
    /// The files `spec` names: comma-separated entries; an entry with `*`,
    /// `?` or `[` is a glob (matches sorted; matching nothing is an error).
    public static func expand(_ spec: String) throws -> [String] {
        var paths: [String] = []
        for entry in spec.split(separator: ",", omittingEmptySubsequences: true).map(String.init) {
            guard entry.contains(where: { $0 == "*" || $0 == "?" || $0 == "[" }) else { paths.append(entry); continue }
            var g = glob_t()
            defer { globfree(&g) }
            guard glob(entry, 0, nil, &g) == 0 else { throw DataError(file: entry, line: 0, "no file matches this pattern") }
            let matches = (0 ..< Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
            paths += matches.sorted()
        }
        guard !paths.isEmpty else { throw DataError(file: spec, line: 0, "names no file") }
        return paths
    }

    /// Loads every file of `paths` into one corpus. Class names: the blog
    /// classes when every file has them, else "0" ... the largest label.
    public static func load(paths: [String], tfrecord options: TFRecordLoadOptions) throws -> CSVLoadResult {
        var total: CSVLoadResult?
        var allBlog = true
        for path in paths {
            let r = CorpusTFRecord.isTFRecord(path) || options.gzip != nil
                ? try CorpusTFRecord.load(path: path, options: options)
                : try CorpusCSV.load(path: path, options: options.rows)
            allBlog = allBlog && r.corpus.classNames == Corpus.blogClassNames
            guard var t = total else { total = r; continue }
            t.corpus.append(contentsOf: r.corpus)
            t.skippedRows += r.skippedRows
            t.skippedExamples += r.skippedExamples.prefix(max(0, 5 - t.skippedExamples.count))
            t.bytesRead += r.bytesRead
            total = t
        }
        var result = total!
        if !allBlog { result.corpus.classNames = Corpus.numberedClassNames(maxLabel: result.corpus.maxLabel) }
        return result
    }
}
