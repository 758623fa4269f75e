// Native CTest suite: exercises every C entry point against plain double-precision references.
// Built with ASan/UBSan by .ci/run, so out-of-bounds and undefined behaviour fail the run.
#include <dlfcn.h>
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <cstring>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <string>
#include <utility>
#include <vector>

#include "check.h"
#include "jgrad/jgrad.h"
#include "ops/elementwise.h"
#include "ops/fastdiv.h"
#include "ops/philox.h"

namespace jg {
namespace cpu {
#define JG_DECLARE_UNARY(ns)                                                                                  \
    namespace ns {                                                                                            \
    int unary_impl(int, int, int64_t, int, const int64_t*, int64_t, int64_t, double, double);                 \
    int update_impl(int, int, int64_t, int64_t, int64_t, const int64_t*, int, const double*, int);           \
    void builtin_sgemm(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int); \
    }
void parallel_for(int64_t, int64_t, const std::function<void(int64_t, int64_t)>&);
void parallel_for_dynamic(int64_t, int64_t, const std::function<void(int64_t, int64_t)>&);
JG_DECLARE_UNARY(isa_default)
#if defined(__x86_64__)
JG_DECLARE_UNARY(isa_avx2)
JG_DECLARE_UNARY(isa_avx512)
#elif defined(__aarch64__)
JG_DECLARE_UNARY(isa_asimd)
#endif
}  // namespace cpu
}  // namespace jg


static bool close(double a, double b, double tol = 1e-6) { return std::fabs(a - b) <= tol * (1 + std::fabs(b)); }
template <class T> static int64_t addr(T* p) { return reinterpret_cast<int64_t>(p); }

static int64_t cpu_cached_bytes() {
    int64_t stats[4] = {0, 0, 0, 0};
    CHECK(jg_memory_stats(JG_CPU, stats) == JG_OK);
    CHECK(stats[1] == stats[0] + stats[3]);
    return stats[3];
}

// Every op family takes a device first: JG_CPU routes to these kernels, another negative value is an
// error naming the op, and a CUDA device in a CPU-only build answers "not compiled with CUDA".
static void test_routing() {
    float x[4] = {1, 2, 3, 4}, y[4] = {0, 0, 0, 0};
    CHECK(jg_unary(-2, JG_NEG, JG_FLOAT32, 4, 0, nullptr, addr(y), addr(x), 0, 0) == JG_ERR_ARGUMENT);
    CHECK(std::strstr(jg_last_error(), "unary: device -2 is not valid") != nullptr);
    CHECK(y[0] == 0);
    if (!jg_cuda_compiled()) {
        CHECK(jg_unary(0, JG_NEG, JG_FLOAT32, 4, 0, nullptr, addr(y), addr(x), 0, 0) == JG_ERR_UNSUPPORTED);
        CHECK(std::strstr(jg_last_error(), "not compiled with CUDA") != nullptr);
        CHECK(jg_alloc(0, 16) == 0);
    }
    CHECK(jg_copy_bytes(JG_CPU, addr(y), JG_CPU, addr(x), sizeof x) == JG_OK);
    CHECK(y[0] == 1 && y[3] == 4);
    CHECK(jg_copy_bytes(JG_CPU, addr(y), -3, addr(x), sizeof x) == JG_ERR_ARGUMENT);
}

// jg_op_supports answers from the dispatch tables: what it says is supported runs, what it says is
// not is refused, for every op and dtype; and asking leaves the last error alone.
static void test_op_supports() {
    double x[3] = {0.5, 2, 4}, o[3];
    int64_t xi[3] = {1, 2, 3}, oi[3];
    bool xb[3] = {true, false, true}, ob[3];
    void* in[4] = {x, x, xi, xb};
    void* out[4] = {o, o, oi, ob};
    jg_unary(-2, 0, 0, 0, 0, nullptr, 0, 0, 0, 0);  // sets a last error to keep
    const std::string before = jg_last_error();
    CHECK(jg_op_supports(JG_FAMILY_UNARY, JG_EXP, JG_FLOAT32) == 1);
    CHECK(jg_last_error() == before);
    CHECK(jg_op_supports(JG_FAMILY_UNARY, JG_EXP, JG_INT64) == 0);
    CHECK(jg_op_supports(JG_FAMILY_UNARY, JG_NEG, JG_INT64) == 1);
    CHECK(jg_op_supports(JG_FAMILY_BINARY, JG_RELU_BACKWARD, JG_INT64) == 0);
    CHECK(jg_op_supports(JG_FAMILY_BINARY, JG_EQ, JG_BOOL) == 1);
    CHECK(jg_op_supports(JG_FAMILY_BINARY, JG_ADD, JG_BOOL) == 0);
    CHECK(jg_op_supports(JG_FAMILY_UNARY, JG_UNARY_OP_COUNT, JG_FLOAT32) == 0);
    CHECK(jg_op_supports(7, 0, JG_FLOAT32) == 0);
    for (int dt = JG_FLOAT64; dt <= JG_BOOL; ++dt) {
        const int slot = dt;
        for (int op = 0; op < JG_UNARY_OP_COUNT; ++op) {
            const int st = jg_unary(JG_CPU, op, dt, 3, 0, nullptr, addr(out[slot]), addr(in[slot]), 2, 3);
            CHECK((st == JG_OK) == (jg_op_supports(JG_FAMILY_UNARY, op, dt) == 1));
        }
        for (int op = 0; op < JG_BINARY_OP_COUNT; ++op) {
            const bool compare = op >= JG_EQ && op <= JG_LE;
            const int st = jg_binary(JG_CPU, op, dt, 3, 0, nullptr, addr(compare ? static_cast<void*>(ob) : out[slot]), addr(in[slot]),
                                     addr(in[slot]), 0.5, 1);
            CHECK((st == JG_OK) == (jg_op_supports(JG_FAMILY_BINARY, op, dt) == 1));
        }
    }
}

static void test_check_probabilities() {
    float p[4] = {0, 0.5f, 1, 0.25f};
    CHECK(jg_check_probabilities(JG_CPU, JG_FLOAT32, 4, addr(p)) == JG_OK);
    p[2] = 1.5f;
    CHECK(jg_check_probabilities(JG_CPU, JG_FLOAT32, 4, addr(p)) == JG_ERR_ARGUMENT);
    CHECK(std::strstr(jg_last_error(), "probabilities in [0, 1], found 1.5;") != nullptr);
    double q[2] = {0.5, std::nan("")};
    CHECK(jg_check_probabilities(JG_CPU, JG_FLOAT64, 2, addr(q)) == JG_ERR_ARGUMENT);
    CHECK(std::strstr(jg_last_error(), "found nan") != nullptr);
    int64_t i[1] = {0};
    CHECK(jg_check_probabilities(JG_CPU, JG_INT64, 1, addr(i)) == JG_ERR_ARGUMENT);
}

