// One include for the BLAS the platform provides: Accelerate on Apple
// systems, OpenBLAS's CBLAS interface elsewhere.
#ifndef AWDLSTM_CBLAS_SHIM_H
#define AWDLSTM_CBLAS_SHIM_H

#if defined(__APPLE__)
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
#endif

#endif
