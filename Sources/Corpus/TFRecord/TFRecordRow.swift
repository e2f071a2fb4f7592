/// The feature names a TFRecord corpus is read with (`--tf-tokens` ...).
public struct TFRecordFeatureNames: Sendable, Equatable {
    /// Token ids: a feature list (one int64 per step) or an int64 list feature.
    public var tokens = "tokens"
    /// Optional per-step labels, laid out like `tokens`.
    public var labels = "labels"
    /// The row's class: one int64 in the context / features.
    public var label = "label"
    /// Optional context int64: must equal the token count.
    public var length = "length"

    public init(tokens: String = "tokens", labels: String = "labels", label: String = "label", length: String = "length") {
        self.tokens = tokens
        self.labels = labels
        self.label = label
        self.length = length
    }

    /// Decoder slots, in this order; the blog corpus's gender and age, then
    /// the context's `post_id` (int64 or bytes) and `string` (bytes) come last.
    var slots: [String] { [tokens, labels, label, length, "gender", "age_bracket", "post_id", "string"] }
}

/// Decodes one record into a row, in reused buffers, with the checks every
/// loader applies (`CSVLoadOptions`). Errors are `ProtoError`s with the
/// reason; the loader adds file, record index and offset.
///
/// The row label is the context `label` or `gender * 3 + age_bracket` (the
/// blog corpus; both must agree when both are there), else the label at the
/// last step.
struct TFRecordRowDecoder {
    private var decoder: ExampleDecoder
    let names: TFRecordFeatureNames
    let options: CSVLoadOptions
    private var values: [Int64] = []
    private(set) var ids: [Int32] = []
    private(set) var stepLabels: [UInt8] = []
    private(set) var hasStepLabels = false
    private(set) var label = 0
    private(set) var blog = false
    /// The context's `post_id` as text (an int64 in decimal) and `string`, when there.
    private(set) var postID: [UInt8]? = nil
    private(set) var text: [UInt8]? = nil

    init(names: TFRecordFeatureNames, options: CSVLoadOptions) {
        self.names = names
        self.options = options
        decoder = ExampleDecoder(names: names.slots)
    }

    mutating func decode(_ record: UnsafeRawBufferPointer) throws {
        try decoder.scan(record)
        guard try read(slot: 0, names.tokens) else { throw missing(names.tokens) }
        ids.removeAll(keepingCapacity: true)
        if let problem = options.lengthProblem(values.count) { throw ProtoError(problem) }
        let count = values.count, keep = options.kept(count)
        for v in values[keep] {
            guard v >= 0 && v < Int64(options.vocabularySize) else { throw ProtoError(options.idProblem("\(v)")) }
            ids.append(Int32(v))
        }
        hasStepLabels = try read(slot: 1, names.labels)
        stepLabels.removeAll(keepingCapacity: true)
        if hasStepLabels {
            guard values.count == count else {
                throw ProtoError("'\(names.labels)' holds \(values.count) labels, '\(names.tokens)' \(count) tokens (one label per step)")
            }
            for v in values[keep] {
                if let p = options.labelProblem(Int(clamping: v), "label") { throw ProtoError(p + " (in '\(names.labels)')") }
                stepLabels.append(UInt8(v))
            }
        }
        if let stated = try scalar(slot: 3, names.length), stated != Int64(count) {
            throw ProtoError("'\(names.length)' \(stated) does not match the \(count) tokens in '\(names.tokens)'")
        }
        try readLabel()
        postID = try decoder.features[6].map { try textFeature($0, "post_id", integer: true) }
        text = try decoder.features[7].map { try textFeature($0, "string", integer: false) }
    }

    /// The one value of a bytes feature (or, with `integer`, of an int64
    /// feature, in decimal) as text.
    private mutating func textFeature(_ range: Range<Int>, _ name: String, integer: Bool) throws -> [UInt8] {
        let (kind, list) = try decoder.featureList(range, name)
        if kind == 3 && integer {
            guard let v = try scalar(slot: 6, name) else { throw ProtoError("feature '\(name)' has no value") }
            return Corpus.decimalText(v)
        }
        guard kind == 1 else { throw ProtoError("feature '\(name)' is not a bytes_list\(integer ? " or an int64_list" : "")") }
        let values = try decoder.byteValues(list, name)
        guard values.count == 1 else { throw ProtoError("feature '\(name)' holds \(values.count) values, expected 1") }
        return Array(decoder.bytes[values[0]])
    }

    private mutating func readLabel() throws {
        let stated = try scalar(slot: 2, names.label)
        if let l = stated, let p = options.labelProblem(Int(clamping: l), names.label) { throw ProtoError(p) }
        let gender = try scalar(slot: 4, "gender"), age = try scalar(slot: 5, "age_bracket")
        blog = gender != nil && age != nil
        if let g = gender, let a = age {
            if let p = options.blogProblem(gender: Int(clamping: g), age: Int(clamping: a)) { throw ProtoError(p) }
            label = Int(g * 3 + a)
            if let l = stated, l != Int64(label) {
                throw ProtoError("'\(names.label)' \(l) disagrees with gender * 3 + age_bracket = \(label)")
            }
        } else if let l = stated {
            label = Int(l)
        } else if let last = stepLabels.last {
            label = Int(last)
        } else {
            throw missing(names.label, alternative: " or a feature list '\(names.labels)'")
        }
    }

    /// Reads slot `k` into `values`, from a feature list (one value per step)
    /// or else a feature; false when the record has neither.
    private mutating func read(slot k: Int, _ name: String) throws -> Bool {
        values.removeAll(keepingCapacity: true)
        if let list = decoder.lists[k] {
            try decoder.steps(list, name, into: &values)
        } else if let feature = decoder.features[k] {
            try decoder.int64s(feature, name, into: &values)
        } else {
            return false
        }
        return true
    }

    /// The one value of context feature `k`, nil when absent.
    private mutating func scalar(slot k: Int, _ name: String) throws -> Int64? {
        guard let feature = decoder.features[k] else { return nil }
        values.removeAll(keepingCapacity: true)
        try decoder.int64s(feature, name, into: &values)
        guard values.count == 1 else { throw ProtoError("feature '\(name)' holds \(values.count) values, expected 1") }
        return values[0]
    }

    private func missing(_ name: String, alternative: String = "") -> ProtoError {
        let (features, lists) = decoder.allNames()
        func show(_ n: [String]) -> String {
            n.isEmpty ? "none" : n.prefix(12).map { "'\($0)'" }.joined(separator: ", ") + (n.count > 12 ? ", ..." : "")
        }
        return ProtoError("no feature '\(name)'\(alternative) (context/features: \(show(features)); feature lists: \(show(lists))); "
            + "the --tf-* options name the features")
    }
}
