import ArgumentParser

/// The device flags of the authors' evaluation and sampling scripts
/// (`generate.py --no-cuda`, `pointer.py --cuda`, `dynamiceval.py --gpu N`),
/// accepted so that their command lines run; this tool computes on the CPU.
struct DeviceFlags: ParsableArguments {
    @Flag(help: "Accepted for the authors' scripts and ignored: this tool runs on the CPU.") var cuda = false
    @Flag(name: .customLong("no-cuda"), help: "Accepted for the authors' generate.py; this tool runs on the CPU anyway.") var noCuda = false
    @Option(help: ArgumentHelp("Accepted for dynamiceval.py and ignored: this tool runs on the CPU.", valueName: "id")) var gpu: Int?

    /// An id up to `FlagBounds.count`, though it is ignored: a value no script could mean is refused.
    func validate() throws {
        try FlagBounds.require([("--gpu", gpu)])
    }

    /// Says on stderr that a device flag was given and changes nothing.
    func note() {
        if cuda { logLine("--cuda: ignored (this tool runs on the CPU)") }
        if let gpu, gpu >= 0 { logLine("--gpu \(gpu): ignored (this tool runs on the CPU)") }
    }
}
