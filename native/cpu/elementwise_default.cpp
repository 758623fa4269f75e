#define JG_ISA_NS isa_default
#include "elementwise_impl.h"
#include "optim_impl.h"
#include "gemm_impl.h"
