/* Near-Earth SGP4 satellites as a struct of arrays (public).
 *
 * The backend operation `propagate_sgp4` (backend.h) evaluates many
 * satellites at many times: one array per per-satellite constant of the
 * near-Earth propagation step, so that a loop over satellites reads each
 * constant contiguously (and vectorises) and a CUDA warp reads it coalesced.
 * The arithmetic is kernels/sgp4_core.h; fai__sgp4_ecef (sgp4.h) runs the
 * same core on a one-satellite view, so the batch and the continuous-time
 * paths give the same bits.
 *
 * Only near-Earth ('n') satellites that initialised without error and share
 * the batch's gravity model are in a batch; deep-space ('d') satellites keep
 * the scalar path (fai_sgp4_propagate).
 *
 * Times: the batch has a reference epoch (UTC unix seconds, usually the
 * timeline's); epoch_min[j] is satellite j's element epoch in minutes after
 * it, from the Julian-date parts of the element epoch, so that
 * tsince = dt_min − epoch_min carries no rounding of a 1.7e9 s unix time.
 *
 * This header is the data layout only (C11/C++17 common subset, read by
 * nvcc); building a batch from fai_sgp4 states is declared in sgp4.h. */
#ifndef FLUIDAI_SGP4_BATCH_H
#define FLUIDAI_SGP4_BATCH_H

#include "fluidai/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The per-satellite constants, X(name): one `const double *name` array of
 * each in fai_sgp4_batch and one `double name` in fai_sgp4_ne.  Names are
 * those of fai_sgp4 unless noted. */
#define FAI_SGP4_NE_FIELDS(X)                                                               \
  X(epoch_min) /* element epoch − reference epoch (min) */                                  \
  X(no_unkozai) X(ecco) X(inclo) X(mo) X(mdot) X(argpo) X(argpdot) X(nodeo) X(nodedot)      \
  X(nodecf) X(cc1) X(t2cof) X(omgcof) X(eta) X(xmcof) X(delmo) X(sinmao) X(d2) X(d3) X(d4)  \
  X(t3cof) X(t4cof) X(t5cof) X(aycof) X(xlcof) X(con41) X(x1mth2) X(x7thm1)                 \
  X(bcc4)  /* bstar·cc4 */                                                                  \
  X(bcc5)  /* bstar·cc5 */                                                                  \
  X(isimp) /* 1.0: simplified drag (perigee < 220 km), 0.0: full */                         \
  X(am0)   /* pow(xke / no_unkozai, 2/3): semi-major axis before drag (earth radii) */      \
  X(sinio) /* sin(inclo) */                                                                 \
  X(cosio) /* cos(inclo) */

/* One satellite's constants (the host builds these with libm, once). */
typedef struct fai_sgp4_ne {
#define FAI_SGP4_NE_MEMBER(name) double name;
  FAI_SGP4_NE_FIELDS(FAI_SGP4_NE_MEMBER)
#undef FAI_SGP4_NE_MEMBER
} fai_sgp4_ne;

typedef struct fai_sgp4_batch {
  int n;                /* satellites in the batch */
  int n_out;            /* rows of the output arrays ([T][n_out][3]) */
  const int *out_index; /* [n] output row of batch satellite j; NULL: row j (n_out == n) */
  /* Gravity model shared by the batch (fai_sgp4_constants). */
  double xke, j2, radius_km;
  double vkmpersec; /* radius_km · xke / 60: km/s per earth radius per minute */
  /* [n] each. */
#define FAI_SGP4_BATCH_MEMBER(name) const double *name;
  FAI_SGP4_NE_FIELDS(FAI_SGP4_BATCH_MEMBER)
#undef FAI_SGP4_BATCH_MEMBER
  void *mem_; /* storage owned by fai_sgp4_batch_build (NULL for views) */
} fai_sgp4_batch;

#ifdef __cplusplus
}
#endif
#endif
