// The index arithmetic of convolution and pooling, shared by the CPU loops and the CUDA kernels so
// that both backends visit the same elements in the same order (and give the same bits).
//
// A geometry is 14 int64 values: n images of c channels of h x w, a kh x kw window moved by a
// stride (sh, sw) over the input padded by (ph, pw) zeros on each side, its taps spread by a
// dilation (dh, dw), giving an oh x ow output. Tensors are NCHW and contiguous.
//
// im2col writes the columns matrix of a convolution as [c * kh * kw, n, oh * ow]: row
// (ci * kh + i) * kw + j, column b * oh * ow + y * ow + x holds the input element under tap (i, j)
// of output (y, x) of image b, or 0 in the padding. With the images in the middle, the product
// weight [cout, c * kh * kw] x columns is one matrix product for the whole batch. col2im is its
// adjoint: each input element gathers, in tap order, the column entries that read it, so no two
// threads write one element and no atomics are needed.
//
// Pooling uses the same geometry with c as the plane count (n * c planes of h x w):
//   max: the largest element of the window (a NaN wins, as in PyTorch), with its flat index in the
//        plane (y * w + x) for the backward;
//   avg: the window's mean, the divisor counting the padding (include_pad) or not, without
//        dilation (PyTorch's avg_pool2d);
//   adaptive avg: window y spans rows floor(y * h / oh) to ceil((y + 1) * h / oh), likewise columns.
// The backward of each is a gather too: an input element sums, over the windows that hold it, its
// share of their gradient.
#pragma once
#include <cmath>
#include <cstdint>

#include "ops/hd.h"

