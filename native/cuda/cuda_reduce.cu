// CUDA reductions over a contiguous [outer, r, inner] input, row softmax and the fused class
// losses, mirroring the CPU kernels' contracts (double accumulation for floating sums, NaN
// propagation, first index on ties).
//
// One generic kernel pair per layout, parameterised by a reduction policy (sum, or extreme with
// its index):
//  - rows (inner == 1, longer than kShortRow): a block reduces a chunk of a row with a warp-shuffle tree. Long rows with
//    few of them (a sum over all elements) are cut into up to 1024 chunks so the whole GPU works;
//    a second kernel combines each row's chunk results in a fixed order.
//  - columns (inner > 1) and short rows: one thread per output, whose neighbours read neighbouring addresses;
//    long reduced dims over few outputs are cut into chunks the same way.
// The chunking depends on the shape only, never on the GPU, so a result has the same bits on every
// device and every run.
#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <type_traits>

#include "cuda_common.cuh"
#include "ops/loss.h"
#include "ops/conv.h"
#include "ops/layer_norm.h"
#include "ops/softmax.h"

namespace jg {
namespace cuda {
namespace {

template <class T> __device__ __forceinline__ bool nan_of(T v) { return v != v; }

template <class T> struct SumAcc { using type = double; };
template <> struct SumAcc<int64_t> { using type = int64_t; };
template <> struct SumAcc<bool> { using type = int64_t; };
template <class T> struct SumOut { using type = T; };
template <> struct SumOut<bool> { using type = int64_t; };

// Sum: accumulates in double (floating) or int64 (integers and bool).
template <class T> struct SumPolicy {
    using Acc = typename SumAcc<T>::type;
    using Out = typename SumOut<T>::type;
    __device__ __forceinline__ Acc init() const { return Acc(0); }
    __device__ __forceinline__ Acc load(T v, int64_t) const { return static_cast<Acc>(v); }
    __device__ __forceinline__ Acc combine(Acc a, Acc b) const { return a + b; }
    __device__ __forceinline__ void store(void* out, int64_t j, Acc a) const { static_cast<Out*>(out)[j] = static_cast<Out>(a); }
};

template <class T> struct ValueIndex {
    T v;
    int64_t i;  // -1: empty
};

// Max/min and their indices: NaN wins, then the extreme, then the lower index. That is a total
// order, so any combination order gives the same answer.
template <class T> struct ExtremePolicy {
    using Acc = ValueIndex<T>;
    bool want_max, want_index;
    __device__ __forceinline__ Acc init() const { return Acc{T(0), -1}; }
    __device__ __forceinline__ Acc load(T v, int64_t k) const { return Acc{v, k}; }
    __device__ __forceinline__ bool better(const Acc& a, const Acc& b) const {  // a before b?
        if (nan_of(b.v)) return nan_of(a.v) && a.i < b.i;
        if (nan_of(a.v)) return true;
        if (a.v == b.v) return a.i < b.i;
        return want_max ? a.v > b.v : a.v < b.v;
    }
    __device__ __forceinline__ Acc combine(const Acc& a, const Acc& b) const {
        if (a.i < 0) return b;
        if (b.i < 0) return a;
        return better(b, a) ? b : a;
    }
    __device__ __forceinline__ void store(void* out, int64_t j, const Acc& a) const {
        if (want_index) static_cast<int64_t*>(out)[j] = a.i;
        else static_cast<T*>(out)[j] = a.v;
    }
};

template <class A> __device__ __forceinline__ A shfl_down(A v, int o) { return __shfl_down_sync(0xffffffffu, v, o); }
template <class T> __device__ __forceinline__ ValueIndex<T> shfl_down(ValueIndex<T> v, int o) {
    return ValueIndex<T>{__shfl_down_sync(0xffffffffu, v.v, o), __shfl_down_sync(0xffffffffu, v.i, o)};
}

// Reduces one value per thread of a kBlock-thread block; every thread gets the result.
template <class P> __device__ typename P::Acc block_reduce(const P& p, typename P::Acc v) {
    using Acc = typename P::Acc;
    __shared__ Acc warp_acc[kBlock / 32];
    for (int o = 16; o > 0; o >>= 1) v = p.combine(v, shfl_down(v, o));
    const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) warp_acc[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < kBlock / 32 ? warp_acc[lane] : p.init();
        for (int o = 16; o > 0; o >>= 1) v = p.combine(v, shfl_down(v, o));
        if (lane == 0) warp_acc[0] = v;
    }
    __syncthreads();
    Acc r = warp_acc[0];
    __syncthreads();
    return r;
}

// Block b reduces chunk (b % chunks) of row (b / chunks): elements [c * chunk, min(r, (c + 1) * chunk)).
// With one chunk per row it writes the row's result, else the chunk's accumulator to part.
//
// The chunk is read in rounds of kSlots * N * blockDim.x elements (N = 16 / sizeof(T)): in each
// round thread t takes the N elements at (u * blockDim.x + t) * N for slot u, into accumulator u,
// so every thread has kSlots independent 16-byte loads in flight. VEC reads them as 16-byte
// vectors (row and chunk starts 16-byte aligned); otherwise as single elements in the same order,
// so both paths combine the same elements in the same order and give the same bits.
constexpr int kSlots = 4;
template <class T, bool VEC, class P>
__global__ void reduce_rows(P p, int64_t r, int64_t chunks, int64_t chunk, const T* x, void* out, typename P::Acc* part) {
    using Acc = typename P::Acc;
    constexpr int N = kVecWidth<T>;
    const int64_t row = blockIdx.x / chunks, c = blockIdx.x % chunks;
    const T* xr = x + row * r;
    const int64_t end = min(r, (c + 1) * chunk);
    const int64_t B = blockDim.x, round = kSlots * N * B;
    Acc acc[kSlots];
#pragma unroll
    for (int u = 0; u < kSlots; ++u) acc[u] = p.init();
    int64_t k = min(r, c * chunk);
    for (; k + round <= end; k += round) {
        T v[kSlots][N];
#pragma unroll
        for (int u = 0; u < kSlots; ++u) {
            const int64_t e = k + (u * B + threadIdx.x) * N;
            if (VEC) {
                const Vec<T, N> w = *reinterpret_cast<const Vec<T, N>*>(xr + e);
#pragma unroll
                for (int q = 0; q < N; ++q) v[u][q] = w.v[q];
            } else {
#pragma unroll
                for (int q = 0; q < N; ++q) v[u][q] = xr[e + q];
            }
        }
#pragma unroll
        for (int u = 0; u < kSlots; ++u) {
            const int64_t e = k + (u * B + threadIdx.x) * N;
#pragma unroll
            for (int q = 0; q < N; ++q) acc[u] = p.combine(acc[u], p.load(v[u][q], e + q));
        }
    }
    // what is left (all of a row shorter than a round): single elements, still four in flight
    for (k += threadIdx.x; k + 3 * B < end; k += 4 * B) {
        const T v0 = xr[k], v1 = xr[k + B], v2 = xr[k + 2 * B], v3 = xr[k + 3 * B];
        acc[0] = p.combine(acc[0], p.load(v0, k));
        acc[1] = p.combine(acc[1], p.load(v1, k + B));
        acc[2] = p.combine(acc[2], p.load(v2, k + 2 * B));
        acc[3] = p.combine(acc[3], p.load(v3, k + 3 * B));
    }
    for (; k < end; k += B) acc[0] = p.combine(acc[0], p.load(xr[k], k));
    Acc a = block_reduce(p, p.combine(p.combine(acc[0], acc[1]), p.combine(acc[2], acc[3])));
    if (threadIdx.x == 0) {
        if (chunks == 1) p.store(out, row, a);
        else part[blockIdx.x] = a;
    }
}

// One block per row combines that row's chunk accumulators.
template <class P> __global__ void combine_rows(P p, int64_t chunks, const typename P::Acc* part, void* out) {
    using Acc = typename P::Acc;
    const Acc* pr = part + blockIdx.x * chunks;
    Acc a = p.init();
    for (int64_t c = threadIdx.x; c < chunks; c += blockDim.x) a = p.combine(a, pr[c]);
    a = block_reduce(p, a);
    if (threadIdx.x == 0) p.store(out, blockIdx.x, a);
}

// Thread j of chunk blockIdx.y reduces output j = (o, i) over k in that chunk of [0, r).
template <class T, class P>
__global__ void reduce_cols(P p, int64_t outer, int64_t r, FlatDiv inner_div, int64_t chunk, const T* x, void* out,
                            typename P::Acc* part) {
    using Acc = typename P::Acc;
    const int64_t inner = inner_div.d, m = outer * inner, c = blockIdx.y;
    const int64_t k0 = c * chunk, k1 = min(r, k0 + chunk);
    for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < m; j += int64_t(blockDim.x) * gridDim.x) {
        int64_t o = j;
        const int64_t i = inner_div.divmod(o);
        const T* pj = x + o * r * inner + i;
        Acc a = p.init();
        for (int64_t k = k0; k < k1; ++k) a = p.combine(a, p.load(pj[k * inner], k));
        if (gridDim.y == 1) p.store(out, j, a);
        else part[c * m + j] = a;
    }
}

// Output j combines the chunk accumulators part[c * m + j] in chunk order.
template <class P> __global__ void combine_cols(P p, int64_t m, int64_t chunks, const typename P::Acc* part, void* out) {
    using Acc = typename P::Acc;
    for (int64_t j = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; j < m; j += int64_t(blockDim.x) * gridDim.x) {
        Acc a = p.init();
        for (int64_t c = 0; c < chunks; ++c) a = p.combine(a, part[c * m + j]);
        p.store(out, j, a);
    }
}

constexpr int64_t kShortRow = 64;      // rows up to this long: a thread per row, not a block
constexpr int64_t kRowChunk = 16384;   // elements a block takes of a long row
constexpr int64_t kMaxChunks = 1024;   // chunks of one row
constexpr int64_t kColChunk = 256;     // reduced-dim length a thread takes when columns are split
constexpr int64_t kColThreads = 1 << 18;  // threads worth splitting columns for

template <class T, class P> int run_reduce(const char* op, int device, const P& p, int64_t outer, int64_t r, int64_t inner, int64_t out,
                                          int64_t in) {
    using Acc = typename P::Acc;
    const T* x = reinterpret_cast<const T*>(in);
    void* o = reinterpret_cast<void*>(out);
    if (inner == 1 && r > kShortRow) {
        int64_t chunks = 1;
        if (outer < 1024 && r > kRowChunk) chunks = std::min(kMaxChunks, (r + kRowChunk - 1) / kRowChunk);
        // chunk starts a multiple of 16 elements, so that they stay 16-byte aligned
        const int64_t chunk = chunks == 1 ? r : ((r + chunks - 1) / chunks + 15) / 16 * 16;
        const int64_t blocks = outer * chunks;
        if (blocks > INT32_MAX) return fail(JG_ERR_UNSUPPORTED, std::string(op) + ": more than 2^31 - 1 rows");
        const bool vec = aligned_to(in, 16) && (outer == 1 || (r * static_cast<int64_t>(sizeof(T))) % 16 == 0);
        auto rows = [&](Acc* part) {
            if (vec) JG_LAUNCH((reduce_rows<T, true>), static_cast<unsigned>(blocks), kBlock)(p, r, chunks, chunk, x, o, part);
            else JG_LAUNCH((reduce_rows<T, false>), static_cast<unsigned>(blocks), kBlock)(p, r, chunks, chunk, x, o, part);
            return check_launch(op);
        };
        if (chunks == 1) return rows(nullptr);
        Scratch s(device, blocks * static_cast<int64_t>(sizeof(Acc)));
        if (s.addr == 0) return JG_ERR_OUT_OF_MEMORY;
        Acc* part = reinterpret_cast<Acc*>(s.addr);
        int st = rows(part);
        if (st != JG_OK) return st;
        JG_LAUNCH(combine_rows, static_cast<unsigned>(outer), kBlock)(p, chunks, part, o);
        return check_launch(op);
    }
    const int64_t m = outer * inner;
    int64_t chunks = 1;
    if (m < kColThreads && r > 2 * kColChunk) {
        chunks = std::min((r + kColChunk - 1) / kColChunk, (kColThreads + m - 1) / m);
        chunks = std::min(chunks, int64_t(65535));
    }
    const int64_t chunk = (r + chunks - 1) / chunks;
    dim3 grid(static_cast<unsigned>(grid_for(m)), static_cast<unsigned>(chunks));
    if (chunks == 1) {
        JG_LAUNCH(reduce_cols<T>, grid, kBlock)(p, outer, r, FlatDiv(outer * inner, inner), chunk, x, o, static_cast<Acc*>(nullptr));
        return check_launch(op);
    }
    Scratch s(device, chunks * m * static_cast<int64_t>(sizeof(Acc)));
    if (s.addr == 0) return JG_ERR_OUT_OF_MEMORY;
    Acc* part = reinterpret_cast<Acc*>(s.addr);
    JG_LAUNCH(reduce_cols<T>, grid, kBlock)(p, outer, r, FlatDiv(outer * inner, inner), chunk, x, o, part);
    int st = check_launch(op);
    if (st != JG_OK) return st;
    JG_LAUNCH(combine_cols, grid_for(m), kBlock)(p, m, chunks, part, o);
    return check_launch(op);
}

template <class A> __device__ A block_sum(A v) { return block_reduce(SumPolicy<A>{}, v); }

// Max with NaN propagation, for the softmax shift.
template <class T> struct MaxPolicy {
    using Acc = T;
    __device__ __forceinline__ T init() const { return -INFINITY; }
    __device__ __forceinline__ T combine(T a, T b) const { return ops::softmax_max(a, b); }
};

template <class T> __device__ T block_max(T v) { return block_reduce(MaxPolicy<T>{}, v); }

// Softmax rows (ops/softmax.h): a block per row, its threads striding over the columns.
template <class T> __global__ void softmax_rows(bool log, int64_t cols, const T* x, T* y) {
    const T* xr = x + blockIdx.x * cols;
    T* yr = y + blockIdx.x * cols;
    T m = -INFINITY;
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) m = ops::softmax_max(m, xr[j]);
    m = ops::softmax_shift(block_max(m));
    double s = 0;
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) s += ops::softmax_term(xr[j], m);
    s = block_sum(s);
    if (log) {
        const T lse = ops::log_softmax_lse<T>(s);
        for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = ops::log_softmax_out(xr[j], m, lse);
    } else {
        const T inv = ops::softmax_inv<T>(s);
        for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = ops::softmax_out(ops::softmax_term(xr[j], m), inv);
    }
}

