// gather and scatter_add on CUDA, and the check of binaryCrossEntropy's input. Each thread checks
// its index: a bad one is skipped (gather writes 0) and recorded in the device's fault record,
// which the next synchronisation reports (cuda_common.cuh). Nothing waits for the device, and a bad
// index never reaches memory.
#include <cstdint>
#include <cstdlib>
#include <type_traits>

#include "cuda_common.cuh"
#include "ops/hd.h"

namespace jg {
namespace cuda {
namespace {

struct IndexGeom {
    int ndim;
    int64_t shape[JG_MAX_DIMS];
    int64_t a[JG_MAX_DIMS];  // strides of the gathered-from / scattered-to tensor
    int64_t b[JG_MAX_DIMS];  // strides of the source (scatter) or unused (gather)
    int64_t idx[JG_MAX_DIMS];
};

// The same where the element count and every extent fit in 31 bits (nearly always): 32-bit
// arithmetic, and each division by a dim a multiply-high (ops/fastdiv.h).
struct IndexGeom32 {
    int ndim;
    ops::FastDiv shape[JG_MAX_DIMS];
    int32_t a[JG_MAX_DIMS], b[JG_MAX_DIMS], idx[JG_MAX_DIMS];
};

// The offsets of flat element `flat` (< the element count) in the three tensors, leaving out dim
// in the first, whose coordinate there comes from the index. The outermost dim needs no division.
__device__ __forceinline__ void index_offsets(const IndexGeom& g, int64_t flat, int dim, int64_t* off) {
    int64_t oa = 0, ob = 0, oi = 0;
    for (int d = g.ndim - 1; d >= 0; --d) {
        int64_t c = flat;
        if (d > 0) {
            const int64_t q = flat / g.shape[d];
            c = flat - q * g.shape[d];
            flat = q;
        }
        if (d != dim) oa += c * g.a[d];
        ob += c * g.b[d];
        oi += c * g.idx[d];
    }
    off[0] = oa, off[1] = ob, off[2] = oi;
}

__device__ __forceinline__ void index_offsets(const IndexGeom32& g, int64_t flat, int dim, int64_t* off) {
    uint32_t f = static_cast<uint32_t>(flat);
    int32_t oa = 0, ob = 0, oi = 0;
    for (int d = g.ndim - 1; d >= 0; --d) {
        int32_t c = static_cast<int32_t>(f);
        if (d > 0) {
            const uint32_t q = g.shape[d].div(f);
            c = static_cast<int32_t>(f - q * g.shape[d].d);
            f = q;
        }
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

// The 32-bit geometry, if the element count and every tensor's extent fit in 31 bits (the first
// tensor's extent along dim is dim_size's). JGRAD_CUDA_WIDE_INDEX=1 refuses, for the tests.
bool make_geom32(const IndexGeom& g, int dim, int64_t dim_size, int64_t total, IndexGeom32* g32) {
    static const bool wide = [] {
        const char* e = std::getenv("JGRAD_CUDA_WIDE_INDEX");
        return e != nullptr && e[0] == '1';
    }();
    if (wide || total > INT32_MAX || dim_size > INT32_MAX) return false;
    const int64_t* rows[3] = {g.a, g.b, g.idx};
    for (int k = 0; k < 3; ++k) {
        int64_t extent = 0;
        for (int d = 0; d < g.ndim; ++d) {
            const int64_t size = k == 0 && d == dim ? dim_size : g.shape[d], step = rows[k][d] < 0 ? -rows[k][d] : rows[k][d];
            if (size <= 1) continue;
            if (step > INT32_MAX) return false;
            extent += (size - 1) * step;
            if (extent > INT32_MAX) return false;
        }
    }
    *g32 = IndexGeom32{};
    g32->ndim = g.ndim;
    for (int d = 0; d < g.ndim; ++d) {
        g32->shape[d] = ops::FastDiv(static_cast<uint32_t>(g.shape[d]));
        g32->a[d] = static_cast<int32_t>(g.a[d]);
        g32->b[d] = static_cast<int32_t>(g.b[d]);
        g32->idx[d] = static_cast<int32_t>(g.idx[d]);
    }
    return true;
}

// Calls launch(geometry) with the 32-bit geometry where it fits, else the 64-bit one.
template <class Launch> int with_geom(const IndexGeom& g, int dim, int64_t dim_size, int64_t total, Launch launch) {
    IndexGeom32 g32;
    if (make_geom32(g, dim, dim_size, total, &g32)) return launch(g32);
    return launch(g);
}

}  // namespace
}  // namespace cuda
}  // namespace jg

using namespace jg;
using namespace jg::cuda;

extern "C" {

int jg_cuda_gather(int device, int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out, int64_t x,
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

int jg_cuda_scatter_add(int device, int dtype, int ndim, const int64_t* geom, int dim, int64_t dim_size, int64_t out, int64_t src,
                        int64_t index) {
    int st = use_device("scatter_add", device);
    IndexGeom g;
    if (st != JG_OK || !read_args("scatter_add", ndim, geom, 3, dim, dim_size, &g, &st)) return st;
    int64_t total = total_of(g);
    if (total == 0) return JG_OK;
    const int64_t* idx = reinterpret_cast<const int64_t*>(index);
    DeviceFault* fault = fault_record("scatter_add", device);
    if (fault == nullptr) return JG_ERR_CUDA;
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
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

int jg_cuda_check_probabilities(int device, int dtype, int64_t n, int64_t x) {
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

}
