// Matrix products on the CPU: the BLAS library the JVM loaded (OpenBLAS through its JavaCPP
// preset), or where none can be loaded jgrad's own product (gemm_impl.h), called from jgrad's own
// thread pool. jgrad splits a product into column or row blocks,
// one per pool thread, with OpenBLAS on one thread for the call, so that one pool runs everything
// and no BLAS threads spin against it for the cores. OpenBLAS's thread count is a process-wide
// setting that other libraries in the JVM may rely on (libtorch does): it is set to one only while
// jgrad's products run, and put back after.
#include <dlfcn.h>

#include <string.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <string>

#include "parallel.h"

namespace jg {
namespace cpu {
// dispatch.cpp: gemm_impl.h for the widest instruction set
void builtin_sgemm(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
void builtin_dgemm(int, int, int, int, int, int, double, const double*, int, const double*, int, double, double*, int);
int builtin_gemm_shared(int, int, int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, int64_t);
int builtin_gemm_shared(int, int, int64_t, int64_t, int64_t, const double*, int64_t, const double*, int64_t, double*, int64_t, int64_t);
namespace {

// cblas_sgemm / cblas_dgemm: (order, transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc)
using Sgemm = void (*)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
using Dgemm = void (*)(int, int, int, int, int, int, double, const double*, int, const double*, int, double, double*, int);
std::atomic<Sgemm> g_sgemm{&builtin_sgemm};
std::atomic<Dgemm> g_dgemm{&builtin_dgemm};
std::atomic<const char*> g_blas_name{"builtin"};
std::atomic<const char*> g_blas_core{""};
std::atomic<int64_t> g_builtin_below{0};
std::atomic<void (*)(int)> g_set_threads{nullptr};
std::atomic<int (*)()> g_get_threads{nullptr};

// While any jgrad product runs, OpenBLAS runs on one thread; the last one to finish restores the
// count found by the first.
class OneBlasThread {
  public:
    OneBlasThread() {
        auto set = g_set_threads.load();
        auto get = g_get_threads.load();
        if (set == nullptr || get == nullptr) return;
        std::lock_guard<std::mutex> g(mu_);
        if (active_++ == 0) {
            saved_ = get();
            if (saved_ != 1) set(1);
        }
    }
    ~OneBlasThread() {
        auto set = g_set_threads.load();
        if (set == nullptr || g_get_threads.load() == nullptr) return;
        std::lock_guard<std::mutex> g(mu_);
        if (--active_ == 0 && saved_ != 1) set(saved_);
    }
    OneBlasThread(const OneBlasThread&) = delete;
    OneBlasThread& operator=(const OneBlasThread&) = delete;

  private:
    static std::mutex mu_;
    static int active_, saved_;
};
std::mutex OneBlasThread::mu_;
int OneBlasThread::active_ = 0, OneBlasThread::saved_ = 1;

constexpr int kRowMajor = 101, kNoTrans = 111, kTrans = 112;
// Below this many multiply-adds a product stays on one thread (a pool hand-off costs more). 2^17:
// the products of a 256-wide layer into 10 classes at batch 256 (655 360 each) took 0.6-0.8 of
// their one-thread time on two Zen 3 cores, batch 64's (163 840) 0.85-0.95; a worker that is not
// awake to claim its chunk costs nothing more than one thread would (pool.cpp).
constexpr int64_t kParallelMacs = int64_t(1) << 17;

template <class T, class G>
void gemm_blocks(G fn, bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b, int64_t ldb, T* c, int64_t ldc) {
    const bool builtin = reinterpret_cast<void*>(fn) == reinterpret_cast<void*>(&builtin_sgemm) ||
                         reinterpret_cast<void*>(fn) == reinterpret_cast<void*>(&builtin_dgemm);
    std::optional<OneBlasThread> one;  // the built-in kernel leaves OpenBLAS's setting alone
    if (!builtin) one.emplace();
    const int64_t threads = num_threads();
    const auto call = [&](int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
        // op(A) rows m0..m1 and op(B) columns n0..n1, in place in the row-major operands
        const T* pa = a + (ta ? m0 : m0 * lda);
        const T* pb = b + (tb ? n0 * ldb : n0);
        fn(kRowMajor, ta ? kTrans : kNoTrans, tb ? kTrans : kNoTrans, static_cast<int>(m1 - m0), static_cast<int>(n1 - n0), static_cast<int>(k),
           T(1), pa, static_cast<int>(lda), pb, static_cast<int>(ldb), T(0), c + m0 * ldc + n0, static_cast<int>(ldc));
    };
    if (threads <= 1 || m * n * k < kParallelMacs) {
        call(0, m, 0, n);
        return;
    }
    // split C's rows (each block packs its own rows of A, as OpenBLAS's own threads do), unless
    // there are few of them: then split its columns, which repacks only the small A per block.
    // Blocks of 16 columns or 4 rows keep the BLAS kernels on their full-width paths. (Measured on
    // 2 cores: 256³ 227 us by rows against 262 by columns; 64×784·784×256 157 us by columns
    // against 194 by rows.)
    const bool by_cols = 2 * m <= n;
    // The built-in kernel splitting rows packs op(B) once for all threads (up to 16 MiB of it)
    // rather than once per row block. (Measured on 2 Zen 3 cores: x·Wᵀ of 256×784·784×256 went
    // from 0.84 to 0.75 ms, with the packs transposing by blocks.)
    if (!by_cols && builtin) {
        if (builtin_gemm_shared(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, (int64_t(16) << 20) / int64_t(sizeof(T)))) return;
    }
    const int64_t len = by_cols ? n : m, unit = by_cols ? 16 : 4;
    const int64_t per = std::max(unit, (len + threads - 1) / threads + unit - 1) / unit * unit;
    const int64_t chunks = (len + per - 1) / per;
    parallel_for(chunks, 1, [&](int64_t lo, int64_t hi) {
        for (int64_t i = lo; i < hi; ++i) {
            const int64_t s = i * per, e = std::min(len, s + per);
            if (by_cols) call(0, m, s, e);
            else call(s, e, 0, n);
        }
    });
}

}  // namespace
}  // namespace cpu
}  // namespace jg

extern "C" {

int jg_cpu_use_blas(const char* library) {
    if (library == nullptr) {
        jg::cpu::g_set_threads.store(nullptr);
        jg::cpu::g_get_threads.store(nullptr);
        jg::cpu::g_sgemm.store(&jg::cpu::builtin_sgemm);
        jg::cpu::g_dgemm.store(&jg::cpu::builtin_dgemm);
        jg::cpu::g_blas_name.store("builtin");
        jg::cpu::g_blas_core.store("");
        return JG_OK;
    }
    void* h = dlopen(library, RTLD_NOW | RTLD_NOLOAD);
    if (h == nullptr) return jg::fail(JG_ERR_ARGUMENT, std::string("use_blas: ") + library + " is not loaded in this process");
    auto s = reinterpret_cast<jg::cpu::Sgemm>(dlsym(h, "cblas_sgemm"));
    auto d = reinterpret_cast<jg::cpu::Dgemm>(dlsym(h, "cblas_dgemm"));
    auto set = reinterpret_cast<void (*)(int)>(dlsym(h, "openblas_set_num_threads"));
    auto get = reinterpret_cast<int (*)()>(dlsym(h, "openblas_get_num_threads"));
    auto core = reinterpret_cast<char* (*)()>(dlsym(h, "openblas_get_corename"));
    dlclose(h);  // NOLOAD took a reference; the JVM keeps its own
    if (s == nullptr || d == nullptr) return jg::fail(JG_ERR_ARGUMENT, std::string("use_blas: ") + library + " has no cblas_sgemm/cblas_dgemm");
    jg::cpu::g_set_threads.store(set);
    jg::cpu::g_get_threads.store(get);
    jg::cpu::g_sgemm.store(s);
    jg::cpu::g_dgemm.store(d);
    jg::cpu::g_blas_name.store(strdup(library));  // kept for the process: a caller may hold the last one
    const char* core_name = core != nullptr ? core() : nullptr;
    jg::cpu::g_blas_core.store(core_name != nullptr ? strdup(core_name) : "");
    return JG_OK;
}

int jg_cpu_set_builtin_below(int64_t macs) {
    if (macs < 0) return jg::fail(JG_ERR_ARGUMENT, "set_builtin_below: a count of multiply-adds must be 0 or more, got " + std::to_string(macs));
    jg::cpu::g_builtin_below.store(macs);
    return JG_OK;
}
int64_t jg_cpu_builtin_below(void) { return jg::cpu::g_builtin_below.load(); }
const char* jg_cpu_blas(void) { return jg::cpu::g_blas_name.load(); }

const char* jg_cpu_blas_core(void) { return jg::cpu::g_blas_core.load(); }

int jg_cpu_gemm(int dtype, int trans_a, int trans_b, int64_t m, int64_t n, int64_t k, int64_t a, int64_t lda, int64_t b, int64_t ldb,
                int64_t c, int64_t ldc) {
    if (m < 0 || n < 0 || k < 0) return jg::fail(JG_ERR_ARGUMENT, "gemm: negative extent");
    if (m > INT32_MAX || n > INT32_MAX || k > INT32_MAX || lda > INT32_MAX || ldb > INT32_MAX || ldc > INT32_MAX)
        return jg::fail(JG_ERR_ARGUMENT, "gemm: a dimension or leading dimension is beyond BLAS's 32-bit ints");
    if (m == 0 || n == 0) return JG_OK;
    const int64_t below = jg::cpu::g_builtin_below.load(std::memory_order_relaxed);
    const bool small = below > 0 && (k == 0 || m <= below / n / k);  // m·n·k ≤ below, without overflow
    return jg::guarded("gemm", [&]() -> int {
        switch (dtype) {
            case JG_FLOAT32: {
                auto fn = small ? &jg::cpu::builtin_sgemm : jg::cpu::g_sgemm.load();
                jg::cpu::gemm_blocks<float>(fn, trans_a != 0, trans_b != 0, m, n, k, reinterpret_cast<const float*>(a), lda,
                                            reinterpret_cast<const float*>(b), ldb, reinterpret_cast<float*>(c), ldc);
                return JG_OK;
            }
            case JG_FLOAT64: {
                auto fn = small ? &jg::cpu::builtin_dgemm : jg::cpu::g_dgemm.load();
                jg::cpu::gemm_blocks<double>(fn, trans_a != 0, trans_b != 0, m, n, k, reinterpret_cast<const double*>(a), lda,
                                             reinterpret_cast<const double*>(b), ldb, reinterpret_cast<double*>(c), ldc);
                return JG_OK;
            }
            default: return jg::fail(JG_ERR_ARGUMENT, std::string("gemm: needs float32 or float64, got ") + jg::dtype_name(dtype));
        }
    });
}

}