// Rows of at most kShortRow: a thread per row.
template <class T> __global__ void softmax_short(bool log, int64_t rows, int64_t cols, const T* x, T* y) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < rows; i += int64_t(blockDim.x) * gridDim.x) {
        const T* xr = x + i * cols;
        T* yr = y + i * cols;
        T m = -INFINITY;
        for (int64_t j = 0; j < cols; ++j) m = ops::softmax_max(m, xr[j]);
        m = ops::softmax_shift(m);
        double s = 0;
        for (int64_t j = 0; j < cols; ++j) s += ops::softmax_term(xr[j], m);
        if (log) {
            const T lse = ops::log_softmax_lse<T>(s);
            for (int64_t j = 0; j < cols; ++j) yr[j] = ops::log_softmax_out(xr[j], m, lse);
        } else {
            const T inv = ops::softmax_inv<T>(s);
            for (int64_t j = 0; j < cols; ++j) yr[j] = ops::softmax_out(ops::softmax_term(xr[j], m), inv);
        }
    }
}

template <class T> __global__ void softmax_backward_short(bool log, int64_t rows, int64_t cols, const T* y, const T* dy, T* dx) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < rows; i += int64_t(blockDim.x) * gridDim.x) {
        const T* yr = y + i * cols;
        const T* gr = dy + i * cols;
        T* dr = dx + i * cols;
        double s = 0;
        for (int64_t j = 0; j < cols; ++j) s += ops::softmax_backward_term(log, yr[j], gr[j]);
        const T st = static_cast<T>(s);
        for (int64_t j = 0; j < cols; ++j) dr[j] = ops::softmax_backward_out(log, yr[j], gr[j], st);
    }
}

