/// Accuracy, per-class precision and recall, F1 and the confusion matrix of a
/// set of predictions (fastai's `accuracy` and, for two classes, `F1Score`
/// with class 1 as the positive class).
public struct ClassificationMetrics: Sendable, Equatable, Codable {
    /// `confusion[true][predicted]`: document counts.
    public let confusion: [[Int]]

    public init(labels: [Int], predictions: [Int], classes: Int) {
        var m = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        for (y, p) in zip(labels, predictions) { m[y][p] += 1 }
        confusion = m
    }

    public var count: Int { confusion.reduce(0) { $0 + $1.reduce(0, +) } }
    public var accuracy: Double {
        count == 0 ? 0 : Double(confusion.indices.reduce(0) { $0 + confusion[$1][$1] }) / Double(count)
    }
    /// Of the documents predicted as class `c`, the fraction that are (0 when none is).
    public func precision(_ c: Int) -> Double {
        let predicted = confusion.reduce(0) { $0 + $1[c] }
        return predicted == 0 ? 0 : Double(confusion[c][c]) / Double(predicted)
    }
    /// Of the documents of class `c`, the fraction predicted as such (0 when none is).
    public func recall(_ c: Int) -> Double {
        let actual = confusion[c].reduce(0, +)
        return actual == 0 ? 0 : Double(confusion[c][c]) / Double(actual)
    }
    /// F1 of class `c`: the harmonic mean of its precision and recall.
    public func f1(_ c: Int) -> Double {
        let p = precision(c), r = recall(c)
        return p + r == 0 ? 0 : 2 * p * r / (p + r)
    }
}
