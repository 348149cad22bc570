#include "awd_kernels.h"
#include <math.h>
#include <string.h>

// Run-time multiversioning: each exported kernel is compiled for AVX-512,
// AVX2+FMA and the baseline, and the loader picks the best (GNU ifunc).
#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define AWD_KERNEL __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define AWD_KERNEL
#endif

typedef float v16f __attribute__((ext_vector_type(16)));
typedef int v16i __attribute__((ext_vector_type(16)));
#define W 16

// The vector helpers are statement-expression macros rather than functions:
// a 64-byte vector passed by value to a function compiled for a narrower
// target would change the calling convention, so everything stays inline.
#define splat(x) ((v16f)(float)(x))
#define load(p) ({ v16f v_; memcpy(&v_, (p), sizeof v_); v_; })
#define store(p, v) do { v16f s_ = (v); memcpy((p), &s_, sizeof s_); } while (0)
#define load_n(p, n) ({ v16f v_ = splat(0); memcpy(&v_, (p), (size_t)(n) * sizeof(float)); v_; })
#define store_n(p, v, n) do { v16f s_ = (v); memcpy((p), &s_, (size_t)(n) * sizeof(float)); } while (0)
#define select(mask, a, b) ({ v16i m_ = (mask); (v16f)(((v16i)(a) & m_) | ((v16i)(b) & ~m_)); })

/// exp: x = n·ln2 + r, |r| ≤ ln2/2; e^r by a degree-6 polynomial (Cephes);
/// 2^n through the exponent bits. Relative error ≈ 1e-7; inputs are clamped
/// to [−87.34, 88.38] so the result stays normal and finite.
#define vexp(input) ({ \
    v16f x_ = __builtin_elementwise_min(__builtin_elementwise_max((input), splat(-87.33654f)), splat(88.37626f)); \
    v16f n_ = __builtin_elementwise_floor(x_ * 1.44269504f + 0.5f); \
    v16f r_ = x_ - n_ * 0.693359375f; \
    r_ = r_ + n_ * 2.12194440e-4f; \
    v16f p_ = splat(1.9875691500e-4f); \
    p_ = p_ * r_ + 1.3981999507e-3f; \
    p_ = p_ * r_ + 8.3334519073e-3f; \
    p_ = p_ * r_ + 4.1665795894e-2f; \
    p_ = p_ * r_ + 1.6666665459e-1f; \
    p_ = p_ * r_ + 5.0000001201e-1f; \
    v16f y_ = p_ * (r_ * r_) + r_ + 1.0f; \
    v16i bits_ = (__builtin_convertvector(n_, v16i) + 127) << 23; \
    y_ * (v16f)bits_; })

#define vsigmoid(x) ({ v16f e_s = vexp(-(x)); 1.0f / (1.0f + e_s); })

/// tanh = sign(x)·(1 − e)/(1 + e) with e = exp(−2|x|); the odd Taylor series
/// x − x³/3 + 2x⁵/15 − 17x⁷/315 for |x| < 0.2, where the quotient would cancel.
#define vtanh(input) ({ \
    v16f xt_ = (input); \
    v16i sign_ = (v16i)xt_ & (v16i)(int)0x80000000; \
    v16f a_ = (v16f)((v16i)xt_ & (v16i)0x7fffffff); \
    v16f e_t = vexp(-2.0f * a_); \
    v16f t_ = (v16f)((v16i)((1.0f - e_t) / (1.0f + e_t)) | sign_); \
    v16f x2_ = xt_ * xt_; \
    v16f s_t = splat(-17.0f / 315.0f); \
    s_t = s_t * x2_ + 2.0f / 15.0f; \
    s_t = s_t * x2_ - 1.0f / 3.0f; \
    s_t = s_t * x2_ * xt_ + xt_; \
    select(a_ < 0.2f, s_t, t_); })

AWD_KERNEL
void awd_lstm_cell_forward(float *gates, const float *c_prev, float *c, float *tanh_c, float *h,
                           long batch, long hidden, long begin, long end) {
    for (long b = 0; b < batch; b++) {
        float *gi = gates + b * 4 * hidden, *gf = gi + hidden, *gg = gf + hidden, *go = gg + hidden;
        const float *cp = c_prev + b * hidden;
        float *cb = c + b * hidden, *tb = tanh_c + b * hidden, *hb = h + b * hidden;
        for (long j = begin; j < end; j += W) {
            long n = end - j < W ? end - j : W;
            v16f i = vsigmoid(load_n(gi + j, n)), f = vsigmoid(load_n(gf + j, n));
            v16f g = vtanh(load_n(gg + j, n)), o = vsigmoid(load_n(go + j, n));
            v16f cn = f * load_n(cp + j, n) + i * g;
            v16f t = vtanh(cn);
            if (n == W) {
                store(gi + j, i); store(gf + j, f); store(gg + j, g); store(go + j, o);
                store(cb + j, cn); store(tb + j, t); store(hb + j, o * t);
            } else {
                store_n(gi + j, i, n); store_n(gf + j, f, n); store_n(gg + j, g, n); store_n(go + j, o, n);
                store_n(cb + j, cn, n); store_n(tb + j, t, n); store_n(hb + j, o * t, n);
            }
        }
    }
}

