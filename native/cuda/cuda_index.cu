// gather and scatter_add on CUDA, and the check of binaryCrossEntropy's input. Each thread checks
// its index: a bad one is skipped (gather writes 0) and recorded in the device's fault record,
// which the next synchronisation reports (cuda_common.cuh). Nothing waits for the device, and a bad
// index never reaches memory.
#include <cstdint>
#include <type_traits>

#include "cuda_common.cuh"
#include "ops/hd.h"

namespace jg {
namespace cuda {
namespace {

// Shape and the strides of the three tensors: 64-bit, or 32-bit with each dim a FastDiv where the
// element count and all offsets fit in 31 bits (nearly always; cuda_common.cuh).
template <class I, class S, class D> struct IndexGeomOf {
    using Index = I;
    using Stride = S;
    int ndim;
    D shape[JG_MAX_DIMS];
    S a[JG_MAX_DIMS];  // strides of the gathered-from / scattered-to tensor
    S b[JG_MAX_DIMS];  // strides of the source (scatter) or unused (gather)
    S idx[JG_MAX_DIMS];
};
using IndexGeom = IndexGeomOf<int64_t, int64_t, int64_t>;
using IndexGeom32 = IndexGeomOf<uint32_t, int32_t, ops::FastDiv>;

// The offsets of flat element `flat` (< the element count) in the three tensors, leaving out dim
// in the first, whose coordinate there comes from the index. The outermost dim needs no division.
template <class G> __device__ __forceinline__ void index_offsets(const G& g, int64_t flat, int dim, int64_t* off) {
    using S = typename G::Stride;
    typename G::Index f = static_cast<typename G::Index>(flat);
    S oa = 0, ob = 0, oi = 0;
    for (int d = g.ndim - 1; d >= 0; --d) {
        const S c = static_cast<S>(d > 0 ? divmod(g.shape[d], f) : f);
        if (d != dim) oa += c * g.a[d];
        ob += c * g.b[d];
        oi += c * g.idx[d];
    }
    off[0] = oa, off[1] = ob, off[2] = oi;
}

template <class T, class G>
__global__ void gather_kernel(int64_t total, G g, int dim, int64_t dim_size, const T* x, const int64_t* index, T* out,
                              DeviceFault* fault) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(blockDim.x) * gridDim.x) {
        int64_t off[3];
        index_offsets(g, i, dim, off);
        const int64_t v = index[off[2]];
        if (v < -dim_size || v >= dim_size) {
            report_fault(fault, kFaultGather, dim, v, dim_size);
            out[i] = T(0);
            continue;
        }
        out[i] = x[off[0] + (v < 0 ? v + dim_size : v) * int64_t(g.a[dim])];
    }
}

__device__ __forceinline__ void atomic_add(float* a, float v) { atomicAdd(a, v); }
__device__ __forceinline__ void atomic_add(double* a, double v) { atomicAdd(a, v); }
__device__ __forceinline__ void atomic_add(int64_t* a, int64_t v) {
    atomicAdd(reinterpret_cast<unsigned long long*>(a), static_cast<unsigned long long>(v));
}

template <class T, class G>
__global__ void scatter_add_kernel(int64_t total, G g, int dim, int64_t dim_size, const T* src, const int64_t* index, T* out,
                                   DeviceFault* fault) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(blockDim.x) * gridDim.x) {
        int64_t off[3];
        index_offsets(g, i, dim, off);
        const int64_t v = index[off[2]];
        if (v < -dim_size || v >= dim_size) {
            report_fault(fault, kFaultScatterAdd, dim, v, dim_size);
            continue;
        }
        atomic_add(out + off[0] + (v < 0 ? v + dim_size : v) * int64_t(g.a[dim]), src[off[1]]);
    }
}

