/* The `cuda` backend in builds without nvcc: every operation reports
 * FAI_ENODEV, so callers never need #ifdef (libuv's no-fsevents.c pattern).
 * Linked instead of cuda_backend.cu when the Makefile finds no nvcc. */
#include <stdio.h>

#include "fluidai/backend.h"

#define STUB_REASON "fluidai was built without CUDA (nvcc not found at build time)"

static fai_status stub_probe(const fai_backend *be, char *detail, size_t n) {
  (void)be;
  if (detail && n > 0) snprintf(detail, n, "%s", STUB_REASON);
  return FAI_ENODEV;
}

static fai_status stub_propagate(const fai_backend *be, const fai_prop_tables *tab, double *pos,
                                 double *vel, fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

static fai_status stub_propagate_sgp4(const fai_backend *be, const fai_sgp4_batch *b, int n_snaps,
                                      const double *dt_min, const double *gmst_cs, double *pos,
                                      double *vel, double *pos_teme, int8_t *code,
                                      fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

static fai_status stub_visibility(const fai_backend *be, int n_snaps, int n_sats, const double *pos,
                                  const fai_ground_points *gp, uint32_t *words, fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

static fai_status stub_links(const fai_backend *be, int n_snaps, int n_sats, const double *pos,
                             const double *vel, int n_links, const int *a, const int *b,
                             const uint8_t *inter, const fai_link_rules *rules, uint8_t *alive,
                             double *dist_m, fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

static fai_status stub_sssp(const fai_backend *be, const fai_graph_batch *gb, int n_src,
                            const int *src, double *dist, int *pred, int *hops, fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

static fai_status stub_apsp(const fai_backend *be, const fai_graph_batch *gb, double *dist,
                            fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

static fai_status stub_cascade_eval(const fai_backend *be, const fai_cascade_batch *b,
                                    double *time_s, uint8_t *via, fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

static fai_status stub_cache_gains(const fai_backend *be, const fai_cache_view *v,
                                   const uint32_t *covered, int64_t n, const int *ms,
                                   const int *is, double *gain, fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

static fai_status stub_cache_eval(const fai_backend *be, const fai_cache_view *v, int n_place,
                                  const uint8_t *x, double *hit_snap, fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

/* issue 4: SlimCaching */
static fai_status stub_moe_latency(const fai_backend *be, const fai_moe_view *v, int n_place,
                                   const uint8_t *x, double *lat, double *total, fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

static fai_status stub_moe_gains(const fai_backend *be, const fai_moe_view *v, const double *cur,
                                 int64_t n, const int *node, const int *layer, const uint64_t *mask,
                                 double *gain, fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

/* issue 6, lsm */
static fai_status stub_lsm_ratio(const fai_backend *be, int64_t n, const double *terms, double tol,
                                 int max_steps, double *lam, double *delay_s, fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

/* issue 6, leoedge */
static fai_status stub_leoedge_reps(const fai_backend *be, const double *cfg, uint64_t seed,
                                    int scheme, int r0, int n_reps, double *rep_out, double *util,
                                    fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

/* issue 7: federated learning */
static fai_status stub_fl_local_sgd(const fai_backend *be, int n_dims, const int *dims,
                                    int n_clients, int tau, int batch, float lr, const uint8_t *x,
                                    const uint8_t *y, float *params, fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

static fai_status stub_fl_logits(const fai_backend *be, int n_dims, const int *dims,
                                 int n_models, const float *params, int64_t n, const uint8_t *x,
                                 float *logits, fai_error *err) {
  return fai_error_set(err, FAI_ENODEV, "%s", STUB_REASON);
}

static const fai_backend stub_instance = {
    .name = "cuda",
    .probe = stub_probe,
    .propagate = stub_propagate,
    .propagate_sgp4 = stub_propagate_sgp4,
    .visibility = stub_visibility,
    .links = stub_links,
    .sssp = stub_sssp,
    .apsp = stub_apsp,
    .cascade_eval = stub_cascade_eval,
    .cache_gains = stub_cache_gains,
    .cache_eval = stub_cache_eval,
    /* issue 4 ops */
    .moe_latency = stub_moe_latency,
    .moe_gains = stub_moe_gains,
    /* issue 6 ops: lsm */
    .lsm_ratio = stub_lsm_ratio,
    /* issue 6 ops: leoedge */
    .leoedge_reps = stub_leoedge_reps,
    /* issue 7 ops */
    .fl_local_sgd = stub_fl_local_sgd,
    .fl_logits = stub_fl_logits,
    .threads = 0,
    .device = 0,
};

int fai_backend_cuda_compiled(void) {
  return 0;
}

const fai_backend *fai_backend_cuda(void) {
  return &stub_instance;
}

void fai_backend_cuda_describe(char *buf, size_t n) {
  if (buf && n > 0) snprintf(buf, n, "no CUDA device: %s", STUB_REASON);
}
