// One include for the BLAS the platform provides: Accelerate on Apple
// systems, OpenBLAS's CBLAS interface elsewhere.
#ifndef AWDLSTM_CBLAS_SHIM_H
#define AWDLSTM_CBLAS_SHIM_H

#if defined(__APPLE__)
#include <Accelerate/Accelerate.h>
static inline void awd_blas_set_threads(int n) { (void)n; }
static inline int awd_blas_get_threads(void) { return 0; }
#else
#include <cblas.h>
/// OpenBLAS keeps its own thread pool; these let the engine size it so that
/// BLAS threads and Dispatch workers never oversubscribe the cores.
static inline void awd_blas_set_threads(int n) { openblas_set_num_threads(n); }
static inline int awd_blas_get_threads(void) { return openblas_get_num_threads(); }
#endif

#endif
