// What every backend shares: error reporting (a status and a per-thread message, never an
// exception across the C ABI) and dtype facts.
#pragma once
#include <cstdint>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <type_traits>

#include "jgrad/jgrad.h"

namespace jg {

void set_error(const std::string& msg);
int fail(int status, const std::string& msg);

// Runs body and converts any escaping C++ exception to a status: nothing crosses the C ABI.
template <class F> int guarded(const char* what, F&& body) {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return fail(JG_ERR_OUT_OF_MEMORY, std::string(what) + ": out of memory");
    } catch (const std::exception& e) {
        return fail(JG_ERR_INTERNAL, std::string(what) + ": " + e.what());
    } catch (...) {
        return fail(JG_ERR_INTERNAL, std::string(what) + ": unknown error");
    }
}

const char* dtype_name(int dtype);
int64_t dtype_size(int dtype);
bool valid_dtype(int dtype);

template <class T> constexpr int dtype_code() {
    return std::is_same<T, float>::value ? JG_FLOAT32
         : std::is_same<T, double>::value ? JG_FLOAT64
         : std::is_same<T, bool>::value ? JG_BOOL : JG_INT64;
}

// The error of a call that names a device this build cannot run: a CUDA device in a library built
// without CUDA.
int no_cuda(const char* op);

}  // namespace jg

#define JG_DISPATCH_ALL(dtype, T, ...)                           \
    switch (dtype) {                                             \
        case JG_FLOAT32: { using T = float; __VA_ARGS__; break; }  \
        case JG_FLOAT64: { using T = double; __VA_ARGS__; break; } \
        case JG_INT64: { using T = int64_t; __VA_ARGS__; break; }  \
        case JG_BOOL: { using T = bool; __VA_ARGS__; break; }      \
        default: break;                                          \
    }
