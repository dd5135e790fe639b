/* The cuda backend's large–small model collaboration op (internal):
 * kernels/cuda_lsm.cu, installed by cuda_backend.cu as be->lsm_ratio. */
#ifndef FLUIDAI_CUDA_LSM_H
#define FLUIDAI_CUDA_LSM_H

#include "fluidai/backend.h"

fai_status fai__cuda_lsm_ratio(const fai_backend *be, int64_t n, const double *terms, double tol,
                               int max_steps, double *lam, double *delay_s, fai_error *err);

#endif
