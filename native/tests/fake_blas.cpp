// A stand-in for OpenBLAS in the native tests of jg_cpu_gemm: plain loops with cblas_?gemm's
// row-major contract, so that the blocking of a product over the pool threads (the offsets and
// leading dims of each block) is checked against the whole product, without a BLAS library.
#include <cstdint>

namespace {
template <class T>
void gemm(int order, int ta, int tb, int m, int n, int k, T alpha, const T* a, int lda, const T* b, int ldb, T beta, T* c, int ldc) {
    if (order != 101) return;  // row-major only, as jgrad calls it
    for (int i = 0; i < m; ++i)
        for (int j = 0; j < n; ++j) {
            double s = 0;
            for (int p = 0; p < k; ++p) {
                const T x = ta == 112 ? a[p * lda + i] : a[i * lda + p];
                const T y = tb == 112 ? b[j * ldb + p] : b[p * ldb + j];
                s += static_cast<double>(x) * static_cast<double>(y);
            }
            c[i * ldc + j] = static_cast<T>(alpha * s + (beta == T(0) ? 0.0 : static_cast<double>(beta) * c[i * ldc + j]));
        }
}
}  // namespace

extern "C" {
int fake_blas_threads = 4;       // what openblas_set_num_threads set last
int fake_blas_threads_seen = 0;  // the most threads a product ran with

void cblas_sgemm(int o, int ta, int tb, int m, int n, int k, float al, const float* a, int lda, const float* b, int ldb, float be, float* c,
                 int ldc) {
    if (fake_blas_threads > fake_blas_threads_seen) fake_blas_threads_seen = fake_blas_threads;
    gemm(o, ta, tb, m, n, k, al, a, lda, b, ldb, be, c, ldc);
}
void cblas_dgemm(int o, int ta, int tb, int m, int n, int k, double al, const double* a, int lda, const double* b, int ldb, double be,
                 double* c, int ldc) {
    if (fake_blas_threads > fake_blas_threads_seen) fake_blas_threads_seen = fake_blas_threads;
    gemm(o, ta, tb, m, n, k, al, a, lda, b, ldb, be, c, ldc);
}
void openblas_set_num_threads(int n) { fake_blas_threads = n; }
int openblas_get_num_threads() { return fake_blas_threads; }
char* openblas_get_corename() {
    static char name[] = "FakeCore";
    return name;
}
}
