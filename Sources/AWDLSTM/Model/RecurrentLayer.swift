/// One layer of the AWD-LSTM's recurrent stack: the weight-dropped LSTM
/// (`WeightDropLSTM`) or the QRNN (`QRNNLayer`), chosen by `ModelConfig.model`.
///
/// The model drives every kind the same way: per pass, the forward in two
/// halves, `projectInputs` over all `T·B` rows of time-major input `[T·B, In]`
/// and `recur` (writing the raw outputs `[T·B, H]` to its workspace's `outputs`
/// and carrying its state), then, when training, `backward` with the gradient
/// of those outputs. Parameters and
/// gradients live in the model's flat buffers at the offsets of the layer's
/// `ParameterLayout.LayerEntries`; weight drop (the authors' `WeightDrop`)
/// multiplies one matrix by a scaled mask of `dropMaskCount` entries drawn once
/// per forward pass.
protocol RecurrentLayer: Sendable {
    /// Input width `In` and hidden (output) width `H`.
    var input: Int { get }
    var hidden: Int { get }
    /// Entries of the weight-drop mask (the shape of the weight-dropped matrix).
    var dropMaskCount: Int { get }
    /// Multiply-adds per token of the layer's matrix products (forward).
    var multiplyAddsPerToken: Int { get }

    /// Draws the layer's initial parameters into `weights` (the model's buffer)
    /// with PyTorch's default initialisation for the module.
    func initialize(_ weights: UnsafeMutablePointer<Float>, rng: inout RandomSource)
    /// A zeroed carried state for `batch` columns.
    func makeState(batch: Int) -> any RecurrentState
    /// Buffers for forward passes (and backward passes when `training`).
    func makeWorkspace(training: Bool) -> any RecurrentLayerWorkspace

    /// The first half of the forward pass over `steps` × `batch` rows of `x`:
    /// everything but the time loop (weight drop, and the input projections of
    /// all steps as one product), into the workspace. `dropMask` (scaled,
    /// `dropMaskCount` entries) enables weight drop. `reusePrepared` allows
    /// reusing per-forward derived copies of the weights from the previous call
    /// (evaluation with unchanged weights).
    func projectInputs(
        x: UnsafePointer<Float>, steps: Int, batch: Int, weights: UnsafePointer<Float>,
        dropMask: UnsafePointer<Float>?, state: any RecurrentState,
        workspace: any RecurrentLayerWorkspace, reusePrepared: Bool
    )

    /// The second half: the time loop from `state` over the projected inputs,
    /// writing the raw outputs `[T·B, H]` to the workspace's `outputs`; `state` is
    /// advanced to the end of the window.
    func recur(
        steps: Int, batch: Int, weights: UnsafePointer<Float>, state: any RecurrentState,
        workspace: any RecurrentLayerWorkspace
    )

    /// Backpropagates `dOut` (`[T·B, H]`, gradient of the raw outputs) through
    /// the last forward pass: accumulates the parameter gradients into `grads`
    /// and writes the input gradient `[T·B, In]` to `dx`. No gradient flows into
    /// the carried state (the authors detach it between batches).
    func backward(
        dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, steps: Int, batch: Int,
        weights: UnsafePointer<Float>, dropMask: UnsafePointer<Float>?,
        grads: UnsafeMutablePointer<Float>, dx: UnsafeMutablePointer<Float>,
        workspace: any RecurrentLayerWorkspace
    )
}

/// The buffers of one layer, grown on demand and reused between passes.
protocol RecurrentLayerWorkspace: AnyObject {
    /// `[rows, H]`: the layer's raw outputs of the last forward pass.
    var outputs: FloatBuffer { get }
    func reserve(rows: Int, batch: Int)
}

/// The state a layer carries from one window to the next (detached, like the
/// authors' `repackage_hidden`), zeroed where they re-initialise it: at the
/// start of every training epoch and of every evaluation.
protocol RecurrentState: AnyObject, Sendable {
    /// The carried tensors by name, each `[B, width]` (saved in the resumable
    /// training state as `hidden.{l}.{name}`).
    var tensors: [(name: String, buffer: FloatBuffer)] { get }
}

extension RecurrentState {
    func reset() { tensors.forEach { $0.buffer.zero() } }

    /// The carried tensor called `name`, if the layer has one.
    func tensor(_ name: String) -> FloatBuffer? { tensors.first { $0.name == name }?.buffer }
}

/// The layers of `config`'s stack, on the parameters of `layout`.
func makeRecurrentLayers(_ config: ModelConfig, _ layout: ParameterLayout) -> [any RecurrentLayer] {
    (0..<config.nlayers).map { l in
        let input = config.inputSize(l), hidden = config.hiddenSize(l)
        switch layout.layers[l] {
        case .lstm(let p): return WeightDropLSTM(input: input, hidden: hidden, params: p)
        case .qrnn(let p): return QRNNLayer(input: input, hidden: hidden, window: config.window(l), params: p)
        }
    }
}
