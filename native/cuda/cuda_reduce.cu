// CUDA reductions over a contiguous [outer, r, inner] input and row softmax, mirroring the CPU
// kernels' contracts (double accumulation for floating sums, NaN propagation, first index on ties).
// Rows (inner == 1) get one block each and a warp-shuffle tree; columns (inner > 1) one thread per
// output, whose neighbours read neighbouring addresses.
#include <cfloat>
#include <cstdint>

#include "cuda_common.cuh"

namespace jg {
namespace cuda {
namespace {

template <class T> struct SumAcc { using type = double; };
template <> struct SumAcc<int64_t> { using type = int64_t; };
template <> struct SumAcc<bool> { using type = int64_t; };
template <class T> struct SumOut { using type = T; };
template <> struct SumOut<bool> { using type = int64_t; };

template <class A> __device__ A block_sum(A v) {
    __shared__ A warp_sums[kBlock / 32];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) warp_sums[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < kBlock / 32 ? warp_sums[lane] : A(0);
        for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
        if (lane == 0) warp_sums[0] = v;
    }
    __syncthreads();
    A r = warp_sums[0];
    __syncthreads();
    return r;
}

template <class T> __global__ void sum_rows(int64_t r, const T* x, typename SumOut<T>::type* out) {
    using A = typename SumAcc<T>::type;
    const T* row = x + blockIdx.x * r;
    A acc = 0;
    for (int64_t k = threadIdx.x; k < r; k += blockDim.x) acc += static_cast<A>(row[k]);
    acc = block_sum(acc);
    if (threadIdx.x == 0) out[blockIdx.x] = static_cast<typename SumOut<T>::type>(acc);
}

template <class T> __global__ void sum_cols(int64_t outer, int64_t r, int64_t inner, const T* x, typename SumOut<T>::type* out) {
    using A = typename SumAcc<T>::type;
    for (int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; c < outer * inner; c += int64_t(blockDim.x) * gridDim.x) {
        int64_t o = c / inner, i = c % inner;
        const T* p = x + o * r * inner + i;
        A acc = 0;
        for (int64_t k = 0; k < r; ++k) acc += static_cast<A>(p[k * inner]);
        out[c] = static_cast<typename SumOut<T>::type>(acc);
    }
}

template <class T> __device__ __forceinline__ bool nan_of(T v) { return v != v; }

// (value, index) pairs: NaN wins, then the extreme, then the lower index.
template <class T> __device__ __forceinline__ bool better(bool want_max, T v, int64_t i, T bv, int64_t bi) {
    if (nan_of(bv)) return nan_of(v) && i < bi;
    if (nan_of(v)) return true;
    if (v == bv) return i < bi;
    return want_max ? v > bv : v < bv;
}

template <class T> __global__ void extreme_rows(bool want_max, bool want_index, int64_t r, const T* x, void* out) {
    __shared__ T sv[kBlock];
    __shared__ int64_t si[kBlock];
    const T* row = x + blockIdx.x * r;
    T bv = row[0];
    int64_t bi = 0;
    for (int64_t k = threadIdx.x; k < r; k += blockDim.x)
        if (better(want_max, row[k], k, bv, bi)) {
            bv = row[k];
            bi = k;
        }
    sv[threadIdx.x] = bv;
    si[threadIdx.x] = bi;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s && better(want_max, sv[threadIdx.x + s], si[threadIdx.x + s], sv[threadIdx.x], si[threadIdx.x])) {
            sv[threadIdx.x] = sv[threadIdx.x + s];
            si[threadIdx.x] = si[threadIdx.x + s];
        }
        __syncthreads();
    }
    if (threadIdx.x == 0) {
        if (want_index) static_cast<int64_t*>(out)[blockIdx.x] = si[0];
        else static_cast<T*>(out)[blockIdx.x] = sv[0];
    }
}

template <class T>
__global__ void extreme_cols(bool want_max, bool want_index, int64_t outer, int64_t r, int64_t inner, const T* x, void* out) {
    for (int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; c < outer * inner; c += int64_t(blockDim.x) * gridDim.x) {
        int64_t o = c / inner, i = c % inner;
        const T* p = x + o * r * inner + i;
        T bv = p[0];
        int64_t bi = 0;
        for (int64_t k = 1; k < r; ++k)
            if (better(want_max, p[k * inner], k, bv, bi)) {
                bv = p[k * inner];
                bi = k;
            }
        if (want_index) static_cast<int64_t*>(out)[c] = bi;
        else static_cast<T*>(out)[c] = bv;
    }
}

template <class T> __device__ T block_max(T v) {
    __shared__ T s[kBlock];
    s[threadIdx.x] = v;
    __syncthreads();
    for (int k = blockDim.x / 2; k > 0; k >>= 1) {
        if (threadIdx.x < k) {
            T a = s[threadIdx.x], b = s[threadIdx.x + k];
            s[threadIdx.x] = (b > a || nan_of(b)) && !nan_of(a) ? b : a;
        }
        __syncthreads();
    }
    T r = s[0];
    __syncthreads();
    return r;
}

template <class T> __global__ void softmax_rows(bool log, int64_t cols, const T* x, T* y) {
    const T* xr = x + blockIdx.x * cols;
    T* yr = y + blockIdx.x * cols;
    T m = -INFINITY;
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) m = (xr[j] > m || nan_of(xr[j])) && !nan_of(m) ? xr[j] : m;
    m = block_max(m);
    if (isinf(m) && m < 0) m = 0;
    double s = 0;
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) s += exp(static_cast<double>(xr[j] - m));
    s = block_sum(s);
    if (log) {
        const T lse = static_cast<T>(::log(s));
        for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = xr[j] - m - lse;
    } else {
        const T inv = static_cast<T>(1.0 / s);
        for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) yr[j] = static_cast<T>(exp(static_cast<double>(xr[j] - m))) * inv;
    }
}

