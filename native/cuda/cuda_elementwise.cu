// CUDA kernels for the elementwise families, instantiated from the same functors (native/ops) and
// the same op table as the CPU loops. One kernel shape per arity and layout, all grid-stride loops:
//  - contiguous and 16-byte aligned: each thread moves 128-bit vectors (4 floats, 2 doubles);
//  - contiguous otherwise: one element per thread;
//  - strided/broadcast: offsets from the flat index (stride 0 for broadcast dims, as coalesced by
//    the Java side), in 32-bit arithmetic with multiply-high division where every offset fits
//    (Geom32), else in 64-bit (Geom).
// Random numbers and arange/linspace use the element formulas of the CPU loops (ops/philox.h,
// ops/sequence.h), so both backends write the same bits.
#include <algorithm>
#include <cstdint>

#include "cuda_common.cuh"
#include "core/op_dispatch.h"
#include "ops/philox.h"
#include "ops/sequence.h"

namespace jg {
namespace cuda {
namespace {

// Shape and per-operand element strides, passed by value to the kernel: 64-bit, or 32-bit with
// each dim a FastDiv where the element count and every operand's offsets fit in 31 bits (nearly
// always; cuda_common.cuh).
template <int NARGS> struct Geom {
    using Index = int64_t;
    using Stride = int64_t;
    int ndim;
    int64_t shape[JG_MAX_DIMS];
    int64_t strides[NARGS][JG_MAX_DIMS];
};
template <int NARGS> struct Geom32 {
    using Index = uint32_t;
    using Stride = int32_t;
    int ndim;
    ops::FastDiv shape[JG_MAX_DIMS];
    int32_t strides[NARGS][JG_MAX_DIMS];
};

// Fills g (either width) from the packed geometry: shape, then each operand's strides.
template <class G, int NARGS> void fill_geom(G& g, int ndim, const int64_t* geom) {
    g.ndim = ndim;
    for (int d = 0; d < ndim; ++d) set_dim(g.shape[d], geom[d]);
    for (int k = 0; k < NARGS; ++k)
        for (int d = 0; d < ndim; ++d) g.strides[k][d] = static_cast<typename G::Stride>(geom[ndim * (k + 1) + d]);
}

// Calls launch(geometry) with the 32-bit geometry where it fits, else the 64-bit one.
template <int NARGS, class Launch> int with_geom(int64_t n, int ndim, const int64_t* geom, Launch launch) {
    bool narrow = n <= INT32_MAX;
    for (int k = 0; k < NARGS && narrow; ++k) narrow = fits32(ndim, geom, geom + ndim * (k + 1));
    if (narrow) {
        Geom32<NARGS> g{};
        fill_geom<Geom32<NARGS>, NARGS>(g, ndim, geom);
        return launch(g);
    }
    Geom<NARGS> g{};
    fill_geom<Geom<NARGS>, NARGS>(g, ndim, geom);
    return launch(g);
}

// Operand offsets of flat index i (< the element count). The outermost dim needs no division: what
// is left of i is its index.
template <int NARGS, class G> __device__ __forceinline__ void offsets(const G& g, int64_t flat, int64_t* off) {
    using S = typename G::Stride;
    typename G::Index i = static_cast<typename G::Index>(flat);
    S o[NARGS];
#pragma unroll
    for (int k = 0; k < NARGS; ++k) o[k] = 0;
    for (int d = g.ndim - 1; d > 0; --d) {
        const S c = static_cast<S>(divmod(g.shape[d], i));
#pragma unroll
        for (int k = 0; k < NARGS; ++k) o[k] += c * g.strides[k][d];
    }
#pragma unroll
    for (int k = 0; k < NARGS; ++k) off[k] = o[k] + static_cast<S>(i) * g.strides[k][0];
}

template <class TO, class TI, class F> __global__ void map1_contig(int64_t n, TO* o, const TI* x, F f) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x) o[i] = f(x[i]);
}

template <int N, class TO, class TI, class F> __global__ void map1_vec(int64_t n, TO* o, const TI* x, F f) {
    const int64_t nv = n / N, stride = int64_t(blockDim.x) * gridDim.x, tid = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
    for (int64_t v = tid; v < nv; v += stride) {
        const Vec<TI, N> a = reinterpret_cast<const Vec<TI, N>*>(x)[v];
        Vec<TO, N> r;
#pragma unroll
        for (int k = 0; k < N; ++k) r.v[k] = f(a.v[k]);
        reinterpret_cast<Vec<TO, N>*>(o)[v] = r;
    }
    for (int64_t i = nv * N + tid; i < n; i += stride) o[i] = f(x[i]);
}

template <int N, class TO, class T, class F> __global__ void map2_vec(int64_t n, TO* o, const T* a, const T* b, F f) {
    const int64_t nv = n / N, stride = int64_t(blockDim.x) * gridDim.x, tid = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
    for (int64_t v = tid; v < nv; v += stride) {
        const Vec<T, N> x = reinterpret_cast<const Vec<T, N>*>(a)[v];
        const Vec<T, N> z = reinterpret_cast<const Vec<T, N>*>(b)[v];
        Vec<TO, N> r;
#pragma unroll
        for (int k = 0; k < N; ++k) r.v[k] = f(x.v[k], z.v[k]);
        reinterpret_cast<Vec<TO, N>*>(o)[v] = r;
    }
    for (int64_t i = nv * N + tid; i < n; i += stride) o[i] = f(a[i], b[i]);
}

template <class TO, class TI, class F, class G> __global__ void map1_strided(int64_t n, TO* o, const TI* x, F f, G g) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x) {
        int64_t off[2];
        offsets<2>(g, i, off);
        o[off[0]] = f(x[off[1]]);
    }
}