// index_select against a direct loop; index_add's sums, with repeated indices, the same on one
// thread and two (it splits the columns of a single slice, or the slices)
static void test_index_rows() {
    const int64_t size = 6, inner = 40000, k = 5;  // inner above the parallel grain
    std::vector<float> x(2 * size * inner);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37) % 101) * 0.25f - 3;
    std::vector<int64_t> idx = {5, 0, -1, 3, 0};
    for (int64_t outer : {int64_t(1), int64_t(2)}) {
        std::vector<float> out(outer * k * inner);
        CHECK(jg_index_select(JG_CPU, JG_FLOAT32, 0, outer, size, inner, k, addr(out.data()), addr(x.data()), size * inner, inner,
                              addr(idx.data()), 1) == JG_OK);
        bool same = true;
        for (int64_t o = 0; o < outer; ++o)
            for (int64_t i = 0; i < k; ++i)
                for (int64_t j = 0; j < inner; ++j) {
                    const int64_t v = idx[i] < 0 ? idx[i] + size : idx[i];
                    same = same && out[(o * k + i) * inner + j] == x[(o * size + v) * inner + j];
                }
        CHECK(same);
        std::vector<float> acc1(outer * size * inner, 1.0f), acc2(outer * size * inner, 1.0f);
        jg_set_num_threads(1);
        CHECK(jg_index_add(JG_CPU, JG_FLOAT32, 0, outer, size, inner, k, addr(acc1.data()), addr(out.data()), addr(idx.data()), 1) == JG_OK);
        jg_set_num_threads(2);
        CHECK(jg_index_add(JG_CPU, JG_FLOAT32, 0, outer, size, inner, k, addr(acc2.data()), addr(out.data()), addr(idx.data()), 1) == JG_OK);
        CHECK(acc1 == acc2);
        bool sums = true;
        for (int64_t o = 0; o < outer; ++o)
            for (int64_t j = 0; j < inner; j += 997) {
                // rows 0 (twice), 3 and 5 (as 5 and -1) got their copies added
                const float* r = acc1.data() + o * size * inner;
                const float* s0 = x.data() + o * size * inner;
                sums = sums && r[0 * inner + j] == (1.0f + s0[0 * inner + j]) + s0[0 * inner + j] &&
                       r[5 * inner + j] == (1.0f + s0[5 * inner + j]) + s0[5 * inner + j] && r[1 * inner + j] == 1.0f &&
                       r[3 * inner + j] == 1.0f + s0[3 * inner + j];
            }
        CHECK(sums);
    }
    std::vector<int64_t> bad = {0, 6};
    std::vector<float> out(2 * inner, 7.0f);
    CHECK(jg_index_select(JG_CPU, JG_FLOAT32, 0, 1, size, inner, 2, addr(out.data()), addr(x.data()), size * inner, inner, addr(bad.data()), 1) ==
          JG_ERR_ARGUMENT);
    CHECK(std::strstr(jg_last_error(), "indexSelect: index 6 is out of bounds for dimension 0 with size 6; valid indices are -6..5") != nullptr);
    CHECK(out[0] == 7.0f);  // checked before anything was written
    CHECK(jg_index_add(JG_CPU, JG_BOOL, 0, 1, size, inner, 1, addr(out.data()), addr(out.data()), addr(idx.data()), 1) == JG_ERR_ARGUMENT);
}

// SGD (torch.optim.SGD's single-tensor steps) against the same steps written out in float for
// every combination of its options, over two steps so the momentum buffer is made and then used.
static void test_sgd_update() {
    const int64_t n = 70001;  // above the parallel grain
    for (int combo = 0; combo < 32; ++combo) {
        const double lr = 0.1, momentum = (combo & 1) ? 0.9 : 0, dampening = (combo & 2) ? 0.25 : 0, wd = (combo & 4) ? 0.01 : 0;
        const bool nesterov = (combo & 8) && momentum != 0, maximize = (combo & 16) != 0;
        std::vector<float> p(n), g(n), buf(n, 123.0f), rp(n), rbuf(n);
        for (int64_t i = 0; i < n; ++i) {
            p[i] = rp[i] = static_cast<float>(std::sin(i * 0.37)) * 2;
            g[i] = static_cast<float>(std::cos(i * 0.11));
        }
        for (int step = 0; step < 2; ++step) {
            const double hyper[7] = {lr, momentum, dampening, wd, nesterov ? 1.0 : 0.0, maximize ? 1.0 : 0.0, step == 0 ? 1.0 : 0.0};
            const int64_t st[1] = {momentum != 0 ? addr(buf.data()) : 0};
            CHECK(jg_update(JG_CPU, JG_UPDATE_SGD, JG_FLOAT32, n, addr(p.data()), addr(g.data()), st, 1, hyper, 7) == JG_OK);
            const float flr = static_cast<float>(lr), fm = static_cast<float>(momentum), fd = static_cast<float>(dampening),
                        fwd = static_cast<float>(wd);
            for (int64_t i = 0; i < n; ++i) {
                float d = maximize ? -g[i] : g[i];
                if (wd != 0) d = d + fwd * rp[i];
                if (momentum != 0) {
                    rbuf[i] = step == 0 ? d : fm * rbuf[i] + (1.0f - fd) * d;
                    d = nesterov ? d + fm * rbuf[i] : rbuf[i];
                }
                rp[i] = rp[i] - flr * d;
            }
        }
        CHECK(p == rp);
        if (momentum != 0) CHECK(buf == rbuf);
    }
    double h[7] = {0.1, 0.9, 0, 0, 0, 0, 1};
    float p1[1] = {1}, g1[1] = {1};
    const int64_t none[3] = {0, 0, 0}, own[1] = {addr(p1)};
    CHECK(jg_update(JG_CPU, JG_UPDATE_SGD, JG_FLOAT32, 1, addr(p1), addr(g1), none, 1, h, 7) == JG_ERR_ARGUMENT);  // momentum needs a buffer
    CHECK(std::strstr(jg_last_error(), "needs state buffer 0") != nullptr);
    CHECK(jg_update(JG_CPU, JG_UPDATE_SGD, JG_FLOAT32, 1, addr(p1), addr(g1), own, 1, h, 6) == JG_ERR_ARGUMENT);
    CHECK(std::strstr(jg_last_error(), "takes 7 hyperparameters, got 6") != nullptr);
    CHECK(jg_update(JG_CPU, JG_UPDATE_RULE_COUNT, JG_FLOAT32, 1, addr(p1), addr(g1), none, 0, h, 7) == JG_ERR_ARGUMENT);
    CHECK(jg_update(JG_CPU, JG_UPDATE_SGD, JG_INT64, 1, addr(p1), addr(g1), none, 0, h, 7) == JG_ERR_ARGUMENT);
    CHECK(jg_update(JG_CPU, JG_UPDATE_SGD, JG_FLOAT32, 1, addr(p1), addr(g1), none, 4, h, 7) == JG_ERR_ARGUMENT);
    CHECK(p1[0] == 1);
}