template <class T> __global__ void softmax_backward_rows(bool log, int64_t cols, const T* y, const T* dy, T* dx) {
    const T* yr = y + blockIdx.x * cols;
    const T* gr = dy + blockIdx.x * cols;
    T* dr = dx + blockIdx.x * cols;
    double s = 0;
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) s += ops::softmax_backward_term(log, yr[j], gr[j]);
    s = block_sum(s);
    const T st = static_cast<T>(s);
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) dr[j] = ops::softmax_backward_out(log, yr[j], gr[j], st);
}

// ---- fused class losses (ops/loss.h) ----
// Cross-entropy: rows of at most kShortRow classes get a thread each, longer ones a block with
// the shuffle trees above. A bad target is recorded in the fault record and its loss is NaN.
template <class T> __device__ __forceinline__ bool ce_skip(int64_t t, int64_t cols, int use_ignore, int64_t ignore_index, T* loss_i,
                                                        double* lse_i, DeviceFault* fault, bool writer) {
    if (ops::ignored_target(t, use_ignore, ignore_index)) {
        if (writer) *loss_i = T(0), *lse_i = 0;
        return true;
    }
    if (!ops::valid_target(t, cols)) {
        if (writer) {
            report_fault(fault, kFaultCrossEntropy, 1, t, cols);
            *loss_i = static_cast<T>(NAN), *lse_i = 0;
        }
        return true;
    }
    return false;
}

