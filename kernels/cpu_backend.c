/* The `cpu` evaluation backend: OpenMP loops over the per-item cores
 * (prop_core.h, sgp4_core.h, vis_core.h, link_core.h, sp_core.h,
 * cascade_core.h, cache_core.h).
 *
 * Every item writes only its own outputs, so the bytes produced do not depend
 * on the thread count or the schedule.  be->threads is applied with
 * num_threads clauses (0 = the OpenMP default), never omp_set_num_threads, so
 * selecting a backend has no global side effect.  Long loops run in chunks and
 * poll fai_interrupted() between them: on SIGINT the call returns FAI_EINTR
 * and the chunks already finished stay in the outputs. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/backend.h"
#include "fluidai/log.h"
#include "cache_core.h"
#include "cascade_core.h"
#include "link_core.h"
#include "prop_core.h"
#include "cpu_sgp4.h"
#include "sgp4_core.h"
#include "sp_core.h"
#include "vis_core.h"
/* issue 4 op declarations */
#include "cpu_slim.h"
/* issue 6 op declarations: lsm */
#include "cpu_lsm.h"
/* issue 6 op declarations: leoedge */
#include "cpu_leoedge.h"
/* issue 7 op declarations */
#include "cpu_fl.h"

/* Items per interrupt poll.  A chunk is one parallel region (a few µs to
 * start), so chunks are sized to take roughly milliseconds. */
#define CPU_CHUNK_STATES (1 << 16)    /* propagate, propagate_sgp4: (t, sat) states */
#define CPU_CHUNK_VIS_CELLS (1 << 12) /* visibility: (t, g) rows of W words */
#define CPU_CHUNK_LINKS (1 << 16)     /* links: (t, l) judgements */
#define CPU_CHUNK_SOURCES 256         /* sssp: (graph, source) searches per thread */
#define CPU_CHUNK_CASCADE (1 << 15)   /* cascade_eval: (placement, point) items */
#define CPU_CHUNK_GAINS 4096          /* cache_gains: (cache, model) pairs */
#define CPU_CHUNK_USERS (1 << 16)     /* cache_eval: (snapshot, user) items */

static int cpu_threads(const fai_backend *be) {
  return be->threads > 0 ? be->threads : omp_get_max_threads();
}

static fai_status cpu_interrupted(fai_error *err, const char *op, int64_t done, int64_t total) {
  return fai_error_set(err, FAI_EINTR, "%s interrupted after %lld of %lld items", op,
                       (long long)done, (long long)total);
}

static fai_status cpu_probe(const fai_backend *be, char *detail, size_t n) {
  if (detail && n > 0) snprintf(detail, n, "cpu: %d OpenMP thread(s)", cpu_threads(be));
  return FAI_OK;
}

static fai_status cpu_propagate(const fai_backend *be, const fai_prop_tables *tab, double *pos,
                                double *vel, fai_error *err) {
  const int nt = cpu_threads(be);
  const int N = tab->n_sats;
  fai_status st = fai__prop_tables_check(tab, err);
  int64_t total, c0;
  if (st != FAI_OK) return st;
  total = (int64_t)tab->n_snaps * N;
  for (c0 = 0; c0 < total; c0 += CPU_CHUNK_STATES) {
    const int64_t c1 = c0 + CPU_CHUNK_STATES < total ? c0 + CPU_CHUNK_STATES : total;
    int64_t i;
    if (fai_interrupted()) return cpu_interrupted(err, "propagate", c0, total);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (i = c0; i < c1; ++i) {
      const int t = (int)(i / N);
      const int s = (int)(i % N);
      fai_prop_state(tab, t, s, pos + 3 * i, vel ? vel + 3 * i : NULL);
    }
  }
  return FAI_OK;
}

static fai_status cpu_propagate_sgp4(const fai_backend *be, const fai_sgp4_batch *b, int n_snaps,
                                     const double *dt_min, const double *gmst_cs, double *pos,
                                     double *vel, double *pos_teme, int8_t *code, fai_error *err) {
  const int nt = cpu_threads(be);
  const int T = n_snaps;
  fai_status st = fai__sgp4_batch_check(b, n_snaps, dt_min, gmst_cs, pos, err);
  const int64_t chunk = CPU_CHUNK_STATES / FAI_CPU_SGP4_BLOCK;
  int64_t n_blocks, total, c0;
  if (st != FAI_OK) return st;
  /* Items (block, snapshot), block-major: a thread's consecutive items
   * reuse one block's constants from cache. */
  n_blocks = (b->n + FAI_CPU_SGP4_BLOCK - 1) / FAI_CPU_SGP4_BLOCK;
  total = n_blocks * T;
  for (c0 = 0; c0 < total; c0 += chunk) {
    const int64_t c1 = c0 + chunk < total ? c0 + chunk : total;
    int64_t i;
    if (fai_interrupted())
      return cpu_interrupted(err, "propagate_sgp4", c0 * FAI_CPU_SGP4_BLOCK,
                             total * FAI_CPU_SGP4_BLOCK);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (i = c0; i < c1; ++i) {
      const int blk = (int)(i / T);
      const int t = (int)(i % T);
      const int j0 = blk * FAI_CPU_SGP4_BLOCK;
      const int nb = b->n - j0 < FAI_CPU_SGP4_BLOCK ? b->n - j0 : FAI_CPU_SGP4_BLOCK;
      fai__cpu_sgp4_block(b, j0, nb, t, dt_min[t], gmst_cs[2 * t], gmst_cs[2 * t + 1], pos, vel,
                     pos_teme, code);
    }
  }
  return FAI_OK;
}

