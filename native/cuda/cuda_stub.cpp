// The CUDA-only entry points of a library built without CUDA (-DJGRAD_CUDA=OFF, or no nvcc found):
// they report no devices and answer "not compiled with CUDA". The op families need nothing here:
// core/route.cpp answers for them.
#include "core/common.h"

extern "C" {

int jg_cuda_compiled(void) { return 0; }
int jg_cuda_device_count(void) { return 0; }
const char* jg_cuda_init_error(void) { return ""; }
int jg_cuda_emulated(void) { return 0; }
int jg_cuda_emulated_gemm(int, int, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                          int64_t, int64_t) {
    return jg::no_cuda("emulated_gemm");
}
const char* jg_cuda_device_name(int) {
    jg::no_cuda("device_name");
    return "";
}
int jg_cuda_mem_info(int, int64_t*) { return jg::no_cuda("mem_info"); }
int jg_cuda_synchronize(int) { return jg::no_cuda("synchronize"); }
int jg_cuda_set_device(int) { return jg::no_cuda("set_device"); }
int jg_cuda_set_launch_blocking(int) { return jg::no_cuda("set_launch_blocking"); }
int jg_cuda_launch_blocking(void) { return 0; }
int jg_cuda_set_deterministic(int) { return jg::no_cuda("set_deterministic"); }
int jg_cuda_deterministic(void) { return 1; }

}
