// gather and scatter_add on CUDA, and the check of binaryCrossEntropy's input. Each thread checks its index: a bad one is skipped (gather
// writes 0) and recorded in the device's fault record, which the next synchronisation reports
// (cuda_common.cuh). Nothing waits for the device, and a bad index never reaches memory.
#include <cstdint>

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

// The coordinates of flat index `flat` (< the element count); the outermost needs no division.
__device__ __forceinline__ void unravel(const IndexGeom& g, int64_t flat, int64_t* p) {
    for (int d = g.ndim - 1; d > 0; --d) {
        const int64_t q = flat / g.shape[d];
        p[d] = flat - q * g.shape[d];
        flat = q;
    }
    p[0] = flat;
}

__device__ __forceinline__ int64_t dot(const int64_t* p, const int64_t* st, int n) {
    int64_t o = 0;
    for (int d = 0; d < n; ++d) o += p[d] * st[d];
    return o;
}

template <class T>
__global__ void gather_kernel(int64_t total, IndexGeom g, int dim, int64_t dim_size, const T* x, const int64_t* index, T* out,
                              DeviceFault* fault) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(blockDim.x) * gridDim.x) {
        int64_t p[JG_MAX_DIMS];
        unravel(g, i, p);
        const int64_t v = index[dot(p, g.idx, g.ndim)];
        if (v < -dim_size || v >= dim_size) {
            report_fault(fault, kFaultGather, dim, v, dim_size);
            out[i] = T(0);
            continue;
        }
        p[dim] = v < 0 ? v + dim_size : v;
        out[i] = x[dot(p, g.a, g.ndim)];
    }
}

__device__ __forceinline__ void atomic_add(float* a, float v) { atomicAdd(a, v); }
__device__ __forceinline__ void atomic_add(double* a, double v) { atomicAdd(a, v); }
__device__ __forceinline__ void atomic_add(int64_t* a, int64_t v) {
    atomicAdd(reinterpret_cast<unsigned long long*>(a), static_cast<unsigned long long>(v));
}

template <class T>
__global__ void scatter_add_kernel(int64_t total, IndexGeom g, int dim, int64_t dim_size, const T* src, const int64_t* index, T* out,
                                   DeviceFault* fault) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(blockDim.x) * gridDim.x) {
        int64_t p[JG_MAX_DIMS];
        unravel(g, i, p);
        const int64_t v = index[dot(p, g.idx, g.ndim)];
        if (v < -dim_size || v >= dim_size) {
            report_fault(fault, kFaultScatterAdd, dim, v, dim_size);
            continue;
        }
        const T s = src[dot(p, g.b, g.ndim)];
        p[dim] = v < 0 ? v + dim_size : v;
        atomic_add(out + dot(p, g.a, g.ndim), s);
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
        JG_LAUNCH(gather_kernel<T>, grid_for(total), kBlock)(total, g, dim, dim_size, reinterpret_cast<const T*>(x), idx, reinterpret_cast<T*>(out), fault);
        return check_launch("gather");
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
    switch (dtype) {
        case JG_FLOAT32: JG_LAUNCH(scatter_add_kernel<float>, grid_for(total), kBlock)(total, g, dim, dim_size, reinterpret_cast<const float*>(src), idx, reinterpret_cast<float*>(out), fault); break;
        case JG_FLOAT64: JG_LAUNCH(scatter_add_kernel<double>, grid_for(total), kBlock)(total, g, dim, dim_size, reinterpret_cast<const double*>(src), idx, reinterpret_cast<double*>(out), fault); break;
        case JG_INT64: JG_LAUNCH(scatter_add_kernel<int64_t>, grid_for(total), kBlock)(total, g, dim, dim_size, reinterpret_cast<const int64_t*>(src), idx, reinterpret_cast<int64_t*>(out), fault); break;
        default: return fail(JG_ERR_ARGUMENT, "scatter_add: needs float32, float64 or int64");
    }
    return check_launch("scatter_add");
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
