/// The processes of a data-parallel run (MPI ranks under `mpirun`), as the
/// trainer sees them: who am I, how many are we, and one collective. Every
/// rank must make the same calls in the same order.
///
/// Only data movement is used (allgather, all-to-all), so that every sum
/// over ranks is done by a rank itself, in rank order: the result is the
/// same bits on every rank, run after run, whatever algorithm the MPI
/// library picks (an MPI_Allreduce may add in any order, and differently for
/// different message sizes).
public protocol RankGroup: AnyObject, Sendable {
    var rank: Int { get }
    var size: Int { get }
    /// `recv` [size x count] gets every rank's `send` [count], in rank order.
    func allgather(_ send: UnsafePointer<Float>, count: Int, into recv: UnsafeMutablePointer<Float>)
    func allgather(_ send: UnsafePointer<Double>, count: Int, into recv: UnsafeMutablePointer<Double>)
    /// Every rank's list (lengths may differ), in rank order.
    func allgather(_ send: [Int32]) -> [[Int32]]
    /// All-to-all: `send[sendRanges[q]]` goes to rank q; what rank p sends
    /// here lands in `recv[recvRanges[p]]`.
    func alltoall(_ send: UnsafePointer<Float>, sendRanges: [Range<Int>], into recv: UnsafeMutablePointer<Float>,
                  recvRanges: [Range<Int>])
    /// In place: rank r's `buffer[spans[r]]` reaches every rank.
    func allgather(inPlace buffer: UnsafeMutablePointer<Float>, spans: [Range<Int>])
}

extension RankGroup {
    /// The sum over ranks of `values`, added in rank order.
    public func sum(_ values: [Double]) -> [Double] {
        var all = [Double](repeating: 0, count: values.count * size)
        values.withUnsafeBufferPointer { s in
            all.withUnsafeMutableBufferPointer { allgather(s.baseAddress!, count: values.count, into: $0.baseAddress!) }
        }
        var total = [Double](repeating: 0, count: values.count)
        for r in 0 ..< size {
            for i in values.indices { total[i] += all[r * values.count + i] }
        }
        return total
    }

    /// True on every rank when `flag` is true on any (a stop request).
    public func any(_ flag: Bool) -> Bool { sum([flag ? 1 : 0])[0] > 0 }
}
