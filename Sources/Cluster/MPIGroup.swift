import Model
import MPIShim
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The ranks of `mpirun` (MPI_COMM_WORLD) as a `RankGroup`. MPI is started
/// only when the launcher's environment says this process is one of several
/// ranks; outside `mpirun` nothing here runs and MPI is never initialised.
public final class MPIGroup: RankGroup, @unchecked Sendable {
    public let rank: Int
    public let size: Int

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// The ranks launched by mpirun/srun (OpenMPI, MPICH/PMI, PMIx): starts
    /// MPI and returns the group; nil for a process started on its own (or
    /// as the only rank).
    public static func joinIfLaunched() -> MPIGroup? {
        guard let n = launchedSize(), n > 1 else { return nil }
        if rnntrain_mpi_active() == 0 { _ = rnntrain_mpi_init() }
        return MPIGroup(rank: Int(rnntrain_mpi_rank()), size: Int(rnntrain_mpi_size()))
    }

    /// The job's size from the launcher's environment, read before MPI_Init.
    static func launchedSize() -> Int? {
        for name in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE"] {
            if let v = getenv(name), let n = Int(String(cString: v)) { return n }
        }
        return nil
    }

    /// This process's rank from the launcher's environment, read before
    /// MPI_Init (nil outside a launcher).
    public static func launchedRank() -> Int? {
        for name in ["OMPI_COMM_WORLD_RANK", "PMI_RANK", "PMIX_RANK"] {
            if let v = getenv(name), let n = Int(String(cString: v)) { return n }
        }
        return nil
    }

    /// Ranks sharing this machine (their threads share its cores).
    public static func ranksOnThisMachine() -> Int {
        for name in ["OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "PMI_LOCAL_SIZE"] {
            if let v = getenv(name), let n = Int(String(cString: v)), n > 0 { return n }
        }
        return 1
    }

    /// Ends MPI before the process exits with `status`: a clean finish
    /// (every rank got here the same way: success, usage error, an agreed
    /// interrupt) finalizes; any other failure aborts the whole job so no
    /// rank waits forever in a collective. Outside mpirun it does nothing.
    public static func finish(status: Int32) -> Int32 {
        guard rnntrain_mpi_active() != 0 else { return status }
        if status == 0 || status == 64 || status == 130 {
            _ = rnntrain_mpi_finalize()
        } else {
            rnntrain_mpi_abort(status)
        }
        return status
    }

    public func allgather(_ send: UnsafePointer<Float>, count: Int, into recv: UnsafeMutablePointer<Float>) {
        check(rnntrain_mpi_allgather_float(send, Int32(count), recv))
    }

    public func allgather(_ send: UnsafePointer<Double>, count: Int, into recv: UnsafeMutablePointer<Double>) {
        check(rnntrain_mpi_allgather_double(send, Int32(count), recv))
    }

    public func allgather(_ send: [Int32]) -> [[Int32]] {
        var mine = Int32(send.count)
        var counts = [Int32](repeating: 0, count: size)
        check(rnntrain_mpi_allgather_int(&mine, 1, &counts))
        var displs = [Int32](repeating: 0, count: size)
        for r in 1 ..< max(size, 1) { displs[r] = displs[r - 1] + counts[r - 1] }
        var all = [Int32](repeating: 0, count: Int(counts.reduce(0, +)))
        send.withUnsafeBufferPointer { s in
            check(rnntrain_mpi_allgatherv_int(s.baseAddress, mine, &all, counts, displs))
        }
        return (0 ..< size).map { r in Array(all[Int(displs[r]) ..< Int(displs[r] + counts[r])]) }
    }

    public func alltoall(_ send: UnsafePointer<Float>, sendRanges: [Range<Int>], into recv: UnsafeMutablePointer<Float>,
                         recvRanges: [Range<Int>]) {
        let sc = sendRanges.map { Int32($0.count) }, sd = sendRanges.map { Int32($0.lowerBound) }
        let rc = recvRanges.map { Int32($0.count) }, rd = recvRanges.map { Int32($0.lowerBound) }
        check(rnntrain_mpi_alltoallv_float(send, sc, sd, recv, rc, rd))
    }

    public func allgather(inPlace buffer: UnsafeMutablePointer<Float>, spans: [Range<Int>]) {
        check(rnntrain_mpi_allgatherv_float_inplace(buffer, spans.map { Int32($0.count) }, spans.map { Int32($0.lowerBound) }))
    }

    private func check(_ code: Int32) {
        if code != 0 {
            fputs("rank \(rank): MPI call failed (error \(code))\n", stderr)
            rnntrain_mpi_abort(1)
        }
    }
}
