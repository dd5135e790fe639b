/* cuda backend op of LEOEdge (issue 6, leoedge): replications of the
 * fixed-rule simulation schemes, one CUDA thread per replication
 * (kernels/leoedge_core.h).  Internal; declared for cuda_backend.cu. */
#ifndef FLUIDAI_CUDA_LEOEDGE_H
#define FLUIDAI_CUDA_LEOEDGE_H

#include "fluidai/backend.h"

#ifdef __cplusplus
extern "C" {
#endif

fai_status fai__cu_leoedge_reps(const fai_backend *be, const double *cfg, uint64_t seed,
                                int scheme, int r0, int n_reps, double *rep_out, double *util,
                                fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
