// Native CUDA suite: every op family on a CUDA device (the emulation, or a GPU) against the same call on JG_CPU, on the same inputs.
// It runs wherever the library has CUDA kernels and a device: on a GPU, and in CI against the host
// emulation (-DJGRAD_CUDA=EMULATE), where AddressSanitizer watches the kernels' memory accesses.
// Without a device it reports itself skipped (exit code 77).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <cstdlib>
#include <string>
#include <vector>
#include <utility>

#include "check.h"
#include "jgrad/jgrad.h"

#define CHECK_OK(call)                                                                        \
    do {                                                                                      \
        int st_ = (call);                                                                     \
        if (st_ != JG_OK) {                                                                   \
            std::printf("FAIL %s:%d: %s -> %d: %s\n", __FILE__, __LINE__, #call, st_, jg_last_error()); \
            ++failures;                                                                       \
        }                                                                                     \
    } while (0)

static const int D = 0;
template <class T> static int64_t addr(T* p) { return reinterpret_cast<int64_t>(p); }

// Device memory holding a copy of v, freed at scope exit.
template <class T> struct Dev {
    int64_t p = 0, bytes = 0;
    explicit Dev(int64_t n) : bytes(n * static_cast<int64_t>(sizeof(T))) { p = jg_alloc(D, bytes == 0 ? 1 : bytes); }
    explicit Dev(const std::vector<T>& v) : Dev(static_cast<int64_t>(v.size())) { put(v); }
    Dev(const Dev&) = delete;
    ~Dev() { jg_free(D, p, bytes == 0 ? 1 : bytes); }
    void put(const std::vector<T>& v) { CHECK_OK(jg_copy_bytes(D, p, JG_CPU, addr(const_cast<T*>(v.data())), bytes)); }
    std::vector<T> get() const {
        std::vector<T> v(bytes / sizeof(T));
        CHECK_OK(jg_copy_bytes(JG_CPU, addr(v.data()), D, p, bytes));
        return v;
    }
    int64_t at(int64_t i) const { return p + i * static_cast<int64_t>(sizeof(T)); }
};

template <class T> static bool near(T got, T want, double rel) {
    if (std::isnan(static_cast<double>(want))) return std::isnan(static_cast<double>(got));
    if (std::isinf(static_cast<double>(want))) return got == want;
    return std::fabs(static_cast<double>(got) - static_cast<double>(want)) <= rel * (1 + std::fabs(static_cast<double>(want)));
}
template <class T> static bool all_near(const std::vector<T>& got, const std::vector<T>& want, double rel, const char* what) {
    if (got.size() != want.size()) {
        std::printf("  %s: size %zu vs %zu\n", what, got.size(), want.size());
        return false;
    }
    for (size_t i = 0; i < got.size(); ++i)
        if (!near(got[i], want[i], rel)) {
            std::printf("  %s: element %zu is %.17g, CPU has %.17g\n", what, i, static_cast<double>(got[i]), static_cast<double>(want[i]));
            return false;
        }
    return true;
}
template <class T> static bool bits_equal(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}
template <class T> static double tol() { return sizeof(T) == 4 ? 2e-6 : 1e-14; }

template <class T> static std::vector<T> sample(int64_t n, double lo, double hi, int salt) {
    std::vector<T> v(n);
    for (int64_t i = 0; i < n; ++i) v[i] = static_cast<T>(lo + (hi - lo) * std::fmod(std::fabs(std::sin(i * 12.9898 + salt)) * 43758.5453, 1.0));
    return v;
}

template <class T> static void unary_binary(int dtype) {
    // n leaves a tail after the 128-bit vectors; offset 1 makes the pointers unaligned (scalar path)
    for (int64_t n : {int64_t(1), int64_t(4099)}) {
        for (int offset : {0, 1}) {
            std::vector<T> x = sample<T>(n + offset, 0.1, 3, 1), y = sample<T>(n + offset, -2, 2, 2);
            Dev<T> dx(x), dy(y), dout(n + offset);
            for (int op = 0; op < JG_UNARY_OP_COUNT; ++op) {
                std::vector<T> want(n + offset, T(0));
                CHECK_OK(jg_unary(JG_CPU, op, dtype, n, 0, nullptr, addr(want.data() + offset), addr(x.data() + offset), 0.5, 2.0));
                CHECK_OK(jg_fill(D, dtype, n + offset, dout.p, 0));
                CHECK_OK(jg_unary(D, op, dtype, n, 0, nullptr, dout.at(offset), dx.at(offset), 0.5, 2.0));
                CHECK(all_near(dout.get(), want, 4 * tol<T>(), ("unary op " + std::to_string(op)).c_str()));
            }
            for (int op = 0; op < JG_BINARY_OP_COUNT; ++op) {
                bool compare = op >= JG_EQ && op <= JG_LE;
                if (compare) {
                    std::vector<unsigned char> want(n), got(n);
                    CHECK_OK(jg_binary(JG_CPU, op, dtype, n, 0, nullptr, addr(want.data()), addr(x.data() + offset), addr(y.data() + offset), 0, 0));
                    Dev<unsigned char> db(n);
                    CHECK_OK(jg_binary(D, op, dtype, n, 0, nullptr, db.p, dx.at(offset), dy.at(offset), 0, 0));
                    CHECK(db.get() == want);
                } else {
                    std::vector<T> want(n + offset, T(0));
                    CHECK_OK(jg_binary(JG_CPU, op, dtype, n, 0, nullptr, addr(want.data() + offset), addr(x.data() + offset), addr(y.data() + offset), 0.25, 1.5));
                    CHECK_OK(jg_fill(D, dtype, n + offset, dout.p, 0));
                    CHECK_OK(jg_binary(D, op, dtype, n, 0, nullptr, dout.at(offset), dx.at(offset), dy.at(offset), 0.25, 1.5));
                    CHECK(all_near(dout.get(), want, 4 * tol<T>(), ("binary op " + std::to_string(op)).c_str()));
                }
            }
        }
    }
    // strided and broadcast: out[i][j] = x[j][i] + y[i] for a 37 x 53 result
    const int64_t R = 37, C = 53;
    std::vector<T> x = sample<T>(R * C, -1, 1, 3), y = sample<T>(R, -1, 1, 4), want(R * C);
    int64_t geom[] = {R, C, /*out*/ C, 1, /*x (transposed)*/ 1, R, /*y (broadcast along j)*/ 1, 0};
    CHECK_OK(jg_binary(JG_CPU, JG_ADD, dtype, R * C, 2, geom, addr(want.data()), addr(x.data()), addr(y.data()), 0, 0));
    Dev<T> dx(x), dy(y), dout(R * C);
    CHECK_OK(jg_binary(D, JG_ADD, dtype, R * C, 2, geom, dout.p, dx.p, dy.p, 0, 0));
    CHECK(all_near(dout.get(), want, 0, "strided add"));
    int64_t ugeom[] = {R, C, C, 1, 1, R};
    CHECK_OK(jg_unary(JG_CPU, JG_EXP, dtype, R * C, 2, ugeom, addr(want.data()), addr(x.data()), 0, 0));
    CHECK_OK(jg_unary(D, JG_EXP, dtype, R * C, 2, ugeom, dout.p, dx.p, 0, 0));
    CHECK(all_near(dout.get(), want, 4 * tol<T>(), "strided exp"));
}

static void copy_where_fill() {
    // float64 -> float32 / int64 / bool, transposed
    const int64_t R = 19, C = 31;
    std::vector<double> x = sample<double>(R * C, -5, 5, 5);
    x[3] = 0;
    Dev<double> dx(x);
    int64_t geom[] = {R, C, C, 1, 1, R};
    std::vector<float> wf(R * C);
    CHECK_OK(jg_copy(JG_CPU, JG_FLOAT32, JG_FLOAT64, R * C, 2, geom, addr(wf.data()), addr(x.data())));
    Dev<float> df(R * C);
    CHECK_OK(jg_copy(D, JG_FLOAT32, JG_FLOAT64, R * C, 2, geom, df.p, dx.p));
    CHECK(df.get() == wf);
    std::vector<int64_t> wi(R * C);
    CHECK_OK(jg_copy(JG_CPU, JG_INT64, JG_FLOAT64, R * C, 0, nullptr, addr(wi.data()), addr(x.data())));
    Dev<int64_t> di(R * C);
    CHECK_OK(jg_copy(D, JG_INT64, JG_FLOAT64, R * C, 0, nullptr, di.p, dx.p));
    CHECK(di.get() == wi);
    std::vector<unsigned char> wb(R * C);
    CHECK_OK(jg_copy(JG_CPU, JG_BOOL, JG_FLOAT64, R * C, 0, nullptr, addr(wb.data()), addr(x.data())));
    Dev<unsigned char> db(R * C);
    CHECK_OK(jg_copy(D, JG_BOOL, JG_FLOAT64, R * C, 0, nullptr, db.p, dx.p));
    CHECK(db.get() == wb);
    // where(cond, a, b) with a broadcast b
    std::vector<double> a = sample<double>(R * C, 0, 1, 6), b = {42.0}, w(R * C);
    int64_t wgeom[] = {R * C, 1, 1, 1, 0};
    CHECK_OK(jg_where(JG_CPU, JG_FLOAT64, R * C, 1, wgeom, addr(w.data()), addr(wb.data()), addr(a.data()), addr(b.data())));
    Dev<double> da(a), dbb(b), dw(R * C);
    CHECK_OK(jg_where(D, JG_FLOAT64, R * C, 1, wgeom, dw.p, db.p, da.p, dbb.p));
    CHECK(dw.get() == w);
    CHECK_OK(jg_fill(D, JG_INT64, R * C, di.p, -7));
    CHECK(di.get() == std::vector<int64_t>(R * C, -7));
}

// Same bits as the CPU: random, arange and linspace share their element formulas.
static void creation() {
    for (int kind : {0, 1}) {
        const int64_t n = 10007;
        std::vector<double> w(n);
        std::vector<float> wf(n);
        CHECK_OK(jg_random(JG_CPU, kind, JG_FLOAT64, n, addr(w.data()), 1234, 77, -1, 3));
        CHECK_OK(jg_random(JG_CPU, kind, JG_FLOAT32, n, addr(wf.data()), 1234, 77, -1, 3));
        Dev<double> d(n);
        Dev<float> df(n);
        CHECK_OK(jg_random(D, kind, JG_FLOAT64, n, d.p, 1234, 77, -1, 3));
        CHECK_OK(jg_random(D, kind, JG_FLOAT32, n, df.p, 1234, 77, -1, 3));
        CHECK(d.get() == w);
        CHECK(df.get() == wf);
    }
    const int64_t n = 1001;
    std::vector<float> w(n);
    Dev<float> d(n);
    CHECK_OK(jg_arange(JG_CPU, JG_FLOAT32, n, addr(w.data()), -3.5, 0.1));
    CHECK_OK(jg_arange(D, JG_FLOAT32, n, d.p, -3.5, 0.1));
    CHECK(d.get() == w);
    CHECK_OK(jg_linspace(JG_CPU, JG_FLOAT32, n, addr(w.data()), -1, 7));
    CHECK_OK(jg_linspace(D, JG_FLOAT32, n, d.p, -1, 7));
    CHECK(d.get() == w);
    std::vector<int64_t> wi(n);
    Dev<int64_t> di(n);
    CHECK_OK(jg_arange(JG_CPU, JG_INT64, n, addr(wi.data()), 5, -2));
    CHECK_OK(jg_arange(D, JG_INT64, n, di.p, 5, -2));
    CHECK(di.get() == wi);
}

template <class T> static void reduce_case(int dtype, int64_t outer, int64_t r, int64_t inner, bool with_nan, bool ties) {
    std::vector<T> x = sample<T>(outer * r * inner, -100, 100, static_cast<int>(outer + r + inner));
    if (ties) std::fill(x.begin(), x.end(), T(3));
    if (with_nan && x.size() > 10) x[x.size() / 2 + 3] = std::numeric_limits<T>::quiet_NaN();
    Dev<T> dx(x);
    // the same values one element further on: not 16-byte aligned, so long rows take the scalar
    // loads, which must give the same bits as the vector loads
    std::vector<T> shifted(x.size() + 1, T(0));
    std::copy(x.begin(), x.end(), shifted.begin() + 1);
    Dev<T> dshifted(shifted);
    const std::string shape = "[" + std::to_string(outer) + ", " + std::to_string(r) + ", " + std::to_string(inner) + "]";
    for (int op = 0; op < JG_REDUCE_OP_COUNT; ++op) {
        bool index = op == JG_ARGMAX || op == JG_ARGMIN;
        std::string what = "reduce op " + std::to_string(op) + " " + shape;
        if (index) {
            std::vector<int64_t> want(outer * inner);
            CHECK_OK(jg_reduce(JG_CPU, op, dtype, outer, r, inner, addr(want.data()), addr(x.data())));
            Dev<int64_t> dout(outer * inner), dout2(outer * inner);
            CHECK_OK(jg_reduce(D, op, dtype, outer, r, inner, dout.p, dx.p));
            CHECK_OK(jg_reduce(D, op, dtype, outer, r, inner, dout2.p, dshifted.at(1)));
            CHECK(all_near(dout.get(), want, 0, what.c_str()));
            CHECK(dout2.get() == dout.get());
        } else {
            std::vector<T> want(outer * inner);
            CHECK_OK(jg_reduce(JG_CPU, op, dtype, outer, r, inner, addr(want.data()), addr(x.data())));
            Dev<T> dout(outer * inner), dout2(outer * inner);
            CHECK_OK(jg_reduce(D, op, dtype, outer, r, inner, dout.p, dx.p));
            CHECK_OK(jg_reduce(D, op, dtype, outer, r, inner, dout2.p, dshifted.at(1)));
            // sums add in a different order; relative to the sum of magnitudes
            const std::vector<T> got = dout.get(), got2 = dout2.get();
            CHECK(all_near(got, want, op == JG_SUM ? 1e-6 * std::sqrt(static_cast<double>(r)) : 0, what.c_str()));
            CHECK(std::memcmp(got.data(), got2.data(), got.size() * sizeof(T)) == 0);
        }
    }
}

static void reductions() {
    const int64_t shapes[][3] = {{1, 1, 1}, {5, 7, 1}, {3, 50001, 1}, {1, 1 << 20, 1}, {2, 300000, 1}, {4, 10, 6},
                                 {1, 100000, 3}, {7, 3000, 5}, {1, 3, 70000}, {100000, 3, 1}, {1, 100003, 1}, {5, 2000, 1}, {2, 5596, 1},
                                 {3, 4100, 1}};
    for (auto& s : shapes) {
        reduce_case<float>(JG_FLOAT32, s[0], s[1], s[2], false, false);
        reduce_case<double>(JG_FLOAT64, s[0], s[1], s[2], true, false);
    }
    reduce_case<float>(JG_FLOAT32, 1, 1 << 20, 1, false, true);  // ties across chunks: first index
    reduce_case<float>(JG_FLOAT32, 1, 70000, 3, false, true);
    reduce_case<float>(JG_FLOAT32, 1, 1 << 20, 1, true, false);  // NaN in a late chunk
    // integer and bool sums
    std::vector<int64_t> xi(300001);
    for (size_t i = 0; i < xi.size(); ++i) xi[i] = static_cast<int64_t>(i % 1000) - 400;
    Dev<int64_t> dxi(xi), dsum(1);
    int64_t want = 0;
    CHECK_OK(jg_reduce(JG_CPU, JG_SUM, JG_INT64, 1, static_cast<int64_t>(xi.size()), 1, addr(&want), addr(xi.data())));
    CHECK_OK(jg_reduce(D, JG_SUM, JG_INT64, 1, static_cast<int64_t>(xi.size()), 1, dsum.p, dxi.p));
    CHECK(dsum.get()[0] == want);
    std::vector<unsigned char> xb(100003);
    for (size_t i = 0; i < xb.size(); ++i) xb[i] = i % 3 == 0;
    Dev<unsigned char> dxb(xb);
    CHECK_OK(jg_reduce(D, JG_SUM, JG_BOOL, 1, static_cast<int64_t>(xb.size()), 1, dsum.p, dxb.p));
    CHECK(dsum.get()[0] == 33335);
    // an empty sum is zero; an empty max is an error
    Dev<float> dz(4);
    CHECK_OK(jg_fill(D, JG_FLOAT32, 4, dz.p, 9));
    CHECK_OK(jg_reduce(D, JG_SUM, JG_FLOAT32, 2, 0, 2, dz.p, dz.p));
    CHECK(dz.get() == std::vector<float>(4, 0.0f));
    CHECK(jg_reduce(D, JG_MAX, JG_FLOAT32, 1, 0, 1, dz.p, dz.p) == JG_ERR_ARGUMENT);
}

template <class T> static void softmax(int dtype) {
    for (int64_t cols : {int64_t(1), int64_t(10), int64_t(64), int64_t(65), int64_t(1000), int64_t(5000)}) {
        const int64_t rows = 7;
        std::vector<T> x = sample<T>(rows * cols, -30, 30, 8), dy = sample<T>(rows * cols, -1, 1, 9);
        Dev<T> dx(x), ddy(dy), dout(rows * cols), dgrad(rows * cols);
        for (int log : {0, 1}) {
            std::vector<T> want(rows * cols), gwant(rows * cols);
            CHECK_OK(jg_softmax(JG_CPU, log, dtype, rows, cols, addr(want.data()), addr(x.data())));
            CHECK_OK(jg_softmax(D, log, dtype, rows, cols, dout.p, dx.p));
            CHECK(all_near(dout.get(), want, 8 * tol<T>(), "softmax"));
            CHECK_OK(jg_softmax_backward(JG_CPU, log, dtype, rows, cols, addr(gwant.data()), addr(want.data()), addr(dy.data())));
            CHECK_OK(jg_softmax_backward(D, log, dtype, rows, cols, dgrad.p, dout.p, ddy.p));
            CHECK(all_near(dgrad.get(), gwant, 1e3 * tol<T>(), "softmax backward"));
            // a thread per row sums in the CPU's order: with the row formulas shared (ops/softmax.h)
            // the bits are the same on the emulation (a GPU's double log and exp may differ from
            // the host's in the last bit); a block per row sums in a tree
            if (cols <= 64 && jg_cuda_emulated()) CHECK(dout.get() == want && dgrad.get() == gwant);
        }
    }
}

// Layer norm rows on the device against the CPU: a thread per short row (the CPU's order, so the
// same bits), a block per long row (a tree order), with and without the affine weights.
template <class T> static void layer_norm(int dtype) {
    for (int64_t cols : {int64_t(1), int64_t(7), int64_t(64), int64_t(65), int64_t(3000)}) {
        const int64_t rows = 9;
        std::vector<T> x = sample<T>(rows * cols, -3, 5, 21), dy = sample<T>(rows * cols, -1, 1, 22);
        std::vector<T> w = sample<T>(cols, 0.5, 1.5, 23), b = sample<T>(cols, -1, 1, 24);
        Dev<T> dx(x), ddy(dy), dw(w), db(b), dout(rows * cols), dmean(rows), drstd(rows), dgrad(rows * cols);
        for (bool affine : {false, true}) {
            std::vector<T> y(rows * cols), mean(rows), rstd(rows), g(rows * cols);
            const int64_t hw = affine ? addr(w.data()) : 0, hb = affine ? addr(b.data()) : 0;
            CHECK_OK(jg_layer_norm(JG_CPU, dtype, rows, cols, 1e-5, addr(y.data()), addr(mean.data()), addr(rstd.data()), addr(x.data()), hw, hb));
            CHECK_OK(jg_layer_norm(D, dtype, rows, cols, 1e-5, dout.p, dmean.p, drstd.p, dx.p, affine ? dw.p : 0, affine ? db.p : 0));
            CHECK(all_near(dout.get(), y, 8 * tol<T>(), "layer_norm"));
            CHECK(all_near(drstd.get(), rstd, 8 * tol<T>(), "layer_norm rstd"));
            CHECK_OK(jg_layer_norm_backward(JG_CPU, dtype, rows, cols, addr(g.data()), addr(dy.data()), addr(x.data()), addr(mean.data()),
                                            addr(rstd.data()), hw));
            CHECK_OK(jg_layer_norm_backward(D, dtype, rows, cols, dgrad.p, ddy.p, dx.p, dmean.p, drstd.p, affine ? dw.p : 0));
            CHECK(all_near(dgrad.get(), g, 1e3 * tol<T>(), "layer_norm backward"));
            if (cols <= 64 && jg_cuda_emulated()) CHECK(dout.get() == y && dgrad.get() == g);
        }
    }
    CHECK(jg_layer_norm(D, dtype, 2, 0, 1e-5, 0, 0, 0, 0, 0, 0) == JG_ERR_ARGUMENT);
}

// Convolution lowering and pooling on the device against the CPU: the same bits (the kernels use
// the CPU's arithmetic in its order), over strides, padding, dilation and the four pool kinds; a
// geometry with a zero stride is refused. Batch norm: training and eval, with and without affine.
template <class T> static void conv_pool(int dtype) {
    struct G { int64_t n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw; };
    for (G q : {G{2, 3, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1}, G{1, 2, 9, 8, 2, 3, 2, 3, 1, 0, 1, 1}, G{3, 1, 10, 10, 3, 2, 2, 1, 2, 1, 2, 3},
                G{2, 2, 5, 5, 1, 1, 1, 1, 0, 0, 1, 1}}) {
        const int64_t oh = (q.h + 2 * q.ph - q.dh * (q.kh - 1) - 1) / q.sh + 1, ow = (q.w + 2 * q.pw - q.dw * (q.kw - 1) - 1) / q.sw + 1;
        const int64_t geom[14] = {q.n, q.c, q.h, q.w, q.kh, q.kw, q.sh, q.sw, q.ph, q.pw, q.dh, q.dw, oh, ow};
        const int64_t nx = q.n * q.c * q.h * q.w, ncol = q.c * q.kh * q.kw * q.n * oh * ow, nout = q.n * q.c * oh * ow;
        std::vector<T> x = sample<T>(nx, -2, 2, 31), cols(ncol), back(nx), colsin = sample<T>(ncol, -1, 1, 32);
        Dev<T> dx(x), dcol(ncol), dback(nx), dcolsin(colsin);
        CHECK_OK(jg_im2col(JG_CPU, dtype, geom, addr(cols.data()), addr(x.data())));
        CHECK_OK(jg_im2col(D, dtype, geom, dcol.p, dx.p));
        CHECK(bits_equal(dcol.get(), cols));
        CHECK_OK(jg_col2im(JG_CPU, dtype, geom, addr(back.data()), addr(colsin.data())));
        CHECK_OK(jg_col2im(D, dtype, geom, dback.p, dcolsin.p));
        CHECK(bits_equal(dback.get(), back));
        // pooling takes the padding only up to half the window
        if (q.ph * 2 > q.kh || q.pw * 2 > q.kw) continue;
        for (int kind = 0; kind < 4; ++kind) {
            int64_t pg[14];
            std::memcpy(pg, geom, sizeof pg);
            if (kind != 0) pg[10] = pg[11] = 1;
            const int64_t poh = kind == 3 ? 4 : (q.h + 2 * q.ph - pg[10] * (q.kh - 1) - 1) / q.sh + 1;
            const int64_t pow_ = kind == 3 ? 3 : (q.w + 2 * q.pw - pg[11] * (q.kw - 1) - 1) / q.sw + 1;
            pg[12] = poh;
            pg[13] = pow_;
            const int64_t np = q.n * q.c * poh * pow_;
            std::vector<T> out(np), dy = sample<T>(np, -1, 1, 33 + kind), dxh(nx);
            std::vector<int64_t> idx(np);
            Dev<T> dout(np), ddy(dy), ddx(nx);
            Dev<int64_t> didx(np);
            CHECK_OK(jg_pool2d(JG_CPU, kind, dtype, pg, addr(out.data()), addr(idx.data()), addr(x.data())));
            CHECK_OK(jg_pool2d(D, kind, dtype, pg, dout.p, didx.p, dx.p));
            CHECK(bits_equal(dout.get(), out));
            if (kind == 0) CHECK(didx.get() == idx);
            CHECK_OK(jg_pool2d_backward(JG_CPU, kind, dtype, pg, addr(dxh.data()), addr(dy.data()), addr(idx.data())));
            CHECK_OK(jg_pool2d_backward(D, kind, dtype, pg, ddx.p, ddy.p, didx.p));
            CHECK(bits_equal(ddx.get(), dxh));
        }
        (void)nout;
    }
    int64_t bad[14] = {1, 1, 4, 4, 2, 2, 0, 1, 0, 0, 1, 1, 2, 2};
    CHECK(jg_im2col(D, dtype, bad, 0, 0) == JG_ERR_ARGUMENT);
    CHECK(jg_pool2d(D, 0, dtype, bad, 0, 0, 0) == JG_ERR_ARGUMENT);
    for (int64_t s : {int64_t(1), int64_t(50), int64_t(700)}) {
        const int64_t n = 3, c = 4, total = n * c * s;
        std::vector<T> x = sample<T>(total, -3, 5, 41), dy = sample<T>(total, -1, 1, 42), w = sample<T>(c, 0.5, 1.5, 43), b = sample<T>(c, -1, 1, 44);
        Dev<T> dx(x), ddy(dy), dw(w), db(b);
        for (int training : {1, 0}) {
            for (bool affine : {false, true}) {
                std::vector<T> y(total), mean(c), var(c), invstd(c), g(total), gw(c), gb(c);
                Dev<T> dyo(total), dmean(c), dvar(c), dinv(c), dg(total), dgw(c), dgb(c);
                if (!training) {
                    mean = sample<T>(c, -1, 1, 45);
                    invstd = sample<T>(c, 0.5, 2, 46);
                    dmean.put(mean);
                    dinv.put(invstd);
                }
                const int64_t hw = affine ? addr(w.data()) : 0, hb = affine ? addr(b.data()) : 0;
                CHECK_OK(jg_batch_norm(JG_CPU, dtype, n, c, s, 1e-5, training, addr(y.data()), addr(mean.data()), addr(var.data()),
                                       addr(invstd.data()), addr(x.data()), hw, hb));
                CHECK_OK(jg_batch_norm(D, dtype, n, c, s, 1e-5, training, dyo.p, dmean.p, dvar.p, dinv.p, dx.p, affine ? dw.p : 0,
                                       affine ? db.p : 0));
                CHECK(all_near(dyo.get(), y, 8 * tol<T>(), "batch_norm"));
                if (training) CHECK(all_near(dvar.get(), var, 8 * tol<T>(), "batch_norm var"));
                CHECK_OK(jg_batch_norm_backward(JG_CPU, dtype, n, c, s, training, addr(g.data()), addr(gw.data()), addr(gb.data()),
                                                addr(dy.data()), addr(x.data()), addr(mean.data()), addr(invstd.data()), hw));
                CHECK_OK(jg_batch_norm_backward(D, dtype, n, c, s, training, dg.p, dgw.p, dgb.p, ddy.p, dx.p, dmean.p, dinv.p,
                                                affine ? dw.p : 0));
                CHECK(all_near(dg.get(), g, 1e3 * tol<T>(), "batch_norm backward"));
                CHECK(all_near(dgw.get(), gw, 1e3 * tol<T>(), "batch_norm dw"));
                CHECK(all_near(dgb.get(), gb, 1e3 * tol<T>(), "batch_norm db"));
            }
        }
    }
}

// Cross-entropy and NLL rows on the device against the CPU: short rows (a thread each) and long
// rows (a block each), strided targets, an ignored row, a broadcast gradient, and a bad target.
template <class T> static void losses(int dtype) {
    for (int64_t cols : {int64_t(1), int64_t(10), int64_t(64), int64_t(65), int64_t(3000)}) {
        const int64_t rows = 37;
        std::vector<T> x = sample<T>(rows * cols, -20, 20, 13), g = sample<T>(rows, -1, 1, 14);
        std::vector<int64_t> tg(2 * rows);  // read with stride 2
        for (int64_t i = 0; i < rows; ++i) tg[2 * i] = (i * 7) % cols;
        tg[0] = tg[2 * 5] = tg[2 * (rows - 1)] = -100;  // ignored, also the rows a launch runs first
        Dev<T> dx(x), dg(g), dloss(rows), dgrad(rows * cols);
        Dev<double> dlse(rows);
        Dev<int64_t> dt(tg);
        std::vector<T> loss(rows), grad(rows * cols);
        std::vector<double> lse(rows);
        CHECK_OK(jg_cross_entropy(JG_CPU, dtype, rows, cols, addr(loss.data()), addr(lse.data()), addr(x.data()), addr(tg.data()), 2, 1, -100));
        CHECK_OK(jg_cross_entropy(D, dtype, rows, cols, dloss.p, dlse.p, dx.p, dt.p, 2, 1, -100));
        CHECK(all_near(dloss.get(), loss, 4 * tol<T>(), "cross_entropy"));
        CHECK(loss[5] == T(0) && dloss.get()[5] == T(0));
        CHECK_OK(jg_cross_entropy_backward(JG_CPU, dtype, rows, cols, addr(grad.data()), addr(x.data()), addr(lse.data()), addr(tg.data()), 2, 1, -100,
                                           addr(g.data()), 1));
        CHECK_OK(jg_cross_entropy_backward(D, dtype, rows, cols, dgrad.p, dx.p, dlse.p, dt.p, 2, 1, -100, dg.p, 1));
        CHECK(all_near(dgrad.get(), grad, 4 * tol<T>(), "cross_entropy backward"));
        // nll of x read as the transpose of a [cols, rows] matrix (row stride 1, column stride rows)
        const int64_t rs = 1, cs = rows;
        std::vector<T> nll(rows), ngrad(rows * cols);
        const std::vector<int64_t>& tt = tg;
        Dev<int64_t>& dtt = dt;
        CHECK_OK(jg_nll_loss(JG_CPU, dtype, rows, cols, addr(nll.data()), addr(x.data()), rs, cs, addr(tt.data()), 2, 1, -100));
        CHECK_OK(jg_nll_loss(D, dtype, rows, cols, dloss.p, dx.p, rs, cs, dtt.p, 2, 1, -100));
        CHECK(dloss.get() == nll);
        for (int64_t i = 0; i < rows; ++i) CHECK(nll[i] == (tt[2 * i] == -100 ? T(0) : -x[i * rs + tt[2 * i] * cs]));
        CHECK_OK(jg_nll_loss_backward(JG_CPU, dtype, rows, cols, addr(ngrad.data()), addr(tt.data()), 2, 1, -100, addr(g.data()), 0));
        CHECK_OK(jg_nll_loss_backward(D, dtype, rows, cols, dgrad.p, dtt.p, 2, 1, -100, dg.p, 0));
        CHECK(dgrad.get() == ngrad);
        CHECK(ngrad[1 * cols + tt[2]] == -g[0] && ngrad[5 * cols] == T(0) && ngrad[0] == T(0));
    }
    // a block per row: more rows than a grid holds is refused before any launch
    const int64_t huge = int64_t(1) << 31;
    CHECK(jg_cross_entropy(D, dtype, huge, 65, 0, 0, 0, 0, 1, 0, 0) == JG_ERR_UNSUPPORTED);
    CHECK(std::strstr(jg_last_error(), "2^31 - 1") != nullptr);
    CHECK(jg_softmax(D, 1, dtype, huge, 65, 0, 0) == JG_ERR_UNSUPPORTED);
    CHECK(jg_softmax_backward(D, 1, dtype, huge, 65, 0, 0, 0) == JG_ERR_UNSUPPORTED);
    // a bad target: an error before anything is written on the CPU, reported at the next
    // synchronisation on the device (with its row's loss NaN)
    std::vector<T> x = sample<T>(12, -1, 1, 15), loss(4, T(7));
    std::vector<double> lse(4);
    std::vector<int64_t> tg = {0, 1, 3, 2};
    CHECK(jg_cross_entropy(JG_CPU, dtype, 4, 3, addr(loss.data()), addr(lse.data()), addr(x.data()), addr(tg.data()), 1, 0, 0) == JG_ERR_ARGUMENT);
    CHECK(std::strstr(jg_last_error(), "crossEntropy: target 3 (row 2) is out of range for 3 classes; targets must be in 0..2") != nullptr);
    CHECK(loss[0] == T(7));
    Dev<T> dx(x), dloss(4);
    Dev<double> dlse(4);
    Dev<int64_t> dt(tg);
    CHECK_OK(jg_cross_entropy(D, dtype, 4, 3, dloss.p, dlse.p, dx.p, dt.p, 1, 0, 0));
    std::vector<T> got(4);
    CHECK(jg_copy_bytes(JG_CPU, addr(got.data()), D, dloss.p, 4 * sizeof(T)) == JG_ERR_ARGUMENT);
    CHECK(std::strstr(jg_last_error(), "crossEntropy: target 3 is out of range for 3 classes") != nullptr);
    CHECK(std::isnan(static_cast<double>(got[2])) && !std::isnan(static_cast<double>(got[1])));
    CHECK_OK(jg_nll_loss(D, dtype, 4, 3, dloss.p, dx.p, 3, 1, dt.p, 1, 1, 3));  // 3 is the ignore index here
    CHECK_OK(jg_cuda_synchronize(D));
    CHECK_OK(jg_nll_loss(D, dtype, 4, 3, dloss.p, dx.p, 3, 1, dt.p, 1, 0, 0));
    CHECK(jg_cuda_synchronize(D) == JG_ERR_ARGUMENT && std::strstr(jg_last_error(), "nllLoss: target 3") != nullptr);
}

static void indexing() {
    // gather along dim 1 of a 4 x 6 input with a 4 x 3 index (negative indices count from the end)
    std::vector<double> x = sample<double>(24, 0, 1, 10);
    std::vector<int64_t> idx = {0, 5, -1, 2, 2, 3, 1, -6, 4, 5, 0, 0};
    int64_t geom[] = {4, 3, /*x*/ 6, 1, /*index*/ 3, 1};
    std::vector<double> want(12);
    CHECK_OK(jg_gather(JG_CPU, JG_FLOAT64, 2, geom, 1, 6, addr(want.data()), addr(x.data()), addr(idx.data())));
    Dev<double> dx(x), dout(12);
    Dev<int64_t> di(idx);
    CHECK_OK(jg_gather(D, JG_FLOAT64, 2, geom, 1, 6, dout.p, dx.p, di.p));
    CHECK(dout.get() == want);
    // scatter_add back: repeated indices accumulate
    std::vector<double> acc(24, 1.0), src = sample<double>(12, 0, 1, 11);
    int64_t sgeom[] = {4, 3, /*out*/ 6, 1, /*src*/ 3, 1, /*index*/ 3, 1};
    CHECK_OK(jg_scatter_add(JG_CPU, JG_FLOAT64, 2, sgeom, 1, 6, addr(acc.data()), addr(src.data()), addr(idx.data())));
    Dev<double> dacc(std::vector<double>(24, 1.0)), dsrc(src);
    CHECK_OK(jg_scatter_add(D, JG_FLOAT64, 2, sgeom, 1, 6, dacc.p, dsrc.p, di.p));
    CHECK(all_near(dacc.get(), acc, 1e-15, "scatter_add"));
    // a bad index is skipped (gather writes 0 there) and reported by the next synchronisation,
    // which names it; the queue is never stalled to check
    di.put({0, 5, -1, 2, 2, 3, 1, -6, 4, 6, 0, 0});
    CHECK_OK(jg_gather(D, JG_FLOAT64, 2, geom, 1, 6, dout.p, dx.p, di.p));
    std::vector<double> got(12);
    CHECK(jg_copy_bytes(JG_CPU, addr(got.data()), D, dout.p, 12 * 8) == JG_ERR_ARGUMENT);
    CHECK(std::strstr(jg_last_error(), "gather: index 6 is out of bounds for dimension 1 with size 6") != nullptr);
    for (int i = 0; i < 12; ++i) CHECK(got[i] == (i == 9 ? 0.0 : want[i]));
    CHECK_OK(jg_cuda_synchronize(D));  // reported once, then the record is clear
    std::vector<double> before = dacc.get();
    di.put({0, 5, -1, 2, 2, 3, 1, -6, 4, 5, -7, 0});
    CHECK_OK(jg_scatter_add(D, JG_FLOAT64, 2, sgeom, 1, 6, dacc.p, dsrc.p, di.p));
    CHECK(jg_cuda_synchronize(D) == JG_ERR_ARGUMENT);
    CHECK(std::strstr(jg_last_error(), "scatter_add: index -7 is out of bounds") != nullptr);
    std::vector<double> after = dacc.get();  // everything but the skipped element was added
    double added = 0, src_sum = 0;
    for (int i = 0; i < 24; ++i) added += after[i] - before[i];
    for (int i = 0; i < 12; ++i) src_sum += i == 10 ? 0 : src[i];
    CHECK(std::fabs(added - src_sum) < 1e-12);
    // with launch blocking on, the launch itself reports
    CHECK(jg_cuda_launch_blocking() == 0);
    CHECK_OK(jg_cuda_set_launch_blocking(1));
    CHECK(jg_gather(D, JG_FLOAT64, 2, geom, 1, 6, dout.p, dx.p, di.p) == JG_ERR_ARGUMENT);
    CHECK(std::strstr(jg_last_error(), "index -7") != nullptr);
    CHECK_OK(jg_cuda_set_launch_blocking(0));
    CHECK_OK(jg_cuda_synchronize(D));
}

// binaryCrossEntropy's input check: probabilities pass; a value outside [0, 1] or NaN is reported
// by the next synchronisation, with the value, and the data is untouched
// index_select / index_add on rows of a [outer = 3, dim_size = 5, inner = 7] input, the input a
// strided view (its outer stride leaves a gap) and the index repeating a row and counting from the end.
static void index_rows() {
    const int64_t outer = 3, size = 5, inner = 7, k = 4, xo = size * inner + 3;
    std::vector<double> x = sample<double>(outer * xo, -1, 1, 12);
    std::vector<int64_t> idx = {4, -5, 2, 4};
    std::vector<double> want(outer * k * inner);
    CHECK_OK(jg_index_select(JG_CPU, JG_FLOAT64, 1, outer, size, inner, k, addr(want.data()), addr(x.data()), xo, inner, addr(idx.data()), 1));
    Dev<double> dx(x), dout(outer * k * inner);
    Dev<int64_t> di(idx);
    CHECK_OK(jg_index_select(D, JG_FLOAT64, 1, outer, size, inner, k, dout.p, dx.p, xo, inner, di.p, 1));
    CHECK(dout.get() == want);
    std::vector<double> acc(outer * size * inner, 0.5);
    CHECK_OK(jg_index_add(JG_CPU, JG_FLOAT64, 1, outer, size, inner, k, addr(acc.data()), addr(want.data()), addr(idx.data()), 1));
    Dev<double> dacc(std::vector<double>(outer * size * inner, 0.5));
    CHECK_OK(jg_index_add(D, JG_FLOAT64, 1, outer, size, inner, k, dacc.p, dout.p, di.p, 1));
    CHECK(all_near(dacc.get(), acc, 1e-15, "index_add"));
    // a bad index: the rows read 0, nothing is added for it, and the next wait names it
    di.put({4, -5, 5, 4});
    CHECK_OK(jg_index_select(D, JG_FLOAT64, 1, outer, size, inner, k, dout.p, dx.p, xo, inner, di.p, 1));
    CHECK(jg_cuda_synchronize(D) == JG_ERR_ARGUMENT &&
          std::strstr(jg_last_error(), "indexSelect: index 5 is out of bounds for dimension 1 with size 5") != nullptr);
    std::vector<double> got = dout.get();
    for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < inner; ++j) CHECK(got[(o * k + 2) * inner + j] == 0.0 && got[(o * k + 1) * inner + j] == want[(o * k + 1) * inner + j]);
    std::vector<double> before = dacc.get();
    CHECK_OK(jg_index_add(D, JG_FLOAT64, 1, outer, size, inner, k, dacc.p, dout.p, di.p, 1));
    CHECK(jg_cuda_synchronize(D) == JG_ERR_ARGUMENT && std::strstr(jg_last_error(), "indexAdd: index 5") != nullptr);
    CHECK_OK(jg_cuda_synchronize(D));
}

