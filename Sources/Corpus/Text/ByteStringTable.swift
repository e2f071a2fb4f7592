#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A hash table from byte strings to an integer value (a count, an id),
/// for the hot loops of corpus preparation: keys are looked up straight from
/// a slice of a text buffer, without making a `String` or an `Array` per
/// token. Keys are copied once, into one arena, when first inserted.
///
/// Open addressing with linear probing over a power-of-two slot array; a
/// slot holds the entry number and the high half of the key's hash, so a
/// probe touches one word and compares bytes only when the hashes match.
/// Entries are numbered in insertion order (`0 ..< count`), which is how
/// callers iterate and merge tables.
///
/// Storage is manually managed (no per-access exclusivity or uniqueness
/// checks in the token loops). Not thread-safe for writing; a table that is
/// no longer written may be read from several threads at once.
final class ByteStringTable: @unchecked Sendable {
    /// Slot: 0 = empty, else `(hash >> 32) << 32 | (entry + 1)`.
    @exclusivity(unchecked) private var slots: UnsafeMutablePointer<UInt64>
    @exclusivity(unchecked) private var mask: Int
    /// Per entry: key start in the arena, key length, value.
    @exclusivity(unchecked) private var starts: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private var lengths: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private var vals: UnsafeMutablePointer<Int>
    @exclusivity(unchecked) private var entryCapacity: Int
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private var arena: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) private var arenaCount = 0
    @exclusivity(unchecked) private var arenaCapacity: Int

    init(capacity: Int = 1024) {
        var n = 16
        while n < capacity * 2 { n <<= 1 }
        mask = n - 1
        slots = .allocate(capacity: n)
        slots.initialize(repeating: 0, count: n)
        entryCapacity = max(capacity, 16)
        starts = .allocate(capacity: entryCapacity)
        lengths = .allocate(capacity: entryCapacity)
        vals = .allocate(capacity: entryCapacity)
        arenaCapacity = entryCapacity * 8
        arena = .allocate(capacity: arenaCapacity)
    }

    deinit {
        slots.deallocate()
        starts.deallocate()
        lengths.deallocate()
        vals.deallocate()
        arena.deallocate()
    }

    /// The bytes of entry `e` (valid until the next insertion).
    @inline(__always)
    func key(_ e: Int) -> UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: arena + starts[e], count: lengths[e]) }

    @inline(__always) func value(_ e: Int) -> Int { vals[e] }
    @inline(__always) func setValue(_ e: Int, _ v: Int) { vals[e] = v }

    /// The entry of `key`, or nil.
    @inline(__always)
    func find(_ p: UnsafePointer<UInt8>, _ length: Int) -> Int? {
        let h = Self.hash(p, length)
        let tag = h & 0xFFFF_FFFF_0000_0000
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = slots[s]
            if slot == 0 { return nil }
            let e = Int(slot & 0xFFFF_FFFF) - 1
            if slot & 0xFFFF_FFFF_0000_0000 == tag && matches(e, p, length) { return e }
            s = (s + 1) & mask
        }
    }

    /// The entry of `key`, inserted with value `initial` when missing.
    @inline(__always)
    func findOrInsert(_ p: UnsafePointer<UInt8>, _ length: Int, initial: Int = 0) -> Int {
        let h = Self.hash(p, length)
        let tag = h & 0xFFFF_FFFF_0000_0000
        var s = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = slots[s]
            if slot == 0 { break }
            let e = Int(slot & 0xFFFF_FFFF) - 1
            if slot & 0xFFFF_FFFF_0000_0000 == tag && matches(e, p, length) { return e }
            s = (s + 1) & mask
        }
        return insert(p, length, initial, tag: tag, slot: s)
    }

    /// Adds `amount` to the value of `key` (inserting it at 0 first).
    @inline(__always)
    func add(_ p: UnsafePointer<UInt8>, _ length: Int, _ amount: Int = 1) {
        let e = findOrInsert(p, length)
        vals[e] += amount
    }

    /// Adds every entry of `other` into this table (sums values).
    func merge(_ other: ByteStringTable) {
        for e in 0 ..< other.count {
            add(other.arena + other.starts[e], other.lengths[e], other.vals[e])
        }
    }

    /// Convenience for tables built from strings.
    func findOrInsert(_ key: String, initial: Int = 0) -> Int {
        var k = key
        return k.withUTF8 { findOrInsert($0.baseAddress ?? UnsafePointer(arena), $0.count, initial: initial) }
    }

    private func insert(_ p: UnsafePointer<UInt8>, _ length: Int, _ initial: Int, tag: UInt64, slot: Int) -> Int {
        let entry = count
        precondition(entry < Int(UInt32.max) - 1, "too many distinct keys")
        if entry == entryCapacity { growEntries() }
        if arenaCount + length > arenaCapacity {
            var c = arenaCapacity * 2
            while c < arenaCount + length { c *= 2 }
            let a = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
            a.update(from: arena, count: arenaCount)
            arena.deallocate()
            arena = a
            arenaCapacity = c
        }
        if length > 0 { (arena + arenaCount).update(from: p, count: length) }
        starts[entry] = arenaCount
        lengths[entry] = length
        vals[entry] = initial
        arenaCount += length
        count += 1
        slots[slot] = tag | UInt64(entry + 1)
        if count * 2 > mask + 1 { growSlots() }
        return entry
    }

    @inline(__always)
    private func matches(_ e: Int, _ p: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        guard lengths[e] == length else { return false }
        let q = arena + starts[e]
        if length <= 16 {
            for i in 0 ..< length where q[i] != p[i] { return false }
            return true
        }
        return memcmp(q, p, length) == 0
    }

    private func growEntries() {
        let c = entryCapacity * 2
        func grown<T>(_ old: UnsafeMutablePointer<T>) -> UnsafeMutablePointer<T> {
            let n = UnsafeMutablePointer<T>.allocate(capacity: c)
            n.moveInitialize(from: old, count: count)
            old.deallocate()
            return n
        }
        starts = grown(starts)
        lengths = grown(lengths)
        vals = grown(vals)
        entryCapacity = c
    }

    private func growSlots() {
        let n = (mask + 1) * 2
        let newSlots = UnsafeMutablePointer<UInt64>.allocate(capacity: n)
        newSlots.initialize(repeating: 0, count: n)
        let newMask = n - 1
        for e in 0 ..< count {
            let h = Self.hash(arena + starts[e], lengths[e])
            var t = Int(truncatingIfNeeded: h) & newMask
            while newSlots[t] != 0 { t = (t + 1) & newMask }
            newSlots[t] = (h & 0xFFFF_FFFF_0000_0000) | UInt64(e + 1)
        }
        slots.deallocate()
        slots = newSlots
        mask = newMask
    }

    /// A fast non-cryptographic hash (8-byte words, multiply-xorshift mix).
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(truncatingIfNeeded: n)
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= n {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        if i < n {
            var w: UInt64 = 0
            var shift: UInt64 = 0
            while i < n {
                w |= UInt64(p[i]) << shift
                shift += 8
                i += 1
            }
            h = (h ^ w) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
        }
        h = (h ^ (h >> 29)) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 32
        return h
    }
}
