// The CPU elementwise families and optimizer updates: pick the widest instruction set this CPU has, once.
// Every variant is compiled without floating-point contraction, so all give bit-identical results.
#include "parallel.h"

#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

namespace jg {
namespace cpu {
#define JG_DECLARE_ISA(ns)                                                                                              \
    namespace ns {                                                                                                      \
    int copy_impl(int, int, int64_t, int, const int64_t*, int64_t, int64_t);                                            \
    int unary_impl(int, int, int64_t, int, const int64_t*, int64_t, int64_t, double, double);                           \
    int binary_impl(int, int, int64_t, int, const int64_t*, int64_t, int64_t, int64_t, double, double);                 \
    int where_impl(int, int64_t, int, const int64_t*, int64_t, int64_t, int64_t, int64_t);                              \
    int fill_impl(int, int64_t, int64_t, double);                                                                       \
    int random_impl(int, int, int64_t, int64_t, int64_t, int64_t, double, double);                                     \
    int update_impl(int, int, int64_t, int64_t, int64_t, const int64_t*, int, const double*, int);                      \
    void builtin_sgemm(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);  \
    void builtin_dgemm(int, int, int, int, int, int, double, const double*, int, const double*, int, double, double*, int); \
    int builtin_sgemm_shared(int, int, int64_t, int64_t, int64_t, const float*, int64_t, const float*, int64_t, float*, int64_t, int64_t);  \
    int builtin_dgemm_shared(int, int, int64_t, int64_t, int64_t, const double*, int64_t, const double*, int64_t, double*, int64_t, int64_t); \
    }
JG_DECLARE_ISA(isa_default)
#if defined(__x86_64__)
JG_DECLARE_ISA(isa_avx2)
JG_DECLARE_ISA(isa_avx512)
#elif defined(__aarch64__)
JG_DECLARE_ISA(isa_asimd)
#endif

namespace {
#if defined(__x86_64__)
enum Isa { DEFAULT, AVX2, AVX512 };
Isa detect() {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl"))
        return AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return AVX2;
    return DEFAULT;
}
#elif defined(__aarch64__)
// AArch64: the baseline variant is scalar (the reference the vector one is tested against), the
// ASIMD (NEON) one is what every Linux AArch64 CPU runs.
enum Isa { DEFAULT, ASIMD };
Isa detect() { return (getauxval(AT_HWCAP) & HWCAP_ASIMD) ? ASIMD : DEFAULT; }
#else
enum Isa { DEFAULT };
Isa detect() { return DEFAULT; }
#endif
const Isa kIsa = detect();
}  // namespace
}  // namespace cpu
}  // namespace jg

#if defined(__x86_64__)
#define JG_DISPATCH(fn, ...)                                   \
    switch (kIsa) {                                            \
        case AVX512: return isa_avx512::fn(__VA_ARGS__);       \
        case AVX2: return isa_avx2::fn(__VA_ARGS__);           \
        default: return isa_default::fn(__VA_ARGS__);          \
    }
#elif defined(__aarch64__)
#define JG_DISPATCH(fn, ...)                                   \
    switch (kIsa) {                                            \
        case ASIMD: return isa_asimd::fn(__VA_ARGS__);         \
        default: return isa_default::fn(__VA_ARGS__);          \
    }
#else
#define JG_DISPATCH(fn, ...) return isa_default::fn(__VA_ARGS__)
#endif

namespace jg {
namespace cpu {

int copy(int out_dtype, int in_dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t in) {
    JG_DISPATCH(copy_impl, out_dtype, in_dtype, n, ndim, geom, out, in);
}
int unary(int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t x, double alpha, double beta) {
    JG_DISPATCH(unary_impl, op, dtype, n, ndim, geom, out, x, alpha, beta);
}
int binary(int op, int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t a, int64_t b, double alpha, double beta) {
    JG_DISPATCH(binary_impl, op, dtype, n, ndim, geom, out, a, b, alpha, beta);
}
int where(int dtype, int64_t n, int ndim, const int64_t* geom, int64_t out, int64_t cond, int64_t a, int64_t b) {
    JG_DISPATCH(where_impl, dtype, n, ndim, geom, out, cond, a, b);
}
int fill(int dtype, int64_t n, int64_t out, double value) { JG_DISPATCH(fill_impl, dtype, n, out, value); }
int random(int kind, int dtype, int64_t n, int64_t out, int64_t seed, int64_t offset, double lo, double hi) {
    JG_DISPATCH(random_impl, kind, dtype, n, out, seed, offset, lo, hi);
}

void builtin_sgemm(int order, int ta, int tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b, int ldb, float beta,
                   float* c, int ldc) {
    JG_DISPATCH(builtin_sgemm, order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
void builtin_dgemm(int order, int ta, int tb, int m, int n, int k, double alpha, const double* a, int lda, const double* b, int ldb, double beta,
                   double* c, int ldc) {
    JG_DISPATCH(builtin_dgemm, order, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
int builtin_gemm_shared(int ta, int tb, int64_t m, int64_t n, int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
                        int64_t ldc, int64_t max_elems) {
    JG_DISPATCH(builtin_sgemm_shared, ta, tb, m, n, k, a, lda, b, ldb, c, ldc, max_elems);
}
int builtin_gemm_shared(int ta, int tb, int64_t m, int64_t n, int64_t k, const double* a, int64_t lda, const double* b, int64_t ldb, double* c,
                        int64_t ldc, int64_t max_elems) {
    JG_DISPATCH(builtin_dgemm_shared, ta, tb, m, n, k, a, lda, b, ldb, c, ldc, max_elems);
}

int update(int rule, int dtype, int64_t n, int64_t param, int64_t grad, const int64_t* state, int nstate, const double* hyper, int nhyper) {
    JG_DISPATCH(update_impl, rule, dtype, n, param, grad, state, nstate, hyper, nhyper);
}

}  // namespace cpu
}  // namespace jg

extern "C" {

const char* jg_cpu_isa(void) {
#if defined(__x86_64__)
    switch (jg::cpu::kIsa) {
        case jg::cpu::AVX512: return "avx512";
        case jg::cpu::AVX2: return "avx2";
        default: return "default";
    }
#elif defined(__aarch64__)
    return jg::cpu::kIsa == jg::cpu::ASIMD ? "asimd" : "default";
#else
    return "default";
#endif
}

}