// An optimizer step on the device gives the CPU's bits (the same functors, ops/optim.h), for every
// rule with its state buffers in use.
template <class T> static void updates(int dtype) {
    const int64_t n = 5003;
    const std::vector<std::pair<int, std::vector<double>>> cases = {
        {JG_UPDATE_SGD, {0.05, 0.9, 0.1, 0.01, 0, 0, 1}},
        {JG_UPDATE_SGD, {0.05, 0.9, 0, 0.01, 1, 1, 0}},
        {JG_UPDATE_SGD, {0.05, 0, 0, 0, 0, 0, 0}},
        {JG_UPDATE_ADAM, {1e-3, 0.9, 0.999, 1e-8, 0.01, 1, 0, 0, 3}},
        {JG_UPDATE_ADAM, {1e-3, 0.9, 0.999, 1e-8, 0.01, 0, 1, 1, 2}},
        {JG_UPDATE_RMSPROP, {1e-2, 0.99, 1e-8, 0.01, 0.9, 1, 0}},
        {JG_UPDATE_ADAGRAD, {1e-2, 0.1, 0.01, 1e-10, 0, 4}},
    };
    for (const auto& c : cases) {
        std::vector<T> p = sample<T>(n, -2, 2, 13), g = sample<T>(n, -1, 1, 14), s0(n, T(0.5)), s1(n, T(0.25)), s2(n, T(0.75));
        Dev<T> dp(p), dg(g), d0(s0), d1(s1), d2(s2);
        const int64_t host[3] = {addr(s0.data()), addr(s1.data()), addr(s2.data())}, dev[3] = {d0.p, d1.p, d2.p};
        for (int step = 0; step < 3; ++step) {
            CHECK_OK(jg_update(JG_CPU, c.first, dtype, n, addr(p.data()), addr(g.data()), host, 3, c.second.data(), static_cast<int>(c.second.size())));
            CHECK_OK(jg_update(D, c.first, dtype, n, dp.p, dg.p, dev, 3, c.second.data(), static_cast<int>(c.second.size())));
        }
        // compared as bits: a centered RMSprop whose grad_avg starts above its square_avg makes NaNs
        const bool same = bits_equal(dp.get(), p) && bits_equal(d0.get(), s0) && bits_equal(d1.get(), s1) && bits_equal(d2.get(), s2);
        if (!same) std::printf("  update rule %d (hyper[1] %g): device and CPU differ\n", c.first, c.second[1]);
        CHECK(same);
    }
    const int64_t none[3] = {0, 0, 0};
    const double short_hyper[3] = {0.1, 0, 0};
    Dev<T> dp(n), dg(n);
    CHECK(jg_update(D, JG_UPDATE_SGD, dtype, n, dp.p, dg.p, none, 0, short_hyper, 3) == JG_ERR_ARGUMENT);
}

