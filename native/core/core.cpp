// Errors, dtype facts and the queries that do not depend on a device.
#include <string>

#include "core/common.h"
#include "core/op_dispatch.h"

namespace jg {

static thread_local std::string g_last_error;

void set_error(const std::string& msg) { g_last_error = msg; }
int fail(int status, const std::string& msg) {
    g_last_error = msg;
    return status;
}

const char* dtype_name(int dtype) {
    switch (dtype) {
        case JG_FLOAT32: return "float32";
        case JG_FLOAT64: return "float64";
        case JG_INT64: return "int64";
        case JG_BOOL: return "bool";
        default: return "unknown dtype";
    }
}
int64_t dtype_size(int dtype) {
    switch (dtype) {
        case JG_FLOAT32: return 4;
        case JG_FLOAT64: return 8;
        case JG_INT64: return 8;
        case JG_BOOL: return 1;
        default: return 0;
    }
}
bool valid_dtype(int dtype) { return dtype >= JG_FLOAT32 && dtype <= JG_BOOL; }

int no_cuda(const char* op) {
    return fail(JG_ERR_UNSUPPORTED, std::string(op) + ": jgrad was not compiled with CUDA; rebuild with -DJGRAD_CUDA=ON and a CUDA toolkit");
}

}  // namespace jg

extern "C" {

const char* jg_last_error(void) { return jg::g_last_error.c_str(); }
const char* jg_version(void) { return "0.1.0"; }

// Asks the backends' own dispatch (core/op_dispatch.h) with launchers that run nothing, so the
// answer cannot drift from what the kernels accept. The caller's last error is left as it was.
int jg_op_supports(int family, int op, int dtype) {
    const std::string saved = jg::g_last_error;
    auto none = [](auto, auto) { return static_cast<int>(JG_OK); };
    int st = JG_ERR_ARGUMENT;
    if (family == JG_FAMILY_UNARY) st = jg::dispatch_unary(op, dtype, 0, 0, none);
    else if (family == JG_FAMILY_BINARY) st = jg::dispatch_binary(op, dtype, 0, 0, none, none);
    jg::g_last_error = saved;
    return st == JG_OK ? 1 : 0;
}

}
