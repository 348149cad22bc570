import CMPI

/// Open MPI's `MPI_COMM_WORLD`, loaded at run time (see `awd_mpi.h`): a process
/// that `mpirun` did not start never opens an MPI library, so the binary needs
/// none to build or to run alone.
///
/// MPI errors abort the whole job (Open MPI's default `MPI_ERRORS_ARE_FATAL`),
/// and `mpirun` ends every rank when one exits with an error or dies, so no rank
/// waits forever on a dead one.
public final class MPICommunicator: Communicator {
    public let rank: Int
    public let size: Int
    /// Seconds spent in collectives on the gradient buffer, for the step-time breakdown.
    public private(set) var reduceSeconds = 0.0

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

    public func sum(_ values: UnsafeMutablePointer<Float>, count: Int) {
        let start = monotonicMilliseconds()
        _ = awd_mpi_allreduce_sum_float(values, count)
        reduceSeconds += (monotonicMilliseconds() - start) / 1000
    }

    public func sum(_ values: inout [Double]) {
        _ = awd_mpi_allreduce_sum_double(&values, Int32(values.count))
    }

    public func maximum(_ values: inout [Double]) {
        _ = awd_mpi_allreduce_max_double(&values, Int32(values.count))
    }

    public func broadcast(_ data: UnsafeMutableRawPointer, bytes: Int, from root: Int) {
        _ = awd_mpi_broadcast(data, bytes, Int32(root))
    }

    public func gather(_ values: UnsafePointer<Float>, count: Int, into gathered: UnsafeMutablePointer<Float>?) {
        _ = awd_mpi_gather_float(values, Int32(count), gathered, 0)
    }

    /// Leaves MPI (MPI_Finalize); the last call on this communicator.
    public func finalize() { _ = awd_mpi_finalize() }
}
