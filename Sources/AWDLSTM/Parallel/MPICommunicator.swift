import CMPI

/// Open MPI's `MPI_COMM_WORLD`, loaded at run time (see `awd_mpi.h`): a process
/// that `mpirun` did not start never opens an MPI library, so the binary needs
/// none to build or to run alone.
///
/// MPI errors abort the whole job (Open MPI's default `MPI_ERRORS_ARE_FATAL`),
/// and `mpirun` ends every rank when one exits with an error or dies, so no rank
/// waits forever on a dead one.
///
/// Not for use from several threads at once: MPI is initialised with one
/// thread calling it (`MPI_THREAD_FUNNELED`'s contract), the one that calls `launch()`.
public final class MPICommunicator: Communicator {
    /// This process's index in `MPI_COMM_WORLD`.
    public let rank: Int
    /// The number of processes `mpirun` started.
    public let size: Int
    /// Seconds spent in collectives on the gradient buffer, for the step-time breakdown.
    private(set) var reduceSeconds = 0.0

    private init(rank: Int, size: Int) {
        self.rank = rank
        self.size = size
    }

    /// The rank count mpirun announced to this process (`OMPI_COMM_WORLD_SIZE`), 0 outside mpirun.
    public static var launchedRanks: Int { Int(awd_mpi_launched_size()) }

    /// The communicator of this process: MPI when `mpirun` started it with more
    /// than one rank, else `SingleProcess`. Call once, before any other thread
    /// uses MPI; throws when MPI is needed but Open MPI's library cannot be used.
    public static func launch() throws -> Communicator {
        guard launchedRanks > 1 else { return SingleProcess() }
        var message = [CChar](repeating: 0, count: 512)
        guard awd_mpi_init(&message, message.count) == 0 else {
            throw DataParallelError.mpiUnavailable(reason: String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return MPICommunicator(rank: Int(awd_mpi_rank()), size: Int(awd_mpi_size()))
    }

    /// MPI_Allreduce with MPI_SUM over `values`, in place.
    public func sum(_ values: FloatBuffer) {
        let start = monotonicMilliseconds()
        _ = awd_mpi_allreduce_sum_float(values.pointer, values.count)
        reduceSeconds += (monotonicMilliseconds() - start) / 1000
    }

    /// MPI_Allreduce with MPI_SUM, in place.
    public func sum(_ values: inout [Double]) {
        _ = awd_mpi_allreduce_sum_double(&values, Int32(values.count))
    }

    /// MPI_Allreduce with MPI_MAX, in place.
    public func maximum(_ values: inout [Double]) {
        _ = awd_mpi_allreduce_max_double(&values, Int32(values.count))
    }

    /// MPI_Bcast of `bytes` from `root`.
    public func broadcast(_ bytes: inout [UInt8], from root: Int) {
        let count = bytes.count
        _ = bytes.withUnsafeMutableBytes { awd_mpi_broadcast($0.baseAddress, count, Int32(root)) }
    }

    /// MPI_Gather of `values` into `gathered` on rank 0.
    public func gather(_ values: FloatBuffer, into gathered: FloatBuffer?) {
        _ = awd_mpi_gather_float(values.pointer, Int32(values.count), gathered?.pointer, 0)
    }

    /// Leaves MPI (MPI_Finalize); the last call on this communicator.
    public func finalize() { _ = awd_mpi_finalize() }
}
