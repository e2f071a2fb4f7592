/// How much of a held-out set (validation or test) the training rows already
/// contain: rows whose token sequence also occurs among the training rows,
/// and posts (`post_id`) with sentences on both sides. A test figure on rows
/// the model trained on measures memory, not generalisation.
///
/// Sequences are compared by a 64-bit hash of their ids (with the length),
/// in an open-addressing table: a million rows take well under a second,
/// and two different sequences share a hash with odds near 2^-64 per pair.
public struct SplitOverlap: Sendable, Equatable {
    /// Held-out rows, and those with an identical sequence among the training rows.
    public var rows = 0, sharedRows = 0
    /// Distinct held-out posts, and those that also have training rows
    /// (both 0 when the data has no post ids).
    public var posts = 0, sharedPosts = 0

    public init(rows: Int = 0, sharedRows: Int = 0, posts: Int = 0, sharedPosts: Int = 0) {
        (self.rows, self.sharedRows, self.posts, self.sharedPosts) = (rows, sharedRows, posts, sharedPosts)
    }

    public var rowShare: Double { rows == 0 ? 0 : Double(sharedRows) / Double(rows) }
    public var postShare: Double { posts == 0 ? 0 : Double(sharedPosts) / Double(posts) }

    /// The overlap of `heldOut` with the training rows whose tables are
    /// `train` (sequence hashes) and `trainPosts` (post keys, nil without).
    /// `hashes`: every row's `sequenceHashes()` entry.
    public static func measure(_ corpus: Corpus, hashes: [UInt64], train sequences: HashSet64, trainPosts: HashSet64?,
                               heldOut: [Int]) -> SplitOverlap {
        var o = SplitOverlap(rows: heldOut.count)
        for r in heldOut where sequences.contains(hashes[r]) { o.sharedRows += 1 }
        guard let trainPosts, !corpus.postKeys.isEmpty else { return o }
        var seen = HashSet64(capacity: heldOut.count)
        for r in heldOut {
            let key = corpus.postKeys[r]
            guard seen.insert(key) else { continue }
            o.posts += 1
            if trainPosts.contains(key) { o.sharedPosts += 1 }
        }
        return o
    }

    /// The training rows' sequence hashes and (with post ids) post keys.
    public static func trainingTables(_ corpus: Corpus, hashes: [UInt64], train: [Int]) -> (sequences: HashSet64, posts: HashSet64?) {
        var sequences = HashSet64(capacity: train.count)
        for r in train { sequences.insert(hashes[r]) }
        guard !corpus.postKeys.isEmpty else { return (sequences, nil) }
        var posts = HashSet64(capacity: train.count)
        for r in train { posts.insert(corpus.postKeys[r]) }
        return (sequences, posts)
    }
}

extension Corpus {
    /// Every row's 64-bit hash of its token ids and length (FNV-1a over the
    /// ids, then a final mix): equal sequences give equal hashes.
    public func sequenceHashes() -> [UInt64] {
        [UInt64](unsafeUninitializedCapacity: count) { out, n in
            tokenIDs.withUnsafeBufferPointer { ids in
                offsets.withUnsafeBufferPointer { off in
                    for r in 0 ..< count {
                        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(off[r + 1] - off[r])
                        for k in off[r] ..< off[r + 1] { h = (h ^ UInt64(UInt32(bitPattern: ids[k]))) &* 0x100_0000_01b3 }
                        out[r] = HashSet64.mix(h)
                    }
                }
            }
            n = count
        }
    }
}

/// A set of 64-bit keys in one open-addressing array (linear probing; the
/// table stays at most half full). Key 0 is stored beside the table.
public struct HashSet64: Sendable {
    private var slots: [UInt64]
    private var mask: Int
    private var count = 0
    private var hasZero = false

    public init(capacity: Int) {
        var size = 16
        while size < 2 * capacity { size <<= 1 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    /// splitmix64's finaliser: spreads any key over all 64 bits.
    @inlinable
    public static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// Adds `key`; false when it was already there.
    @discardableResult
    public mutating func insert(_ key: UInt64) -> Bool {
        if key == 0 { defer { hasZero = true }; return !hasZero }
        if 2 * (count + 1) > slots.count { grow() }
        let mask = self.mask
        let added = slots.withUnsafeMutableBufferPointer { table -> Bool in
            var i = Int(truncatingIfNeeded: HashSet64.mix(key)) & mask
            while table[i] != 0 {
                if table[i] == key { return false }
                i = (i + 1) & mask
            }
            table[i] = key
            return true
        }
        if added { count += 1 }
        return added
    }

    public func contains(_ key: UInt64) -> Bool {
        if key == 0 { return hasZero }
        return slots.withUnsafeBufferPointer { table in
            var i = Int(truncatingIfNeeded: HashSet64.mix(key)) & mask
            while table[i] != 0 {
                if table[i] == key { return true }
                i = (i + 1) & mask
            }
            return false
        }
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        count = 0
        for k in old where k != 0 { insert(k) }
    }
}
