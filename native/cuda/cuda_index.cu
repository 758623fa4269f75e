// gather and scatter_add on CUDA. Indices are validated by a kernel first and the result read
// back (a synchronisation), so a bad index is an error and never an out-of-bounds access.
#include <cstdint>

#include "cuda_common.cuh"

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

__device__ __forceinline__ void unravel(const IndexGeom& g, int64_t flat, int64_t* p) {
    for (int d = g.ndim - 1; d >= 0; --d) {
        p[d] = flat % g.shape[d];
        flat /= g.shape[d];
    }
}

__device__ __forceinline__ int64_t dot(const int64_t* p, const int64_t* st, int n) {
    int64_t o = 0;
    for (int d = 0; d < n; ++d) o += p[d] * st[d];
    return o;
}

// bad[0] = 1 and bad[1] = the value when some index is outside [-dim_size, dim_size)
__global__ void check_kernel(int64_t total, IndexGeom g, const int64_t* index, int64_t dim_size, unsigned long long* bad) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(blockDim.x) * gridDim.x) {
        int64_t p[JG_MAX_DIMS];
        unravel(g, i, p);
        int64_t v = index[dot(p, g.idx, g.ndim)];
        if (v < -dim_size || v >= dim_size) {
            if (atomicCAS(&bad[0], 0ull, 1ull) == 0ull) bad[1] = static_cast<unsigned long long>(v);
        }
    }
}

template <class T>
__global__ void gather_kernel(int64_t total, IndexGeom g, int dim, int64_t dim_size, const T* x, const int64_t* index, T* out) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(blockDim.x) * gridDim.x) {
        int64_t p[JG_MAX_DIMS];
        unravel(g, i, p);
        int64_t v = index[dot(p, g.idx, g.ndim)];
        if (v < 0) v += dim_size;
        p[dim] = v;
        out[i] = x[dot(p, g.a, g.ndim)];
    }
}

__device__ __forceinline__ void atomic_add(float* a, float v) { atomicAdd(a, v); }
__device__ __forceinline__ void atomic_add(double* a, double v) { atomicAdd(a, v); }
__device__ __forceinline__ void atomic_add(int64_t* a, int64_t v) {
    atomicAdd(reinterpret_cast<unsigned long long*>(a), static_cast<unsigned long long>(v));
}

template <class T>
__global__ void scatter_add_kernel(int64_t total, IndexGeom g, int dim, int64_t dim_size, const T* src, const int64_t* index, T* out) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < total; i += int64_t(blockDim.x) * gridDim.x) {
        int64_t p[JG_MAX_DIMS];
        unravel(g, i, p);
        int64_t v = index[dot(p, g.idx, g.ndim)];
        T s = src[dot(p, g.b, g.ndim)];
        if (v < 0) v += dim_size;
        p[dim] = v;
        atomic_add(out + dot(p, g.a, g.ndim), s);
    }
}

int64_t total_of(const IndexGeom& g) {
    int64_t t = 1;
    for (int d = 0; d < g.ndim; ++d) t *= g.shape[d];
    return t;
}

// Runs the index check; returns JG_OK or JG_ERR_ARGUMENT with the message set.
int check_indices(const char* op, int device, const IndexGeom& g, int64_t total, const int64_t* index, int dim, int64_t dim_size) {
    Scratch flag(device, 2 * sizeof(unsigned long long));
    if (flag.addr == 0) return JG_ERR_OUT_OF_MEMORY;
    unsigned long long* bad = reinterpret_cast<unsigned long long*>(flag.addr);
    cudaError_t e = cudaMemsetAsync(bad, 0, 2 * sizeof(unsigned long long));
    if (e != cudaSuccess) return cuda_fail(op, e);
    JG_LAUNCH(check_kernel, grid_for(total), kBlock)(total, g, index, dim_size, bad);
    int st = check_launch(op);
    if (st != JG_OK) return st;
    unsigned long long host[2] = {0, 0};
    e = cudaMemcpy(host, bad, sizeof host, cudaMemcpyDeviceToHost);  // the one synchronisation of gather/scatter
    if (e != cudaSuccess) return cuda_fail(op, e);
    if (host[0] != 0) {
        int64_t v = static_cast<int64_t>(host[1]);
        return fail(JG_ERR_ARGUMENT, std::string(op) + ": index " + std::to_string(v) + " is out of bounds for dimension " +
                                         std::to_string(dim) + " with size " + std::to_string(dim_size) + "; valid indices are " +
                                         std::to_string(-dim_size) + ".." + std::to_string(dim_size - 1));
    }
    return JG_OK;
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
    if ((st = check_indices("gather", device, g, total, idx, dim, dim_size)) != JG_OK) return st;
    JG_DISPATCH_ALL(dtype, T, {
        JG_LAUNCH(gather_kernel<T>, grid_for(total), kBlock)(total, g, dim, dim_size, reinterpret_cast<const T*>(x), idx, reinterpret_cast<T*>(out));
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
    if ((st = check_indices("scatter_add", device, g, total, idx, dim, dim_size)) != JG_OK) return st;
    switch (dtype) {
        case JG_FLOAT32: JG_LAUNCH(scatter_add_kernel<float>, grid_for(total), kBlock)(total, g, dim, dim_size, reinterpret_cast<const float*>(src), idx, reinterpret_cast<float*>(out)); break;
        case JG_FLOAT64: JG_LAUNCH(scatter_add_kernel<double>, grid_for(total), kBlock)(total, g, dim, dim_size, reinterpret_cast<const double*>(src), idx, reinterpret_cast<double*>(out)); break;
        case JG_INT64: JG_LAUNCH(scatter_add_kernel<int64_t>, grid_for(total), kBlock)(total, g, dim, dim_size, reinterpret_cast<const int64_t*>(src), idx, reinterpret_cast<int64_t*>(out)); break;
        default: return fail(JG_ERR_ARGUMENT, "scatter_add: needs float32, float64 or int64");
    }
    return check_launch("scatter_add");
}

}
