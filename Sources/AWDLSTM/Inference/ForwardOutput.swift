/// What one inference forward pass returns (`InferenceSession.forward`): the
/// model's next-word distribution at every position and, on request, every
/// layer's output.
///
/// ```swift
/// let session = model.makeSession()
/// let out = try session.forward([eos, the, cat])      // 3 steps
/// let p = exp(out.logProbability(step: 2, word: sat))  // p(sat | <eos> the cat)
/// ```
public struct ForwardOutput: Sendable {
    /// The number of positions (input tokens), `T`.
    public let steps: Int
    /// The number of words, `V`.
    public let vocabularySize: Int
    /// Natural-log probabilities of the next word, `[T, V]` row-major: row `t`
    /// is `log p(w_{t+1} = · | w_0 … w_t)`, each row summing to 1 in
    /// probability (the authors' `log_softmax` of the decoder output, or their
    /// split softmax's exact log-probabilities).
    public let logProbabilities: [Float]
    /// When asked for: the output of every recurrent layer, layer `l` as
    /// `[T, H_l]` row-major (`H_l` = `nhid`, `emsize` for the last layer of a
    /// tied model): the authors' `raw_outputs` of `model.forward(return_h=True)`
    /// in evaluation mode; the last one is what the decoder reads.
    public let layerOutputs: [[Float]]?

    /// `log p(word | w_0 … w_step)`, the entry of `logProbabilities` at
    /// `[step, word]`; traps outside `0..<steps` × `0..<vocabularySize`.
    public func logProbability(step: Int, word: Int32) -> Float {
        precondition(step >= 0 && step < steps && word >= 0 && Int(word) < vocabularySize, "outside [\(steps), \(vocabularySize)]")
        return logProbabilities[step * vocabularySize + Int(word)]
    }

    /// Row `step` of `logProbabilities`: the distribution after input `step`, `[V]`.
    public func row(_ step: Int) -> ArraySlice<Float> {
        precondition(step >= 0 && step < steps, "step \(step) outside 0..<\(steps)")
        return logProbabilities[(step * vocabularySize)..<((step + 1) * vocabularySize)]
    }
}