template <class TO, class T, class F> __global__ void map2_contig(int64_t n, TO* o, const T* a, const T* b, F f) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x) o[i] = f(a[i], b[i]);
}

template <class TO, class T, class F, class G> __global__ void map2_strided(int64_t n, TO* o, const T* a, const T* b, F f, G g) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x) {
        int64_t off[3];
        offsets<3>(g, i, off);
        o[off[0]] = f(a[off[1]], b[off[2]]);
    }
}

template <class T, class G> __global__ void where_kernel(int64_t n, T* o, const bool* c, const T* a, const T* b, G g, bool contig) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x) {
        if (contig) {
            o[i] = c[i] ? a[i] : b[i];
        } else {
            int64_t off[4];
            offsets<4>(g, i, off);
            o[off[0]] = c[off[1]] ? a[off[2]] : b[off[3]];
        }
    }
}

template <class T> __global__ void fill_kernel(int64_t n, T* o, T v) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x) o[i] = v;
}

template <class T> __global__ void random_kernel(int64_t n, T* o, int kind, uint64_t seed, uint64_t offset, double lo, double hi) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x)
        o[i] = ops::random_sample<T>(kind, seed, offset, static_cast<uint64_t>(i), lo, hi);
}

template <class T> __global__ void arange_kernel(int64_t n, T* o, double start, double step) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x)
        o[i] = ops::arange_value<T>(i, start, step);
}

template <class T> __global__ void linspace_kernel(int64_t n, T* o, double start, double end) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x)
        o[i] = ops::linspace_value<T>(i, n, start, end);
}

template <class TO, class TI> struct Cast {
    __device__ __forceinline__ TO operator()(TI v) const { return ops::Convert<TO, TI>{}(v); }
};

template <class TO, class TI, class F> int launch1(const char* op, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t x, F f) {
    if (n == 0) return JG_OK;
    TO* o = reinterpret_cast<TO*>(out);
    const TI* xi = reinterpret_cast<const TI*>(x);
    if (ndim > 0) {
        return with_geom<2>(n, ndim, geom, [&](auto g) {
            JG_LAUNCH(map1_strided, grid_for(n), kBlock)(n, o, xi, f, g);
            return check_launch(op);
        });
    }
    constexpr int N = kVecWidth<TO, TI>;
    if (N > 1 && aligned_to(out, N * sizeof(TO)) && aligned_to(x, N * sizeof(TI)))
        JG_LAUNCH(map1_vec<N>, grid_for((n + N - 1) / N), kBlock)(n, o, xi, f);
    else JG_LAUNCH(map1_contig, grid_for(n), kBlock)(n, o, xi, f);
    return check_launch(op);
}

