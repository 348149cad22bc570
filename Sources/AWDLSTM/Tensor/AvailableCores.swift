import CKernels

/// The cores this process may compute on, which is the default thread count
/// of the engine's pool (`ParallelFor`): the CPU affinity mask (`taskset`,
/// cluster schedulers) capped by a container's CPU quota, cgroup v2's
/// `/sys/fs/cgroup/cpu.max` ("QUOTA PERIOD": QUOTA / PERIOD cores, rounded up).
/// More threads than that take turns on the cores and run several times slower.
@_spi(CLI) public enum AvailableCores {
    /// The cores available now, at least 1.
    public static var count: Int { Int(awd_available_cores()) }

    /// The cores a `cpu.max` text allows, nil for none ("max 100000") or a text
    /// that is not "QUOTA PERIOD" in whole microseconds. "150000 100000" is 2.
    public static func cgroupLimit(_ cpuMax: String) -> Int? {
        let cores = cpuMax.withCString { awd_cgroup_cores($0) }
        return cores > 0 ? Int(cores) : nil
    }
}