static fai_status cpu_visibility(const fai_backend *be, int n_snaps, int n_sats, const double *pos,
                                 const fai_ground_points *gp, uint32_t *words, fai_error *err) {
  const int nt = cpu_threads(be);
  const int G = gp->n;
  const int W = (n_sats + 31) / 32;
  fai_status st = fai__vis_check(n_snaps, n_sats, gp, err);
  int64_t total, c0;
  if (st != FAI_OK) return st;
  total = (int64_t)n_snaps * G;
  for (c0 = 0; c0 < total; c0 += CPU_CHUNK_VIS_CELLS) {
    const int64_t c1 = c0 + CPU_CHUNK_VIS_CELLS < total ? c0 + CPU_CHUNK_VIS_CELLS : total;
    int64_t i;
    if (fai_interrupted()) return cpu_interrupted(err, "visibility", c0, total);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (i = c0; i < c1; ++i) {
      const int t = (int)(i / G);
      const int g = (int)(i % G);
      const double *pos_t = pos + (size_t)t * (size_t)n_sats * 3;
      int j;
      for (j = 0; j < W; ++j)
        words[i * W + j] = fai_vis_word(pos_t, n_sats, gp->pos_m + 3 * (size_t)g,
                                        gp->up + 3 * (size_t)g, gp->sin_min_elev[g], j);
    }
  }
  return FAI_OK;
}

static fai_status cpu_links(const fai_backend *be, int n_snaps, int n_sats, const double *pos,
                            const double *vel, int n_links, const int *a, const int *b,
                            const uint8_t *inter, const fai_link_rules *rules, uint8_t *alive,
                            double *dist_m, fai_error *err) {
  const int nt = cpu_threads(be);
  const int L = n_links;
  fai_status st = fai__links_check(n_snaps, n_sats, n_links, a, b, vel, rules, err);
  int64_t total, c0;
  if (st != FAI_OK) return st;
  total = (int64_t)n_snaps * L;
  for (c0 = 0; c0 < total; c0 += CPU_CHUNK_LINKS) {
    const int64_t c1 = c0 + CPU_CHUNK_LINKS < total ? c0 + CPU_CHUNK_LINKS : total;
    int64_t i;
    if (fai_interrupted()) return cpu_interrupted(err, "links", c0, total);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (i = c0; i < c1; ++i) {
      const int t = (int)(i / L);
      const int l = (int)(i % L);
      const size_t base = (size_t)t * (size_t)n_sats;
      const size_t ia = 3 * (base + (size_t)a[l]);
      const size_t ib = 3 * (base + (size_t)b[l]);
      alive[i] =
          (uint8_t)fai_link_judge(pos + ia, pos + ib, vel ? vel + ia : NULL, vel ? vel + ib : NULL,
                                  inter ? inter[l] != 0 : 0, rules, n_snaps, t, L, l, dist_m + i);
    }
  }
  return FAI_OK;
}