// The deterministic scatter-add: a thread per destination element (coordinate v along dim, the
// index's coordinates elsewhere) walks the k index positions along dim in order and adds the
// source elements whose index is v, starting from the destination's value: the CPU's loop order,
// so the CPU's bits, every run. The threads for v = 0 report bad indices (once each position).
template <class T>
__global__ void scatter_add_ordered_kernel(int64_t total, IndexGeom g, int dim, int64_t dim_size, const T* src, const int64_t* index,
                                           T* out, DeviceFault* fault) {
    const int64_t k = g.shape[dim];
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(blockDim.x) * gridDim.x) {
        int64_t f = i, oa = 0, ob = 0, oi = 0, v = 0;
        for (int d = g.ndim - 1; d >= 0; --d) {
            const int64_t extent = d == dim ? dim_size : g.shape[d];
            const int64_t c = d > 0 ? f % extent : f;
            if (d > 0) f /= extent;
            oa += c * g.a[d];
            if (d == dim) {
                v = c;
            } else {
                ob += c * g.b[d];
                oi += c * g.idx[d];
            }
        }
        T acc = out[oa];
        for (int64_t j = 0; j < k; ++j) {
            int64_t w = index[oi + j * g.idx[dim]];
            if (w < -dim_size || w >= dim_size) {
                if (v == 0) report_fault(fault, kFaultScatterAdd, dim, w, dim_size);
                continue;
            }
            if (w < 0) w += dim_size;
            if (w == v) acc += src[ob + j * g.b[dim]];
        }
        out[oa] = acc;
    }
}

// index_select / index_add over [outer, dim_size, inner] rows: a thread per element of the
// [outer, k, inner] side.
template <class T>
__global__ void index_select_kernel(int64_t total, FlatDiv k, FlatDiv inner, int dim, int64_t dim_size, const T* x, int64_t x_outer,
                                    int64_t x_dim, const int64_t* index, int64_t is, T* out, DeviceFault* fault) {
    for (int64_t n = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; n < total; n += int64_t(blockDim.x) * gridDim.x) {
        int64_t f = n;
        const int64_t j = inner.divmod(f), i = k.divmod(f), o = f;
        const int64_t v = index[i * is];
        if (v < -dim_size || v >= dim_size) {
            report_fault(fault, kFaultIndexSelect, dim, v, dim_size);
            out[n] = T(0);
            continue;
        }
        out[n] = x[o * x_outer + (v < 0 ? v + dim_size : v) * x_dim + j];
    }
}

template <class T>
__global__ void index_add_kernel(int64_t total, FlatDiv k, FlatDiv inner, int dim, int64_t dim_size, const T* src, const int64_t* index,
                                 int64_t is, T* out, DeviceFault* fault) {
    for (int64_t n = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; n < total; n += int64_t(blockDim.x) * gridDim.x) {
        int64_t f = n;
        const int64_t j = inner.divmod(f), i = k.divmod(f), o = f;
        const int64_t v = index[i * is];
        if (v < -dim_size || v >= dim_size) {
            report_fault(fault, kFaultIndexAdd, dim, v, dim_size);
            continue;
        }
        atomic_add(out + (o * dim_size + (v < 0 ? v + dim_size : v)) * inner.d + j, src[n]);
    }
}

// Records a value outside [0, 1] (or NaN) of a contiguous input; reads only.
template <class T> __global__ void check_probabilities_kernel(int64_t n, const T* x, DeviceFault* fault) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n; i += int64_t(blockDim.x) * gridDim.x) {
        const double p = static_cast<double>(x[i]);
        if (!(p >= 0 && p <= 1)) {
            report_fault(fault, kFaultProbability, 0, ops::bit_cast<int64_t>(p), 0);
        }
    }
}

int64_t total_of(const IndexGeom& g) {
    int64_t t = 1;
    for (int d = 0; d < g.ndim; ++d) t *= g.shape[d];
    return t;
}

bool read_args(const char* op, int ndim, const int64_t* geom, int nstrides, int dim, int64_t dim_size, IndexGeom* g, int* st) {
    if (ndim < 1 || ndim > JG_MAX_DIMS || geom == nullptr || dim < 0 || dim >= ndim || dim_size < 0) {
        *st = fail(JG_ERR_ARGUMENT, std::string(op) + ": bad ndim, dim or dim size");
        return false;
    }
    *g = IndexGeom{};
    g->ndim = ndim;
    for (int d = 0; d < ndim; ++d) g->shape[d] = geom[d];
    int64_t* rows[3] = {g->a, nstrides == 3 ? g->b : g->idx, g->idx};
    for (int k = 0; k < nstrides; ++k)
        for (int d = 0; d < ndim; ++d) rows[k][d] = geom[ndim * (k + 1) + d];
    return true;
}

