// Element-wise kernels of the AWD-LSTM engine: the fused LSTM cell, the QRNN
// pooling and the fused softmax cross-entropy row. They are written with explicit 16-lane
// vectors and, on x86-64 Linux, compiled for AVX-512, AVX2 and baseline SSE
// with run-time selection, so one binary runs at full width on every CPU.
#ifndef AWD_KERNELS_H
#define AWD_KERNELS_H

#include <stddef.h>

/// Forward of one LSTM time step for `batch` rows and the hidden units
/// [begin, end) (threads take disjoint ranges). `gates` holds the
/// pre-activations [i f g o] of each row (`4·hidden` floats) and is overwritten
/// with the activations; writes c' = σ(f)·c + σ(i)·tanh(g), tanh(c') and
/// h' = σ(o)·tanh(c').
void awd_lstm_cell_forward(float *gates, const float *c_prev, float *c, float *tanh_c, float *h,
                           long batch, long hidden, long begin, long end);

/// Backward of one LSTM time step. `gates` holds the activations of the step
/// and is overwritten with the pre-activation gradients. `d_out` is the
/// gradient of h from above, `dh` the gradient of h from step t+1 through the
/// recurrence, `dc` the cell gradient from step t+1 (overwritten with the cell
/// gradient for step t−1). Covers the hidden units [begin, end).
void awd_lstm_cell_backward(float *gates, const float *c_prev, const float *tanh_c, const float *d_out,
                            const float *dh, float *dc, long batch, long hidden, long begin, long end);

/// QRNN pooling forward over a whole window (Bradbury et al. 2016, "fo-pooling"
/// as torchqrnn's `ForgetMult` followed by the output gate) for the hidden units
/// [begin, end). `gates` holds the pre-activations [z f o] of each of the
/// `steps·batch` time-major rows (`3·hidden` floats) and is overwritten with the
/// activations z = tanh, f = σ, o = σ. Writes, per row, c_t = f·z + (1 − f)·c_{t−1}
/// (c_{−1} = `c0`, `[batch, hidden]`) and h_t = o·c_t.
void awd_qrnn_pool_forward(float *gates, const float *c0, float *c, float *h,
                           long steps, long batch, long hidden, long begin, long end);

/// QRNN pooling backward over a whole window, for the hidden units [begin, end).
/// `gates` holds the activations of the forward pass and is overwritten with the
/// pre-activation gradients; `d_out` is the gradient of every h_t. `dc`
/// (`[batch, hidden]`, scratch) carries the cell gradient back through time and
/// ends as the gradient of `c0`, which callers drop (the state is detached).
void awd_qrnn_pool_backward(float *gates, const float *c0, const float *c, const float *d_out, float *dc,
                            long steps, long batch, long hidden, long begin, long end);

/// One row of the fused softmax cross-entropy: adds `bias` to the `n` logits in
/// `z`, returns −log softmax(z)[target], and when `grad_scale` > 0 overwrites
/// `z` with grad_scale · (softmax(z) − onehot(target)).
double awd_softmax_xent_row(float *z, const float *bias, long n, long target, float grad_scale);

/// Packs the K×N matrix B for `awd_gemm_packed`: panels of 16 columns,
/// `packed[(p·K + k)·16 + c] = B(k, 16p + c)` (zero past column N). B is read
/// as `b[k·ldb + j]`, or as `b[j·ldb + k]` when `transposed` (B stored as Bᵀ).
/// `packed` holds ⌈N/16⌉·16·K floats.
void awd_pack_panels(const float *b, long k, long n, long ldb, int transposed, float *packed);

/// `y[i, j] += Σ_k x[i, k] · B(k, j)` for rows i < m and the columns of panels
/// [panel_begin, panel_end), with B packed by `awd_pack_panels`. Made for the
/// recurrent product at small batch (m ≲ 32), where a general GEMM spends its
/// time re-packing the weights on every call; here they are packed once per
/// forward pass and streamed once per block of up to 12 rows, two panels at a time.
void awd_gemm_packed(long m, long n, long k, const float *x, long ldx, const float *packed,
                     float *y, long ldy, long panel_begin, long panel_end);

/// `y[i] += Σ_k a[i·lda + k] · x[k]` for i < rows: the recurrent product at
/// batch 1, where every step streams W_hh from cache or memory. Four rows
/// share each load of x and are prefetched ahead of use.
void awd_gemv_add(const float *a, long rows, long cols, long lda, const float *x, float *y);

/// Vector exp, sigmoid and tanh over arrays (for tests of the kernels' numerics).
void awd_vexp(const float *x, float *y, long n);
void awd_vsigmoid(const float *x, float *y, long n);
void awd_vtanh(const float *x, float *y, long n);

#endif