// Adam/AdamW, RMSprop and Adagrad over every variant of their switches, five steps each, against
// the torch.optim algorithms written out here, both in float64 (float32 is checked bit for bit
// against the device in the CUDA suite).
static void test_adaptive_updates() {
    const int64_t n = 70001;
    std::vector<double> p0(n), g0(n);
    for (int64_t i = 0; i < n; ++i) {
        p0[i] = std::sin(i * 0.37) * 2;
        g0[i] = std::cos(i * 0.11) * (i % 3 == 0 ? 1e-3 : 1.0);
    }
    auto grad_at = [&](int64_t i, int step) { return static_cast<double>(g0[i]) * (1 + 0.5 * step) - 0.1 * step; };
    bool ok = true;
    for (int rule : {JG_UPDATE_ADAM, JG_UPDATE_RMSPROP, JG_UPDATE_ADAGRAD}) {
        for (int combo = 0; combo < 16; ++combo) {
            const bool b0 = combo & 1, b1 = combo & 2, b2 = combo & 4, b3 = combo & 8;
            std::vector<double> p = p0, g(n), s0(n, rule == JG_UPDATE_ADAGRAD ? 0.1 : 0.0), s1(n, 0.0), s2(n, 0.0);
            std::vector<double> rp(p0.begin(), p0.end()), r0(s0.begin(), s0.end()), r1(n, 0.0), r2(n, 0.0);
            const double lr = 0.01, wd = b1 ? 0.05 : 0;
            for (int step = 1; step <= 5; ++step) {
                for (int64_t i = 0; i < n; ++i) g[i] = grad_at(i, step);
                const std::vector<double> hyper = rule == JG_UPDATE_ADAM ? std::vector<double>{lr, b3 ? 0.3 : 0.9, 0.999, 1e-8, wd, b2 ? 1.0 : 0.0, b0 ? 1.0 : 0.0, b1 && b3 ? 1.0 : 0.0, double(step)}
                    : rule == JG_UPDATE_RMSPROP ? std::vector<double>{lr, b3 ? 0.3 : 0.99, 1e-8, wd, b2 ? 0.9 : 0.0, b3 ? 1.0 : 0.0, b0 ? 1.0 : 0.0}
                    : std::vector<double>{lr, b2 ? 0.1 : 0.0, wd, 1e-10, b0 ? 1.0 : 0.0, double(step)};
                const int64_t st[3] = {addr(s0.data()), addr(s1.data()), addr(s2.data())};
                CHECK(jg_update(JG_CPU, rule, JG_FLOAT64, n, addr(p.data()), addr(g.data()), st, 3, hyper.data(), static_cast<int>(hyper.size())) == JG_OK);
                for (int64_t i = 0; i < n; ++i) {
                    double gr = static_cast<double>(g[i]);
                    if (b0) gr = -gr;
                    if (rule == JG_UPDATE_ADAM) {
                        const double beta1 = hyper[1], beta2 = hyper[2];
                        if (wd != 0 && hyper[7] != 0) rp[i] *= 1 - lr * wd;
                        else if (wd != 0) gr += wd * rp[i];
                        r0[i] = beta1 * r0[i] + (1 - beta1) * gr;
                        r1[i] = beta2 * r1[i] + (1 - beta2) * gr * gr;
                        double v = r1[i];
                        if (b2) v = r2[i] = std::max(r2[i], r1[i]);
                        const double denom = std::sqrt(v) / std::sqrt(1 - std::pow(beta2, step)) + 1e-8;
                        rp[i] -= lr / (1 - std::pow(beta1, step)) * r0[i] / denom;
                    } else if (rule == JG_UPDATE_RMSPROP) {
                        const double alpha = hyper[1];
                        if (wd != 0) gr += wd * rp[i];
                        r0[i] = alpha * r0[i] + (1 - alpha) * gr * gr;
                        double avg = r0[i];
                        if (b3) {
                            r2[i] = alpha * r2[i] + (1 - alpha) * gr;
                            avg -= r2[i] * r2[i];
                        }
                        avg = std::sqrt(avg) + 1e-8;
                        if (b2) {
                            r1[i] = 0.9 * r1[i] + gr / avg;
                            rp[i] -= lr * r1[i];
                        } else {
                            rp[i] -= lr * gr / avg;
                        }
                    } else {
                        if (wd != 0) gr += wd * rp[i];
                        r0[i] += gr * gr;
                        rp[i] -= lr / (1 + (step - 1) * hyper[1]) * gr / (std::sqrt(r0[i]) + 1e-10);
                    }
                }
            }
            for (int64_t i = 0; i < n && ok; ++i)
                if (!close(p[i], rp[i], 1e-10)) {
                    std::printf("  rule %d combo %d element %lld: %.9g, reference %.9g\n", rule, combo, static_cast<long long>(i), p[i], rp[i]);
                    ok = false;
                }
        }
    }
    CHECK(ok);
    // Adam without amsgrad keeps two buffers: the third may be left out
    float p1[1] = {1}, g1[1] = {1}, m1[1] = {0}, v1[1] = {0};
    const int64_t two[2] = {addr(m1), addr(v1)};
    const double adam[9] = {0.1, 0.9, 0.999, 1e-8, 0, 0, 0, 0, 1};
    CHECK(jg_update(JG_CPU, JG_UPDATE_ADAM, JG_FLOAT32, 1, addr(p1), addr(g1), two, 2, adam, 9) == JG_OK);
    CHECK(close(p1[0], 0.9, 1e-6));  // the first Adam step moves by lr
    const double amsgrad[9] = {0.1, 0.9, 0.999, 1e-8, 0, 1, 0, 0, 1};
    CHECK(jg_update(JG_CPU, JG_UPDATE_ADAM, JG_FLOAT32, 1, addr(p1), addr(g1), two, 2, amsgrad, 9) == JG_ERR_ARGUMENT);
    
}

