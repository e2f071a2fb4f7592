import TensorCore
import Corpus
import Model

/// The flags about the embedding table: how it is updated (`--sparse-embedding`,
/// `--freeze-embed`: part of the optimizer spec, so recorded in checkpoints)
/// and where its first values come from (`--embeddings`).
enum EmbeddingOptions {
    static let specs: [OptionSpec] = [
        .flag("--sparse-embedding", help: "update only the embedding rows of each batch's tokens: lazy Adam (PyTorch's SparseAdam: "
                   + "untouched rows' moments are not decayed) or plain SGD; recorded in the checkpoint, faster for large vocabularies"),
        .text("--embeddings", "FILE", help: "start the embedding rows of --vocab words from pretrained vectors (word2vec/GloVe text, "
                   + "fastText .vec; E numbers per word); other rows keep the usual initialisation"),
        .flag("--freeze-embed", help: "keep the whole embedding table fixed during training (e.g. pretrained vectors)"),
    ]

    /// Adds the update flags to the optimizer spec; a resumed run keeps
    /// the checkpoint's embedding update.
    static func apply(_ o: ParsedOptions, to s: inout OptimizerSpec, resumed: OptimizerSpec? = nil) throws {
        if o.flag("--sparse-embedding") || resumed?.isSparseEmbedding == true {
            if let problem = s.sparseProblem { throw UsageError(problem) }
            s.sparseEmbedding = true
        }
        if o.flag("--freeze-embed") || resumed?.isEmbeddingFrozen == true { s.freezeEmbedding = true }
    }

    /// The `--embeddings` file and the vocabulary its words are matched to
    /// (--vocab; the synthetic vocabulary for synthetic data), checked. A
    /// resumed run (`resumed`: its record) takes its embedding from the
    /// checkpoint: the original command's --embeddings is accepted (nothing
    /// to load), another file is refused, naming both.
    static func pretrained(_ o: ParsedOptions, vocabPath: String?, resumed: RunSettings?) throws -> (path: String, vocabulary: Vocabulary)? {
        guard let path = o.string("--embeddings") else { return nil }
        if let resumed {
            guard absolutePath(path) != resumed.embeddings else { return nil }
            throw UsageError("option --embeddings \(path) is not the file this run started from ("
                + (resumed.embeddings ?? "it started without pretrained vectors") + "); a resumed run takes its embedding from the checkpoint")
        }
        if let v = vocabPath { return (path, try Vocabulary.load(path: v)) }
        guard !o.has("--data") else {
            throw UsageError("option --embeddings needs --vocab PATH: vectors are matched to the words of the data's vocabulary")
        }
        return (path, Vocabulary(tokens: SyntheticCorpus.vocabulary()))
    }

    /// Loads the vectors into the network's embedding table; returns the
    /// line that reports what matched.
    static func load(_ source: (path: String, vocabulary: Vocabulary), into network: SequenceNetwork) throws -> String {
        let clock = ContinuousClock(), start = clock.now
        let emb = network.embedding
        guard source.vocabulary.count <= emb.vocabularySize else {
            throw UsageError("the vocabulary has \(source.vocabulary.count) words but the embedding \(emb.vocabularySize) rows")
        }
        let s = try PretrainedVectors.load(path: source.path, dim: emb.dim, vocabulary: source.vocabulary,
                                           table: network.params.base + emb.offset)
        let g = Format.grouped
        var line = "embeddings: \(source.path): \(g(s.vectors)) vectors of \(s.dim); matched \(g(s.matched)) of \(g(source.vocabulary.count)) "
            + "vocabulary words (\(g(s.exact)) exact, \(g(s.byCase)) by lowercase)"
        if s.duplicates > 0 { line += ", \(g(s.duplicates)) repeated vectors ignored" }
        return line + " in \(Format.fixed((clock.now - start).inSeconds, 2)) s"
    }
}