template <class T>
__global__ void cross_entropy_short(int64_t rows, int64_t cols, const T* x, const int64_t* target, int64_t ts, int use_ignore,
                                    int64_t ignore_index, T* loss, double* lse, DeviceFault* fault) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < rows; i += int64_t(blockDim.x) * gridDim.x) {
        const int64_t t = target[i * ts];
        if (ce_skip(t, cols, use_ignore, ignore_index, loss + i, lse + i, fault, true)) continue;
        const T* xr = x + i * cols;
        double m = -INFINITY;
        for (int64_t j = 0; j < cols; ++j) m = MaxPolicy<double>{}.combine(m, static_cast<double>(xr[j]));
        if (isinf(m) && m < 0) m = 0;  // a row of -inf: the loss is NaN, as in PyTorch
        double s = 0;
        for (int64_t j = 0; j < cols; ++j) s += exp(static_cast<double>(xr[j]) - m);
        lse[i] = m + ::log(s);
        loss[i] = ops::cross_entropy_loss(lse[i], xr[t]);
    }
}

template <class T>
__global__ void cross_entropy_long(int64_t cols, const T* x, const int64_t* target, int64_t ts, int use_ignore, int64_t ignore_index,
                                   T* loss, double* lse, DeviceFault* fault) {
    const int64_t i = blockIdx.x;
    const int64_t t = target[i * ts];
    // a skipped row still meets the block's barriers, with nothing to read
    const bool skip = ce_skip(t, cols, use_ignore, ignore_index, loss + i, lse + i, fault, threadIdx.x == 0);
    const int64_t n = skip ? 0 : cols;
    const T* xr = x + i * cols;
    double m = -INFINITY;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) m = MaxPolicy<double>{}.combine(m, static_cast<double>(xr[j]));
    m = block_max(m);
    if (isinf(m) && m < 0) m = 0;
    double s = 0;
    for (int64_t j = threadIdx.x; j < n; j += blockDim.x) s += exp(static_cast<double>(xr[j]) - m);
    s = block_sum(s);
    if (threadIdx.x == 0 && !skip) {
        lse[i] = m + ::log(s);
        loss[i] = ops::cross_entropy_loss(lse[i], xr[t]);
    }
}

// One thread per element of dx; a row with an ignored or bad target gets 0.
template <class T>
__global__ void cross_entropy_backward_kernel(int64_t n, FlatDiv cols_div, const T* x, const double* lse, const int64_t* target, int64_t ts,
                                       int use_ignore, int64_t ignore_index, const T* g, int64_t gs, T* dx) {
    for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < n; k += int64_t(blockDim.x) * gridDim.x) {
        const int64_t cols = cols_div.d, i = cols_div.div(k), j = k - i * cols, t = target[i * ts];
        dx[k] = ops::ignored_target(t, use_ignore, ignore_index) || !ops::valid_target(t, cols)
                    ? T(0)
                    : ops::cross_entropy_grad(x[k], lse[i], static_cast<double>(g[i * gs]), j == t);
    }
}

template <class T>
__global__ void nll_forward(int64_t rows, int64_t cols, const T* x, int64_t rs, int64_t cs, const int64_t* target, int64_t ts,
                            int use_ignore, int64_t ignore_index, T* loss, DeviceFault* fault) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < rows; i += int64_t(blockDim.x) * gridDim.x) {
        const int64_t t = target[i * ts];
        if (ops::ignored_target(t, use_ignore, ignore_index)) {
            loss[i] = T(0);
        } else if (!ops::valid_target(t, cols)) {
            report_fault(fault, kFaultNllLoss, 1, t, cols);
            loss[i] = static_cast<T>(NAN);
        } else {
            loss[i] = -x[i * rs + t * cs];
        }
    }
}

template <class T>
__global__ void nll_backward(int64_t n, FlatDiv cols_div, const int64_t* target, int64_t ts, int use_ignore, int64_t ignore_index, const T* g,
                             int64_t gs, T* dx) {
    for (int64_t k = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; k < n; k += int64_t(blockDim.x) * gridDim.x) {
        const int64_t i = cols_div.div(k), j = k - i * cols_div.d, t = target[i * ts];
        dx[k] = j == t && !ops::ignored_target(t, use_ignore, ignore_index) ? -g[i * gs] : T(0);
    }
}