template <class T> __global__ void softmax_backward_rows(bool log, int64_t cols, const T* y, const T* dy, T* dx) {
    const T* yr = y + blockIdx.x * cols;
    const T* gr = dy + blockIdx.x * cols;
    T* dr = dx + blockIdx.x * cols;
    double s = 0;
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) s += log ? static_cast<double>(gr[j]) : static_cast<double>(gr[j]) * yr[j];
    s = block_sum(s);
    const T st = static_cast<T>(s);
    for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) dr[j] = log ? gr[j] - static_cast<T>(exp(static_cast<double>(yr[j]))) * st : yr[j] * (gr[j] - st);
}

}  // namespace
}  // namespace cuda
}  // namespace jg

using namespace jg;
using namespace jg::cuda;

extern "C" {

int jg_cuda_reduce(int device, int op, int dtype, int64_t outer, int64_t r, int64_t inner, int64_t out, int64_t x) {
    int st = use_device("reduce", device);
    if (st != JG_OK) return st;
    if (outer < 0 || r < 0 || inner < 0) return fail(JG_ERR_ARGUMENT, "reduce: negative extent");
    if (op != JG_SUM && r == 0) return fail(JG_ERR_ARGUMENT, "reduce: max/min/argmax/argmin of an empty dimension has no identity");
    if (outer * inner == 0) return JG_OK;
    if (op == JG_SUM) {
        if (r == 0) {
            int64_t bytes = outer * inner * (dtype == JG_FLOAT32 ? 4 : 8);
            cudaError_t e = cudaMemsetAsync(reinterpret_cast<void*>(out), 0, static_cast<size_t>(bytes));
            return e == cudaSuccess ? JG_OK : cuda_fail("reduce", e);
        }
        JG_DISPATCH_ALL(dtype, T, {
            using O = typename SumOut<T>::type;
            if (inner == 1) sum_rows<T><<<static_cast<unsigned>(outer), kBlock>>>(r, reinterpret_cast<const T*>(x), reinterpret_cast<O*>(out));
            else sum_cols<T><<<grid_for(outer * inner), kBlock>>>(outer, r, inner, reinterpret_cast<const T*>(x), reinterpret_cast<O*>(out));
            return check_launch("reduce");
        });
        return fail(JG_ERR_ARGUMENT, "reduce: unknown dtype");
    }
    const bool want_max = op == JG_MAX || op == JG_ARGMAX, want_index = op == JG_ARGMAX || op == JG_ARGMIN;
    auto launch = [&](auto* tag) -> int {
        using T = std::remove_pointer_t<decltype(tag)>;
        const T* px = reinterpret_cast<const T*>(x);
        void* po = reinterpret_cast<void*>(out);
        if (inner == 1) extreme_rows<T><<<static_cast<unsigned>(outer), kBlock>>>(want_max, want_index, r, px, po);
        else extreme_cols<T><<<grid_for(outer * inner), kBlock>>>(want_max, want_index, outer, r, inner, px, po);
        return check_launch("reduce");
    };
    switch (dtype) {
        case JG_FLOAT32: return launch(static_cast<float*>(nullptr));
        case JG_FLOAT64: return launch(static_cast<double*>(nullptr));
        case JG_INT64: return launch(static_cast<int64_t*>(nullptr));
        default: return fail(JG_ERR_ARGUMENT, "reduce: max/min need float32, float64 or int64");
    }
}

int jg_cuda_softmax(int device, int log, int dtype, int64_t rows, int64_t cols, int64_t out, int64_t x) {
    int st = use_device("softmax", device);
    if (st != JG_OK) return st;
    if (rows <= 0 || cols <= 0) return rows < 0 || cols < 0 ? fail(JG_ERR_ARGUMENT, "softmax: negative extent") : JG_OK;
    switch (dtype) {
        case JG_FLOAT32: softmax_rows<float><<<static_cast<unsigned>(rows), kBlock>>>(log != 0, cols, reinterpret_cast<const float*>(x), reinterpret_cast<float*>(out)); break;
        case JG_FLOAT64: softmax_rows<double><<<static_cast<unsigned>(rows), kBlock>>>(log != 0, cols, reinterpret_cast<const double*>(x), reinterpret_cast<double*>(out)); break;
        default: return fail(JG_ERR_ARGUMENT, "softmax: needs float32 or float64");
    }
    return check_launch("softmax");
}

int jg_cuda_softmax_backward(int device, int log, int dtype, int64_t rows, int64_t cols, int64_t dx, int64_t y, int64_t dy) {
    int st = use_device("softmax_backward", device);
    if (st != JG_OK) return st;
    if (rows <= 0 || cols <= 0) return rows < 0 || cols < 0 ? fail(JG_ERR_ARGUMENT, "softmax_backward: negative extent") : JG_OK;
    switch (dtype) {
        case JG_FLOAT32: softmax_backward_rows<float><<<static_cast<unsigned>(rows), kBlock>>>(log != 0, cols, reinterpret_cast<const float*>(y), reinterpret_cast<const float*>(dy), reinterpret_cast<float*>(dx)); break;
        case JG_FLOAT64: softmax_backward_rows<double><<<static_cast<unsigned>(rows), kBlock>>>(log != 0, cols, reinterpret_cast<const double*>(y), reinterpret_cast<const double*>(dy), reinterpret_cast<double*>(dx)); break;
        default: return fail(JG_ERR_ARGUMENT, "softmax_backward: needs float32 or float64");
    }
    return check_launch("softmax_backward");
}

}