static fai_status cpu_sssp(const fai_backend *be, const fai_graph_batch *gb, int n_src,
                           const int *src, double *dist, int *pred, int *hops, fai_error *err) {
  const int nt = cpu_threads(be);
  const int n = gb->n_nodes;
  const int64_t chunk = (int64_t)CPU_CHUNK_SOURCES * nt;
  fai_status st = fai__graph_batch_check("sssp", gb, n_src, src, err);
  int *scratch = NULL; /* [nt][2n]: heap then pos, one slice per thread */
  int64_t total, c0;
  if (st != FAI_OK) return st;
  total = (int64_t)gb->n_graphs * n_src;
  if (total == 0 || n == 0) return FAI_OK;
  scratch = (int *)malloc((size_t)nt * 2 * (size_t)n * sizeof *scratch);
  if (!scratch)
    return fai_error_set(err, FAI_ENOMEM, "sssp: cannot allocate %d × %d heap entries", nt, 2 * n);
  for (c0 = 0; c0 < total; c0 += chunk) {
    const int64_t c1 = c0 + chunk < total ? c0 + chunk : total;
    if (fai_interrupted()) {
      st = cpu_interrupted(err, "sssp", c0, total);
      break;
    }
#pragma omp parallel num_threads(nt)
    {
      int *heap = scratch + (size_t)omp_get_thread_num() * 2 * (size_t)n;
      int *hpos = heap + n;
      int64_t i;
#pragma omp for schedule(dynamic, 4)
      for (i = c0; i < c1; ++i) {
        const int g = (int)(i / n_src);
        const int s = (int)(i % n_src);
        const int64_t e0 = gb->edge_off[g];
        const size_t out = (size_t)i * (size_t)n;
        fai_sp_dijkstra(n, gb->n_transit, gb->row_ptr + (size_t)g * (size_t)(n + 1), gb->col + e0,
                        gb->w + e0, src[s], dist + out, pred ? pred + out : NULL,
                        hops ? hops + out : NULL, heap, hpos);
      }
    }
  }
  free(scratch);
  return st;
}

/* Floyd–Warshall on graph g into its n×n block of dist, by one thread:
 * rows initialised, then one sweep per transit node k.  O(n² + n_transit·n²). */
static void cpu_fw_graph_serial(const fai_graph_batch *gb, int g, double *dist) {
  const int n = gb->n_nodes;
  const int kmax = gb->n_transit < n ? gb->n_transit : n;
  const int64_t e0 = gb->edge_off[g];
  const int *rp = gb->row_ptr + (size_t)g * (size_t)(n + 1);
  double *d = dist + (size_t)g * (size_t)n * (size_t)n;
  int i, j, k;
  for (i = 0; i < n; ++i) fai_fw_init_row(n, rp, gb->col + e0, gb->w + e0, i, d);
  for (k = 0; k < kmax; ++k) {
    for (i = 0; i < n; ++i) {
      for (j = 0; j < n; ++j) fai_fw_relax(n, d, k, i, j);
    }
  }
}

/* The same with the rows of each step shared among nt threads; the barrier
 * ending each `omp for` is the only ordering Floyd–Warshall needs, and the
 * cells of one step are independent (fai_fw_relax), so the bytes match the
 * serial version. */
static void cpu_fw_graph_shared(const fai_graph_batch *gb, int g, double *dist, int nt) {
  const int n = gb->n_nodes;
  const int kmax = gb->n_transit < n ? gb->n_transit : n;
  const int64_t e0 = gb->edge_off[g];
  const int *rp = gb->row_ptr + (size_t)g * (size_t)(n + 1);
  double *d = dist + (size_t)g * (size_t)n * (size_t)n;
#pragma omp parallel num_threads(nt)
  {
    int i, j, k;
#pragma omp for schedule(static)
    for (i = 0; i < n; ++i) fai_fw_init_row(n, rp, gb->col + e0, gb->w + e0, i, d);
    for (k = 0; k < kmax; ++k) {
#pragma omp for schedule(static)
      for (i = 0; i < n; ++i) {
        for (j = 0; j < n; ++j) fai_fw_relax(n, d, k, i, j);
      }
    }
  }
}

static fai_status cpu_apsp(const fai_backend *be, const fai_graph_batch *gb, double *dist,
                           fai_error *err) {
  const int nt = cpu_threads(be);
  const int G = gb->n_graphs;
  fai_status st = fai__graph_batch_check("apsp", gb, 0, NULL, err);
  int g0;
  if (st != FAI_OK) return st;
  if (G >= nt) {
    /* Many graphs: one graph per thread at a time, polling between chunks of
     * four graphs per thread. */
    const int chunk = nt * 4;
    for (g0 = 0; g0 < G; g0 += chunk) {
      const int g1 = g0 + chunk < G ? g0 + chunk : G;
      int g;
      if (fai_interrupted()) return cpu_interrupted(err, "apsp", g0, G);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
      for (g = g0; g < g1; ++g) cpu_fw_graph_serial(gb, g, dist);
    }
  } else {
    /* Few large graphs: threads share the rows of one graph at a time. */
    for (g0 = 0; g0 < G; ++g0) {
      if (fai_interrupted()) return cpu_interrupted(err, "apsp", g0, G);
      cpu_fw_graph_shared(gb, g0, dist, nt);
    }
  }
  return FAI_OK;
}