// jg_cpu_gemm splits C into blocks over the pool threads: each block's result must equal the whole
// product, for every transpose, sizes that do not divide into the blocks, padded leading dims, and
// a product too small to split. The BLAS is a plain loop (fake_blas.cpp), loaded as the JVM loads
// OpenBLAS.
static void test_gemm_blocks() {
    CHECK(jg_cpu_use_blas("/no/such/libblas.so") == JG_ERR_ARGUMENT);
    void* h = dlopen(JGRAD_TEST_BLAS, RTLD_NOW | RTLD_LOCAL);
    CHECK(h != nullptr);
    if (h == nullptr) return;
    CHECK(jg_cpu_use_blas(JGRAD_TEST_BLAS) == JG_OK);
    CHECK(std::strcmp(jg_cpu_blas_core(), "FakeCore") == 0);
    int* blas_threads = static_cast<int*>(dlsym(h, "fake_blas_threads"));
    int* blas_threads_seen = static_cast<int*>(dlsym(h, "fake_blas_threads_seen"));
    const int64_t shapes[][3] = {{64, 256, 200}, {300, 70, 130}, {5, 3, 2}, {1, 1000, 3000}};
    for (const auto& sh : shapes) {
        const int64_t m = sh[0], n = sh[1], k = sh[2];
        for (int ta = 0; ta < 2; ++ta)
            for (int tb = 0; tb < 2; ++tb) {
                const int64_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
                std::vector<double> a((ta ? k : m) * lda), b((tb ? n : k) * ldb), c(m * ldc, -7.0), want(m * ldc, -7.0);
                for (size_t i = 0; i < a.size(); ++i) a[i] = std::sin(i * 0.7);
                for (size_t i = 0; i < b.size(); ++i) b[i] = std::cos(i * 0.3);
                for (int64_t i = 0; i < m; ++i)
                    for (int64_t j = 0; j < n; ++j) {
                        double s = 0;
                        for (int64_t p = 0; p < k; ++p) s += (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
                        want[i * ldc + j] = s;
                    }
                for (int threads : {1, 2, 3}) {
                    jg_set_num_threads(threads);
                    std::fill(c.begin(), c.end(), -7.0);
                    CHECK(jg_cpu_gemm(JG_FLOAT64, ta, tb, m, n, k, addr(a.data()), lda, addr(b.data()), ldb, addr(c.data()), ldc) == JG_OK);
                    CHECK(c == want);  // also: the padding between rows is untouched
                }
                // the BLAS ran on one thread, and its own setting (4) is back
                CHECK(*blas_threads_seen == 1 && *blas_threads == 4);
            }
    }
    jg_set_num_threads(2);
    // products of at most jg_cpu_builtin_below multiply-adds skip the library for the built-in kernel
    {
        CHECK(jg_cpu_builtin_below() == 0);
        CHECK(jg_cpu_set_builtin_below(-1) == JG_ERR_ARGUMENT);
        CHECK(jg_cpu_set_builtin_below(64 * 32 * 16) == JG_OK && jg_cpu_builtin_below() == 64 * 32 * 16);
        std::vector<double> a(64 * 16), b(16 * 33), c(64 * 33);
        for (size_t i = 0; i < a.size(); ++i) a[i] = std::sin(i * 0.7);
        for (size_t i = 0; i < b.size(); ++i) b[i] = std::cos(i * 0.3);
        *blas_threads_seen = 0;
        CHECK(jg_cpu_gemm(JG_FLOAT64, 0, 0, 64, 32, 16, addr(a.data()), 16, addr(b.data()), 33, addr(c.data()), 33) == JG_OK);
        CHECK(*blas_threads_seen == 0);  // at the limit: built-in
        double s = 0;
        for (int p = 0; p < 16; ++p) s = std::fma(a[5 * 16 + p], b[p * 33 + 7], s);
        CHECK(c[5 * 33 + 7] == s);  // the built-in kernel's order: fused, k ascending
        CHECK(jg_cpu_gemm(JG_FLOAT64, 0, 0, 64, 33, 16, addr(a.data()), 16, addr(b.data()), 33, addr(c.data()), 33) == JG_OK);
        CHECK(*blas_threads_seen == 1);  // one column past it: the library
        CHECK(jg_cpu_set_builtin_below(0) == JG_OK);
    }
    float f[1] = {0};
    CHECK(jg_cpu_gemm(JG_INT64, 0, 0, 1, 1, 1, addr(f), 1, addr(f), 1, addr(f), 1) == JG_ERR_ARGUMENT);
    CHECK(jg_cpu_gemm(JG_FLOAT32, 0, 0, -1, 1, 1, addr(f), 1, addr(f), 1, addr(f), 1) == JG_ERR_ARGUMENT);
}

// jgrad's own product (no BLAS set): every transpose, padded leading dims, edge tiles, K past one
// packed block, both dtypes, split over the pool, against a double reference. For K within one
// block (256) each element is summed in the reference's order, one fused multiply-add per term, so
// float64 agrees exactly.
static void test_builtin_gemm() {
    CHECK(jg_cpu_use_blas(nullptr) == JG_OK);
    CHECK(std::strcmp(jg_cpu_blas(), "builtin") == 0);
    CHECK(std::strcmp(jg_cpu_blas_core(), "") == 0);
    const int64_t shapes[][3] = {{64, 256, 200}, {300, 70, 130}, {5, 3, 2}, {1, 1000, 3000}, {37, 45, 513}, {7, 9, 0}, {130, 75, 700}};
    for (const auto& sh : shapes) {
        const int64_t m = sh[0], n = sh[1], k = sh[2];
        for (int ta = 0; ta < 2; ++ta)
            for (int tb = 0; tb < 2; ++tb) {
                const int64_t lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
                std::vector<double> a(std::max<int64_t>(1, (ta ? k : m) * lda)), b(std::max<int64_t>(1, (tb ? n : k) * ldb)), want(m * ldc, -7.0);
                for (size_t i = 0; i < a.size(); ++i) a[i] = std::sin(i * 0.7);
                for (size_t i = 0; i < b.size(); ++i) b[i] = std::cos(i * 0.3);
                for (int64_t i = 0; i < m; ++i)
                    for (int64_t j = 0; j < n; ++j) {
                        double s = 0;
                        for (int64_t p = 0; p < k; ++p) s = std::fma(ta ? a[p * lda + i] : a[i * lda + p], tb ? b[j * ldb + p] : b[p * ldb + j], s);
                        want[i * ldc + j] = s;
                    }
                std::vector<float> af(a.begin(), a.end()), bf(b.begin(), b.end());
                std::vector<double> one;  // one thread's result: every split must give its bits
                std::vector<float> one32;
                for (int threads : {1, 2, 3}) {
                    jg_set_num_threads(threads);
                    std::vector<double> c(m * ldc, -7.0);
                    std::vector<float> cf(m * ldc, -7.0f);
                    CHECK(jg_cpu_gemm(JG_FLOAT64, ta, tb, m, n, k, addr(a.data()), lda, addr(b.data()), ldb, addr(c.data()), ldc) == JG_OK);
                    CHECK(jg_cpu_gemm(JG_FLOAT32, ta, tb, m, n, k, addr(af.data()), lda, addr(bf.data()), ldb, addr(cf.data()), ldc) == JG_OK);
                    bool exact = true, near = true, near32 = true;
                    for (int64_t i = 0; i < m; ++i)
                        for (int64_t j = 0; j < ldc; ++j) {
                            const double w = want[i * ldc + j], got = c[i * ldc + j];
                            if (j >= n) { exact &= got == -7.0 && cf[i * ldc + j] == -7.0f; continue; }  // padding untouched
                            exact &= k > 256 || got == w;
                            near &= std::fabs(got - w) <= 1e-12 * (1 + std::fabs(w)) * (1 + k / 256);
                            near32 &= std::fabs(cf[i * ldc + j] - w) <= 2e-6 * std::sqrt(double(k) + 1) * (1 + std::fabs(w));
                        }
                    CHECK(exact && near && near32);
                    if (threads == 1) {
                        one = c;
                        one32 = cf;
                    } else {
                        CHECK(std::memcmp(one.data(), c.data(), c.size() * sizeof(double)) == 0);
                        CHECK(std::memcmp(one32.data(), cf.data(), cf.size() * sizeof(float)) == 0);
                    }
                }
            }
    }
    jg_set_num_threads(2);
    // rows of A 4 KiB apart are packed rather than read in place: the same bits either way
    {
        const int64_t m = 40, n = 24, k = 300, wide = 1024;
        std::vector<float> a(m * wide), compact(m * k), b(k * n), c1(m * n), c2(m * n);
        for (int64_t i = 0; i < m; ++i)
            for (int64_t p = 0; p < k; ++p) a[i * wide + p] = compact[i * k + p] = std::sin(float(i * k + p) * 0.37f);
        for (size_t i = 0; i < b.size(); ++i) b[i] = std::cos(i * 0.11f);
        CHECK(jg_cpu_gemm(JG_FLOAT32, 0, 0, m, n, k, addr(a.data()), wide, addr(b.data()), n, addr(c1.data()), n) == JG_OK);
        CHECK(jg_cpu_gemm(JG_FLOAT32, 0, 0, m, n, k, addr(compact.data()), k, addr(b.data()), n, addr(c2.data()), n) == JG_OK);
        CHECK(std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(float)) == 0);
    }
}

static void test_allocator() {
    int64_t a = jg_alloc(JG_CPU, 1000);
    CHECK(a != 0 && a % 64 == 0);
    std::memset(reinterpret_cast<void*>(a), 1, 1000);
    jg_free(JG_CPU, a, 1000);
    int64_t b = jg_alloc(JG_CPU, 900);  // same size class: reused
    CHECK(b == a);
    jg_free(JG_CPU, b, 900);
    CHECK(cpu_cached_bytes() >= 1024);
    jg_empty_cache(JG_CPU);
    CHECK(cpu_cached_bytes() == 0);
    CHECK(jg_alloc(JG_CPU, -1) == 0 && std::strlen(jg_last_error()) > 0);
}