template <class T> static void probabilities(int dtype) {
    std::vector<T> p = sample<T>(1000, 0, 1, 3);
    p[0] = 0, p[999] = 1;
    Dev<T> dp(p);
    CHECK_OK(jg_check_probabilities(D, dtype, 1000, dp.p));
    CHECK_OK(jg_cuda_synchronize(D));
    p[517] = T(1.5);
    dp.put(p);
    CHECK_OK(jg_check_probabilities(D, dtype, 1000, dp.p));
    std::vector<T> got(1000);
    CHECK(jg_copy_bytes(JG_CPU, addr(got.data()), D, dp.p, 1000 * sizeof(T)) == JG_ERR_ARGUMENT);
    CHECK(std::strstr(jg_last_error(), "binaryCrossEntropy: all elements of input must be probabilities in [0, 1], found 1.5") != nullptr);
    CHECK(got == p);
    p[517] = std::numeric_limits<T>::quiet_NaN();
    dp.put(p);
    CHECK_OK(jg_check_probabilities(D, dtype, 1000, dp.p));
    CHECK(jg_cuda_synchronize(D) == JG_ERR_ARGUMENT && std::strstr(jg_last_error(), "found nan") != nullptr);
    CHECK_OK(jg_check_probabilities(D, dtype, 0, dp.p));
    CHECK(jg_check_probabilities(D, JG_INT64, 4, dp.p) == JG_ERR_ARGUMENT);
    CHECK_OK(jg_cuda_synchronize(D));
}

