import Corpus
import Model

/// Vocabularies that cannot be mixed: a model's ids mean the tokens of the
/// vocabulary it was trained with. eval and predict compare the vocabulary
/// they are given (`--vocab`), and the texts of the data they read, with
/// the one the checkpoint records (fingerprint and size), and refuse
/// another unless `--allow-vocab-mismatch`.
enum VocabularyCheck {
    static let spec = OptionSpec.flag("--allow-vocab-mismatch",
                                      help: "go on when the vocabulary or the data's texts differ from the model's vocabulary (ids then mean other tokens)")

    /// Throws when `vocabulary` (read from `path`) is not the one `model`
    /// records; a checkpoint without a fingerprint (older ones) is not checked.
    static func check(_ vocabulary: Vocabulary, path: String, model: TrainedModel, allow: Bool) throws {
        let s = model.record.settings
        guard !allow, let recorded = s.vocabHash else { return }
        let fingerprint = vocabulary.fingerprint
        guard fingerprint != recorded else { return }
        throw RuntimeError("\(path) (\(Format.grouped(vocabulary.count)) tokens, \(fingerprint)) is not the vocabulary \(model.path) "
            + "was trained with: \(trainedWith(s)); the same id would mean another token. " + advice(s))
    }

    /// Throws when the data's texts (`string` column, kept with `keepText`)
    /// do not spell their ids under `vocabulary`, the model's: at most half of
    /// the first 1,000 rows with a text agree. Rows without text are not counted.
    static func checkTexts(_ corpus: Corpus, name: String, vocabulary: Vocabulary, model: TrainedModel, allow: Bool) throws {
        guard !allow, corpus.texts.count == corpus.count else { return }
        var checked = 0, agreeing = 0
        for r in 0 ..< corpus.count where checked < 1_000 && !corpus.texts[r].isEmpty {
            checked += 1
            if spells(corpus.texts[r], corpus.tokens(r), vocabulary) { agreeing += 1 }
        }
        guard checked >= 20, 2 * agreeing <= checked else { return }
        let s = model.record.settings
        throw RuntimeError("\(name) was not made with the vocabulary of \(model.path) (\(trainedWith(s))): the texts of only "
            + "\(agreeing) of \(checked) rows give their token ids under it. " + advice(s))
    }

    /// Whether the space-separated tokens of `text` are `ids` under `vocabulary` (unknown tokens id 0).
    static func spells(_ text: ArraySlice<UInt8>, _ ids: ArraySlice<Int32>, _ vocabulary: Vocabulary) -> Bool {
        var k = ids.startIndex, i = text.startIndex
        while i < text.endIndex {
            if text[i] == 0x20 { i += 1; continue }
            var j = i
            while j < text.endIndex && text[j] != 0x20 { j += 1 }
            guard k < ids.endIndex, (vocabulary.id(of: String(decoding: text[i ..< j], as: UTF8.self)) ?? 0) == ids[k] else { return false }
            k += 1
            i = j
        }
        return k == ids.endIndex
    }

    /// "reviews-vocab.txt, 26 tokens, fnv1a64:..." as the checkpoint records it.
    static func trainedWith(_ s: RunSettings) -> String {
        (s.vocab ?? "the \(s.data) vocabulary") + ", " + (s.vocabSize.map { "\(Format.grouped($0)) tokens, " } ?? "") + (s.vocabHash ?? "")
    }

    static func advice(_ s: RunSettings) -> String {
        "Tokenize the text with the model's vocabulary (rnntrain prepare --vocab \(s.vocab ?? "VOCAB.txt") ...), or pass --allow-vocab-mismatch"
    }

    /// The vocabulary `model` was trained with, when it can be read: its
    /// recorded --vocab file, or the synthetic corpus's.
    static func modelVocabulary(_ model: TrainedModel) -> Vocabulary? {
        if let path = model.vocabPath { return try? Vocabulary.load(path: path) }
        return model.trainedOnSynthetic ? Vocabulary(tokens: SyntheticCorpus.vocabulary()) : nil
    }
}
