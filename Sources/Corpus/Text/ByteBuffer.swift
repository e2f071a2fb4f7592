/// A growable byte buffer on manually managed memory, for the per-byte
/// loops of text preparation (an `Array` append checks uniqueness and
/// capacity on every byte; here callers reserve once per run of bytes).
/// Owned by one worker: copying the struct aliases the memory, so its owner
/// calls `deallocate()` exactly once.
struct ByteBuffer {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 16)
        base = .allocate(capacity: self.capacity)
    }

    func deallocate() { base.deallocate() }

    mutating func removeAll() { count = 0 }

    /// Makes room for `extra` more bytes.
    @inline(__always)
    mutating func reserve(_ extra: Int) {
        if count + extra > capacity { grow(count + extra) }
    }

    private mutating func grow(_ needed: Int) {
        var c = capacity * 2
        while c < needed { c *= 2 }
        let b = UnsafeMutablePointer<UInt8>.allocate(capacity: c)
        b.update(from: base, count: count)
        base.deallocate()
        base = b
        capacity = c
    }

    /// Appends one byte; room must have been reserved.
    @inline(__always)
    mutating func appendReserved(_ b: UInt8) {
        base[count] = b
        count += 1
    }

    @inline(__always)
    mutating func append(_ b: UInt8) {
        if count == capacity { grow(count + 1) }
        base[count] = b
        count += 1
    }

    mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
        reserve(n)
        (base + count).update(from: p, count: n)
        count += n
    }

    mutating func append(_ bytes: StaticString) {
        append(bytes.utf8Start, bytes.utf8CodeUnitCount)
    }

    /// Appends the UTF-8 encoding of scalar `u`.
    @inline(__always)
    mutating func appendScalar(_ u: UInt32) {
        reserve(4)
        if u < 0x80 {
            appendReserved(UInt8(u))
        } else if u < 0x800 {
            appendReserved(UInt8(0xC0 | (u >> 6)))
            appendReserved(UInt8(0x80 | (u & 0x3F)))
        } else if u < 0x10000 {
            appendReserved(UInt8(0xE0 | (u >> 12)))
            appendReserved(UInt8(0x80 | ((u >> 6) & 0x3F)))
            appendReserved(UInt8(0x80 | (u & 0x3F)))
        } else {
            appendReserved(UInt8(0xF0 | (u >> 18)))
            appendReserved(UInt8(0x80 | ((u >> 12) & 0x3F)))
            appendReserved(UInt8(0x80 | ((u >> 6) & 0x3F)))
            appendReserved(UInt8(0x80 | (u & 0x3F)))
        }
    }

    /// Appends a non-negative integer in decimal.
    @inline(__always)
    mutating func appendInt(_ value: Int) {
        reserve(20)
        if value < 10 { appendReserved(UInt8(0x30 + value)); return }
        var digits = 0
        var v = value
        while v > 0 { digits += 1; v /= 10 }
        v = value
        var k = count + digits
        while v > 0 {
            k -= 1
            base[k] = UInt8(0x30 + v % 10)
            v /= 10
        }
        count += digits
    }

    var buffer: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }
    var array: [UInt8] { Array(buffer) }
}