static void memory() {
    int64_t stats[4];
    CHECK_OK(jg_empty_cache(D));
    CHECK_OK(jg_memory_stats(D, stats));
    const int64_t before = stats[0];
    int64_t a = jg_alloc(D, 1000);
    CHECK(a != 0 && a % 256 == 0);
    CHECK_OK(jg_free(D, a, 1000));
    int64_t b = jg_alloc(D, 900);  // same size class: the cached block
    CHECK(b == a);
    CHECK_OK(jg_memory_stats(D, stats));
    CHECK(stats[0] == before + 1024 && stats[2] >= stats[0] && stats[1] >= stats[0]);
    CHECK_OK(jg_free(D, b, 900));
    {  // a copy large enough to be staged (five chunks, the last short), both ways, from unaligned host memory
        const size_t count = (size_t(18) << 20) / sizeof(float) + 3;
        std::vector<float> v = sample<float>(count + 1, -5, 5, 21), back(count + 1, 0.0f);
        Dev<float> big(static_cast<int64_t>(count));
        CHECK_OK(jg_copy_bytes(D, big.p, JG_CPU, addr(v.data() + 1), int64_t(count * sizeof(float))));
        CHECK_OK(jg_copy_bytes(JG_CPU, addr(back.data() + 1), D, big.p, int64_t(count * sizeof(float))));
        CHECK(std::equal(v.begin() + 1, v.end(), back.begin() + 1) && back[0] == 0.0f);
    }
    CHECK(jg_alloc(D, int64_t(1) << 50) == 0);
    CHECK(std::strstr(jg_last_error(), "out of memory") != nullptr && std::strstr(jg_last_error(), "free") != nullptr);
    CHECK(jg_alloc(D + 100, 16) == 0 && std::strstr(jg_last_error(), "does not exist") != nullptr);
    int64_t ft[2];
    CHECK_OK(jg_cuda_mem_info(D, ft));
    CHECK(ft[1] > 0 && ft[0] <= ft[1]);
    CHECK(std::strlen(jg_cuda_device_name(D)) > 0);
    if (jg_cuda_device_count() > 1) {  // peer copy from device 1
        std::vector<float> v = sample<float>(1000, 0, 1, 12);
        int64_t p1 = jg_alloc(1, 4000);
        CHECK_OK(jg_copy_bytes(1, p1, JG_CPU, addr(v.data()), 4000));
        Dev<float> d0(1000);
        CHECK_OK(jg_copy_bytes(D, d0.p, 1, p1, 4000));
        CHECK(d0.get() == v);
        CHECK_OK(jg_free(1, p1, 4000));
    }
    CHECK_OK(jg_cuda_synchronize(D));
}