// Calls launch(geometry) with the 32-bit geometry where the element count and every tensor's
// offsets fit (the first tensor's size along dim is dim_size), else the 64-bit one.
template <class Launch> int with_geom(const IndexGeom& g, int dim, int64_t dim_size, int64_t total, Launch launch) {
    int64_t sizes_a[JG_MAX_DIMS];
    for (int d = 0; d < g.ndim; ++d) sizes_a[d] = d == dim ? dim_size : g.shape[d];
    if (total > INT32_MAX || dim_size > INT32_MAX || !fits32(g.ndim, sizes_a, g.a) || !fits32(g.ndim, g.shape, g.b) ||
        !fits32(g.ndim, g.shape, g.idx))
        return launch(g);
    IndexGeom32 g32{};
    g32.ndim = g.ndim;
    for (int d = 0; d < g.ndim; ++d) {
        set_dim(g32.shape[d], g.shape[d]);
        g32.a[d] = static_cast<int32_t>(g.a[d]);
        g32.b[d] = static_cast<int32_t>(g.b[d]);
        g32.idx[d] = static_cast<int32_t>(g.idx[d]);
    }
    return launch(g32);
}

}  // namespace
}  // namespace cuda
}  // namespace jg

namespace jg {
namespace cuda {

int gather(int device, int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out, int64_t x,
                   int64_t index) {
    int st = use_device("gather", device);
    IndexGeom g;
    if (st != JG_OK || !read_args("gather", ndim, geom, 2, dim, dim_size, &g, &st)) return st;
    int64_t total = total_of(g);
    if (total == 0) return JG_OK;
    const int64_t* idx = reinterpret_cast<const int64_t*>(index);
    DeviceFault* fault = fault_record("gather", device);
    if (fault == nullptr) return JG_ERR_CUDA;
    JG_DISPATCH_ALL(dtype, T, {
        return with_geom(g, dim, dim_size, total, [&](const auto& geo) {
            JG_LAUNCH(gather_kernel<T>, grid_for(total), kBlock)(total, geo, dim, dim_size, reinterpret_cast<const T*>(x), idx,
                                                             reinterpret_cast<T*>(out), fault);
            return check_launch("gather");
        });
    });
    return fail(JG_ERR_ARGUMENT, "gather: unknown dtype");
}

int scatter_add(int device, int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out, int64_t src,
                        int64_t index) {
    int st = use_device("scatter_add", device);
    IndexGeom g;
    if (st != JG_OK || !read_args("scatter_add", ndim, geom, 3, dim, dim_size, &g, &st)) return st;
    int64_t total = total_of(g);
    if (total == 0) return JG_OK;
    const int64_t* idx = reinterpret_cast<const int64_t*>(index);
    DeviceFault* fault = fault_record("scatter_add", device);
    if (fault == nullptr) return JG_ERR_CUDA;
    auto run = [&](auto* tag) -> int {
        using T = std::remove_pointer_t<decltype(tag)>;
        if (deterministic() && !std::is_integral<T>::value) {
            // a thread per destination element of the index's extent with dim_size along dim
            int64_t dest = dim_size;
            for (int d = 0; d < g.ndim; ++d)
                if (d != dim) dest *= g.shape[d];
            if (dim_size == 0) return fail(JG_ERR_ARGUMENT, "scatter_add: dim " + std::to_string(dim) + " of the output is empty; no index is valid");
            if (dest == 0) return JG_OK;
            JG_LAUNCH(scatter_add_ordered_kernel<T>, grid_for(dest), kBlock)(dest, g, dim, dim_size, reinterpret_cast<const T*>(src), idx,
                                                                           reinterpret_cast<T*>(out), fault);
            return check_launch("scatter_add");
        }
        return with_geom(g, dim, dim_size, total, [&](const auto& geo) {
            JG_LAUNCH(scatter_add_kernel<T>, grid_for(total), kBlock)(total, geo, dim, dim_size, reinterpret_cast<const T*>(src), idx,
                                                                  reinterpret_cast<T*>(out), fault);
            return check_launch("scatter_add");
        });
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        case JG_INT64: return run(static_cast<int64_t*>(nullptr));
        default: return fail(JG_ERR_ARGUMENT, "scatter_add: needs float32, float64 or int64");
    }
}

int index_select(int device, int dtype, int dim, int64_t outer, int64_t dim_size, int64_t inner, int64_t k, int64_t out, int64_t x,
                 int64_t x_outer, int64_t x_dim, int64_t index, int64_t index_stride) {
    int st = use_device("indexSelect", device);
    if (st != JG_OK) return st;
    if (outer < 0 || dim_size < 0 || inner < 0 || k < 0) return fail(JG_ERR_ARGUMENT, "indexSelect: negative extent");
    const int64_t total = outer * k * inner;
    if (total == 0) return JG_OK;
    DeviceFault* fault = fault_record("indexSelect", device);
    if (fault == nullptr) return JG_ERR_CUDA;
    const int64_t* idx = reinterpret_cast<const int64_t*>(index);
    JG_DISPATCH_ALL(dtype, T, {
        JG_LAUNCH(index_select_kernel<T>, grid_for(total), kBlock)(total, FlatDiv(total, k), FlatDiv(total, inner), dim, dim_size, reinterpret_cast<const T*>(x), x_outer,
                                                                   x_dim, idx, index_stride, reinterpret_cast<T*>(out), fault);
        return check_launch("indexSelect");
    });
    return fail(JG_ERR_ARGUMENT, "indexSelect: unknown dtype");
}

int index_add(int device, int dtype, int dim, int64_t outer, int64_t dim_size, int64_t inner, int64_t k, int64_t out, int64_t src,
              int64_t index, int64_t index_stride) {
    int st = use_device("indexAdd", device);
    if (st != JG_OK) return st;
    if (outer < 0 || dim_size < 0 || inner < 0 || k < 0) return fail(JG_ERR_ARGUMENT, "indexAdd: negative extent");
    const int64_t total = outer * k * inner;
    if (total == 0) return JG_OK;
    DeviceFault* fault = fault_record("indexAdd", device);
    if (fault == nullptr) return JG_ERR_CUDA;
    const int64_t* idx = reinterpret_cast<const int64_t*>(index);
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        JG_LAUNCH(index_add_kernel<T>, grid_for(total), kBlock)(total, FlatDiv(total, k), FlatDiv(total, inner), dim, dim_size, reinterpret_cast<const T*>(src), idx,
                                                                index_stride, reinterpret_cast<T*>(out), fault);
        return check_launch("indexAdd");
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        case JG_INT64: return run(static_cast<int64_t*>(nullptr));
        default: return fail(JG_ERR_ARGUMENT, "indexAdd: needs float32, float64 or int64");
    }
}

int check_probabilities(int device, int dtype, int64_t n, int64_t x) {
    int st = use_device("binaryCrossEntropy", device);
    if (st != JG_OK) return st;
    if (n < 0) return fail(JG_ERR_ARGUMENT, "binaryCrossEntropy: negative element count");
    if (n == 0) return JG_OK;
    DeviceFault* fault = fault_record("binaryCrossEntropy", device);
    if (fault == nullptr) return JG_ERR_CUDA;
    switch (dtype) {
        case JG_FLOAT32: JG_LAUNCH(check_probabilities_kernel<float>, grid_for(n), kBlock)(n, reinterpret_cast<const float*>(x), fault); break;
        case JG_FLOAT64: JG_LAUNCH(check_probabilities_kernel<double>, grid_for(n), kBlock)(n, reinterpret_cast<const double*>(x), fault); break;
        default: return fail(JG_ERR_ARGUMENT, std::string("binaryCrossEntropy: dtype ") + dtype_name(dtype) + " is not supported; expected float32 or float64");
    }
    return check_launch("binaryCrossEntropy");
}

}  // namespace cuda
}  // namespace jg