namespace jg {
namespace ops {

enum PoolKind { kPoolMax = 0, kPoolAvgIncludePad = 1, kPoolAvgExcludePad = 2, kPoolAdaptiveAvg = 3 };

struct ConvGeom {
    int64_t n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
    explicit ConvGeom(const int64_t* p)
        : n(p[0]), c(p[1]), h(p[2]), w(p[3]), kh(p[4]), kw(p[5]), sh(p[6]), sw(p[7]), ph(p[8]), pw(p[9]), dh(p[10]), dw(p[11]),
          oh(p[12]), ow(p[13]) {}
    // extents non-negative, window, stride and dilation positive, padding non-negative
    bool valid() const {
        return n >= 0 && c >= 0 && h >= 0 && w >= 0 && kh >= 1 && kw >= 1 && sh >= 1 && sw >= 1 && ph >= 0 && pw >= 0 && dh >= 1 &&
               dw >= 1 && oh >= 0 && ow >= 0;
    }
    int64_t rows() const { return c * kh * kw; }
    int64_t cols() const { return n * oh * ow; }
};

// Column entry (row, q) of the image batch x.
template <class T> JG_HD T im2col_at(const ConvGeom& g, const T* x, int64_t row, int64_t q) {
    const int64_t j = row % g.kw, i = (row / g.kw) % g.kh, ci = row / (g.kw * g.kh);
    const int64_t ox = q % g.ow, oy = (q / g.ow) % g.oh, b = q / (g.ow * g.oh);
    const int64_t iy = oy * g.sh - g.ph + i * g.dh, ix = ox * g.sw - g.pw + j * g.dw;
    if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) return T(0);
    return x[((b * g.c + ci) * g.h + iy) * g.w + ix];
}

// The output position reached from input coordinate v by tap t along one axis, or -1.
JG_HD int64_t conv_out_pos(int64_t v, int64_t t, int64_t stride, int64_t pad, int64_t dilation, int64_t out) {
    const int64_t s = v + pad - t * dilation;
    if (s < 0 || s % stride != 0) return -1;
    const int64_t o = s / stride;
    return o < out ? o : -1;
}

// Input element (b, ci, iy, ix): the sum of the column entries that read it, taps in order.
template <class T> JG_HD T col2im_at(const ConvGeom& g, const T* col, int64_t b, int64_t ci, int64_t iy, int64_t ix) {
    const int64_t q0 = b * g.oh * g.ow, ncols = g.n * g.oh * g.ow;
    T acc = T(0);
    for (int64_t i = 0; i < g.kh; ++i) {
        const int64_t oy = conv_out_pos(iy, i, g.sh, g.ph, g.dh, g.oh);
        if (oy < 0) continue;
        for (int64_t j = 0; j < g.kw; ++j) {
            const int64_t ox = conv_out_pos(ix, j, g.sw, g.pw, g.dw, g.ow);
            if (ox < 0) continue;
            acc += col[((ci * g.kh + i) * g.kw + j) * ncols + q0 + oy * g.ow + ox];
        }
    }
    return acc;
}

JG_HD int64_t adaptive_start(int64_t o, int64_t in, int64_t out) { return o * in / out; }
JG_HD int64_t adaptive_end(int64_t o, int64_t in, int64_t out) { return ((o + 1) * in + out - 1) / out; }

// The clipped window of output (oy, ox) and, for the average kinds, its divisor.
struct Window {
    int64_t y0, y1, x0, x1, divisor;
};

JG_HD Window pool_window(int kind, const ConvGeom& g, int64_t oy, int64_t ox) {
    Window win;
    if (kind == kPoolAdaptiveAvg) {
        win.y0 = adaptive_start(oy, g.h, g.oh);
        win.y1 = adaptive_end(oy, g.h, g.oh);
        win.x0 = adaptive_start(ox, g.w, g.ow);
        win.x1 = adaptive_end(ox, g.w, g.ow);
        win.divisor = (win.y1 - win.y0) * (win.x1 - win.x0);
        return win;
    }
    int64_t y0 = oy * g.sh - g.ph, x0 = ox * g.sw - g.pw;
    if (kind == kPoolMax) {
        // the taps y0 + i * dh; the loops below skip those outside
        win.y0 = y0;
        win.x0 = x0;
        win.y1 = y0 + (g.kh - 1) * g.dh + 1;
        win.x1 = x0 + (g.kw - 1) * g.dw + 1;
        win.divisor = 1;
        return win;
    }
    int64_t y1 = y0 + g.kh < g.h + g.ph ? y0 + g.kh : g.h + g.ph;
    int64_t x1 = x0 + g.kw < g.w + g.pw ? x0 + g.kw : g.w + g.pw;
    const int64_t padded = (y1 - y0) * (x1 - x0);
    y0 = y0 < 0 ? 0 : y0;
    x0 = x0 < 0 ? 0 : x0;
    y1 = y1 > g.h ? g.h : y1;
    x1 = x1 > g.w ? g.w : x1;
    win.y0 = y0;
    win.y1 = y1;
    win.x0 = x0;
    win.x1 = x1;
    win.divisor = kind == kPoolAvgIncludePad ? padded : (y1 - y0) * (x1 - x0);
    return win;
}

// Output (oy, ox) of plane p (x and the index at the plane's start); for max, *arg gets the flat
// index of the winner in the plane (-1 for a window of padding only).
template <class T> JG_HD T pool_at(int kind, const ConvGeom& g, const T* plane, int64_t oy, int64_t ox, int64_t* arg) {
    const Window win = pool_window(kind, g, oy, ox);
    if (kind == kPoolMax) {
        T best = -INFINITY;
        int64_t at = -1;
        for (int64_t i = 0; i < g.kh; ++i) {
            const int64_t y = win.y0 + i * g.dh;
            if (y < 0 || y >= g.h) continue;
            for (int64_t j = 0; j < g.kw; ++j) {
                const int64_t x = win.x0 + j * g.dw;
                if (x < 0 || x >= g.w) continue;
                const T v = plane[y * g.w + x];
                if (at < 0 || v > best || v != v) {
                    best = v;
                    at = y * g.w + x;
                }
            }
        }
        *arg = at;
        return best;
    }
    double s = 0;
    for (int64_t y = win.y0; y < win.y1; ++y)
        for (int64_t x = win.x0; x < win.x1; ++x) s += plane[y * g.w + x];
    return win.divisor > 0 ? static_cast<T>(s / win.divisor) : T(0);
}

// The output rows (or columns) whose windows may hold input coordinate v along one axis, as
// [lo, hi); pool_grad_at checks each.
JG_HD void pool_candidates(int kind, int64_t v, int64_t in, int64_t out, int64_t k, int64_t stride, int64_t pad, int64_t dilation,
                           int64_t& lo, int64_t& hi) {
    if (kind == kPoolAdaptiveAvg) {
        lo = v * out / in;
        hi = ((v + 1) * out + in - 1) / in;
    } else {
        // window o starts at o * stride - pad and reaches (k - 1) * dilation further
        const int64_t reach = (k - 1) * dilation;
        const int64_t a = v + pad - reach;
        lo = a <= 0 ? 0 : (a + stride - 1) / stride;
        hi = (v + pad) / stride + 1;
    }
    if (lo < 0) lo = 0;
    if (hi > out) hi = out;
}

// dx at (y, x) of a plane from the plane's dy (and, for max, its argmax indices).
template <class T> JG_HD T pool_grad_at(int kind, const ConvGeom& g, const T* dy, const int64_t* arg, int64_t y, int64_t x) {
    int64_t ylo, yhi, xlo, xhi;
    pool_candidates(kind, y, g.h, g.oh, g.kh, g.sh, g.ph, g.dh, ylo, yhi);
    pool_candidates(kind, x, g.w, g.ow, g.kw, g.sw, g.pw, g.dw, xlo, xhi);
    T acc = T(0);
    const int64_t self = y * g.w + x;
    for (int64_t oy = ylo; oy < yhi; ++oy) {
        for (int64_t ox = xlo; ox < xhi; ++ox) {
            const int64_t o = oy * g.ow + ox;
            if (kind == kPoolMax) {
                if (arg[o] == self) acc += dy[o];
                continue;
            }
            const Window win = pool_window(kind, g, oy, ox);
            if (y >= win.y0 && y < win.y1 && x >= win.x0 && x < win.x1 && win.divisor > 0) acc += dy[o] / static_cast<T>(win.divisor);
        }
    }
    return acc;
}

// Batch normalisation over [n, c, s] (channel ci's elements at (b * c + ci) * s + k):
//   y = (x - mean) * invstd * w + b, invstd = 1 / sqrt(var + eps) with the biased variance;
//   backward, from sums over the channel of dy (a) and dy * (x - mean) (d), count m:
//     training: dx = w * invstd * (dy - a / m - (x - mean) * invstd² * d / m)
//     eval:     dx = w * invstd * dy
//   dw = d * invstd, db = a.
JG_HD double batch_norm_invstd(double var, double eps) { return 1.0 / sqrt(var + eps); }

template <class T> JG_HD T batch_norm_out(T x, T mean, T invstd, const T* w, const T* b, int64_t ci) {
    const T xh = (x - mean) * invstd;
    return (w ? xh * w[ci] : xh) + (b ? b[ci] : T(0));
}

template <class T> JG_HD T batch_norm_dx(bool training, T dy, T x, T mean, T invstd, T scale, T a_m, T d_m) {
    if (!training) return dy * scale;
    return scale * (dy - a_m - (x - mean) * invstd * invstd * d_m);
}

}  // namespace ops
}  // namespace jg