AWD_KERNEL
void awd_lstm_cell_backward(float *gates, const float *c_prev, const float *tanh_c, const float *d_out,
                            const float *dh, float *dc, long batch, long hidden, long begin, long end) {
    for (long b = 0; b < batch; b++) {
        float *gi = gates + b * 4 * hidden, *gf = gi + hidden, *gg = gf + hidden, *go = gg + hidden;
        const long row = b * hidden;
        for (long j = begin; j < end; j += W) {
            long n = end - j < W ? end - j : W;
            v16f i = load_n(gi + j, n), f = load_n(gf + j, n), g = load_n(gg + j, n), o = load_n(go + j, n);
            v16f tc = load_n(tanh_c + row + j, n), cp = load_n(c_prev + row + j, n);
            v16f dht = load_n(d_out + row + j, n) + load_n(dh + row + j, n);
            v16f dct = dht * o * (1.0f - tc * tc) + load_n(dc + row + j, n);
            store_n(gi + j, dct * g * i * (1.0f - i), n);
            store_n(gf + j, dct * cp * f * (1.0f - f), n);
            store_n(gg + j, dct * i * (1.0f - g * g), n);
            store_n(go + j, dht * tc * o * (1.0f - o), n);
            store_n(dc + row + j, dct * f, n);
        }
    }
}

// QRNN pooling (torchqrnn's ForgetMult with the output gate applied): each
// unit's recurrence is independent of every other unit, so one call runs the
// whole time loop for its range of units, vectorised across them.
AWD_KERNEL
void awd_qrnn_pool_forward(float *gates, const float *c0, float *c, float *h,
                           long steps, long batch, long hidden, long begin, long end) {
    const long g3 = 3 * hidden;
    for (long t = 0; t < steps; t++) {
        for (long b = 0; b < batch; b++) {
            const long row = t * batch + b;
            float *gz = gates + row * g3, *gf = gz + hidden, *go = gf + hidden;
            const float *cp = t == 0 ? c0 + b * hidden : c + (row - batch) * hidden;
            float *cb = c + row * hidden, *hb = h + row * hidden;
            for (long j = begin; j < end; j += W) {
                long n = end - j < W ? end - j : W;
                v16f z = vtanh(load_n(gz + j, n)), f = vsigmoid(load_n(gf + j, n)), o = vsigmoid(load_n(go + j, n));
                v16f cn = f * z + (1.0f - f) * load_n(cp + j, n);
                store_n(gz + j, z, n); store_n(gf + j, f, n); store_n(go + j, o, n);
                store_n(cb + j, cn, n); store_n(hb + j, o * cn, n);
            }
        }
    }
}

AWD_KERNEL
void awd_qrnn_pool_backward(float *gates, const float *c0, const float *c, const float *d_out, float *dc,
                            long steps, long batch, long hidden, long begin, long end) {
    const long g3 = 3 * hidden;
    for (long b = 0; b < batch; b++)
        for (long j = begin; j < end; j++) dc[b * hidden + j] = 0.0f;
    for (long t = steps - 1; t >= 0; t--) {
        for (long b = 0; b < batch; b++) {
            const long row = t * batch + b;
            float *gz = gates + row * g3, *gf = gz + hidden, *go = gf + hidden;
            const float *cp = t == 0 ? c0 + b * hidden : c + (row - batch) * hidden;
            const float *cb = c + row * hidden, *dh = d_out + row * hidden;
            float *dcb = dc + b * hidden;
            for (long j = begin; j < end; j += W) {
                long n = end - j < W ? end - j : W;
                v16f z = load_n(gz + j, n), f = load_n(gf + j, n), o = load_n(go + j, n);
                v16f ct = load_n(cb + j, n), d = load_n(dh + j, n);
                v16f dct = d * o + load_n(dcb + j, n);
                store_n(go + j, d * ct * o * (1.0f - o), n);
                store_n(gz + j, dct * f * (1.0f - z * z), n);
                store_n(gf + j, dct * (z - load_n(cp + j, n)) * f * (1.0f - f), n);
                store_n(dcb + j, dct * (1.0f - f), n);
            }
        }
    }
}

