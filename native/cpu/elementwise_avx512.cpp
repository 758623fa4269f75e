#define JG_ISA_NS isa_avx512
#include "elementwise_impl.h"
#include "optim_impl.h"
