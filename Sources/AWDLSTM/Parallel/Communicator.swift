/// The processes of a data-parallel training job and the collective operations
/// that training needs from them (the MPI model: every rank runs the same
/// program and calls the collectives in the same order).
///
/// `SingleProcess` is the identity; `MPICommunicator` is Open MPI, loaded at run
/// time when the process was started by `mpirun`. The trainer only sees this
/// protocol, so it holds no MPI detail. Give a `Trainer` the communicator of
/// `MPICommunicator.launch()` and start the program with `mpirun -np N`: each
/// rank trains on its share of the batch columns (README, "Data-parallel
/// training (Open MPI)").
///
/// Every rank must call each collective, in the same order; a call returns on a
/// rank once every rank has made it. Errors abort the whole job (MPI's
/// `MPI_ERRORS_ARE_FATAL`), so no collective throws.
public protocol Communicator: AnyObject {
    /// This process's index, `0..<size`. Rank 0 writes the run folder and logs.
    var rank: Int { get }
    /// The number of ranks, at least 1.
    var size: Int { get }
    /// Replaces every value of `values` by its sum over all ranks (MPI_Allreduce);
    /// `values.count` must be the same on every rank.
    func sum(_ values: FloatBuffer)
    /// Replaces each value by its sum over all ranks (same count on every rank).
    func sum(_ values: inout [Double])
    /// Replaces each value by its maximum over all ranks (same count on every rank).
    func maximum(_ values: inout [Double])
    /// Replaces every rank's `bytes` by those of rank `root` (MPI_Bcast; same count on every rank).
    func broadcast(_ bytes: inout [UInt8], from root: Int)
    /// Gathers `values` of every rank (same count on each), in rank order, into
    /// `gathered` (`size · values.count` floats) on rank 0; other ranks pass nil (MPI_Gather).
    func gather(_ values: FloatBuffer, into gathered: FloatBuffer?)
}

/// One process: every collective is the identity.
public final class SingleProcess: Communicator {
    /// The communicator of a process that trains alone.
    public init() {}
    /// 0.
    public var rank: Int { 0 }
    /// 1.
    public var size: Int { 1 }
    /// Leaves `values` as they are.
    public func sum(_ values: FloatBuffer) {}
    /// Leaves `values` as they are.
    public func sum(_ values: inout [Double]) {}
    /// Leaves `values` as they are.
    public func maximum(_ values: inout [Double]) {}
    /// Leaves `bytes` as they are.
    public func broadcast(_ bytes: inout [UInt8], from root: Int) {}
    /// Copies `values` into the start of `gathered`.
    public func gather(_ values: FloatBuffer, into gathered: FloatBuffer?) {
        gathered?.pointer.update(from: values.pointer, count: values.count)
    }
}

extension Communicator {
    /// Whether this is rank 0, the one that writes files and logs.
    public var isRoot: Bool { rank == 0 }

    /// This rank's share of `columns` batch columns: contiguous, in rank order,
    /// sizes differing by at most one (empty when there are more ranks than columns).
    func columns(of columns: Int) -> Range<Int> {
        let base = columns / size, extra = columns % size
        let start = rank * base + min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// Whether `flag` holds on any rank (every rank gets the same answer).
    func anyRank(_ flag: Bool) -> Bool {
        guard size > 1 else { return flag }
        var v = [flag ? 1.0 : 0.0]
        maximum(&v)
        return v[0] > 0
    }

    /// Rank 0's `decide()`, evaluated there only and broadcast, so that every
    /// rank takes the same branch even where their inputs differ in the last bit.
    func decidedByRoot(_ decide: () -> Bool) -> Bool {
        var flag: [UInt8] = [isRoot && decide() ? 1 : 0]
        broadcast(&flag, from: 0)
        return flag[0] == 1
    }

    /// Returns once every rank has called it (an all-reduce of nothing much):
    /// files rank 0 wrote before it are complete for every rank after it.
    func synchronize() { _ = anyRank(false) }

    /// Runs one training forward-backward with this rank's dropout stream.
    /// One process draws from `shared` itself (its stream is unchanged by data
    /// parallelism); with several ranks, each step takes one draw from `shared`
    /// (the same on every rank) and seeds rank r's generator from it and r, so
    /// ranks drop different units and a run resumes at any rank count.
    func withDropoutStream<T>(_ shared: inout RandomSource, _ body: (inout RandomSource) throws -> T) rethrows -> T {
        guard size > 1 else { return try body(&shared) }
        var own = RandomSource(seed: shared.next() &+ UInt64(rank) &* 0x9E37_79B9_7F4A_7C15)
        return try body(&own)
    }

    /// Averages the gradients of one step over the ranks, in place (all ranks
    /// hold equal shares of the batch, so the mean of their mean-loss gradients
    /// is the gradient of the global mean loss), and the loss parts with them.
    func averageGradients(_ gradients: FloatBuffer, loss: LossBreakdown) -> LossBreakdown {
        guard size > 1 else { return loss }
        sum(gradients)
        let n = Float(size)
        Pointwise.scale(gradients.pointer, by: 1 / n, count: gradients.count)
        var parts = [loss.crossEntropy, loss.activation, loss.temporalActivation]
        sum(&parts)
        return LossBreakdown(crossEntropy: parts[0] / Double(size), activation: parts[1] / Double(size),
                             temporalActivation: parts[2] / Double(size))
    }

    /// An evaluation loss (mean per token over `data`'s rows, the `Evaluator`'s
    /// normalisation) with the columns split over the ranks: each rank runs
    /// `evaluate` on its columns, and the results, weighted by column count, are
    /// summed. Every rank returns the same value.
    func evaluationLoss(_ data: BatchedTokens, _ evaluate: (BatchedTokens) throws -> Double) rethrows -> Double {
        guard size > 1 else { return try evaluate(data) }
        let mine = columns(of: data.columns)
        var part = [mine.isEmpty ? 0 : try evaluate(data.columns(mine)) * Double(mine.count) / Double(data.columns)]
        sum(&part)
        return part[0]
    }

    /// The carried state of the whole batch on rank 0, per layer its named
    /// tensors (each rank holds its rows of every `[B, width]` tensor, in rank
    /// order); nil on other ranks. Every rank must call it.
    func gatherHidden(_ hidden: [any RecurrentState]) -> [[(name: String, buffer: FloatBuffer)]]? {
        guard size > 1 else { return hidden.map(\.tensors) }
        let gathered = hidden.map { state in
            state.tensors.map { t -> (name: String, buffer: FloatBuffer) in
                let full = FloatBuffer(count: isRoot ? t.buffer.count * size : 0)
                gather(t.buffer, into: isRoot ? full : nil)
                return (t.name, full)
            }
        }
        return isRoot ? gathered : nil
    }
}
