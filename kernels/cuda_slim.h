/* cuda backend op of issue 4, SlimCaching (kernels/cuda_slim.cu). */
#ifndef FLUIDAI_CUDA_SLIM_H
#define FLUIDAI_CUDA_SLIM_H

#include "fluidai/backend.h"

fai_status fai_cu_moe_latency(const fai_backend *be, const fai_moe_view *v, int n_place,
                              const uint8_t *x, double *lat, double *total, fai_error *err);
fai_status fai_cu_moe_gains(const fai_backend *be, const fai_moe_view *v, const double *cur,
                            int64_t n, const int *node, const int *layer, const uint64_t *mask,
                            double *gain, fai_error *err);

#endif