static void test_unary_binary() {
    const int n = 100000;  // above the parallel grain
    std::vector<float> x(n), y(n), out(n);
    for (int i = 0; i < n; ++i) { x[i] = (i % 200 - 100) * 0.05f; y[i] = 0.5f + (i % 7); }
    CHECK(jg_unary(JG_CPU, JG_SIGMOID, JG_FLOAT32, n, 0, nullptr, addr(out.data()), addr(x.data()), 0, 0) == JG_OK);
    for (int i = 0; i < n; i += 997) CHECK(close(out[i], 1 / (1 + std::exp(-(double)x[i]))));
    CHECK(jg_binary(JG_CPU, JG_DIV, JG_FLOAT32, n, 0, nullptr, addr(out.data()), addr(x.data()), addr(y.data()), 0, 0) == JG_OK);
    for (int i = 0; i < n; i += 997) CHECK(close(out[i], (double)x[i] / y[i]));
    // broadcast: [3,4] + [4] via stride 0, and a transposed operand
    double a[12], b[4], o[12];
    for (int i = 0; i < 12; ++i) a[i] = i;
    for (int i = 0; i < 4; ++i) b[i] = 100 * i;
    int64_t geom[] = {3, 4, /*out*/ 4, 1, /*a*/ 4, 1, /*b*/ 0, 1};
    CHECK(jg_binary(JG_CPU, JG_ADD, JG_FLOAT64, 12, 2, geom, addr(o), addr(a), addr(b), 0, 0) == JG_OK);
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 4; ++j) CHECK(o[i * 4 + j] == a[i * 4 + j] + b[j]);
    int64_t tgeom[] = {4, 3, /*out*/ 3, 1, /*x = a^T*/ 1, 4};
    CHECK(jg_unary(JG_CPU, JG_NEG, JG_FLOAT64, 12, 2, tgeom, addr(o), addr(a), 0, 0) == JG_OK);
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 3; ++j) CHECK(o[i * 3 + j] == -a[j * 4 + i]);
    bool m[12];
    CHECK(jg_binary(JG_CPU, JG_GT, JG_FLOAT64, 12, 2, geom, addr(m), addr(a), addr(b), 0, 0) == JG_OK);
    CHECK(m[0] == false && m[4] == true && m[5] == false);
    CHECK(jg_unary(JG_CPU, JG_EXP, JG_INT64, 1, 0, nullptr, addr(o), addr(a), 0, 0) == JG_ERR_ARGUMENT);
    CHECK(jg_unary(JG_CPU, JG_EXP, JG_FLOAT64, 1, JG_MAX_DIMS + 1, geom, addr(o), addr(a), 0, 0) == JG_ERR_ARGUMENT);
}

static void test_copy_where_fill() {
    double a[6] = {1, 2, 3, 4, 5, 6};
    float f[6];
    int64_t geom[] = {3, 2, 2, 1, 1, 3};  // out [3,2] contiguous from a^T of [2,3]
    CHECK(jg_copy(JG_CPU, JG_FLOAT32, JG_FLOAT64, 6, 2, geom, addr(f), addr(a)) == JG_OK);
    CHECK(f[0] == 1 && f[1] == 4 && f[2] == 2 && f[5] == 6);
    bool c[6] = {true, false, true, false, true, false};
    double b[6] = {-1, -2, -3, -4, -5, -6}, o[6];
    CHECK(jg_where(JG_CPU, JG_FLOAT64, 6, 0, nullptr, addr(o), addr(c), addr(a), addr(b)) == JG_OK);
    CHECK(o[0] == 1 && o[1] == -2 && o[4] == 5 && o[5] == -6);
    CHECK(jg_fill(JG_CPU, JG_INT64, 3, addr(o), 7) == JG_OK && reinterpret_cast<int64_t*>(o)[2] == 7);
    float ls[10];
    CHECK(jg_linspace(JG_CPU, JG_FLOAT32, 10, addr(ls), -1, 1) == JG_OK);
    CHECK(ls[0] == -1.0f && ls[9] == 1.0f && close(ls[1], -1 + 2.0 / 9, 1e-6));
}

static void test_reduce_softmax() {
    const int64_t n = 1 << 20;
    std::vector<float> x(n);
    double ref = 0;
    for (int64_t i = 0; i < n; ++i) { x[i] = static_cast<float>((i % 1000) * 0.001); ref += x[i]; }
    float s;
    CHECK(jg_reduce(JG_CPU, JG_SUM, JG_FLOAT32, 1, n, 1, addr(&s), addr(x.data())) == JG_OK);
    CHECK(close(s, ref, 1e-7));
    // a long float sum whose exact value a double holds: it comes out as that value rounded once,
    // on one thread or split over two, from an aligned or an unaligned start, where a float
    // running sum would be off by far more (16.7M elements of up to 0.75)
    {
        const int64_t big = (int64_t(1) << 24) + 37;
        std::vector<float> v(big + 1);
        double exact = 0, exact1 = 0;
        for (int64_t i = 0; i <= big; ++i) {
            v[i] = static_cast<float>((i % 7) * 0.125);
            if (i < big) exact += v[i];
            if (i >= 1) exact1 += v[i];
        }
        for (int threads : {1, 2}) {
            jg_set_num_threads(threads);
            float got = 0, got1 = 0;
            CHECK(jg_reduce(JG_CPU, JG_SUM, JG_FLOAT32, 1, big, 1, addr(&got), addr(v.data())) == JG_OK);
            CHECK(jg_reduce(JG_CPU, JG_SUM, JG_FLOAT32, 1, big, 1, addr(&got1), addr(v.data() + 1)) == JG_OK);
            CHECK(got == static_cast<float>(exact) && got1 == static_cast<float>(exact1));
        }
        jg_set_num_threads(2);
    }
    // column sums ([outer, r, inner] over r): each column's double sum of its rows in row order,
    // rounded once, bit for bit, for widths on and off the 32-column blocks, one slice or several,
    // on 1, 2 and 3 threads
    {
        struct Shape { int64_t outer, r, inner; };
        for (Shape sh : {Shape{1, 256, 256}, Shape{1, 256, 10}, Shape{3, 37, 70}, Shape{2, 1000, 33}, Shape{1, 5, 1}, Shape{4, 64, 96}}) {
            const int64_t total = sh.outer * sh.r * sh.inner;
            std::vector<float> v(total);
            std::vector<double> vd(total);
            for (int64_t i = 0; i < total; ++i) {
                v[i] = static_cast<float>(std::sin(i * 0.37) * (1 + (i % 13)));
                vd[i] = std::cos(i * 0.11) * 1e3 + 1e-9 * i;
            }
            std::vector<float> want(sh.outer * sh.inner);
            std::vector<double> wantd(sh.outer * sh.inner);
            for (int64_t o = 0; o < sh.outer; ++o)
                for (int64_t j = 0; j < sh.inner; ++j) {
                    double a = 0, b = 0;
                    for (int64_t k = 0; k < sh.r; ++k) {
                        a += static_cast<double>(v[(o * sh.r + k) * sh.inner + j]);
                        b += vd[(o * sh.r + k) * sh.inner + j];
                    }
                    want[o * sh.inner + j] = static_cast<float>(a);
                    wantd[o * sh.inner + j] = b;
                }
            for (int threads : {1, 2, 3}) {
                jg_set_num_threads(threads);
                std::vector<float> got(want.size(), -1);
                std::vector<double> gotd(wantd.size(), -1);
                CHECK(jg_reduce(JG_CPU, JG_SUM, JG_FLOAT32, sh.outer, sh.r, sh.inner, addr(got.data()), addr(v.data())) == JG_OK);
                CHECK(jg_reduce(JG_CPU, JG_SUM, JG_FLOAT64, sh.outer, sh.r, sh.inner, addr(gotd.data()), addr(vd.data())) == JG_OK);
                CHECK(std::memcmp(got.data(), want.data(), want.size() * sizeof(float)) == 0);
                CHECK(std::memcmp(gotd.data(), wantd.data(), wantd.size() * sizeof(double)) == 0);
            }
        }
        jg_set_num_threads(2);
    }
    double m[6] = {1, 5, 2, 7, 3, 0};  // [2, 3] reduce dim 0 -> [3]
    double col[3];
    int64_t arg[3];
    CHECK(jg_reduce(JG_CPU, JG_SUM, JG_FLOAT64, 1, 2, 3, addr(col), addr(m)) == JG_OK);
    CHECK(col[0] == 8 && col[1] == 8 && col[2] == 2);
    CHECK(jg_reduce(JG_CPU, JG_ARGMAX, JG_FLOAT64, 1, 2, 3, addr(arg), addr(m)) == JG_OK);
    CHECK(arg[0] == 1 && arg[1] == 0 && arg[2] == 0);
    CHECK(jg_reduce(JG_CPU, JG_MAX, JG_FLOAT64, 2, 3, 1, addr(col), addr(m)) == JG_OK);
    CHECK(col[0] == 5 && col[1] == 7);
    CHECK(jg_reduce(JG_CPU, JG_MAX, JG_FLOAT64, 1, 0, 1, addr(col), addr(m)) == JG_ERR_ARGUMENT);
    double y[6], dy[6] = {1, 0, 0, 0, 1, 0}, dx[6];
    CHECK(jg_softmax(JG_CPU, 0, JG_FLOAT64, 2, 3, addr(y), addr(m)) == JG_OK);
    double z = std::exp(1.0) + std::exp(5.0) + std::exp(2.0);
    CHECK(close(y[1], std::exp(5.0) / z, 1e-12));
    CHECK(jg_softmax_backward(JG_CPU, 0, JG_FLOAT64, 2, 3, addr(dx), addr(y), addr(dy)) == JG_OK);
    CHECK(close(dx[0], y[0] * (1 - y[0]), 1e-12));
}