template <class TO, class T, class F>
int launch2(const char* op, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t a, int64_t b, F f) {
    if (n == 0) return JG_OK;
    TO* o = reinterpret_cast<TO*>(out);
    const T* pa = reinterpret_cast<const T*>(a);
    const T* pb = reinterpret_cast<const T*>(b);
    if (ndim > 0) {
        return with_geom<3>(n, ndim, geom, [&](auto g) {
            JG_LAUNCH(map2_strided, grid_for(n), kBlock)(n, o, pa, pb, f, g);
            return check_launch(op);
        });
    }
    constexpr int N = kVecWidth<TO, T>;
    if (N > 1 && aligned_to(out, N * sizeof(TO)) && aligned_to(a, N * sizeof(T)) && aligned_to(b, N * sizeof(T)))
        JG_LAUNCH(map2_vec<N>, grid_for((n + N - 1) / N), kBlock)(n, o, pa, pb, f);
    else JG_LAUNCH(map2_contig, grid_for(n), kBlock)(n, o, pa, pb, f);
    return check_launch(op);
}

template <class TO> int copy_from(int in_dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t in) {
    JG_DISPATCH_ALL(in_dtype, TI, return launch1<TO, TI>("copy", n, ndim, geom, out, in, Cast<TO, TI>{}));
    return fail(JG_ERR_ARGUMENT, "copy: unknown input dtype " + std::to_string(in_dtype));
}

bool geom_ok(const char* op, int64_t n, int ndim, const int64_t* geom, int* st) {
    if (n < 0 || ndim < 0 || ndim > JG_MAX_DIMS || (ndim > 0 && geom == nullptr)) {
        *st = fail(JG_ERR_ARGUMENT, std::string(op) + ": bad element count or ndim");
        return false;
    }
    return true;
}

}  // namespace
}  // namespace cuda
}  // namespace jg

