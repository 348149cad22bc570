// One include for the BLAS the platform provides: Accelerate on Apple
// systems, OpenBLAS's CBLAS interface elsewhere.
#ifndef AWDLSTM_CBLAS_SHIM_H
#define AWDLSTM_CBLAS_SHIM_H

#if defined(__APPLE__)
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

/// Makes BLAS run each call on the calling thread: the engine splits large
/// products over its own pool, and OpenBLAS's idle threads would otherwise
/// spin against the pool's workers. Accelerate manages its threads itself.
static inline void awd_blas_use_calling_thread_only(void) {
#if !defined(__APPLE__)
    openblas_set_num_threads(1);
#endif
}

#endif