static void test_index() {
    double x[6] = {1, 2, 3, 4, 5, 6};  // [2,3]
    int64_t idx[2] = {2, -3};          // [2,1] along dim 1
    double out[2];
    int64_t geom[] = {2, 1, /*x*/ 3, 1, /*index*/ 1, 1};
    CHECK(jg_gather(JG_CPU, JG_FLOAT64, 2, geom, 1, 3, addr(out), addr(x), addr(idx)) == JG_OK);
    CHECK(out[0] == 3 && out[1] == 4);
    int64_t bad[2] = {3, 0};
    CHECK(jg_gather(JG_CPU, JG_FLOAT64, 2, geom, 1, 3, addr(out), addr(x), addr(bad)) == JG_ERR_ARGUMENT);
    CHECK(std::strstr(jg_last_error(), "out of bounds") != nullptr);
    double acc[6] = {0}, src[2] = {10, 20};
    int64_t sgeom[] = {2, 1, /*out*/ 3, 1, /*src*/ 1, 1, /*index*/ 1, 1};
    CHECK(jg_scatter_add(JG_CPU, JG_FLOAT64, 2, sgeom, 1, 3, addr(acc), addr(src), addr(idx)) == JG_OK);
    CHECK(acc[2] == 10 && acc[3] == 20 && acc[0] == 0);
}

static void test_random() {
    std::vector<double> a(1000), b(1000);
    std::vector<float> f(1000);
    CHECK(jg_random(JG_CPU, 0, JG_FLOAT64, 1000, addr(a.data()), 42, 0, 0, 1) == JG_OK);
    CHECK(jg_random(JG_CPU, 0, JG_FLOAT64, 1000, addr(b.data()), 42, 0, 0, 1) == JG_OK);
    CHECK(a == b);
    CHECK(jg_random(JG_CPU, 0, JG_FLOAT32, 1000, addr(f.data()), 42, 0, 0, 1) == JG_OK);
    double mean = 0;
    for (int i = 0; i < 1000; ++i) { CHECK(f[i] >= 0 && f[i] < 1); mean += a[i] / 1000; }
    CHECK(std::fabs(mean - 0.5) < 0.05);
    CHECK(jg_random(JG_CPU, 1, JG_FLOAT64, 1000, addr(a.data()), 7, 0, 0, 1) == JG_OK);
    double m2 = 0;
    for (double v : a) m2 += v * v / 1000;
    CHECK(std::fabs(m2 - 1) < 0.15);
}

// jg_random's CPU loop (split over the pool) gives each element exactly
// what ops::random_sample gives it alone, which is what the CUDA kernel computes: every kind and
// dtype, sizes around the pool's split, offsets across a 2^32 boundary.
static void test_random_matches_the_per_element_formula() {
    const int64_t sizes[] = {1, 15, 16, 17, 4095, 4096 * 3 + 7, 70001};
    const int64_t offsets[] = {0, 5, (int64_t(1) << 32) - 9};
    for (int kind = 0; kind < 2; ++kind) {
        for (int64_t n : sizes) {
            for (int64_t off : offsets) {
                std::vector<float> f(n);
                std::vector<double> d(n);
                CHECK(jg_random(JG_CPU, kind, JG_FLOAT32, n, addr(f.data()), 1234567, off, -2, 3) == JG_OK);
                CHECK(jg_random(JG_CPU, kind, JG_FLOAT64, n, addr(d.data()), 1234567, off, -2, 3) == JG_OK);
                bool same = true;
                for (int64_t i = 0; i < n; ++i) {
                    float rf = jg::ops::random_sample<float>(kind, 1234567, off, i, -2, 3);
                    double rd = jg::ops::random_sample<double>(kind, 1234567, off, i, -2, 3);
                    same &= std::memcmp(&rf, &f[i], sizeof rf) == 0 && std::memcmp(&rd, &d[i], sizeof rd) == 0;
                }
                CHECK(same);
            }
        }
    }
}

// The Horner loops the portable log and cos had, with 1/k and 1/k! divided at run time: the
// constant forms must give the same bits (it is what keeps earlier seeds' numbers).
static double loop_log(double x) {
    uint64_t b;
    std::memcpy(&b, &x, 8);
    int e = static_cast<int>((b >> 52) & 0x7FF) - 1023;
    uint64_t mb = (b & 0x000FFFFFFFFFFFFFull) | 0x3FF0000000000000ull;
    double m;
    std::memcpy(&m, &mb, 8);
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e += 1;
    }
    const double s = (m - 1.0) / (m + 1.0), z = s * s;
    double p = 1.0 / 23;
    for (int k = 21; k >= 3; k -= 2) p = p * z + 1.0 / k;
    p = p * z * s;
    return static_cast<double>(e) * 0.6931471805599453094 + (2.0 * s + 2.0 * p);
}

static double loop_cos_2pi(double u) {
    double v = 4.0 * u;
    int q = static_cast<int>(v);
    double r = v - static_cast<double>(q);
    if (r > 0.5) {
        r -= 1.0;
        q += 1;
    }
    const double t = r * 1.5707963267948966192, w = -(t * t);
    double fact[20];
    fact[0] = 1.0;
    for (int k = 1; k < 20; ++k) fact[k] = fact[k - 1] * k;
    double c = 1.0 / fact[18];
    for (int k = 16; k >= 0; k -= 2) c = c * w + 1.0 / fact[k];
    double s = 1.0 / fact[19];
    for (int k = 17; k >= 1; k -= 2) s = s * w + 1.0 / fact[k];
    s *= t;
    switch (q & 3) {
        case 0: return c;
        case 1: return -s;
        case 2: return -c;
        default: return s;
    }
}