// A block per row needs the row count to fit a grid's x dimension.
// ---- layer normalisation (ops/layer_norm.h): a block per row, or a thread per short row ----
template <class T> __device__ void layer_norm_stats(int64_t k, double s, double v, double eps, T& mt, T& rt) {
    mt = static_cast<T>(s / k);
    rt = static_cast<T>(ops::layer_norm_rstd(v / k, eps));
}

template <class T> __global__ void layer_norm_rows(int64_t k, double eps, T* y, T* mean, T* rstd, const T* x, const T* w, const T* b) {
    const T* xr = x + blockIdx.x * k;
    double s = 0;
    for (int64_t j = threadIdx.x; j < k; j += blockDim.x) s += xr[j];
    s = block_sum(s);
    const double m = s / k;
    double v = 0;
    for (int64_t j = threadIdx.x; j < k; j += blockDim.x) v += (xr[j] - m) * (xr[j] - m);
    v = block_sum(v);
    T mt, rt;
    layer_norm_stats(k, s, v, eps, mt, rt);
    if (threadIdx.x == 0) mean[blockIdx.x] = mt, rstd[blockIdx.x] = rt;
    T* yr = y + blockIdx.x * k;
    for (int64_t j = threadIdx.x; j < k; j += blockDim.x) yr[j] = ops::layer_norm_out(xr[j], mt, rt, w, b, j);
}

template <class T> __global__ void layer_norm_short(int64_t rows, int64_t k, double eps, T* y, T* mean, T* rstd, const T* x, const T* w, const T* b) {
    for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < rows; r += int64_t(blockDim.x) * gridDim.x)
        ops::layer_norm_row(k, eps, x + r * k, w, b, y + r * k, mean[r], rstd[r]);
}

template <class T>
__global__ void layer_norm_backward_rows(int64_t k, T* dx, const T* dy, const T* x, const T* mean, const T* rstd, const T* w) {
    const T* xr = x + blockIdx.x * k;
    const T* gr = dy + blockIdx.x * k;
    const T mt = mean[blockIdx.x], rt = rstd[blockIdx.x];
    double a = 0, c = 0;
    for (int64_t j = threadIdx.x; j < k; j += blockDim.x) {
        const T g = ops::layer_norm_g(gr[j], w, j);
        a += g;
        c += static_cast<double>(g) * ops::layer_norm_xhat(xr[j], mt, rt);
    }
    a = block_sum(a);
    c = block_sum(c);
    const T a_k = static_cast<T>(a / k), c_k = static_cast<T>(c / k);
    T* dr = dx + blockIdx.x * k;
    for (int64_t j = threadIdx.x; j < k; j += blockDim.x)
        dr[j] = ops::layer_norm_dx(ops::layer_norm_g(gr[j], w, j), ops::layer_norm_xhat(xr[j], mt, rt), rt, a_k, c_k);
}

template <class T>
__global__ void layer_norm_backward_short(int64_t rows, int64_t k, T* dx, const T* dy, const T* x, const T* mean, const T* rstd, const T* w) {
    for (int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; r < rows; r += int64_t(blockDim.x) * gridDim.x)
        ops::layer_norm_backward_row(k, x + r * k, dy + r * k, mean[r], rstd[r], w, dx + r * k);
}

int too_many_rows(const char* op, int64_t rows) {
    return fail(JG_ERR_UNSUPPORTED, std::string(op) + ": " + std::to_string(rows) +
                                        " rows of more than 64 elements; at most 2^31 - 1 are supported");
}

int loss_args(const char* op, int device, int64_t rows, int64_t cols) {
    int st = use_device(op, device);
    if (st != JG_OK) return st;
    if (rows < 0 || cols < 1)
        return fail(JG_ERR_ARGUMENT, std::string(op) + ": rows " + std::to_string(rows) + " and cols " + std::to_string(cols) +
                                         "; rows must be >= 0 and cols >= 1");
    return JG_OK;
}

int loss_dtype(const char* op, int dtype) {
    return fail(JG_ERR_ARGUMENT, std::string(op) + ": needs float32 or float64 scores, got " + dtype_name(dtype));
}

// ---- batch normalisation (ops/conv.h): a block per channel over its n * s elements ----
template <class T>
__global__ void batch_norm_channels(int64_t n, int64_t c, int64_t s, FlatDiv sd, double eps, int training, T* y, T* mean, T* var, T* invstd,
                                    const T* x, const T* w, const T* b) {
    const int64_t ci = blockIdx.x, cnt = n * s;
    T m, r;
    if (training) {
        double sum = 0;
        for (int64_t e = threadIdx.x; e < cnt; e += blockDim.x) {
            int64_t k = e;
            const int64_t j = sd.divmod(k);
            sum += x[(k * c + ci) * s + j];
        }
        sum = block_sum(sum);
        const double md = sum / cnt;
        double sq = 0;
        for (int64_t e = threadIdx.x; e < cnt; e += blockDim.x) {
            int64_t k = e;
            const int64_t j = sd.divmod(k);
            const double d = x[(k * c + ci) * s + j] - md;
            sq += d * d;
        }
        sq = block_sum(sq);
        m = static_cast<T>(md);
        r = static_cast<T>(ops::batch_norm_invstd(sq / cnt, eps));
        if (threadIdx.x == 0) {
            mean[ci] = m;
            invstd[ci] = r;
            if (var) var[ci] = static_cast<T>(sq / cnt);
        }
    } else {
        m = mean[ci];
        r = invstd[ci];
    }
    for (int64_t e = threadIdx.x; e < cnt; e += blockDim.x) {
        int64_t k = e;
        const int64_t j = sd.divmod(k), at = (k * c + ci) * s + j;
        y[at] = ops::batch_norm_out(x[at], m, r, w, b, ci);
    }
}