static fai_status cpu_cascade_eval(const fai_backend *be, const fai_cascade_batch *b,
                                   double *time_s, uint8_t *via, fai_error *err) {
  const int nt = cpu_threads(be);
  const int K = b->n_sub;
  fai_status st = fai__cascade_batch_check(b, err);
  int64_t total, c0;
  if (st != FAI_OK) return st;
  total = (int64_t)b->n_place * b->n_points;
  for (c0 = 0; c0 < total; c0 += CPU_CHUNK_CASCADE) {
    const int64_t c1 = c0 + CPU_CHUNK_CASCADE < total ? c0 + CPU_CHUNK_CASCADE : total;
    int64_t i;
    if (fai_interrupted()) return cpu_interrupted(err, "cascade_eval", c0, total);
#pragma omp parallel for num_threads(nt) schedule(static)
    for (i = c0; i < c1; ++i) {
      fai_cascade_eval_item(b, (int)(i / b->n_points), i % b->n_points, time_s + i * K,
                            via ? via + i * K : NULL);
    }
  }
  return FAI_OK;
}

static fai_status cpu_cache_gains(const fai_backend *be, const fai_cache_view *v,
                                  const uint32_t *covered, int64_t n, const int *ms, const int *is,
                                  double *gain, fai_error *err) {
  const int nt = cpu_threads(be);
  fai_status st = fai__cache_view_check("cache_gains", v, n, err);
  int64_t c0;
  if (st != FAI_OK) return st;
  for (c0 = 0; c0 < n; c0 += CPU_CHUNK_GAINS) {
    const int64_t c1 = c0 + CPU_CHUNK_GAINS < n ? c0 + CPU_CHUNK_GAINS : n;
    int64_t q;
    if (fai_interrupted()) return cpu_interrupted(err, "cache_gains", c0, n);
    /* Pairs differ widely in cost (links of the cache): dynamic schedule;
     * each item writes only its own output. */
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (c1 - c0 > 8)
    for (q = c0; q < c1; ++q) gain[q] = fai_cc_gain(v, ms[q], is[q], covered);
  }
  return FAI_OK;
}

static fai_status cpu_cache_eval(const fai_backend *be, const fai_cache_view *v, int n_place,
                                 const uint8_t *x, double *hit_snap, fai_error *err) {
  const int nt = cpu_threads(be);
  const int T = v ? v->T : 0, K = v ? v->K : 0;
  const int64_t n = (int64_t)T * K;
  fai_status st = fai__cache_view_check("cache_eval", v, n_place, err);
  double *val;
  int c;
  if (st != FAI_OK) return st;
  if (n_place == 0 || T == 0) return FAI_OK;
  val = (double *)malloc((size_t)(n > 0 ? n : 1) * sizeof *val);
  if (!val) return fai_error_set(err, FAI_ENOMEM, "cache_eval: cannot allocate %lld values", (long long)n);
  for (c = 0; c < n_place; ++c) {
    const uint8_t *xc = x + (size_t)c * (size_t)v->M * (size_t)v->I;
    int64_t c0;
    int t;
    for (c0 = 0; c0 < n; c0 += CPU_CHUNK_USERS) {
      const int64_t c1 = c0 + CPU_CHUNK_USERS < n ? c0 + CPU_CHUNK_USERS : n;
      int64_t q;
      if (fai_interrupted()) {
        free(val);
        return cpu_interrupted(err, "cache_eval", (int64_t)c * n + c0, (int64_t)n_place * n);
      }
#pragma omp parallel for num_threads(nt) schedule(dynamic, 64) if (c1 - c0 > 256)
      for (q = c0; q < c1; ++q) val[q] = fai_cc_user_hit(v, (int)(q / K), (int)(q % K), xc);
    }
    /* Users summed in index order: the bits do not depend on threads. */
    for (t = 0; t < T; ++t) {
      double s = 0.0;
      int k;
      for (k = 0; k < K; ++k) s += val[(size_t)t * K + k];
      hit_snap[(size_t)c * T + t] = s / K;
    }
  }
  free(val);
  return FAI_OK;
}

static const fai_backend cpu_instance = {
    .name = "cpu",
    .probe = cpu_probe,
    .propagate = cpu_propagate,
    .propagate_sgp4 = cpu_propagate_sgp4,
    .visibility = cpu_visibility,
    .links = cpu_links,
    .sssp = cpu_sssp,
    .apsp = cpu_apsp,
    .cascade_eval = cpu_cascade_eval,
    .cache_gains = cpu_cache_gains,
    .cache_eval = cpu_cache_eval,
    /* issue 4 ops */
    .moe_latency = fai_cpu_moe_latency,
    .moe_gains = fai_cpu_moe_gains,
    /* issue 6 ops: lsm */
    .lsm_ratio = fai__cpu_lsm_ratio,
    /* issue 6 ops: leoedge */
    .leoedge_reps = fai__cpu_leoedge_reps,
    /* issue 7 ops */
    .fl_local_sgd = fai_cpu_fl_local_sgd,
    .fl_logits = fai_cpu_fl_logits,
    .threads = 0,
    .device = 0,
};

const fai_backend *fai_backend_cpu(void) {
  return &cpu_instance;
}
