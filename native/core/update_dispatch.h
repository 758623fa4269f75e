// Chooses the update-rule functor (ops/optim.h) for a (rule, dtype) pair and checks the arguments
// every backend needs checked, once: launch(functor, T{}, the three state addresses) then runs it.
#pragma once
#include <string>

#include "common.h"
#include "ops/optim.h"

namespace jg {

template <class Launch>
int dispatch_update(int rule, int dtype, int64_t n, const double* hyper, int nhyper, const int64_t* state, int nstate, Launch&& launch) {
    if (n < 0) return fail(JG_ERR_ARGUMENT, "update: negative element count");
    if (nhyper < 0 || (nhyper > 0 && hyper == nullptr)) return fail(JG_ERR_ARGUMENT, "update: no hyperparameters given");
    if (nstate < 0 || nstate > 3 || (nstate > 0 && state == nullptr))
        return fail(JG_ERR_ARGUMENT, "update: between 0 and 3 state buffers, got " + std::to_string(nstate));
    int64_t st[3] = {0, 0, 0};
    for (int k = 0; k < nstate; ++k) st[k] = state[k];
    auto typed = [&](auto tag) -> int {
        using T = decltype(tag);
        switch (rule) {
#define JG_DISPATCH_RULE(code, F)                                                                                             \
    case code: {                                                                                                              \
        if (nhyper != ops::F<T>::kHyper)                                                                                      \
            return fail(JG_ERR_ARGUMENT, "update: rule " #F " takes " + std::to_string(ops::F<T>::kHyper) + " hyperparameters, got " + \
                                             std::to_string(nhyper));                                                         \
        const ops::F<T> f(hyper);                                                                                             \
        for (int k = 0; k < 3; ++k)                                                                                           \
            if (((f.used() >> k) & 1) && st[k] == 0)                                                                          \
                return fail(JG_ERR_ARGUMENT, "update: rule " #F ", as configured, needs state buffer " + std::to_string(k));  \
        return launch(f, T{}, st);                                                                                            \
    }
            JG_UPDATE_RULES(JG_DISPATCH_RULE)
#undef JG_DISPATCH_RULE
            default: return fail(JG_ERR_ARGUMENT, "update: unknown rule " + std::to_string(rule));
        }
    };
    switch (dtype) {
        case JG_FLOAT32: return typed(float{});
        case JG_FLOAT64: return typed(double{});
        default: return fail(JG_ERR_ARGUMENT, std::string("update: parameters must be float32 or float64, got ") + dtype_name(dtype));
    }
}

}  // namespace jg