template <class T>
__global__ void batch_norm_backward_channels(int64_t n, int64_t c, int64_t s, FlatDiv sd, int training, T* dx, T* dw, T* db, const T* dy,
                                             const T* x, const T* mean, const T* invstd, const T* w) {
    const int64_t ci = blockIdx.x, cnt = n * s;
    const T m = mean[ci], r = invstd[ci];
    double a = 0, d = 0;
    for (int64_t e = threadIdx.x; e < cnt; e += blockDim.x) {
        int64_t k = e;
        const int64_t j = sd.divmod(k), at = (k * c + ci) * s + j;
        a += dy[at];
        d += static_cast<double>(dy[at]) * (x[at] - m);
    }
    a = block_sum(a);
    d = block_sum(d);
    if (threadIdx.x == 0) {
        if (dw) dw[ci] = static_cast<T>(d * r);
        if (db) db[ci] = static_cast<T>(a);
    }
    if (!dx) return;
    const T scale = w ? w[ci] * r : r, a_m = static_cast<T>(a / cnt), d_m = static_cast<T>(d / cnt);
    for (int64_t e = threadIdx.x; e < cnt; e += blockDim.x) {
        int64_t k = e;
        const int64_t j = sd.divmod(k), at = (k * c + ci) * s + j;
        dx[at] = ops::batch_norm_dx(training != 0, dy[at], x[at], m, r, scale, a_m, d_m);
    }
}

}  // namespace
}  // namespace cuda
}  // namespace jg

namespace jg {
namespace cuda {

int reduce(int device, int op, int dtype, int64_t outer, int64_t r, int64_t inner, int64_t out, int64_t x) {
    int st = use_device("reduce", device);
    if (st != JG_OK) return st;
    if (outer < 0 || r < 0 || inner < 0) return fail(JG_ERR_ARGUMENT, "reduce: negative extent");
    if (op < 0 || op >= JG_REDUCE_OP_COUNT) return fail(JG_ERR_ARGUMENT, "reduce: unknown op " + std::to_string(op));
    if (op != JG_SUM && r == 0) return fail(JG_ERR_ARGUMENT, "reduce: max/min/argmax/argmin of an empty dimension has no identity");
    if (outer * inner == 0) return JG_OK;
    if (op == JG_SUM) {
        if (r == 0) {
            int64_t bytes = outer * inner * (dtype == JG_FLOAT32 ? 4 : 8);
            cudaError_t e = cudaMemsetAsync(reinterpret_cast<void*>(out), 0, static_cast<size_t>(bytes));
            return e == cudaSuccess ? JG_OK : cuda_fail("reduce", e);
        }
        return guarded("reduce", [&]() -> int {
            JG_DISPATCH_ALL(dtype, T, return run_reduce<T>("reduce", device, SumPolicy<T>{}, outer, r, inner, out, x));
            return fail(JG_ERR_ARGUMENT, "reduce: unknown dtype " + std::to_string(dtype));
        });
    }
    const bool want_max = op == JG_MAX || op == JG_ARGMAX, want_index = op == JG_ARGMAX || op == JG_ARGMIN;
    return guarded("reduce", [&]() -> int {
        switch (dtype) {
            case JG_FLOAT32: return run_reduce<float>("reduce", device, ExtremePolicy<float>{want_max, want_index}, outer, r, inner, out, x);
            case JG_FLOAT64: return run_reduce<double>("reduce", device, ExtremePolicy<double>{want_max, want_index}, outer, r, inner, out, x);
            case JG_INT64: return run_reduce<int64_t>("reduce", device, ExtremePolicy<int64_t>{want_max, want_index}, outer, r, inner, out, x);
            default: return fail(JG_ERR_ARGUMENT, std::string("reduce: max/min/argmax/argmin of dtype ") + dtype_name(dtype) +
                                                      " is not supported; expected float32, float64 or int64");
        }
    });
}

int softmax(int device, int log, int dtype, int64_t rows, int64_t cols, int64_t out, int64_t x) {
    int st = use_device("softmax", device);
    if (st != JG_OK) return st;
    if (rows <= 0 || cols <= 0) return rows < 0 || cols < 0 ? fail(JG_ERR_ARGUMENT, "softmax: negative extent") : JG_OK;
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        const T* px = reinterpret_cast<const T*>(x);
        T* py = reinterpret_cast<T*>(out);
        if (cols <= kShortRow) JG_LAUNCH(softmax_short<T>, grid_for(rows), kBlock)(log != 0, rows, cols, px, py);
        else if (rows > INT32_MAX) return too_many_rows("softmax", rows);
        else JG_LAUNCH(softmax_rows<T>, static_cast<unsigned>(rows), kBlock)(log != 0, cols, px, py);
        return check_launch("softmax");
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        default: return fail(JG_ERR_ARGUMENT, "softmax: needs float32 or float64");
    }
}

int softmax_backward(int device, int log, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t y, int64_t dy) {
    int st = use_device("softmax_backward", device);
    if (st != JG_OK) return st;
    if (rows <= 0 || cols <= 0) return rows < 0 || cols < 0 ? fail(JG_ERR_ARGUMENT, "softmax_backward: negative extent") : JG_OK;
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        const T* py = reinterpret_cast<const T*>(y);
        const T* pg = reinterpret_cast<const T*>(dy);
        T* pd = reinterpret_cast<T*>(dx);
        if (cols <= kShortRow) JG_LAUNCH(softmax_backward_short<T>, grid_for(rows), kBlock)(log != 0, rows, cols, py, pg, pd);
        else if (rows > INT32_MAX) return too_many_rows("softmax_backward", rows);
        else JG_LAUNCH(softmax_backward_rows<T>, static_cast<unsigned>(rows), kBlock)(log != 0, cols, py, pg, pd);
        return check_launch("softmax_backward");
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        default: return fail(JG_ERR_ARGUMENT, "softmax_backward: needs float32 or float64");
    }
}

