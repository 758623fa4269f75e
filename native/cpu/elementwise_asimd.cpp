// AArch64: the elementwise loops, optimizer rules and built-in GEMM vectorised with ASIMD (NEON),
// every dtype (elementwise_default.cpp is compiled scalar there, as the reference).
#define JG_ISA_NS isa_asimd
#include "elementwise_impl.h"
#include "optim_impl.h"
#include "gemm_impl.h"