static void test_portable_math_keeps_its_bits() {
    bool same = true;
    for (uint64_t k = 1; k < 1000000; ++k) {
        double x = std::ldexp(static_cast<double>(k * 2654435761ull % 9007199254740992ull), -53);
        if (x < 1e-300) continue;
        if (k % 3 == 0) x = std::ldexp(x, -static_cast<int>(k % 990));
        double a = jg::ops::portable_log(x), b = loop_log(x);
        double u = std::ldexp(static_cast<double>(k * 40503ull % 9007199254740992ull), -53);
        double c = jg::ops::portable_cos_2pi(u), d = loop_cos_2pi(u);
        same &= std::memcmp(&a, &b, 8) == 0 && std::memcmp(&c, &d, 8) == 0;
    }
    CHECK(same);
}

// The portable log and cos behind randn, against libm in long double.
static void test_portable_random_math() {
    double worst_log = 0, worst_cos = 0;
    for (uint64_t k = 1; k < 2000000; ++k) {
        double x = std::ldexp(static_cast<double>(k * 2654435761ull % 9007199254740992ull), -53);
        if (x < 1e-300) continue;
        if (k % 3 == 0) x = std::ldexp(x, -static_cast<int>(k % 990));  // small and tiny arguments too
        long double ref = std::log(static_cast<long double>(x));
        double got = jg::ops::portable_log(x);
        double ulp = std::nextafter(std::fabs(static_cast<double>(ref)), INFINITY) - std::fabs(static_cast<double>(ref));
        if (ref != 0) worst_log = std::max(worst_log, static_cast<double>(std::fabs(got - ref) / ulp));
        double u = std::ldexp(static_cast<double>(k * 40503ull % 9007199254740992ull), -53);
        long double cref = std::cos(6.283185307179586476925286766559L * static_cast<long double>(u));
        worst_cos = std::max(worst_cos, static_cast<double>(std::fabs(jg::ops::portable_cos_2pi(u) - cref)));
    }
    CHECK(worst_log <= 2.0);
    CHECK(worst_cos <= 4e-16);
    std::printf("portable log worst %.2f ulp, cos(2 pi u) worst abs error %.2e\n", worst_log, worst_cos);
    CHECK(jg::ops::portable_log(1.0) == 0.0);
    CHECK(jg::ops::portable_cos_2pi(0.0) == 1.0 && jg::ops::portable_cos_2pi(0.5) == -1.0);
}

static double ulps(float got, double ref) {
    float r = static_cast<float>(ref);
    if (std::isnan(ref)) return std::isnan(got) ? 0 : 1e30;
    if (std::isinf(r)) return got == r ? 0 : 1e30;
    float u = std::nextafter(std::fabs(r), INFINITY) - std::fabs(r);
    return std::fabs(got - ref) / u;
}

// The vectorisable float32 exp/tanh/sigmoid against libm in double, over a sweep of bit patterns.
static void test_fast_math_accuracy() {
    double we = 0, wt = 0, ws = 0;
    for (uint64_t u = 0; u <= 0xFFFFFFFFull; u += 40009) {
        uint32_t b = static_cast<uint32_t>(u);
        float x;
        std::memcpy(&x, &b, 4);
        if (std::isnan(x)) continue;
        if (x > -87.3f && x < 88.7f) we = std::max(we, ulps(jg::ops::Exp<float>{0, 0}(x), std::exp(double(x))));
        wt = std::max(wt, ulps(jg::ops::Tanh<float>{0, 0}(x), std::tanh(double(x))));
        if (x > -88.7f) ws = std::max(ws, ulps(jg::ops::Sigmoid<float>{0, 0}(x), 1 / (1 + std::exp(-double(x)))));
    }
    std::printf("float32 worst error: exp %.2f ulp, tanh %.2f ulp, sigmoid %.2f ulp\n", we, wt, ws);
    CHECK(we <= 1.5);
    CHECK(wt <= 2.0);
    CHECK(ws <= 3.0);
    CHECK(std::isnan(jg::ops::Exp<float>{0, 0}(NAN)) && jg::ops::Exp<float>{0, 0}(INFINITY) == INFINITY);
    CHECK(jg::ops::Exp<float>{0, 0}(-INFINITY) == 0 && jg::ops::Exp<float>{0, 0}(89.0f) == INFINITY);
    CHECK(jg::ops::Sigmoid<float>{0, 0}(-100.0f) == 0 && jg::ops::Sigmoid<float>{0, 0}(100.0f) == 1);
    CHECK(std::isnan(jg::ops::Tanh<float>{0, 0}(NAN)) && jg::ops::Tanh<float>{0, 0}(-INFINITY) == -1);
}

// Every instruction-set variant of the elementwise loops gives bit-identical results.
using UnaryImpl = int (*)(int, int, int64_t, int, const int64_t*, int64_t, int64_t, double, double);
using UpdateImpl = int (*)(int, int, int64_t, int64_t, int64_t, const int64_t*, int, const double*, int);
using GemmImpl = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
struct IsaVariant {
    const char* name;
    UnaryImpl unary;
    UpdateImpl update;
    GemmImpl sgemm;
};
#define JG_VARIANT(name, ns) IsaVariant{name, jg::cpu::ns::unary_impl, jg::cpu::ns::update_impl, jg::cpu::ns::builtin_sgemm}

// The variants this CPU can run, the baseline first.
static std::vector<IsaVariant> isa_variants() {
    std::vector<IsaVariant> v{JG_VARIANT("default", isa_default)};
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        v.push_back(JG_VARIANT("avx2", isa_avx2));
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl"))
        v.push_back(JG_VARIANT("avx512", isa_avx512));
#elif defined(__aarch64__)
    if (getauxval(AT_HWCAP) & HWCAP_ASIMD) v.push_back(JG_VARIANT("asimd", isa_asimd));
#endif
    return v;
}

static void test_isa_variants_agree() {
    const int n = 4099;
    std::vector<float> x(n), ref(n), got(n);
    for (int i = 0; i < n; ++i) x[i] = (i - n / 2) * 0.037f;
    const std::vector<IsaVariant> variants = isa_variants();
    const int ops[] = {JG_EXP, JG_SIGMOID, JG_TANH, JG_LOG, JG_SQRT, JG_SIN, JG_RDIV_SCALAR, JG_POW_SCALAR};
    for (int dtype : {JG_FLOAT32, JG_FLOAT64}) {
        const size_t esize = dtype == JG_FLOAT32 ? sizeof(float) : sizeof(double);
        std::vector<unsigned char> in(n * esize), want(n * esize), have(n * esize);
        for (int i = 0; i < n; ++i) {
            if (dtype == JG_FLOAT32) reinterpret_cast<float*>(in.data())[i] = x[i];
            else reinterpret_cast<double*>(in.data())[i] = x[i];
        }
        for (int op : ops) {
            CHECK(variants[0].unary(op, dtype, n, 0, nullptr, addr(want.data()), addr(in.data()), 1.7, 0) == JG_OK);
            for (size_t v = 1; v < variants.size(); ++v) {
                CHECK(variants[v].unary(op, dtype, n, 0, nullptr, addr(have.data()), addr(in.data()), 1.7, 0) == JG_OK);
                CHECK(std::memcmp(want.data(), have.data(), n * esize) == 0);
            }
        }
    }
    // the optimizer rules too: three Adam (amsgrad) and RMSprop (centered, momentum) steps
    for (int rule : {JG_UPDATE_ADAM, JG_UPDATE_RMSPROP}) {
        std::vector<std::vector<float>> results;
        for (const IsaVariant& variant : variants) {
            std::vector<float> p(x), s0(n, 0.0f), s1(n, 0.0f), s2(n, 0.0f);
            const int64_t st[3] = {addr(s0.data()), addr(s1.data()), addr(s2.data())};
            for (int step = 1; step <= 3; ++step) {
                const double adam[9] = {1e-2, 0.9, 0.999, 1e-8, 0.01, 1, 0, 1, double(step)}, rms[7] = {1e-2, 0.99, 1e-8, 0.01, 0.9, 1, 0};
                CHECK(variant.update(rule, JG_FLOAT32, n, addr(p.data()), addr(x.data()), st, 3, rule == JG_UPDATE_ADAM ? adam : rms,
                                     rule == JG_UPDATE_ADAM ? 9 : 7) == JG_OK);
            }
            results.push_back(std::move(p));
        }
        for (size_t v = 1; v < results.size(); ++v) CHECK(std::memcmp(results[0].data(), results[v].data(), n * sizeof(float)) == 0);
    }
    // and the built-in float32 GEMM, transposed and not, K past one packed block
    for (int t = 0; t < 4; ++t) {
        const int m = 45, nn = 67, k = 300;
        std::vector<float> a(m * k), b(k * nn), c0(m * nn), c1(m * nn);
        for (size_t i = 0; i < a.size(); ++i) a[i] = std::sin(i * 0.37f);
        for (size_t i = 0; i < b.size(); ++i) b[i] = std::cos(i * 0.11f);
        const bool ta = t & 1, tb = t & 2;
        const int opa = ta ? 112 : 111, opb = tb ? 112 : 111, lda = ta ? m : k, ldb = tb ? k : nn;
        variants[0].sgemm(101, opa, opb, m, nn, k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c0.data(), nn);
        for (size_t v = 1; v < variants.size(); ++v) {
            variants[v].sgemm(101, opa, opb, m, nn, k, 1.0f, a.data(), lda, b.data(), ldb, 0.0f, c1.data(), nn);
            CHECK(std::memcmp(c0.data(), c1.data(), c0.size() * sizeof(float)) == 0);
        }
    }
    std::string names;
    for (const IsaVariant& variant : variants) names += std::string(names.empty() ? "" : ", ") + variant.name;
    std::printf("isa %s; variants compared: %s\n", jg_cpu_isa(), names.c_str());
}