int cross_entropy(int device, int dtype, int64_t rows, int64_t cols, int64_t loss, int64_t lse, int64_t x, int64_t target,
                          int64_t target_stride, int use_ignore, int64_t ignore_index) {
    int st = loss_args("crossEntropy", device, rows, cols);
    if (st != JG_OK || rows == 0) return st;
    DeviceFault* fault = fault_record("crossEntropy", device);
    if (fault == nullptr) return JG_ERR_CUDA;
    const int64_t* tg = reinterpret_cast<const int64_t*>(target);
    double* l = reinterpret_cast<double*>(lse);
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        const T* px = reinterpret_cast<const T*>(x);
        T* pl = reinterpret_cast<T*>(loss);
        if (cols <= kShortRow) JG_LAUNCH(cross_entropy_short<T>, grid_for(rows), kBlock)(rows, cols, px, tg, target_stride, use_ignore, ignore_index, pl, l, fault);
        else if (rows > INT32_MAX) return too_many_rows("crossEntropy", rows);
        else JG_LAUNCH(cross_entropy_long<T>, static_cast<unsigned>(rows), kBlock)(cols, px, tg, target_stride, use_ignore, ignore_index, pl, l, fault);
        return check_launch("crossEntropy");
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        default: return loss_dtype("crossEntropy", dtype);
    }
}

int cross_entropy_backward(int device, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t x, int64_t lse, int64_t target,
                                   int64_t target_stride, int use_ignore, int64_t ignore_index, int64_t g, int64_t g_stride) {
    int st = loss_args("crossEntropy backward", device, rows, cols);
    if (st != JG_OK || rows == 0) return st;
    const int64_t n = rows * cols;
    const int64_t* tg = reinterpret_cast<const int64_t*>(target);
    const double* l = reinterpret_cast<const double*>(lse);
    switch (dtype) {
        case JG_FLOAT32: JG_LAUNCH(cross_entropy_backward_kernel<float>, grid_for(n), kBlock)(n, FlatDiv(n, cols), reinterpret_cast<const float*>(x), l, tg, target_stride, use_ignore, ignore_index, reinterpret_cast<const float*>(g), g_stride, reinterpret_cast<float*>(dx)); break;
        case JG_FLOAT64: JG_LAUNCH(cross_entropy_backward_kernel<double>, grid_for(n), kBlock)(n, FlatDiv(n, cols), reinterpret_cast<const double*>(x), l, tg, target_stride, use_ignore, ignore_index, reinterpret_cast<const double*>(g), g_stride, reinterpret_cast<double*>(dx)); break;
        default: return loss_dtype("crossEntropy backward", dtype);
    }
    return check_launch("crossEntropy backward");
}

int nll_loss(int device, int dtype, int64_t rows, int64_t cols, int64_t loss, int64_t x, int64_t x_row_stride, int64_t x_col_stride,
                     int64_t target, int64_t target_stride, int use_ignore, int64_t ignore_index) {
    int st = loss_args("nllLoss", device, rows, cols);
    if (st != JG_OK || rows == 0) return st;
    DeviceFault* fault = fault_record("nllLoss", device);
    if (fault == nullptr) return JG_ERR_CUDA;
    const int64_t* tg = reinterpret_cast<const int64_t*>(target);
    switch (dtype) {
        case JG_FLOAT32: JG_LAUNCH(nll_forward<float>, grid_for(rows), kBlock)(rows, cols, reinterpret_cast<const float*>(x), x_row_stride, x_col_stride, tg, target_stride, use_ignore, ignore_index, reinterpret_cast<float*>(loss), fault); break;
        case JG_FLOAT64: JG_LAUNCH(nll_forward<double>, grid_for(rows), kBlock)(rows, cols, reinterpret_cast<const double*>(x), x_row_stride, x_col_stride, tg, target_stride, use_ignore, ignore_index, reinterpret_cast<double*>(loss), fault); break;
        default: return loss_dtype("nllLoss", dtype);
    }
    return check_launch("nllLoss");
}

int nll_loss_backward(int device, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t target, int64_t target_stride,
                              int use_ignore, int64_t ignore_index, int64_t g, int64_t g_stride) {
    int st = loss_args("nllLoss backward", device, rows, cols);
    if (st != JG_OK || rows == 0) return st;
    const int64_t n = rows * cols;
    const int64_t* tg = reinterpret_cast<const int64_t*>(target);
    switch (dtype) {
        case JG_FLOAT32: JG_LAUNCH(nll_backward<float>, grid_for(n), kBlock)(n, FlatDiv(n, cols), tg, target_stride, use_ignore, ignore_index, reinterpret_cast<const float*>(g), g_stride, reinterpret_cast<float*>(dx)); break;
        case JG_FLOAT64: JG_LAUNCH(nll_backward<double>, grid_for(n), kBlock)(n, FlatDiv(n, cols), tg, target_stride, use_ignore, ignore_index, reinterpret_cast<const double*>(g), g_stride, reinterpret_cast<double*>(dx)); break;
        default: return loss_dtype("nllLoss backward", dtype);
    }
    return check_launch("nllLoss backward");
}

