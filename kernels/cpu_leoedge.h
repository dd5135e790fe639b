/* cpu backend op of LEOEdge (issue 6, leoedge): replications of the
 * fixed-rule simulation schemes (kernels/leoedge_core.h).  Internal. */
#ifndef FLUIDAI_CPU_LEOEDGE_H
#define FLUIDAI_CPU_LEOEDGE_H

#include "fluidai/backend.h"

fai_status fai__cpu_leoedge_reps(const fai_backend *be, const double *cfg, uint64_t seed,
                                 int scheme, int r0, int n_reps, double *rep_out, double *util,
                                 fai_error *err);

#endif
