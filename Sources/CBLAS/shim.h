// Accelerate's CBLAS on Apple systems. On Linux the engine opens OpenBLAS at
// run time (Sources/AWDLSTM/Tensor/BLASLibrary.swift) and needs no header.
#ifndef AWDLSTM_CBLAS_SHIM_H
#define AWDLSTM_CBLAS_SHIM_H

#if defined(__APPLE__)
#include <Accelerate/Accelerate.h>
#endif

#endif