int main() {
    // the emulation playing a driver too old for the runtime: no devices, and the reason kept
    if (const char* e = std::getenv("JGRAD_EMULATED_OLD_DRIVER"); e != nullptr && e[0] == '1') {
        CHECK(jg_cuda_device_count() == 0);
        const std::string why = jg_cuda_init_error();
        CHECK(why.find("cudaErrorInsufficientDriver") != std::string::npos);
        CHECK(why.find("driver supports CUDA 12.4") != std::string::npos && why.find("runtime is CUDA 13.0") != std::string::npos);
        std::printf("old driver: %s\n", why.c_str());
        return failures == 0 ? 0 : 1;
    }
    if (!jg_cuda_compiled() || jg_cuda_device_count() == 0) {
        std::printf("SKIP: no CUDA device (%s)\n", jg_cuda_compiled() ? "none visible" : "library built without CUDA");
        return 77;
    }
    std::printf("device: %s%s\n", jg_cuda_device_name(D), jg_cuda_emulated() ? " (host emulation)" : "");
    unary_binary<float>(JG_FLOAT32);
    unary_binary<double>(JG_FLOAT64);
    copy_where_fill();
    creation();
    reductions();
    softmax<float>(JG_FLOAT32);
    softmax<double>(JG_FLOAT64);
    layer_norm<float>(JG_FLOAT32);
    layer_norm<double>(JG_FLOAT64);
    losses<float>(JG_FLOAT32);
    losses<double>(JG_FLOAT64);
    conv_pool<float>(JG_FLOAT32);
    conv_pool<double>(JG_FLOAT64);
    indexing();
    index_rows();
    updates<float>(JG_FLOAT32);
    updates<double>(JG_FLOAT64);
    probabilities<float>(JG_FLOAT32);
    probabilities<double>(JG_FLOAT64);
    memory();
    jg_empty_cache(D);
    std::printf("%s: %d failures\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
