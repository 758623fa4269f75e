// Chooses the functor for an (op code, dtype) pair, once for every backend. The backend passes
// launchers: launch(functor, T{}) runs an op that writes the input dtype, compare(functor, T{})
// one that writes JG_BOOL. Unsupported pairs get an error naming the op and the dtype.
#pragma once
#include <string>
#include <type_traits>

#include "common.h"
#include "ops/elementwise.h"
#include "ops/op_tables.h"

namespace jg {

inline int unsupported_op(const char* family, int op, int count, int dtype) {
    if (op < 0 || op >= count) return fail(JG_ERR_ARGUMENT, std::string(family) + ": unknown op " + std::to_string(op));
    return fail(JG_ERR_ARGUMENT, std::string(family) + ": op " + std::to_string(op) + " is not defined for dtype " +
                                     dtype_name(dtype) + (dtype == JG_BOOL ? " (bool supports eq and ne)" : "; it needs float32 or float64"));
}

template <class T, class Launch> int unary_typed(int op, T a, T b, Launch& launch) {
#define JG_DISPATCH_UNARY(code, F) \
    case code: return launch(ops::F<T>{a, b}, T{});
    switch (op) {
        JG_UNARY_INTEGRAL_OPS(JG_DISPATCH_UNARY)
        default: break;
    }
    if constexpr (std::is_floating_point<T>::value) {
        switch (op) {
            JG_UNARY_FLOAT_OPS(JG_DISPATCH_UNARY)
            default: break;
        }
    }
#undef JG_DISPATCH_UNARY
    return unsupported_op("unary", op, JG_UNARY_OP_COUNT, dtype_code<T>());
}

template <class T, class Launch, class Compare> int binary_typed(int op, T a, T b, Launch& launch, Compare& compare) {
    if constexpr (std::is_same<T, bool>::value) {
        if (op == JG_EQ) return compare(ops::Eq<T>{}, T{});
        if (op == JG_NE) return compare(ops::Ne<T>{}, T{});
    } else {
#define JG_DISPATCH_BINARY(code, F) \
    case code: return launch(ops::F<T>{a, b}, T{});
#define JG_DISPATCH_COMPARE(code, F) \
    case code: return compare(ops::F<T>{}, T{});
        switch (op) {
            JG_BINARY_INTEGRAL_OPS(JG_DISPATCH_BINARY)
            JG_COMPARE_OPS(JG_DISPATCH_COMPARE)
            default: break;
        }
        if constexpr (std::is_floating_point<T>::value) {
            switch (op) {
                JG_BINARY_FLOAT_OPS(JG_DISPATCH_BINARY)
                default: break;
            }
        }
#undef JG_DISPATCH_BINARY
#undef JG_DISPATCH_COMPARE
    }
    return unsupported_op("binary", op, JG_BINARY_OP_COUNT, dtype_code<T>());
}

template <class Launch> int dispatch_unary(int op, int dtype, double a, double b, Launch&& launch) {
    switch (dtype) {
        case JG_FLOAT32: return unary_typed<float>(op, static_cast<float>(a), static_cast<float>(b), launch);
        case JG_FLOAT64: return unary_typed<double>(op, a, b, launch);
        case JG_INT64: return unary_typed<int64_t>(op, static_cast<int64_t>(a), static_cast<int64_t>(b), launch);
        default:
            return fail(JG_ERR_ARGUMENT, std::string("unary: dtype ") + dtype_name(dtype) + " is not supported; expected float32, float64 or int64");
    }
}

template <class Launch, class Compare>
int dispatch_binary(int op, int dtype, double a, double b, Launch&& launch, Compare&& compare) {
    switch (dtype) {
        case JG_FLOAT32: return binary_typed<float>(op, static_cast<float>(a), static_cast<float>(b), launch, compare);
        case JG_FLOAT64: return binary_typed<double>(op, a, b, launch, compare);
        case JG_INT64: return binary_typed<int64_t>(op, 0, 0, launch, compare);
        case JG_BOOL: return binary_typed<bool>(op, false, false, launch, compare);
        default:
            return fail(JG_ERR_ARGUMENT, std::string("binary: dtype ") + dtype_name(dtype) + " is not supported; expected float32, float64 or int64");
    }
}

}  // namespace jg
