/// Finds the wanted features of one `tf.train.SequenceExample` or
/// `tf.train.Example` record (example.proto, feature.proto):
///
///     SequenceExample { Features context = 1; FeatureLists feature_lists = 2; }
///     Example         { Features features = 1; }     (same field 1: one decoder reads both)
///     Features        { map<string, Feature> feature = 1; }
///     FeatureLists    { map<string, FeatureList> feature_list = 1; }
///     map entry       { string key = 1; V value = 2; }
///     FeatureList     { repeated Feature feature = 1; }
///     Feature         { oneof { BytesList bytes_list = 1; FloatList float_list = 2; Int64List int64_list = 3; } }
///     Int64List       { repeated int64 value = 1; }   (packed or not)
///
/// `scan` records, per wanted name (a slot), the byte range of its
/// `Feature` (in context/features) and of its `FeatureList`; nothing is
/// copied. Unknown fields are skipped; a repeated key keeps the last value.
struct ExampleDecoder {
    /// Wanted names, UTF-8, by slot.
    let names: [[UInt8]]
    private(set) var features: [Range<Int>?]
    private(set) var lists: [Range<Int>?]
    private(set) var bytes = UnsafeRawBufferPointer(start: nil, count: 0)

    init(names: [String]) {
        self.names = names.map { Array($0.utf8) }
        features = Array(repeating: nil, count: names.count)
        lists = Array(repeating: nil, count: names.count)
    }

    /// Locates the wanted features of the record `bytes`.
    mutating func scan(_ record: UnsafeRawBufferPointer) throws {
        bytes = record
        for k in names.indices { features[k] = nil; lists[k] = nil }
        var r = ProtoReader(record, 0 ..< record.count)
        while let (number, wire) = try r.field() {
            switch number {
            case 1: try scanMap(r.expectMessage(wire, "SequenceExample.context / Example.features"), lists: false)
            case 2: try scanMap(r.expectMessage(wire, "SequenceExample.feature_lists"), lists: true)
            default: try r.skip(wire: wire)
            }
        }
    }

    /// A `Features` or `FeatureLists` message: its map entries (field 1).
    private mutating func scanMap(_ range: Range<Int>, lists isList: Bool) throws {
        var r = ProtoReader(bytes, range)
        while let (number, wire) = try r.field() {
            guard number == 1 else { try r.skip(wire: wire); continue }
            let (key, value) = try mapEntry(r.expectMessage(wire, "map entry"))
            guard let slot = names.firstIndex(where: { equal($0, key) }) else { continue }
            if isList { lists[slot] = value } else { features[slot] = value }
        }
    }

    /// A map entry's key range and value range (an absent value is empty).
    private func mapEntry(_ range: Range<Int>) throws -> (Range<Int>, Range<Int>) {
        var r = ProtoReader(bytes, range)
        var key = range.lowerBound ..< range.lowerBound, value = range.upperBound ..< range.upperBound
        while let (number, wire) = try r.field() {
            switch number {
            case 1: key = try r.expectMessage(wire, "map key")
            case 2: value = try r.expectMessage(wire, "map value")
            default: try r.skip(wire: wire)
            }
        }
        return (key, value)
    }

    private func equal(_ name: [UInt8], _ key: Range<Int>) -> Bool {
        guard name.count == key.count else { return false }
        var i = key.lowerBound
        for b in name { if bytes[i] != b { return false }; i += 1 }
        return true
    }

    /// The names of every feature and feature list in the record (for errors).
    func allNames() -> (features: [String], lists: [String]) {
        var found: ([String], [String]) = ([], [])
        var r = ProtoReader(bytes, 0 ..< bytes.count)
        while let (number, wire) = try? r.field() {
            guard (number == 1 || number == 2), let map = try? r.expectMessage(wire, "") else {
                if (try? r.skip(wire: wire)) == nil { break }
                continue
            }
            var m = ProtoReader(bytes, map)
            while let (n, w) = try? m.field(), let entry = try? m.expectMessage(w, ""), n == 1 {
                guard let (key, _) = try? mapEntry(entry) else { break }
                let s = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[key]), as: UTF8.self)
                if number == 1 { found.0.append(s) } else { found.1.append(s) }
            }
        }
        return found
    }

    /// The kind of the `Feature` at `range` (1 bytes_list, 2 float_list,
    /// 3 int64_list; 0 none) and its list's byte range.
    func featureList(_ range: Range<Int>, _ name: String) throws -> (kind: Int, list: Range<Int>) {
        var r = ProtoReader(bytes, range)
        var kind = 0, list = range.upperBound ..< range.upperBound
        while let (number, wire) = try r.field() {
            guard (1 ... 3).contains(number) else { try r.skip(wire: wire); continue }
            kind = number
            list = try r.expectMessage(wire, "feature '\(name)'")
        }
        return (kind, list)
    }

    /// Appends the int64 values of the `Feature` at `range`; `name` for errors.
    func int64s(_ range: Range<Int>, _ name: String, into out: inout [Int64]) throws {
        let (kind, list) = try featureList(range, name)
        guard kind == 3 else {
            let what = kind == 0 ? "has no value list" : "is a \(kind == 1 ? "bytes_list" : "float_list")"
            throw ProtoError("feature '\(name)' \(what), expected an int64_list")
        }
        var v = ProtoReader(bytes, list)
        while let (number, wire) = try v.field() {
            guard number == 1 else { try v.skip(wire: wire); continue }
            if wire == 0 { out.append(Int64(bitPattern: try v.varint())); continue }
            var packed = ProtoReader(bytes, try v.expectMessage(wire, "Int64List.value"))
            while !packed.atEnd { out.append(Int64(bitPattern: try packed.varint())) }
        }
    }

    /// The byte ranges of the values of a `BytesList` at `list` (`BytesList { repeated bytes value = 1; }`).
    func byteValues(_ list: Range<Int>, _ name: String) throws -> [Range<Int>] {
        var v = ProtoReader(bytes, list), out: [Range<Int>] = []
        while let (number, wire) = try v.field() {
            guard number == 1 else { try v.skip(wire: wire); continue }
            out.append(try v.expectMessage(wire, "BytesList.value of '\(name)'"))
        }
        return out
    }

    /// Appends one value per step of the `FeatureList` at `range`.
    func steps(_ range: Range<Int>, _ name: String, into out: inout [Int64]) throws {
        var r = ProtoReader(bytes, range)
        var step = 0
        while let (number, wire) = try r.field() {
            guard number == 1 else { try r.skip(wire: wire); continue }
            let before = out.count
            try int64s(r.expectMessage(wire, "FeatureList.feature"), name, into: &out)
            guard out.count - before == 1 else {
                throw ProtoError("feature list '\(name)' step \(step) holds \(out.count - before) values, expected 1")
            }
            step += 1
        }
    }
}
