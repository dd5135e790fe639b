/* The cpu backend's large–small model collaboration op (internal):
 * kernels/cpu_lsm.c, installed by cpu_backend.c as be->lsm_ratio. */
#ifndef FLUIDAI_CPU_LSM_H
#define FLUIDAI_CPU_LSM_H

#include "fluidai/backend.h"

fai_status fai__cpu_lsm_ratio(const fai_backend *be, int64_t n, const double *terms, double tol,
                              int max_steps, double *lam, double *delay_s, fai_error *err);

#endif
