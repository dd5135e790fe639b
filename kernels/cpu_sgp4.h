/* The cpu backend's SGP4 block (internal): kernels/cpu_sgp4.c, called by
 * cpu_backend.c's propagate_sgp4 once per (block of satellites, snapshot). */
#ifndef FLUIDAI_CPU_SGP4_H
#define FLUIDAI_CPU_SGP4_H

#include "fluidai/sgp4_batch.h"

/* Satellites per block: the lanes of one vectorised loop. */
#define FAI_CPU_SGP4_BLOCK 64

/* Batch satellites j0 .. j0 + nb − 1 (nb <= FAI_CPU_SGP4_BLOCK) at snapshot
 * t, dt_min minutes after the batch's reference epoch, GMST cos/sin cg, sg:
 * writes rows t·n_out + out_index[j] of pos, vel, pos_teme (m, m/s; NaN
 * where the code is not 0) and code; vel, pos_teme, code may be NULL. */
void fai__cpu_sgp4_block(const fai_sgp4_batch *b, int j0, int nb, int t, double dt_min,
                         double cg, double sg, double *pos, double *vel, double *pos_teme,
                         int8_t *code);

#endif
