// Convolution lowering (im2col, col2im) and pooling on CUDA: a thread per element written, each
// computing it with ops/conv.h's functions, the CPU's arithmetic in the CPU's order. The
// backwards gather (an input element sums what reaches it), so no two threads write one element:
// no atomics, the same bits every run and on every device.
#include <cstdint>
#include <string>
#include <type_traits>

#include "cuda_common.cuh"
#include "ops/conv.h"

namespace jg {
namespace cuda {
namespace {

template <class T> __global__ void im2col_kernel(ops::ConvGeom g, int64_t total, FlatDiv cols, const T* x, T* col) {
    for (int64_t n = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; n < total; n += int64_t(blockDim.x) * gridDim.x) {
        int64_t f = n;
        const int64_t q = cols.divmod(f);
        col[n] = ops::im2col_at(g, x, f, q);
    }
}

template <class T> __global__ void col2im_kernel(ops::ConvGeom g, int64_t total, FlatDiv w, FlatDiv h, FlatDiv c, const T* col, T* x) {
    for (int64_t n = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; n < total; n += int64_t(blockDim.x) * gridDim.x) {
        int64_t f = n;
        const int64_t ix = w.divmod(f), iy = h.divmod(f), ci = c.divmod(f);
        x[n] = ops::col2im_at(g, col, f, ci, iy, ix);
    }
}

template <class T>
__global__ void pool_kernel(int kind, ops::ConvGeom g, int64_t total, FlatDiv plane, FlatDiv ow, const T* x, T* out, int64_t* indices) {
    for (int64_t n = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; n < total; n += int64_t(blockDim.x) * gridDim.x) {
        int64_t f = n;
        int64_t o = plane.divmod(f);
        const int64_t p = f, oy = ow.div(o), ox = o - oy * g.ow;
        int64_t arg = -1;
        out[n] = ops::pool_at(kind, g, x + p * g.h * g.w, oy, ox, &arg);
        if (indices) indices[n] = arg;
    }
}

template <class T>
__global__ void pool_backward_kernel(int kind, ops::ConvGeom g, int64_t total, FlatDiv plane, FlatDiv w, const T* dy, const int64_t* indices,
                                     T* dx) {
    for (int64_t n = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; n < total; n += int64_t(blockDim.x) * gridDim.x) {
        int64_t f = n;
        int64_t e = plane.divmod(f);
        const int64_t p = f, y = w.div(e), xx = e - y * g.w, po = p * g.oh * g.ow;
        dx[n] = ops::pool_grad_at(kind, g, dy + po, indices ? indices + po : nullptr, y, xx);
    }
}

int bad_geom(const char* op) { return fail(JG_ERR_ARGUMENT, std::string(op) + ": invalid geometry"); }

int float_only(const char* op) { return fail(JG_ERR_ARGUMENT, std::string(op) + ": needs float32 or float64"); }

}  // namespace

int im2col(int device, int dtype, const int64_t* geom, int64_t col, int64_t x) {
    int st = use_device("im2col", device);
    if (st != JG_OK) return st;
    if (geom == nullptr) return fail(JG_ERR_ARGUMENT, "im2col: no geometry");
    const ops::ConvGeom g(geom);
    if (!g.valid()) return bad_geom("im2col");
    const int64_t total = g.rows() * g.cols();
    if (total == 0) return JG_OK;
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        JG_LAUNCH(im2col_kernel<T>, grid_for(total), kBlock)(g, total, FlatDiv(total, g.cols()), reinterpret_cast<const T*>(x),
                                                            reinterpret_cast<T*>(col));
        return check_launch("im2col");
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        default: return float_only("im2col");
    }
}

int col2im(int device, int dtype, const int64_t* geom, int64_t x, int64_t col) {
    int st = use_device("col2im", device);
    if (st != JG_OK) return st;
    if (geom == nullptr) return fail(JG_ERR_ARGUMENT, "col2im: no geometry");
    const ops::ConvGeom g(geom);
    if (!g.valid()) return bad_geom("col2im");
    const int64_t total = g.n * g.c * g.h * g.w;
    if (total == 0) return JG_OK;
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        JG_LAUNCH(col2im_kernel<T>, grid_for(total), kBlock)(g, total, FlatDiv(total, g.w), FlatDiv(total, g.h), FlatDiv(total, g.c),
                                                            reinterpret_cast<const T*>(col), reinterpret_cast<T*>(x));
        return check_launch("col2im");
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        default: return float_only("col2im");
    }
}

int pool2d(int device, int kind, int dtype, const int64_t* geom, int64_t out, int64_t indices, int64_t x) {
    int st = use_device("pool2d", device);
    if (st != JG_OK) return st;
    if (geom == nullptr) return fail(JG_ERR_ARGUMENT, "pool2d: no geometry");
    const ops::ConvGeom g(geom);
    if (!g.valid()) return bad_geom("pool2d");
    if (kind < ops::kPoolMax || kind > ops::kPoolAdaptiveAvg) return fail(JG_ERR_ARGUMENT, "pool2d: unknown kind " + std::to_string(kind));
    if (kind == ops::kPoolMax && indices == 0) return fail(JG_ERR_ARGUMENT, "pool2d: max pooling needs an indices buffer");
    if (kind == ops::kPoolAdaptiveAvg && ((g.oh == 0 && g.h > 0) || (g.ow == 0 && g.w > 0)))
        return fail(JG_ERR_ARGUMENT, "pool2d: an adaptive output of zero size");
    const int64_t total = g.n * g.c * g.oh * g.ow;
    if (total == 0) return JG_OK;
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        JG_LAUNCH(pool_kernel<T>, grid_for(total), kBlock)(kind, g, total, FlatDiv(total, g.oh * g.ow), FlatDiv(total, g.ow),
                                                          reinterpret_cast<const T*>(x), reinterpret_cast<T*>(out),
                                                          reinterpret_cast<int64_t*>(indices));
        return check_launch("pool2d");
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        default: return float_only("pool2d");
    }
}

int pool2d_backward(int device, int kind, int dtype, const int64_t* geom, int64_t dx, int64_t dy, int64_t indices) {
    int st = use_device("pool2d_backward", device);
    if (st != JG_OK) return st;
    if (geom == nullptr) return fail(JG_ERR_ARGUMENT, "pool2d_backward: no geometry");
    const ops::ConvGeom g(geom);
    if (!g.valid()) return bad_geom("pool2d_backward");
    if (kind < ops::kPoolMax || kind > ops::kPoolAdaptiveAvg)
        return fail(JG_ERR_ARGUMENT, "pool2d_backward: unknown kind " + std::to_string(kind));
    if (kind == ops::kPoolMax && indices == 0) return fail(JG_ERR_ARGUMENT, "pool2d_backward: max pooling needs its indices");
    const int64_t total = g.n * g.c * g.h * g.w;
    if (total == 0) return JG_OK;
    auto run = [&](auto* tag) {
        using T = std::remove_pointer_t<decltype(tag)>;
        JG_LAUNCH(pool_backward_kernel<T>, grid_for(total), kBlock)(kind, g, total, FlatDiv(total, g.h * g.w), FlatDiv(total, g.w),
                                                                   reinterpret_cast<const T*>(dy),
                                                                   reinterpret_cast<const int64_t*>(indices), reinterpret_cast<T*>(dx));
        return check_launch("pool2d_backward");
    };
    switch (dtype) {
        case JG_FLOAT32: return run(static_cast<float*>(nullptr));
        case JG_FLOAT64: return run(static_cast<double*>(nullptr));
        default: return float_only("pool2d_backward");
    }
}

}  // namespace cuda
}  // namespace jg
