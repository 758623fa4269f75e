// Convolution lowering (im2col, col2im), pooling and batch normalisation on the CPU. The index
// arithmetic is ops/conv.h's, shared with the CUDA kernels; the loops here are arranged for the
// CPU (a column row at a time, a plane at a time) but add in the same order, so both backends give
// the same bits.
#include <algorithm>
#include <string>
#include <type_traits>

#include "ops/conv.h"
#include "parallel.h"

namespace jg {
namespace cpu {
namespace {

int bad_geom(const char* op, const ops::ConvGeom& g) {
    return fail(JG_ERR_ARGUMENT, std::string(op) + ": invalid geometry (n " + std::to_string(g.n) + ", c " + std::to_string(g.c) + ", " +
                                     std::to_string(g.h) + "x" + std::to_string(g.w) + ", window " + std::to_string(g.kh) + "x" +
                                     std::to_string(g.kw) + ", stride " + std::to_string(g.sh) + "x" + std::to_string(g.sw) +
                                     ", padding " + std::to_string(g.ph) + "x" + std::to_string(g.pw) + ", dilation " +
                                     std::to_string(g.dh) + "x" + std::to_string(g.dw) + ", output " + std::to_string(g.oh) + "x" +
                                     std::to_string(g.ow) + ")");
}

int float_only(const char* op, int dtype) {
    return fail(JG_ERR_ARGUMENT, std::string(op) + ": needs float32 or float64, got " + dtype_name(dtype));
}

// One row of the columns matrix: tap (i, j) of channel ci over every output of every image.
template <class T> void im2col_row(const ops::ConvGeom& g, const T* x, int64_t row, T* out) {
    const int64_t j = row % g.kw, i = (row / g.kw) % g.kh, ci = row / (g.kw * g.kh);
    for (int64_t b = 0; b < g.n; ++b) {
        const T* plane = x + (b * g.c + ci) * g.h * g.w;
        for (int64_t oy = 0; oy < g.oh; ++oy, out += g.ow) {
            const int64_t iy = oy * g.sh - g.ph + i * g.dh;
            if (iy < 0 || iy >= g.h) {
                std::fill(out, out + g.ow, T(0));
                continue;
            }
            const T* src = plane + iy * g.w;
            const int64_t x0 = j * g.dw - g.pw;  // input column of output column 0
            if (g.sw == 1) {
                // outputs [lo, hi) read inside the row
                const int64_t lo = std::min(g.ow, std::max<int64_t>(0, -x0)), hi = std::max(lo, std::min(g.ow, g.w - x0));
                std::fill(out, out + lo, T(0));
                std::copy(src + (x0 + lo), src + (x0 + hi), out + lo);
                std::fill(out + hi, out + g.ow, T(0));
            } else {
                for (int64_t ox = 0; ox < g.ow; ++ox) {
                    const int64_t ix = x0 + ox * g.sw;
                    out[ox] = ix >= 0 && ix < g.w ? src[ix] : T(0);
                }
            }
        }
    }
}

// Plane (b, ci) of the input gradient: zeroed, then each tap's column row added in tap order
// (the order of ops::col2im_at's gather, so the sums round alike).
template <class T> void col2im_plane(const ops::ConvGeom& g, const T* col, int64_t b, int64_t ci, T* plane) {
    std::fill(plane, plane + g.h * g.w, T(0));
    const int64_t ncols = g.cols();
    for (int64_t i = 0; i < g.kh; ++i) {
        for (int64_t j = 0; j < g.kw; ++j) {
            const T* src = col + ((ci * g.kh + i) * g.kw + j) * ncols + b * g.oh * g.ow;
            for (int64_t oy = 0; oy < g.oh; ++oy) {
                const int64_t iy = oy * g.sh - g.ph + i * g.dh;
                if (iy < 0 || iy >= g.h) continue;
                T* dst = plane + iy * g.w;
                const T* s = src + oy * g.ow;
                const int64_t x0 = j * g.dw - g.pw;  // input column of output column 0
                if (g.sw == 1) {
                    // outputs [lo, hi) land inside the row: one run without a test per element
                    const int64_t lo = std::min(g.ow, std::max<int64_t>(0, -x0)), hi = std::max(lo, std::min(g.ow, g.w - x0));
                    for (int64_t ox = lo; ox < hi; ++ox) dst[x0 + ox] += s[ox];
                } else {
                    for (int64_t ox = 0; ox < g.ow; ++ox) {
                        const int64_t ix = x0 + ox * g.sw;
                        if (ix >= 0 && ix < g.w) dst[ix] += s[ox];
                    }
                }
            }
        }
    }
}

// Calls f with a null T* for float32 and float64; otherwise the dtype error.
template <class F> int with_float(const char* op, int dtype, F&& f) {
    switch (dtype) {
        case JG_FLOAT32: return f(static_cast<float*>(nullptr));
        case JG_FLOAT64: return f(static_cast<double*>(nullptr));
        default: return float_only(op, dtype);
    }
}

int64_t grain_for(int64_t work_per_item) { return std::max<int64_t>(1, kGrain / std::max<int64_t>(work_per_item, 1)); }

template <class T> void batch_norm_channels(int64_t n, int64_t c, int64_t s, double eps, bool training, T* y, T* mean, T* var, T* invstd,
                                            const T* x, const T* w, const T* b) {
    parallel_for(c, grain_for(n * s), [&](int64_t lo, int64_t hi) {
        for (int64_t ci = lo; ci < hi; ++ci) {
            T m, r;
            if (training) {
                double sum = 0, sq = 0;
                for (int64_t k = 0; k < n; ++k) {
                    const T* xr = x + (k * c + ci) * s;
                    for (int64_t e = 0; e < s; ++e) sum += xr[e];
                }
                const double cnt = static_cast<double>(n * s), md = sum / cnt;
                for (int64_t k = 0; k < n; ++k) {
                    const T* xr = x + (k * c + ci) * s;
                    for (int64_t e = 0; e < s; ++e) sq += (xr[e] - md) * (xr[e] - md);
                }
                m = static_cast<T>(md);
                r = static_cast<T>(ops::batch_norm_invstd(sq / cnt, eps));
                mean[ci] = m;
                invstd[ci] = r;
                if (var) var[ci] = static_cast<T>(sq / cnt);
            } else {
                m = mean[ci];
                r = invstd[ci];
            }
            for (int64_t k = 0; k < n; ++k) {
                const T* xr = x + (k * c + ci) * s;
                T* yr = y + (k * c + ci) * s;
                for (int64_t e = 0; e < s; ++e) yr[e] = ops::batch_norm_out(xr[e], m, r, w, b, ci);
            }
        }
    });
}

template <class T> void batch_norm_backward_channels(int64_t n, int64_t c, int64_t s, bool training, T* dx, T* dw, T* db, const T* dy,
                                                     const T* x, const T* mean, const T* invstd, const T* w) {
    parallel_for(c, grain_for(n * s), [&](int64_t lo, int64_t hi) {
        for (int64_t ci = lo; ci < hi; ++ci) {
            const T m = mean[ci], r = invstd[ci];
            double a = 0, d = 0;
            for (int64_t k = 0; k < n; ++k) {
                const T *xr = x + (k * c + ci) * s, *gr = dy + (k * c + ci) * s;
                for (int64_t e = 0; e < s; ++e) {
                    a += gr[e];
                    d += static_cast<double>(gr[e]) * (xr[e] - m);
                }
            }
            if (dw) dw[ci] = static_cast<T>(d * r);
            if (db) db[ci] = static_cast<T>(a);
            if (!dx) continue;
            const double cnt = static_cast<double>(n * s);
            const T scale = w ? w[ci] * r : r, a_m = static_cast<T>(a / cnt), d_m = static_cast<T>(d / cnt);
            for (int64_t k = 0; k < n; ++k) {
                const T *xr = x + (k * c + ci) * s, *gr = dy + (k * c + ci) * s;
                T* dr = dx + (k * c + ci) * s;
                for (int64_t e = 0; e < s; ++e) dr[e] = ops::batch_norm_dx(training, gr[e], xr[e], m, r, scale, a_m, d_m);
            }
        }
    });
}

}  // namespace

int im2col(int dtype, const int64_t* geom, int64_t col, int64_t x) {
    if (geom == nullptr) return fail(JG_ERR_ARGUMENT, "im2col: no geometry");
    const ops::ConvGeom g(geom);
    if (!g.valid()) return bad_geom("im2col", g);
    return guarded("im2col", [&]() -> int {
        const int64_t per_row = g.cols();
        return with_float("im2col", dtype, [&](auto* tag) -> int {
            using T = std::remove_pointer_t<decltype(tag)>;
            const T* px = reinterpret_cast<const T*>(x);
            T* pc = reinterpret_cast<T*>(col);
            parallel_for(g.rows(), grain_for(per_row), [&](int64_t lo, int64_t hi) {
                for (int64_t r = lo; r < hi; ++r) im2col_row(g, px, r, pc + r * per_row);
            });
            return JG_OK;
        });
    });
}

int col2im(int dtype, const int64_t* geom, int64_t x, int64_t col) {
    if (geom == nullptr) return fail(JG_ERR_ARGUMENT, "col2im: no geometry");
    const ops::ConvGeom g(geom);
    if (!g.valid()) return bad_geom("col2im", g);
    return guarded("col2im", [&]() -> int {
        return with_float("col2im", dtype, [&](auto* tag) -> int {
            using T = std::remove_pointer_t<decltype(tag)>;
            T* px = reinterpret_cast<T*>(x);
            const T* pc = reinterpret_cast<const T*>(col);
            parallel_for(g.n * g.c, grain_for(g.h * g.w * g.kh * g.kw), [&](int64_t lo, int64_t hi) {
                for (int64_t p = lo; p < hi; ++p) col2im_plane(g, pc, p / g.c, p % g.c, px + p * g.h * g.w);
            });
            return JG_OK;
        });
    });
}

int pool2d(int kind, int dtype, const int64_t* geom, int64_t out, int64_t indices, int64_t x) {
    if (geom == nullptr) return fail(JG_ERR_ARGUMENT, "pool2d: no geometry");
    const ops::ConvGeom g(geom);
    if (!g.valid()) return bad_geom("pool2d", g);
    if (kind < ops::kPoolMax || kind > ops::kPoolAdaptiveAvg) return fail(JG_ERR_ARGUMENT, "pool2d: unknown kind " + std::to_string(kind));
    if (kind == ops::kPoolMax && indices == 0) return fail(JG_ERR_ARGUMENT, "pool2d: max pooling needs an indices buffer");
    if (kind == ops::kPoolAdaptiveAvg && ((g.oh == 0 && g.h > 0) || (g.ow == 0 && g.w > 0)))
        return fail(JG_ERR_ARGUMENT, "pool2d: an adaptive output of zero size");
    return guarded("pool2d", [&]() -> int {
        return with_float("pool2d", dtype, [&](auto* tag) -> int {
            using T = std::remove_pointer_t<decltype(tag)>;
            const T* px = reinterpret_cast<const T*>(x);
            T* po = reinterpret_cast<T*>(out);
            int64_t* pi = reinterpret_cast<int64_t*>(indices);
            const int64_t plane_in = g.h * g.w, plane_out = g.oh * g.ow;
            parallel_for(g.n * g.c, grain_for(plane_out * g.kh * g.kw), [&](int64_t lo, int64_t hi) {
                int64_t scratch = 0;
                for (int64_t p = lo; p < hi; ++p) {
                    for (int64_t o = 0; o < plane_out; ++o) {
                        int64_t* arg = pi ? pi + p * plane_out + o : &scratch;
                        po[p * plane_out + o] = ops::pool_at(kind, g, px + p * plane_in, o / g.ow, o % g.ow, arg);
                    }
                }
            });
            return JG_OK;
        });
    });
}

int pool2d_backward(int kind, int dtype, const int64_t* geom, int64_t dx, int64_t dy, int64_t indices) {
    if (geom == nullptr) return fail(JG_ERR_ARGUMENT, "pool2d_backward: no geometry");
    const ops::ConvGeom g(geom);
    if (!g.valid()) return bad_geom("pool2d_backward", g);
    if (kind < ops::kPoolMax || kind > ops::kPoolAdaptiveAvg)
        return fail(JG_ERR_ARGUMENT, "pool2d_backward: unknown kind " + std::to_string(kind));
    if (kind == ops::kPoolMax && indices == 0) return fail(JG_ERR_ARGUMENT, "pool2d_backward: max pooling needs its indices");
    return guarded("pool2d_backward", [&]() -> int {
        return with_float("pool2d_backward", dtype, [&](auto* tag) -> int {
            using T = std::remove_pointer_t<decltype(tag)>;
            T* pd = reinterpret_cast<T*>(dx);
            const T* pg = reinterpret_cast<const T*>(dy);
            const int64_t* pi = reinterpret_cast<const int64_t*>(indices);
            const int64_t plane_in = g.h * g.w, plane_out = g.oh * g.ow;
            // a scatter per plane in output order: each element receives its shares in the order of
            // ops::pool_grad_at's gather (the CUDA kernel's), so the sums round alike
            parallel_for(g.n * g.c, grain_for(plane_in * 4), [&](int64_t lo, int64_t hi) {
                for (int64_t p = lo; p < hi; ++p) {
                    T* d = pd + p * plane_in;
                    const T* gy = pg + p * plane_out;
                    std::fill(d, d + plane_in, T(0));
                    if (kind == ops::kPoolMax) {
                        const int64_t* arg = pi + p * plane_out;
                        for (int64_t o = 0; o < plane_out; ++o)
                            if (arg[o] >= 0 && arg[o] < plane_in) d[arg[o]] += gy[o];
                        continue;
                    }
                    for (int64_t oy = 0; oy < g.oh; ++oy)
                        for (int64_t ox = 0; ox < g.ow; ++ox) {
                            const ops::Window win = ops::pool_window(kind, g, oy, ox);
                            if (win.divisor <= 0) continue;
                            const T share = gy[oy * g.ow + ox] / static_cast<T>(win.divisor);
                            for (int64_t y = win.y0; y < win.y1; ++y)
                                for (int64_t x = win.x0; x < win.x1; ++x) d[y * g.w + x] += share;
                        }
                }
            });
            return JG_OK;
        });
    });
}

int batch_norm(int dtype, int64_t n, int64_t c, int64_t s, double eps, int training, int64_t y, int64_t mean, int64_t var, int64_t invstd,
               int64_t x, int64_t w, int64_t b) {
    if (n < 0 || c < 0 || s < 0) return fail(JG_ERR_ARGUMENT, "batch_norm: negative extent");
    if (training && c > 0 && n * s == 0) return fail(JG_ERR_ARGUMENT, "batch_norm: a channel of no elements has no statistics");
    return guarded("batch_norm", [&]() -> int {
        switch (dtype) {
            case JG_FLOAT32:
                batch_norm_channels<float>(n, c, s, eps, training != 0, reinterpret_cast<float*>(y), reinterpret_cast<float*>(mean),
                                           reinterpret_cast<float*>(var), reinterpret_cast<float*>(invstd), reinterpret_cast<const float*>(x),
                                           reinterpret_cast<const float*>(w), reinterpret_cast<const float*>(b));
                return JG_OK;
            case JG_FLOAT64:
                batch_norm_channels<double>(n, c, s, eps, training != 0, reinterpret_cast<double*>(y), reinterpret_cast<double*>(mean),
                                            reinterpret_cast<double*>(var), reinterpret_cast<double*>(invstd),
                                            reinterpret_cast<const double*>(x), reinterpret_cast<const double*>(w),
                                            reinterpret_cast<const double*>(b));
                return JG_OK;
            default: return float_only("batch_norm", dtype);
        }
    });
}

int batch_norm_backward(int dtype, int64_t n, int64_t c, int64_t s, int training, int64_t dx, int64_t dw, int64_t db, int64_t dy, int64_t x,
                        int64_t mean, int64_t invstd, int64_t w) {
    if (n < 0 || c < 0 || s < 0) return fail(JG_ERR_ARGUMENT, "batch_norm_backward: negative extent");
    return guarded("batch_norm_backward", [&]() -> int {
        switch (dtype) {
            case JG_FLOAT32:
                batch_norm_backward_channels<float>(n, c, s, training != 0, reinterpret_cast<float*>(dx), reinterpret_cast<float*>(dw),
                                                    reinterpret_cast<float*>(db), reinterpret_cast<const float*>(dy),
                                                    reinterpret_cast<const float*>(x), reinterpret_cast<const float*>(mean),
                                                    reinterpret_cast<const float*>(invstd), reinterpret_cast<const float*>(w));
                return JG_OK;
            case JG_FLOAT64:
                batch_norm_backward_channels<double>(n, c, s, training != 0, reinterpret_cast<double*>(dx), reinterpret_cast<double*>(dw),
                                                     reinterpret_cast<double*>(db), reinterpret_cast<const double*>(dy),
                                                     reinterpret_cast<const double*>(x), reinterpret_cast<const double*>(mean),
                                                     reinterpret_cast<const double*>(invstd), reinterpret_cast<const double*>(w));
                return JG_OK;
            default: return float_only("batch_norm_backward", dtype);
        }
    });
}

}  // namespace cpu
}  // namespace jg