AWD_KERNEL
double awd_softmax_xent_row(float *z, const float *bias, long n, long target, float grad_scale) {
    v16f mv = splat(-INFINITY);
    long j = 0;
    for (; j + W <= n; j += W) {
        v16f x = load(z + j) + load(bias + j);
        store(z + j, x);
        mv = __builtin_elementwise_max(mv, x);
    }
    float m = mv[0];
    for (int k = 1; k < W; k++) m = mv[k] > m ? mv[k] : m;
    for (; j < n; j++) { z[j] += bias[j]; m = z[j] > m ? z[j] : m; }
    const float zt = z[target];
    v16f sv = splat(0);
    const v16f ms = splat(m);
    j = 0;
    if (grad_scale > 0) {
        for (; j + W <= n; j += W) { v16f e = vexp(load(z + j) - ms); store(z + j, e); sv += e; }
    } else {
        for (; j + W <= n; j += W) sv += vexp(load(z + j) - ms);
    }
    double sum = 0;
    for (int k = 0; k < W; k++) sum += (double)sv[k];
    if (j < n) {
        long rest = n - j;
        v16f e = vexp(load_n(z + j, rest) - ms);
        for (long k = 0; k < rest; k++) sum += (double)e[k];
        if (grad_scale > 0) store_n(z + j, e, rest);
    }
    double loss = log(sum) - (double)(zt - m);
    if (grad_scale > 0) {
        const v16f k = splat((float)((double)grad_scale / sum));
        for (j = 0; j + W <= n; j += W) store(z + j, load(z + j) * k);
        for (; j < n; j++) z[j] *= k[0];
        z[target] -= grad_scale;
    }
    return loss;
}

#define ARRAY_KERNEL(name, fn) \
    AWD_KERNEL void name(const float *x, float *y, long n) { \
        long j = 0; \
        for (; j + W <= n; j += W) store(y + j, fn(load(x + j))); \
        if (j < n) store_n(y + j, fn(load_n(x + j, n - j)), n - j); \
    }
ARRAY_KERNEL(awd_vexp, vexp)
ARRAY_KERNEL(awd_vsigmoid, vsigmoid)
ARRAY_KERNEL(awd_vtanh, vtanh)

void awd_pack_panels(const float *b, long k, long n, long ldb, int transposed, float *packed) {
    const long panels = (n + W - 1) / W;
    for (long p = 0; p < panels; p++) {
        float *dst = packed + p * k * W;
        const long j0 = p * W, width = n - j0 < W ? n - j0 : W;
        if (transposed) {
            for (long c = 0; c < W; c++) {
                const float *src = b + (j0 + c) * ldb;
                for (long kk = 0; kk < k; kk++) dst[kk * W + c] = c < width ? src[kk] : 0.0f;
            }
        } else {
            for (long kk = 0; kk < k; kk++) {
                const float *src = b + kk * ldb + j0;
                for (long c = 0; c < W; c++) dst[kk * W + c] = c < width ? src[c] : 0.0f;
            }
        }
    }
}

/// Adds the R×16 accumulators `acc` to the columns of panel p of y (fewer at the right edge).
#define STORE_PANEL(R, acc, p) do { \
        const long j0_ = (p) * W, width_ = n - j0_ < W ? n - j0_ : W; \
        for (int r = 0; r < R; r++) { \
            float *out_ = y + r * ldy + j0_; \
            if (width_ == W) store(out_, load(out_) + acc[r]); \
            else store_n(out_, load_n(out_, width_) + acc[r], width_); \
        } \
    } while (0)

/// One block of R rows against panels [p0, p1), two panels at a time: 2·R
/// accumulators of 16 lanes stay in registers while the panels stream through
/// once, and each broadcast element of x feeds two FMAs (one panel alone would
/// need a load per FMA and be bound by loads, not arithmetic). Every output is
/// still summed over k in order, so the result does not depend on the pairing.
#define GEMM_ROWS(R) \
    AWD_KERNEL static void gemm_rows_##R(long n, long k, const float *x, long ldx, const float *packed, \
                              float *y, long ldy, long p0, long p1) { \
        long p = p0; \
        for (; p + 2 <= p1; p += 2) { \
            const float *a = packed + p * k * W, *b = a + k * W; \
            v16f acc0[R], acc1[R]; \
            for (int r = 0; r < R; r++) { acc0[r] = splat(0); acc1[r] = splat(0); } \
            for (long kk = 0; kk < k; kk++) { \
                v16f wa = load(a + kk * W), wb = load(b + kk * W); \
                for (int r = 0; r < R; r++) { \
                    v16f xr = splat(x[r * ldx + kk]); \
                    acc0[r] += xr * wa; \
                    acc1[r] += xr * wb; \
                } \
            } \
            STORE_PANEL(R, acc0, p); \
            STORE_PANEL(R, acc1, p + 1); \
        } \
        if (p < p1) { \
            const float *a = packed + p * k * W; \
            v16f acc[R]; \
            for (int r = 0; r < R; r++) acc[r] = splat(0); \
            for (long kk = 0; kk < k; kk++) { \
                v16f w = load(a + kk * W); \
                for (int r = 0; r < R; r++) acc[r] += x[r * ldx + kk] * w; \
            } \
            STORE_PANEL(R, acc, p); \
        } \
    }

