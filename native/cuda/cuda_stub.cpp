// The CUDA entry points of a library built without CUDA (-DJGRAD_CUDA=OFF, or no nvcc found):
// they answer "not compiled with CUDA" and report no devices.
#include "cpu/common.h"

namespace {
int no_cuda(const char* op) {
    return jg::fail(JG_ERR_UNSUPPORTED, std::string(op) + ": jgrad was not compiled with CUDA; rebuild with -DJGRAD_CUDA=ON and a CUDA toolkit");
}
}  // namespace

extern "C" {

int jg_cuda_compiled(void) { return 0; }
int jg_cuda_device_count(void) { return 0; }
int jg_cuda_emulated(void) { return 0; }
int jg_cuda_emulated_gemm(int, int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                          int64_t, int64_t) {
    return no_cuda("emulated_gemm");
}
const char* jg_cuda_device_name(int) {
    no_cuda("device_name");
    return "";
}
int jg_cuda_mem_info(int, int64_t*) { return no_cuda("mem_info"); }
int64_t jg_cuda_alloc(int, int64_t) {
    no_cuda("cuda alloc");
    return 0;
}
int jg_cuda_free(int, int64_t, int64_t) { return no_cuda("cuda free"); }
int jg_cuda_memory_stats(int, int64_t*) { return no_cuda("memory_stats"); }
int jg_cuda_empty_cache(int) { return no_cuda("empty_cache"); }
int jg_cuda_copy_to_device(int, int64_t, int64_t, int64_t) { return no_cuda("copy_to_device"); }
int jg_cuda_copy_to_host(int, int64_t, int64_t, int64_t) { return no_cuda("copy_to_host"); }
int jg_cuda_copy_peer(int, int64_t, int, int64_t, int64_t) { return no_cuda("copy_peer"); }
int jg_cuda_synchronize(int) { return no_cuda("synchronize"); }
int jg_cuda_set_device(int) { return no_cuda("set_device"); }
int jg_cuda_cross_entropy(int, int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int, int64_t) { return no_cuda("crossEntropy"); }
int jg_cuda_cross_entropy_backward(int, int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int, int64_t, int64_t, int64_t) {
    return no_cuda("crossEntropy backward");
}
int jg_cuda_nll_loss(int, int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int, int64_t) { return no_cuda("nllLoss"); }
int jg_cuda_nll_loss_backward(int, int, int64_t, int64_t, int64_t, int64_t, int64_t, int, int64_t, int64_t, int64_t) {
    return no_cuda("nllLoss backward");
}
int jg_cuda_set_launch_blocking(int) { return no_cuda("set_launch_blocking"); }
int jg_cuda_launch_blocking(void) { return 0; }
int jg_cuda_fill(int, int, int64_t, int64_t, double) { return no_cuda("fill"); }
int jg_cuda_copy(int, int, int, int64_t, int, const int64_t*, int64_t, int64_t) { return no_cuda("copy"); }
int jg_cuda_unary(int, int, int, int64_t, int, const int64_t*, int64_t, int64_t, double, double) { return no_cuda("unary"); }
int jg_cuda_binary(int, int, int, int64_t, int, const int64_t*, int64_t, int64_t, int64_t, double, double) { return no_cuda("binary"); }
int jg_cuda_where(int, int, int64_t, int, const int64_t*, int64_t, int64_t, int64_t, int64_t) { return no_cuda("where"); }
int jg_cuda_random(int, int, int, int64_t, int64_t, int64_t, int64_t, double, double) { return no_cuda("random"); }
int jg_cuda_arange(int, int, int64_t, int64_t, double, double) { return no_cuda("arange"); }
int jg_cuda_linspace(int, int, int64_t, int64_t, double, double) { return no_cuda("linspace"); }
int jg_cuda_reduce(int, int, int, int64_t, int64_t, int64_t, int64_t, int64_t) { return no_cuda("reduce"); }
int jg_cuda_softmax(int, int, int, int64_t, int64_t, int64_t, int64_t) { return no_cuda("softmax"); }
int jg_cuda_softmax_backward(int, int, int, int64_t, int64_t, int64_t, int64_t, int64_t) { return no_cuda("softmax_backward"); }
int jg_cuda_gather(int, int, int, const int64_t*, int, int64_t, int64_t, int64_t, int64_t) { return no_cuda("gather"); }
int jg_cuda_scatter_add(int, int, int, const int64_t*, int, int64_t, int64_t, int64_t, int64_t) { return no_cuda("scatter_add"); }
int jg_cuda_check_probabilities(int, int, int64_t, int64_t) { return no_cuda("binaryCrossEntropy"); }

}