int layer_norm(int device, int dtype, int64_t rows, int64_t cols, double eps, int64_t y, int64_t mean, int64_t rstd, int64_t x, int64_t w,
               int64_t b) {
    int st = use_device("layer_norm", device);
    if (st != JG_OK) return st;
    if (rows < 0 || cols < 0) return fail(JG_ERR_ARGUMENT, "layer_norm: negative extent");
    if (rows > 0 && cols == 0) return fail(JG_ERR_ARGUMENT, "layer_norm: rows of no elements have no mean");
    if (rows == 0) return JG_OK;
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        T *py = reinterpret_cast<T*>(y), *pm = reinterpret_cast<T*>(mean), *pr = reinterpret_cast<T*>(rstd);
        const T *px = reinterpret_cast<const T*>(x), *pw = reinterpret_cast<const T*>(w), *pb = reinterpret_cast<const T*>(b);
        if (cols <= kShortRow) JG_LAUNCH(layer_norm_short<T>, grid_for(rows), kBlock)(rows, cols, eps, py, pm, pr, px, pw, pb);
        else if (rows > INT32_MAX) return too_many_rows("layer_norm", rows);
        else JG_LAUNCH(layer_norm_rows<T>, static_cast<unsigned>(rows), kBlock)(cols, eps, py, pm, pr, px, pw, pb);
        return check_launch("layer_norm");
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        default: return fail(JG_ERR_ARGUMENT, "layer_norm: needs float32 or float64");
    }
}

int layer_norm_backward(int device, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t dy, int64_t x, int64_t mean, int64_t rstd,
                        int64_t w) {
    int st = use_device("layer_norm_backward", device);
    if (st != JG_OK) return st;
    if (rows < 0 || cols < 0) return fail(JG_ERR_ARGUMENT, "layer_norm_backward: negative extent");
    if (rows == 0 || cols == 0) return JG_OK;
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        T* pd = reinterpret_cast<T*>(dx);
        const T *pg = reinterpret_cast<const T*>(dy), *px = reinterpret_cast<const T*>(x), *pm = reinterpret_cast<const T*>(mean),
                *pr = reinterpret_cast<const T*>(rstd), *pw = reinterpret_cast<const T*>(w);
        if (cols <= kShortRow) JG_LAUNCH(layer_norm_backward_short<T>, grid_for(rows), kBlock)(rows, cols, pd, pg, px, pm, pr, pw);
        else if (rows > INT32_MAX) return too_many_rows("layer_norm_backward", rows);
        else JG_LAUNCH(layer_norm_backward_rows<T>, static_cast<unsigned>(rows), kBlock)(cols, pd, pg, px, pm, pr, pw);
        return check_launch("layer_norm_backward");
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        default: return fail(JG_ERR_ARGUMENT, "layer_norm_backward: needs float32 or float64");
    }
}

int batch_norm(int device, int dtype, int64_t n, int64_t c, int64_t s, double eps, int training, int64_t y, int64_t mean, int64_t var,
               int64_t invstd, int64_t x, int64_t w, int64_t b) {
    int st = use_device("batch_norm", device);
    if (st != JG_OK) return st;
    if (n < 0 || c < 0 || s < 0) return fail(JG_ERR_ARGUMENT, "batch_norm: negative extent");
    if (training && c > 0 && n * s == 0) return fail(JG_ERR_ARGUMENT, "batch_norm: a channel of no elements has no statistics");
    if (c == 0 || n * s == 0) return JG_OK;
    if (c > INT32_MAX) return too_many_rows("batch_norm", c);
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        JG_LAUNCH(batch_norm_channels<T>, static_cast<unsigned>(c), kBlock)(
            n, c, s, FlatDiv(n * s, s), eps, training, reinterpret_cast<T*>(y), reinterpret_cast<T*>(mean), reinterpret_cast<T*>(var),
            reinterpret_cast<T*>(invstd), reinterpret_cast<const T*>(x), reinterpret_cast<const T*>(w), reinterpret_cast<const T*>(b));
        return check_launch("batch_norm");
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        default: return fail(JG_ERR_ARGUMENT, "batch_norm: needs float32 or float64");
    }
}

int batch_norm_backward(int device, int dtype, int64_t n, int64_t c, int64_t s, int training, int64_t dx, int64_t dw, int64_t db, int64_t dy,
                        int64_t x, int64_t mean, int64_t invstd, int64_t w) {
    int st = use_device("batch_norm_backward", device);
    if (st != JG_OK) return st;
    if (n < 0 || c < 0 || s < 0) return fail(JG_ERR_ARGUMENT, "batch_norm_backward: negative extent");
    if (c == 0) return JG_OK;
    if (c > INT32_MAX) return too_many_rows("batch_norm_backward", c);
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        JG_LAUNCH(batch_norm_backward_channels<T>, static_cast<unsigned>(c), kBlock)(
            n, c, s, FlatDiv(n * s, s), training, reinterpret_cast<T*>(dx), reinterpret_cast<T*>(dw), reinterpret_cast<T*>(db),
            reinterpret_cast<const T*>(dy), reinterpret_cast<const T*>(x), reinterpret_cast<const T*>(mean), reinterpret_cast<const T*>(invstd),
            reinterpret_cast<const T*>(w));
        return check_launch("batch_norm_backward");
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        default: return fail(JG_ERR_ARGUMENT, "batch_norm_backward: needs float32 or float64");
    }
}

}  // namespace cuda
}  // namespace jg
