/// The output side of the language model: the decoder tied to the embedding
/// together with the softmax that turns the last layer's output into
/// log-probabilities over the vocabulary, and the cross-entropy loss on them.
///
/// Two implementations: `TiedSoftmax`, one softmax over the whole vocabulary
/// (the authors' default), and `SplitSoftmax`, their split cross-entropy
/// (`splitcross.py`) for large vocabularies. Everything that needs the model's
/// distribution — training, evaluation, the cache pointer, dynamic evaluation,
/// generation — goes through this interface. Neither ever materialises more
/// than a bounded block of `[rows, V]` logits for the loss.
protocol OutputCriterion: AnyObject {
    /// Summed cross-entropy `Σ_r −log p(targets[r] | out_r)` over `rows` rows of
    /// `out` (`[rows, E]`, row-major); `weights` is the model's flat parameter
    /// buffer. With `gradient`, also overwrites `gradient.output` with
    /// `scale · ∂loss/∂out` (`[rows, E]`) and adds `scale · ∂loss/∂θ` to the
    /// decoder's parameter gradients (the tied embedding, `decoder.bias`, and any
    /// criterion parameters) in `gradient.parameters`. `rowLosses`, when given,
    /// receives each row's `−log p` (`[rows]`).
    func crossEntropy(
        _ out: UnsafePointer<Float>, rows: Int, targets: UnsafePointer<Int32>,
        weights: UnsafePointer<Float>, gradient: OutputGradient?, rowLosses: UnsafeMutablePointer<Double>?
    ) -> Double

    /// `into[r·V + w] = log p(w | out_r)` for every word `w` of the vocabulary
    /// (`[rows, V]`, natural log; each row's exponentials sum to 1).
    func logProbabilities(
        _ out: UnsafePointer<Float>, rows: Int, weights: UnsafePointer<Float>, into: UnsafeMutablePointer<Float>
    )
}

/// Where an `OutputCriterion` writes its gradients.
struct OutputGradient {
    /// `[rows, E]`, overwritten with the gradient with respect to the decoder's input.
    var output: UnsafeMutablePointer<Float>
    /// The model's flat gradient buffer (same layout as the weights), added to.
    var parameters: UnsafeMutablePointer<Float>
    /// Factor on every row's gradient: `1 / rows` for the mean loss.
    var scale: Float

    init(output: UnsafeMutablePointer<Float>, parameters: UnsafeMutablePointer<Float>, scale: Float) {
        self.output = output
        self.parameters = parameters
        self.scale = scale
    }
}

/// The criterion a configuration asks for: the split cross-entropy when it has
/// splits, else the full softmax.
func makeOutputCriterion(_ config: ModelConfig, layout: ParameterLayout) -> any OutputCriterion {
    config.splits.isEmpty ? TiedSoftmax(config, layout: layout) : SplitSoftmax(config, layout: layout)
}
