#define JG_ISA_NS isa_avx2
#define JG_ISA_WIDE 1
#include "elementwise_impl.h"
#include "optim_impl.h"
#include "gemm_impl.h"