namespace jg {
namespace cuda {

int fill(int device, int dtype, int64_t n, int64_t out, double value) {
    int st = use_device("fill", device);
    if (st != JG_OK) return st;
    if (n <= 0) return n < 0 ? fail(JG_ERR_ARGUMENT, "fill: negative element count") : JG_OK;
    JG_DISPATCH_ALL(dtype, T, {
        JG_LAUNCH(fill_kernel, grid_for(n), kBlock)(n, reinterpret_cast<T*>(out), static_cast<T>(value));
        return check_launch("fill");
    });
    return fail(JG_ERR_ARGUMENT, "fill: unknown dtype " + std::to_string(dtype));
}

int copy(int device, int out_dtype, int in_dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t in) {
    int st = use_device("copy", device);
    if (st != JG_OK || !geom_ok("copy", n, ndim, geom, &st)) return st;
    return guarded("copy", [&]() -> int {
        JG_DISPATCH_ALL(out_dtype, TO, return copy_from<TO>(in_dtype, n, ndim, geom, out, in));
        return fail(JG_ERR_ARGUMENT, "copy: unknown output dtype " + std::to_string(out_dtype));
    });
}

int unary(int device, int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t x, double alpha,
                  double beta) {
    int st = use_device("unary", device);
    if (st != JG_OK || !geom_ok("unary", n, ndim, geom, &st)) return st;
    return guarded("unary", [&]() -> int {
        return dispatch_unary(op, dtype, alpha, beta, [&](auto f, auto tag) {
            using T = decltype(tag);
            return launch1<T, T>("unary", n, ndim, geom, out, x, f);
        });
    });
}

int binary(int device, int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t a, int64_t b,
                   double alpha, double beta) {
    int st = use_device("binary", device);
    if (st != JG_OK || !geom_ok("binary", n, ndim, geom, &st)) return st;
    return guarded("binary", [&]() -> int {
        return dispatch_binary(
            op, dtype, alpha, beta,
            [&](auto f, auto tag) {
                using T = decltype(tag);
                return launch2<T, T>("binary", n, ndim, geom, out, a, b, f);
            },
            [&](auto f, auto tag) {
                using T = decltype(tag);
                return launch2<bool, T>("binary", n, ndim, geom, out, a, b, f);
            });
    });
}

int where(int device, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t cond, int64_t a, int64_t b) {
    int st = use_device("where", device);
    if (st != JG_OK || !geom_ok("where", n, ndim, geom, &st)) return st;
    if (n == 0) return JG_OK;
    JG_DISPATCH_ALL(dtype, T, {
        return with_geom<4>(n, ndim, geom, [&](auto g) {
            JG_LAUNCH(where_kernel, grid_for(n), kBlock)(n, reinterpret_cast<T*>(out), reinterpret_cast<const bool*>(cond),
                                                      reinterpret_cast<const T*>(a), reinterpret_cast<const T*>(b), g, ndim == 0);
            return check_launch("where");
        });
    });
    return fail(JG_ERR_ARGUMENT, "where: unknown dtype " + std::to_string(dtype));
}

int random(int device, int kind, int dtype, int64_t n, int64_t out, int64_t seed, int64_t offset, double lo, double hi) {
    int st = use_device("random", device);
    if (st != JG_OK) return st;
    if (n < 0) return fail(JG_ERR_ARGUMENT, "random: negative element count");
    if (kind != 0 && kind != 1) return fail(JG_ERR_ARGUMENT, "random: kind must be 0 (uniform) or 1 (normal)");
    if (n == 0) return JG_OK;
    const uint64_t s = static_cast<uint64_t>(seed), off = static_cast<uint64_t>(offset);
    switch (dtype) {
        case JG_FLOAT32: JG_LAUNCH(random_kernel, grid_for(n), kBlock)(n, reinterpret_cast<float*>(out), kind, s, off, lo, hi); break;
        case JG_FLOAT64: JG_LAUNCH(random_kernel, grid_for(n), kBlock)(n, reinterpret_cast<double*>(out), kind, s, off, lo, hi); break;
        default: return fail(JG_ERR_ARGUMENT, std::string("random: dtype ") + dtype_name(dtype) + " is not supported; expected float32 or float64");
    }
    return check_launch("random");
}

int arange(int device, int dtype, int64_t n, int64_t out, double start, double step) {
    int st = use_device("arange", device);
    if (st != JG_OK) return st;
    if (n < 0) return fail(JG_ERR_ARGUMENT, "arange: negative element count");
    if (n == 0) return JG_OK;
    switch (dtype) {
        case JG_FLOAT32: JG_LAUNCH(arange_kernel, grid_for(n), kBlock)(n, reinterpret_cast<float*>(out), start, step); break;
        case JG_FLOAT64: JG_LAUNCH(arange_kernel, grid_for(n), kBlock)(n, reinterpret_cast<double*>(out), start, step); break;
        case JG_INT64: JG_LAUNCH(arange_kernel, grid_for(n), kBlock)(n, reinterpret_cast<int64_t*>(out), start, step); break;
        default: return fail(JG_ERR_ARGUMENT, std::string("arange: dtype ") + dtype_name(dtype) + " is not supported; expected float32, float64 or int64");
    }
    return check_launch("arange");
}

int linspace(int device, int dtype, int64_t n, int64_t out, double start, double end) {
    int st = use_device("linspace", device);
    if (st != JG_OK) return st;
    if (n < 0) return fail(JG_ERR_ARGUMENT, "linspace: negative number of steps");
    if (n == 0) return JG_OK;
    switch (dtype) {
        case JG_FLOAT32: JG_LAUNCH(linspace_kernel, grid_for(n), kBlock)(n, reinterpret_cast<float*>(out), start, end); break;
        case JG_FLOAT64: JG_LAUNCH(linspace_kernel, grid_for(n), kBlock)(n, reinterpret_cast<double*>(out), start, end); break;
        default: return fail(JG_ERR_ARGUMENT, std::string("linspace: dtype ") + dtype_name(dtype) + " is not supported; expected float32 or float64");
    }
    return check_launch("linspace");
}

}  // namespace cuda
}  // namespace jg