// The pool runs every chunk of a job exactly once, whichever thread claims it (the caller takes
// the chunks no worker has started), and returns only when all are done: thousands of jobs back to
// back, some with a chunk that stalls (as a thread whose core is taken would), on 2, 3 and 4
// threads; parallel_for_dynamic covers its range once in pieces of the size asked, and a parallel
// region inside a chunk runs inline.
static void test_pool_claims() {
    for (int threads : {2, 3, 4}) {
        CHECK(jg_set_num_threads(threads) == JG_OK);
        int bad = 0;
        for (int job = 0; job < 3000 && bad < 5; ++job) {
            const int64_t n = 1 + job % 7;
            std::vector<std::atomic<int>> runs(static_cast<size_t>(n));
            for (auto& r : runs) r.store(0);
            jg::cpu::parallel_for(n, 1, [&](int64_t b, int64_t e) {
                for (int64_t i = b; i < e; ++i) runs[static_cast<size_t>(i)].fetch_add(1);
                if (job % 97 == 1 && b == 1) std::this_thread::sleep_for(std::chrono::microseconds(300));
            });
            for (auto& r : runs) bad += r.load() != 1;
        }
        CHECK(bad == 0);
        for (int64_t piece : {int64_t(1), int64_t(7), int64_t(64), int64_t(1000)}) {
            const int64_t n = 999;
            std::vector<std::atomic<int>> runs(static_cast<size_t>(n));
            for (auto& r : runs) r.store(0);
            std::atomic<int> wrong_piece{0}, nested_inline{0};
            jg::cpu::parallel_for_dynamic(n, piece, [&](int64_t b, int64_t e) {
                if (b % piece != 0 || (e - b != piece && e != n)) wrong_piece.fetch_add(1);
                const std::thread::id me = std::this_thread::get_id();
                jg::cpu::parallel_for(1 << 20, 1, [&](int64_t nb, int64_t ne) {
                    if (nb == 0 && ne == (1 << 20) && std::this_thread::get_id() == me) nested_inline.fetch_add(1);
                });
                for (int64_t i = b; i < e; ++i) runs[static_cast<size_t>(i)].fetch_add(1);
            });
            int once = 0;
            for (auto& r : runs) once += r.load() == 1;
            CHECK(once == n);
            CHECK(wrong_piece.load() == 0);
            const int64_t pieces = (n + piece - 1) / piece;  // one piece runs as a plain call, not in a region
            CHECK(nested_inline.load() == (pieces > 1 ? pieces : 0));
        }
    }
    CHECK(jg_set_num_threads(2) == JG_OK);
}

static void test_threads() {
    CHECK(jg_set_num_threads(1) == JG_OK && jg_get_num_threads() == 1);
    test_unary_binary();
    CHECK(jg_set_num_threads(3) == JG_OK && jg_get_num_threads() == 3);
    test_reduce_softmax();
    CHECK(jg_set_num_threads(0) == JG_ERR_ARGUMENT);
}

// The CUDA strided kernels' index division (ops/fastdiv.h) against plain division: every divisor
// up to 4096 and the powers of two and their neighbours up to 2^31 - 1, each with the numerators
// around its first multiples, around 2^31 - 1 and spread over the range between.
static void test_fast_div() {
    std::vector<uint32_t> divisors;
    for (uint32_t d = 1; d <= 4096; ++d) divisors.push_back(d);
    for (int k = 12; k <= 31; ++k) {
        const uint64_t p = uint64_t(1) << k;
        for (int64_t e = -3; e <= 3; ++e)
            if (p + e >= 1 && p + e <= 0x7fffffffu) divisors.push_back(static_cast<uint32_t>(p + e));
    }
    for (uint32_t d : {6700417u, 65537u * 3u, 1000000007u, 2147483629u, 12345u, 784u * 256u}) divisors.push_back(d);
    const int64_t top = 0x7fffffff;
    int bad = 0;
    for (uint32_t d : divisors) {
        const jg::ops::FastDiv f(d);
        auto probe = [&](int64_t n) {
            if (n < 0 || n > top || bad >= 5) return;
            const uint32_t m = static_cast<uint32_t>(n);
            if (f.div(m) != m / d) {
                std::printf("  FastDiv(%u).div(%u) = %u, want %u\n", d, m, f.div(m), m / d);
                ++bad;
            }
        };
        const int64_t dd = d, last = top / d;
        for (int64_t q = 0; q < 4; ++q)
            for (int64_t e = -2; e <= 2; ++e) probe(q * dd + e);
        for (int64_t q = last - 1; q <= last; ++q)
            for (int64_t e = -1; e <= 1; ++e) probe(q * dd + e);
        for (int64_t n = top - 300; n <= top; ++n) probe(n);
        for (int64_t n = 12345; n < top; n = n * 3 / 2 + 7) probe(n);
    }
    CHECK(bad == 0);
}

int main() {
    test_fast_div();
    test_routing();
    test_op_supports();
    test_check_probabilities();
    test_allocator();
    test_index_rows();
    test_sgd_update();
    test_adaptive_updates();
    test_builtin_gemm();
    test_gemm_blocks();
    test_unary_binary();
    test_copy_where_fill();
    test_reduce_softmax();
    test_index();
    test_random();
    test_random_matches_the_per_element_formula();
    test_portable_math_keeps_its_bits();
    test_portable_random_math();
    test_fast_math_accuracy();
    test_isa_variants_agree();
    test_threads();
    test_pool_claims();
    jg_empty_cache(JG_CPU);
    std::printf("%s: %d failures\n", failures == 0 ? "PASS" : "FAIL", failures);
    return failures == 0 ? 0 : 1;
}
