// The C entry points of the op families: each checks the device and routes to the CPU backend or
// the CUDA one (core/backend.h). In a library built without CUDA, the CUDA branch answers "not
// compiled with CUDA": that one branch is all the CPU-only build needs in place of the kernels.
#include <cstring>
#include <string>

#include "core/backend.h"
#include "core/common.h"

namespace {

int bad_device(const char* op, int device) {
    return jg::fail(JG_ERR_ARGUMENT, std::string(op) + ": device " + std::to_string(device) +
                                         " is not valid; -1 is the CPU and 0, 1, ... are CUDA devices");
}

}  // namespace

#if defined(JGRAD_WITH_CUDA)
#define JG_CUDA_BRANCH(family, device, args) ::jg::cuda::family(device, JG_UNPAREN args)
#else
#define JG_CUDA_BRANCH(family, device, args) ::jg::no_cuda(#family)
#endif

#define JG_DEFINE_ROUTE(family, params, args)                          \
    int jg_##family(int device, JG_UNPAREN params) {                   \
        if (device == JG_CPU) return ::jg::cpu::family args;           \
        if (device < 0) return bad_device(#family, device);            \
        return JG_CUDA_BRANCH(family, device, args);                   \
    }

extern "C" {

JG_ROUTED_FAMILIES(JG_DEFINE_ROUTE)

int64_t jg_alloc(int device, int64_t nbytes) {
    if (device == JG_CPU) return jg::cpu::alloc(nbytes);
    if (device < 0) {
        bad_device("alloc", device);
        return 0;
    }
#if defined(JGRAD_WITH_CUDA)
    return jg::cuda::alloc(device, nbytes);
#else
    jg::no_cuda("alloc");
    return 0;
#endif
}

int jg_empty_cache(int device) {
    if (device == JG_CPU) return jg::cpu::empty_cache();
    if (device < 0) return bad_device("empty_cache", device);
#if defined(JGRAD_WITH_CUDA)
    return jg::cuda::empty_cache(device);
#else
    return jg::no_cuda("empty_cache");
#endif
}

int jg_copy_bytes(int dst_device, int64_t dst, int src_device, int64_t src, int64_t nbytes) {
    if (dst_device < JG_CPU) return bad_device("copy_bytes", dst_device);
    if (src_device < JG_CPU) return bad_device("copy_bytes", src_device);
    if (nbytes < 0) return jg::fail(JG_ERR_ARGUMENT, "copy_bytes: negative size " + std::to_string(nbytes));
    if (dst_device == JG_CPU && src_device == JG_CPU) {
        if (nbytes > 0) std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src), static_cast<size_t>(nbytes));
        return JG_OK;
    }
#if defined(JGRAD_WITH_CUDA)
    return jg::cuda::copy_bytes(dst_device, dst, src_device, src, nbytes);
#else
    return jg::no_cuda("copy_bytes");
#endif
}

}
