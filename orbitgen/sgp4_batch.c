/* Near-Earth SGP4 batches: the host side of kernels/sgp4_core.h (see
 * fluidai/sgp4_batch.h).  Everything that depends on the satellite only is
 * computed here once, with libm, exactly as fai_sgp4_propagate computes it
 * per call, so that the core's results follow the scalar code's. */
#include "fluidai/sgp4.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define UNIX_EPOCH_JD 2440587.5 /* Julian date of 1970-01-01 0h UTC */

double fai_sgp4_epoch_offset_min(const fai_sgp4 *s, double ref_unix) {
  /* Both epochs as (whole Julian day, fraction): the day difference is exact
   * and the fractions differ by less than a day, so the result is good to
   * ~1e-16 day (1e-11 s) instead of the ~2e-7 s ulp of a unix time. */
  const double day = floor(ref_unix / 86400.0);
  const double jd_ref = UNIX_EPOCH_JD + day;
  const double fr_ref = (ref_unix - day * 86400.0) / 86400.0;
  return ((s->jdsatepoch - jd_ref) + (s->jdsatepochF - fr_ref)) * 1440.0;
}

void fai_sgp4_ne_fill(const fai_sgp4 *s, double ref_unix, fai_sgp4_ne *o) {
  fai_sgp4_consts c;
  fai_sgp4_constants(s->grav, &c);
  memset(o, 0, sizeof *o);
  o->epoch_min = fai_sgp4_epoch_offset_min(s, ref_unix);
#define COPY(name) o->name = s->name;
  COPY(no_unkozai) COPY(ecco) COPY(inclo) COPY(mo) COPY(mdot) COPY(argpo) COPY(argpdot)
  COPY(nodeo) COPY(nodedot) COPY(nodecf) COPY(cc1) COPY(t2cof) COPY(omgcof) COPY(eta)
  COPY(xmcof) COPY(delmo) COPY(sinmao) COPY(d2) COPY(d3) COPY(d4) COPY(t3cof) COPY(t4cof)
  COPY(t5cof) COPY(aycof) COPY(xlcof) COPY(con41) COPY(x1mth2) COPY(x7thm1)
#undef COPY
  /* The products fai_sgp4_propagate forms first (left to right). */
  o->bcc4 = s->bstar * s->cc4;
  o->bcc5 = s->bstar * s->cc5;
  o->isimp = s->isimp ? 1.0 : 0.0;
  o->am0 = pow(c.xke / s->no_unkozai, 2.0 / 3.0);
  o->sinio = sin(s->inclo);
  o->cosio = cos(s->inclo);
}

static void set_gravity(fai_sgp4_gravity grav, fai_sgp4_batch *b) {
  fai_sgp4_consts c;
  fai_sgp4_constants(grav, &c);
  b->xke = c.xke;
  b->j2 = c.j2;
  b->radius_km = c.radius_km;
  b->vkmpersec = c.radius_km * c.xke / 60.0; /* as fai_sgp4_propagate */
}

void fai_sgp4_batch_view(const fai_sgp4_ne *ne, fai_sgp4_gravity grav, fai_sgp4_batch *out) {
  memset(out, 0, sizeof *out);
  out->n = out->n_out = 1;
  set_gravity(grav, out);
#define VIEW(name) out->name = &ne->name;
  FAI_SGP4_NE_FIELDS(VIEW)
#undef VIEW
}

fai_status fai_sgp4_batch_build(const fai_sgp4 *sat, int n_sats, fai_sgp4_gravity grav,
                                double ref_unix, fai_sgp4_batch *out, uint8_t *in_batch,
                                fai_error *err) {
  enum { N_FIELDS = sizeof(fai_sgp4_ne) / sizeof(double) };
  int n = 0;
  memset(out, 0, sizeof *out);
  if (n_sats < 0 || (n_sats > 0 && !sat))
    return fai_error_set(err, FAI_EINVAL, "sgp4 batch: %d satellites, states %p", n_sats,
                         (const void *)sat);
  for (int i = 0; i < n_sats; i++) {
    const int take = sat[i].method == 'n' && sat[i].error == 0 && sat[i].grav == grav;
    if (in_batch) in_batch[i] = (uint8_t)take;
    n += take;
  }
  /* One block: the field arrays, then out_index. */
  const size_t cap = (size_t)(n ? n : 1);
  char *mem = malloc(cap * N_FIELDS * sizeof(double) + cap * sizeof(int));
  if (!mem)
    return fai_error_set(err, FAI_ENOMEM, "sgp4 batch: out of memory for %d satellites", n);
  double *f = (double *)mem;
  int *idx = (int *)(mem + cap * N_FIELDS * sizeof(double));
  int k = 0, field = 0;
#define ARRAY(name) out->name = f + (size_t)(field++) * cap;
  FAI_SGP4_NE_FIELDS(ARRAY)
#undef ARRAY
  for (int i = 0; i < n_sats; i++) {
    if (!(sat[i].method == 'n' && sat[i].error == 0 && sat[i].grav == grav)) continue;
    fai_sgp4_ne ne;
    fai_sgp4_ne_fill(&sat[i], ref_unix, &ne);
#define STORE(name) ((double *)out->name)[k] = ne.name;
    FAI_SGP4_NE_FIELDS(STORE)
#undef STORE
    idx[k++] = i;
  }
  out->n = n;
  out->n_out = n_sats;
  out->out_index = idx;
  set_gravity(grav, out);
  out->mem_ = mem;
  return FAI_OK;
}

void fai_sgp4_batch_free(fai_sgp4_batch *b) {
  if (!b) return;
  free(b->mem_);
  memset(b, 0, sizeof *b);
}