GEMM_ROWS(12) GEMM_ROWS(11) GEMM_ROWS(10) GEMM_ROWS(9) GEMM_ROWS(8) GEMM_ROWS(7)
GEMM_ROWS(6) GEMM_ROWS(5) GEMM_ROWS(4) GEMM_ROWS(3) GEMM_ROWS(2) GEMM_ROWS(1)

typedef void (*gemm_rows_fn)(long, long, const float *, long, const float *, float *, long, long, long);

/// Rows per block: 2·12 accumulators fit AVX-512's 32 registers. With narrower
/// vectors a 16-lane accumulator takes several registers; the AVX2 build, timed
/// on [10, 1150] × [1150, 4600], was fastest with blocks of 2 rows (196 GFLOP/s
/// on two cores, against 104–162 for 1, 3, 4, 6 or 12).
static long max_block_rows(void) {
#if defined(__x86_64__) && defined(__clang__)
    return __builtin_cpu_supports("avx512f") ? 12 : 2;
#else
    return 2;
#endif
}

void awd_gemm_packed(long m, long n, long k, const float *x, long ldx, const float *packed,
                     float *y, long ldy, long panel_begin, long panel_end) {
    static const gemm_rows_fn kernels[13] = {
        0, gemm_rows_1, gemm_rows_2, gemm_rows_3, gemm_rows_4, gemm_rows_5, gemm_rows_6,
        gemm_rows_7, gemm_rows_8, gemm_rows_9, gemm_rows_10, gemm_rows_11, gemm_rows_12};
    // Blocks as even as possible (20 rows: 10 + 10, not 12 + 8).
    const long most = max_block_rows();
    long blocks = (m + most - 1) / most;
    for (long i = 0, b = 0; b < blocks; b++) {
        long rows = (m - i) / (blocks - b);
        kernels[rows](n, k, x + i * ldx, ldx, packed, y + i * ldy, ldy, panel_begin, panel_end);
        i += rows;
    }
}

/// Horizontal sum of a 16-lane vector.
#define hsum(v) ({ v16f h_ = (v); float s_ = 0; for (int l_ = 0; l_ < W; l_++) s_ += h_[l_]; s_; })
/// How far ahead of the loads the rows are prefetched, in floats (1 KiB). The
/// hardware prefetcher alone leaves the four interleaved row streams short of
/// the cache bandwidth; with this the batch-1 evaluation runs about 10 % faster.
#define GEMV_PREFETCH 256

AWD_KERNEL
void awd_gemv_add(const float *a, long rows, long cols, long lda, const float *x, float *y) {
    const long full = cols / W * W, rest = cols - full;
    long i = 0;
    for (; i + 4 <= rows; i += 4) {
        const float *a0 = a + i * lda, *a1 = a0 + lda, *a2 = a1 + lda, *a3 = a2 + lda;
        v16f s0 = splat(0), s1 = splat(0), s2 = splat(0), s3 = splat(0);
        for (long k = 0; k < full; k += W) {
            __builtin_prefetch(a0 + k + GEMV_PREFETCH, 0, 3);
            __builtin_prefetch(a1 + k + GEMV_PREFETCH, 0, 3);
            __builtin_prefetch(a2 + k + GEMV_PREFETCH, 0, 3);
            __builtin_prefetch(a3 + k + GEMV_PREFETCH, 0, 3);
            v16f xv = load(x + k);
            s0 += load(a0 + k) * xv; s1 += load(a1 + k) * xv;
            s2 += load(a2 + k) * xv; s3 += load(a3 + k) * xv;
        }
        if (rest) {
            v16f xv = load_n(x + full, rest);
            s0 += load_n(a0 + full, rest) * xv; s1 += load_n(a1 + full, rest) * xv;
            s2 += load_n(a2 + full, rest) * xv; s3 += load_n(a3 + full, rest) * xv;
        }
        y[i] += hsum(s0); y[i + 1] += hsum(s1); y[i + 2] += hsum(s2); y[i + 3] += hsum(s3);
    }
    for (; i < rows; i++) {
        const float *ai = a + i * lda;
        v16f s = splat(0);
        for (long k = 0; k < full; k += W) s += load(ai + k) * load(x + k);
        if (rest) s += load_n(ai + full, rest) * load_n(x + full, rest);
        y[i] += hsum(s);
    }
}
