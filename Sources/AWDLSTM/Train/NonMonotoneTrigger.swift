/// The NT-ASGD switch of the authors' code: after an epoch's validation loss
/// `v` is computed (and before it is appended to the history), switch to
/// averaged SGD when `len(history) > nonmono` and `v > min(history[..<−nonmono])`
/// — i.e. the loss is worse than the best one from more than `nonmono` epochs ago.
enum NonMonotoneTrigger {
    static func shouldSwitch(history: [Double], current: Double, nonmono: Int) -> Bool {
        guard history.count > nonmono else { return false }
        let older = history[..<(history.count - nonmono)]
        guard let best = older.min() else { return false }
        return current > best
    }
}
