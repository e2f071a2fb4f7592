import Corpus
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The safetensors format (Hugging Face): an 8-byte little-endian header
/// length, a JSON header mapping each tensor name to its dtype, shape and
/// byte range, an optional `__metadata__` map of strings, then the raw
/// little-endian data. Only float32 tensors are written and read here.
public enum Safetensors {
    public struct Tensor: Equatable {
        public var shape: [Int]
        public var values: [Float]
        public init(shape: [Int], values: [Float]) {
            self.shape = shape
            self.values = values
        }
    }

    /// The file's bytes for `tensors` (written in the given order) and `metadata`.
    public static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) throws -> [UInt8] {
        var header: [String: Entry] = [:]
        var offset = 0
        for (name, t) in tensors {
            precondition(t.shape.reduce(1, *) == t.values.count, "\(name): shape and values differ")
            header[name] = Entry(dtype: "F32", shape: t.shape, data_offsets: [offset, offset + 4 * t.values.count])
            offset += 4 * t.values.count
        }
        var json = try JSONEncoder.sorted.encode(header)
        if !metadata.isEmpty {
            // Splice {"__metadata__": {...}} in front of the tensor entries.
            let meta = try JSONEncoder.sorted.encode(["__metadata__": metadata])
            json = meta.dropLast() + (header.isEmpty ? Data("}".utf8) : Data(",".utf8) + json.dropFirst())
        }
        var headerBytes = [UInt8](json)
        while (8 + headerBytes.count) % 8 != 0 { headerBytes.append(0x20) }   // pad for aligned data
        var out: [UInt8] = []
        out.reserveCapacity(8 + headerBytes.count + offset)
        withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { out += $0 }
        out += headerBytes
        for (_, t) in tensors {
            for v in t.values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
        }
        return out
    }

    /// Reads a safetensors file; every inconsistency is a `DataError` naming the file.
    public static func read(path: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        let file = try MappedFile(path: path)
        return try file.withBytes { try decode($0, fileName: path) }
    }

    public static func decode(_ bytes: UnsafeRawBufferPointer, fileName: String) throws -> (tensors: [String: Tensor], metadata: [String: String]) {
        func fail(_ message: String) -> DataError { DataError(file: fileName, line: 0, "not a valid safetensors file: \(message)") }
        guard bytes.count >= 8 else { throw fail("shorter than its 8-byte header length") }
        let headerLength = UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self))
        // A safetensors file opens with the length of a JSON header that fits in it, then "{".
        guard headerLength <= UInt64(bytes.count - 8), headerLength >= 2, bytes[8] == UInt8(ascii: "{") else {
            throw DataError(file: fileName, line: 0, "not a safetensors file (it does not start with the 8-byte length of a JSON header"
                + " that fits in its \(bytes.count) bytes; a model written by --save does)")
        }
        let headerEnd = 8 + Int(headerLength)
        let json = Data(bytes[8 ..< headerEnd])
        let header: Header
        do { header = try JSONDecoder().decode(Header.self, from: json) } catch {
            throw fail("header is not the expected JSON (\(error))")
        }
        let dataLength = bytes.count - headerEnd
        var tensors: [String: Tensor] = [:]
        for (name, e) in header.tensors {
            guard e.dtype == "F32" else { throw fail("tensor \(name) has dtype \(e.dtype); only F32 is supported") }
            guard e.data_offsets.count == 2, e.shape.allSatisfy({ $0 >= 0 && $0 <= Int(Int32.max) }) else { throw fail("tensor \(name) has a malformed entry") }
            let (start, end) = (e.data_offsets[0], e.data_offsets[1])
            let (count, overflow) = e.shape.reduce((1, false)) { acc, d in
                let m = acc.0.multipliedReportingOverflow(by: d)
                return (m.partialValue, acc.1 || m.overflow)
            }
            guard !overflow, count <= dataLength / 4, start >= 0, start <= end, end <= dataLength, end - start == 4 * count else {
                throw fail("tensor \(name): bytes \(start)..<\(end) do not fit its shape \(e.shape) or the \(dataLength) data bytes")
            }
            var values = [Float](repeating: 0, count: count)
            for i in 0 ..< count {
                values[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: headerEnd + start + 4 * i, as: UInt32.self)))
            }
            tensors[name] = Tensor(shape: e.shape, values: values)
        }
        return (tensors, header.metadata)
    }

    struct Entry: Codable {
        var dtype: String
        var shape: [Int]
        var data_offsets: [Int]
    }

    /// The header: tensor entries under their names, plus `__metadata__`.
    struct Header: Decodable {
        var tensors: [String: Entry] = [:]
        var metadata: [String: String] = [:]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: Decoder) throws {
            let c = try decoder.container(keyedBy: Key.self)
            for key in c.allKeys {
                if key.stringValue == "__metadata__" {
                    metadata = try c.decode([String: String].self, forKey: key)
                } else {
                    tensors[key.stringValue] = try c.decode(Entry.self, forKey: key)
                }
            }
        }
    }
}

extension JSONEncoder {
    /// Sorted keys: the same model gives the same bytes.
    static var sorted: JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return e
    }
}
