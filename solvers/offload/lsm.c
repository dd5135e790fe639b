/* Large–small model collaboration over a whole timeline (include/fluidai/lsm.h).
 *
 * Pipeline per chunk of snapshots:
 *   1. per-snapshot propagation graphs → be->sssp from every RS satellite
 *      (shortest routes for the baselines and the start of the router);
 *   2. OpenMP over the chunk's snapshots (one work area per thread): routes
 *      of every scheme, the congestion router or the policy, and the
 *      offload_core.h terms of every (snapshot, scheme, RS) item;
 *   3. be->lsm_ratio on all items of the chunk (bisection / fixed ratios),
 *      objectives reduced in RS order.
 * Every snapshot writes only its own slots, so the plan does not depend on
 * the thread count; Ctrl-C and the time limit are checked between chunks
 * (the snapshots done are kept). */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fluidai/json.h"
#include "fluidai/rng.h"
#include "lsm_internal.h"
#include "offload_core.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void fai_lsm_params_init(fai_lsm_params *p) {
  memset(p, 0, sizeof *p);
  fai_lsm_model_init(&p->model);
  p->router = FAI_LSM_ROUTER_CONGESTION;
  p->rs_share = 0.10;
  p->cs_share = 0.05;
  p->data_bits = 5e8;
  p->rs_ops = 1e10;
  p->cs_ops = 2e14;
  p->isl_rate_bps = 0;
  p->link_efficiency = 1.0;
  p->seed = 1;
  p->decisions = -1;
  p->snap_chunk = 32;
}

fai_status fai_lsm_walker_scenario(fai_scenario *sc, const fai_constellation *cons,
                                   double duration_s, double step_s, uint64_t seed,
                                   fai_error *err) {
  snprintf(sc->name, sizeof sc->name, "lsm-walker");
  snprintf(sc->source, sizeof sc->source, "offload lsm options");
  sc->epoch_unix = 1767225600.0; /* 2026-01-01T00:00:00Z */
  sc->duration_s = duration_s;
  sc->step_s = step_s;
  sc->seed = seed;
  sc->j2 = FAI_J2_NODE;
  sc->constellation = *cons;
  sc->isl.rate_bps = 10e9;
  /* One station that never sees anything: the timeline needs a station set. */
  fai_station_set_free(&sc->stations);
  sc->stations.v = calloc(1, sizeof *sc->stations.v);
  if (!sc->stations.v) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  sc->stations.n = 1;
  snprintf(sc->stations.v[0].name, sizeof sc->stations.v[0].name, "unused");
  sc->stations.v[0].min_elev_rad = 90 * FAI_DEG;
  snprintf(sc->stations_source, sizeof sc->stations_source, "none");
  return FAI_OK;
}

static fai_status check_params(const fai_lsm_params *p, fai_error *err) {
  const fai_lsm_model *m = &p->model;
#define POS(v, name)                                                                           \
  if (!((v) > 0) || !isfinite(v))                                                              \
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, name, "%g; expected a positive number", \
                            (double)(v));
  POS(p->data_bits, "--data-mb");
  POS(p->rs_ops, "--rs-ops");
  POS(p->cs_ops, "--compute-ops");
  POS(m->kappa_s, "--kappa-s");
  POS(m->kappa_l, "--kappa-l");
  POS(m->tol, "--tol");
#undef POS
  if (p->isl_rate_bps < 0 || !isfinite(p->isl_rate_bps))
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--isl-rate-gbps",
                            "%g; expected a positive rate", p->isl_rate_bps / 1e9);
  if (!(p->link_efficiency > 0 && p->link_efficiency <= 1))
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--link-efficiency",
                            "%g; expected a loss factor in (0, 1]", p->link_efficiency);
  if (!(m->result_ratio >= 0) || !isfinite(m->result_ratio))
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--result-ratio",
                            "%g; expected a number >= 0", m->result_ratio);
  if (!(p->rs_share > 0 && p->rs_share < 1) || !(p->cs_share > 0 && p->cs_share < 1) ||
      !(p->rs_share + p->cs_share <= 1))
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--rs-share",
                            "shares %g (RS) and %g (computing); expected each in (0, 1), sum <= 1",
                            p->rs_share, p->cs_share);
  if (m->max_steps < 1 || m->max_steps > 1000)
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--max-steps",
                            "%d; expected an integer in [1, 1000]", m->max_steps);
  if (m->max_sweeps < 0)
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--sweeps", "%d; expected >= 0",
                            m->max_sweeps);
  if (!(m->rel_change >= 0) || !isfinite(m->rel_change))
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--rel-change",
                            "%g; expected a number >= 0", m->rel_change);
  if (p->router == FAI_LSM_ROUTER_POLICY && !p->policy_file)
    return fai_error_set_at(err, FAI_EUSAGE, NULL, 0, 0, "--router",
                            "policy needs a policy file (--policy FILE)");
  return FAI_OK;
}

/* RS and computing satellites drawn by seed: satellites ordered by a Philox
 * key (ties by id), the first R are RS, the next C computing; each list is
 * then sorted by id. */
static int cmp_key(const void *a, const void *b) {
  const double *x = a, *y = b;
  if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
  return x[1] < y[1] ? -1 : (x[1] > y[1]);
}
static int cmp_int(const void *a, const void *b) {
  const int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

static fai_status draw_sats(int N, const fai_lsm_params *p, fai_lsm_sel *sel, fai_error *err) {
  memset(sel, 0, sizeof *sel);
  int R = (int)floor(p->rs_share * N + 0.5), C = (int)floor(p->cs_share * N + 0.5);
  if (R < 1) R = 1;
  if (C < 1) C = 1;
  if (R + C > N)
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--rs-share",
                            "%d RS + %d computing satellites exceed the %d satellites", R, C, N);
  double *key = malloc((size_t)N * 2 * sizeof(double));
  sel->R = R;
  sel->C = C;
  sel->rs = malloc((size_t)R * sizeof(int));
  sel->rs_bits = malloc((size_t)R * sizeof(double));
  sel->rs_ops = malloc((size_t)R * sizeof(double));
  sel->cs = malloc((size_t)C * sizeof(int));
  sel->cs_ops = malloc((size_t)C * sizeof(double));
  if (!key || !sel->rs || !sel->rs_bits || !sel->rs_ops || !sel->cs || !sel->cs_ops) {
    free(key);
    fai__lsm_sel_free(sel);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  for (int i = 0; i < N; i++) {
    key[2 * i] = fai_rng_uniform(p->seed, FAI_STREAM_GENERATOR, 0x15A00000000ULL + (uint64_t)i);
    key[2 * i + 1] = i;
  }
  qsort(key, (size_t)N, 2 * sizeof(double), cmp_key);
  for (int i = 0; i < R; i++) sel->rs[i] = (int)key[2 * i + 1];
  for (int i = 0; i < C; i++) sel->cs[i] = (int)key[2 * (R + i) + 1];
  free(key);
  qsort(sel->rs, (size_t)R, sizeof(int), cmp_int);
  qsort(sel->cs, (size_t)C, sizeof(int), cmp_int);
  for (int i = 0; i < R; i++) {
    sel->rs_bits[i] = p->data_bits;
    sel->rs_ops[i] = p->rs_ops;
  }
  for (int i = 0; i < C; i++) sel->cs_ops[i] = p->cs_ops;
  return FAI_OK;
}

/* Per-thread state: the snapshot's alive links and a work area. */
typedef struct thread_ctx {
  int *la, *lb;
  double *prop, *rate;
  fai_lsm_work *w;
} thread_ctx;

/* A real, or null when not finite (no snapshot done yet). */
static json_t *jreal(double x) {
  return isfinite(x) ? json_real(x) : json_null();
}

static json_t *int_array(const int *v, int n) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(a, json_integer(v[i]));
  return a;
}

static json_t *real_array(const double *v, int n, int stride) {
  json_t *a = json_array();
  for (int i = 0; i < n; i++) json_array_append_new(a, json_real(v[(size_t)i * stride]));
  return a;
}

fai_status fai_lsm_solve(const fai_scenario *sc, const fai_lsm_params *p, const fai_backend *be,
                         const fai_progress *prog, fai_plan *plan, fai_lsm_result *res,
                         fai_error *err) {
  fai_status st = FAI_OK;
  const double t_start = now_s();
  const int S = FAI_LSM_SCHEMES;
  memset(res, 0, sizeof *res);
  res->outcome = FAI_OUTCOME_NOT_RUN;
  fai_timeline tl;
  memset(&tl, 0, sizeof tl);
  fai_lsm_sel sel;
  memset(&sel, 0, sizeof sel);
  fai_lsm_policy pol;
  memset(&pol, 0, sizeof pol);
  thread_ctx *tc = NULL;
  int nt = p->threads > 0 ? p->threads : omp_get_max_threads();
  int64_t *g_off = NULL;
  int *g_row = NULL, *g_col = NULL, *pred = NULL, *sweeps = NULL, *target = NULL;
  int *route_off = NULL, **snap_nodes = NULL;
  double *g_w = NULL, *dist = NULL, *terms = NULL, *lam = NULL, *delay = NULL, *series = NULL;
  double *jl = NULL, *jd = NULL;
  long long *moves = NULL, *pol_used = NULL;
  int interrupted = 0, T_alloc = 0;
  double time_route = 0, time_eval = 0;
  FAI_TRY(check_params(p, err));

  fai_timeline_opts topts;
  fai_timeline_opts_init(&topts);
  topts.paths = 0;
  topts.contacts = 0;
  st = fai_timeline_build(sc, be, &topts, prog, &tl, err);
  if (st == FAI_EINTR) { /* nothing solved yet: an empty plan says so */
    res->outcome = FAI_OUTCOME_INTERRUPTED;
    fai_plan_set(plan, "metrics", json_pack("{s:i}", "snapshots_done", 0));
    fai_plan_set_outcome(plan, res->outcome);
    goto cleanup;
  }
  if (st != FAI_OK) goto cleanup;
  res->timing_s[0] = now_s() - t_start;
  const int N = tl.n_sats, T = tl.n_snaps, L = tl.n_links;
  T_alloc = T;
  res->n_sats = N;
  res->n_snaps = T;
  if (p->instance_file)
    FAI_TRY(fai__lsm_instance_load(p->instance_file, N, p, &sel, err));
  else
    FAI_TRY(draw_sats(N, p, &sel, err));
  const int R = sel.R, C = sel.C;
  res->n_rs = R;
  res->n_cs = C;
  double rate = p->isl_rate_bps > 0 ? p->isl_rate_bps
                : sel.isl_rate_bps > 0 ? sel.isl_rate_bps
                                       : sc->isl.rate_bps;
  if (!(rate > 0)) {
    st = fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--isl-rate-gbps",
                          "ISL rate %g bps; expected a positive rate", rate);
    goto cleanup;
  }
  rate *= p->link_efficiency;
  { /* sizes and rates whose delays overflow (data 1e308 Mbit, 1e-300 ops/s) would give inf
       delays and NaN reductions: refuse them, bounding the worst case (every RS flow on
       every link of an N-hop route and on one computing satellite) */
    double cs_min = INFINITY;
    for (int c = 0; c < C; c++) cs_min = fmin(cs_min, sel.cs_ops[c]);
    for (int r = 0; r < R; r++) {
      const double D = sel.rs_bits[r];
      const double loc = D * p->model.kappa_s / sel.rs_ops[r];
      const double off = D * ((1 + p->model.result_ratio) * (double)R * (double)N / rate +
                              p->model.kappa_l * (double)R / cs_min);
      if (!(loc <= 1e200) || !(off <= 1e200)) {
        st = fai_error_set_at(err, FAI_EINVAL, p->instance_file, 0, 0, NULL,
                              "RS satellite %d: data %g bit at %g ops/s (small model), computing "
                              "rates down to %g ops/s and ISL rate %g bps give delays of %g s "
                              "(local) / up to %g s (offloaded); expected sizes and rates whose "
                              "delays are finite (at most 1e200 s)",
                              sel.rs[r], D, sel.rs_ops[r], cs_min, rate, loc, off);
        goto cleanup;
      }
    }
  }
  if (p->router == FAI_LSM_ROUTER_POLICY)
    FAI_TRY(fai__lsm_policy_load(p->policy_file, &tl, &sel, &pol, err));
  const int detail = p->decisions >= 0 ? p->decisions : (int64_t)T * R <= 2000;

  /* never more than the snapshots: the work arrays scale with chunk × R × N */
  int chunk = p->snap_chunk > 0 ? p->snap_chunk : 32;
  if (chunk > T) chunk = T > 0 ? T : 1;
  if (nt < 1) nt = 1;
  const size_t E2 = 2 * (size_t)(L > 0 ? L : 1);
  tc = calloc((size_t)nt, sizeof *tc);
  g_off = malloc(((size_t)chunk + 1) * sizeof(int64_t));
  g_row = malloc((size_t)chunk * ((size_t)N + 1) * sizeof(int));
  g_col = malloc((size_t)chunk * E2 * sizeof(int));
  g_w = malloc((size_t)chunk * E2 * sizeof(double));
  dist = malloc((size_t)chunk * R * (size_t)N * sizeof(double));
  pred = malloc((size_t)chunk * R * (size_t)N * sizeof(int));
  terms = malloc((size_t)chunk * S * R * FAI_LSM_TERMS * sizeof(double));
  lam = malloc((size_t)chunk * S * R * sizeof(double));
  delay = malloc((size_t)chunk * S * R * sizeof(double));
  series = malloc((size_t)T * S * sizeof(double));
  jl = malloc((size_t)T * R * sizeof(double));
  jd = malloc((size_t)T * R * sizeof(double));
  target = malloc((size_t)T * R * sizeof(int));
  sweeps = calloc((size_t)T, sizeof(int));
  moves = calloc((size_t)T, sizeof(long long));
  pol_used = calloc((size_t)T, sizeof(long long));
  route_off = malloc((size_t)T * ((size_t)R + 1) * sizeof(int));
  snap_nodes = calloc((size_t)T, sizeof(int *));
  if (!tc || !g_off || !g_row || !g_col || !g_w || !dist || !pred || !terms || !lam || !delay ||
      !series || !jl || !jd || !target || !sweeps || !moves || !pol_used || !route_off || !snap_nodes) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for %d snapshots x %d RS satellites", T, R);
    goto cleanup;
  }
  for (int i = 0; i < nt; i++) {
    tc[i].la = malloc((size_t)(L > 0 ? L : 1) * sizeof(int));
    tc[i].lb = malloc((size_t)(L > 0 ? L : 1) * sizeof(int));
    tc[i].prop = malloc((size_t)(L > 0 ? L : 1) * sizeof(double));
    tc[i].rate = malloc((size_t)(L > 0 ? L : 1) * sizeof(double));
    tc[i].w = fai_lsm_work_create(N, L, R, C);
    if (!tc[i].la || !tc[i].lb || !tc[i].prop || !tc[i].rate || !tc[i].w) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory for the per-thread work areas");
      goto cleanup;
    }
  }
  fai_lsm_sats sats = {R, C, sel.rs, sel.rs_bits, sel.rs_ops, sel.cs, sel.cs_ops};
  static const double lam_fix[FAI_LSM_SCHEMES] = {-1.0, -1.0, 0.0, 1.0, 0.5};

  int done = 0;
  for (int t0 = 0; t0 < T; t0 += chunk) {
    const int nc = T - t0 < chunk ? T - t0 : chunk;
    if (fai_interrupted()) {
      interrupted = 1;
      break;
    }
    if (p->time_limit_s > 0 && now_s() - t_start > p->time_limit_s) {
      res->outcome = FAI_OUTCOME_TIME_LIMIT;
      break;
    }
    double tr0 = now_s();
    /* 1. propagation graphs (CSR, both directions, link order) and sssp */
    g_off[0] = 0;
    for (int g = 0; g < nc; g++) {
      const int t = t0 + g;
      int *row = g_row + (size_t)g * (N + 1);
      int *col = g_col + g_off[g];
      double *wv = g_w + g_off[g];
      const uint8_t *alive = tl.link_alive + (size_t)t * L;
      const double *dl = tl.link_dist + (size_t)t * L;
      memset(row, 0, ((size_t)N + 1) * sizeof(int));
      for (int l = 0; l < L; l++)
        if (alive[l]) {
          row[tl.link_a[l] + 1]++;
          row[tl.link_b[l] + 1]++;
        }
      for (int v = 0; v < N; v++) row[v + 1] += row[v];
      /* fill by a second count pass (no per-node cursor array needed) */
      {
        int *cur = malloc((size_t)N * sizeof(int));
        if (!cur) {
          st = fai_error_set(err, FAI_ENOMEM, "out of memory");
          goto cleanup;
        }
        memcpy(cur, row, (size_t)N * sizeof(int));
        for (int l = 0; l < L; l++) {
          if (!alive[l]) continue;
          const double d = dl[l] / FAI_LSM_LIGHT_M_S;
          col[cur[tl.link_a[l]]] = tl.link_b[l];
          wv[cur[tl.link_a[l]]++] = d;
          col[cur[tl.link_b[l]]] = tl.link_a[l];
          wv[cur[tl.link_b[l]]++] = d;
        }
        free(cur);
      }
      g_off[g + 1] = g_off[g] + row[N];
    }
    fai_graph_batch gb = {nc, N, N, g_off, g_row, g_col, g_w};
    st = be->sssp(be, &gb, R, sel.rs, dist, pred, NULL, err);
    if (st == FAI_EINTR) {
      interrupted = 1;
      st = FAI_OK;
      break;
    }
    if (st != FAI_OK) goto cleanup;

    /* 2. routes and terms, snapshots in parallel */
    int g;
    fai_status pst = FAI_OK;
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (g = 0; g < nc; g++) {
      const int t = t0 + g;
      thread_ctx *x = &tc[omp_get_thread_num()];
      const uint8_t *alive = tl.link_alive + (size_t)t * L;
      const double *dl = tl.link_dist + (size_t)t * L;
      int n = 0;
      for (int l = 0; l < L; l++) {
        if (!alive[l]) continue;
        x->la[n] = tl.link_a[l];
        x->lb[n] = tl.link_b[l];
        x->prop[n] = dl[l] / FAI_LSM_LIGHT_M_S;
        x->rate[n] = rate;
        n++;
      }
      fai_lsm_net net = {N, n, x->la, x->lb, x->prop, x->rate};
      fai_error e2;
      if (fai_lsm_work_reset(x->w, &net, &sats, &p->model, &e2) != FAI_OK) {
#pragma omp critical(lsm_err)
        pst = FAI_EINTERNAL;
        continue;
      }
      fai_lsm_route_shortest(x->w, pred + (size_t)g * R * N, dist + (size_t)g * R * N);
      double *tt = terms + (size_t)g * S * R * FAI_LSM_TERMS;
      for (int s = FAI_LSM_SHORTEST; s < S; s++) {
        fai_lsm_loads(x->w, lam_fix[s]);
        for (int r = 0; r < R; r++)
          fai_lsm_terms(x->w, r, lam_fix[s], tt + ((size_t)s * R + r) * FAI_LSM_TERMS);
      }
      if (p->router == FAI_LSM_ROUTER_CONGESTION) {
        sweeps[t] = fai_lsm_congestion(x->w, NULL);
        moves[t] = fai_lsm_work_moves(x->w);
      } else if (p->router == FAI_LSM_ROUTER_POLICY) {
        for (int r = 0; r < R; r++) {
          const int ei = pol.index[(size_t)t * R + r];
          if (ei < 0) continue;
          const fai_lsm_policy_entry *pe = &pol.entry[ei];
          if (fai_lsm_route_set(x->w, r, pe->c, pe->k, pol.nodes + pe->off, &e2) != FAI_OK) {
#pragma omp critical(lsm_err)
            pst = FAI_EINTERNAL;
          }
          pol_used[t]++;
        }
      }
      fai_lsm_loads(x->w, -1.0);
      for (int r = 0; r < R; r++) {
        (void)fai_lsm_route(x->w, r, &target[(size_t)t * R + r], NULL, NULL);
        fai_lsm_terms(x->w, r, -1.0, tt + ((size_t)FAI_LSM_JOINT * R + r) * FAI_LSM_TERMS);
      }
      if (detail) { /* joint routes as node lists, for the decisions */
        int *off = route_off + (size_t)t * (R + 1), tot = 0;
        off[0] = 0;
        for (int r = 0; r < R; r++) {
          const int k = fai_lsm_route(x->w, r, NULL, NULL, NULL);
          tot += k < 0 ? 0 : k + 1;
          off[r + 1] = tot;
        }
        snap_nodes[t] = malloc((size_t)(tot > 0 ? tot : 1) * sizeof(int));
        if (!snap_nodes[t]) {
#pragma omp critical(lsm_err)
          pst = FAI_ENOMEM;
        } else {
          for (int r = 0; r < R; r++) {
            const int *nodes;
            const int k = fai_lsm_route(x->w, r, NULL, NULL, &nodes);
            if (k >= 0) memcpy(snap_nodes[t] + off[r], nodes, ((size_t)k + 1) * sizeof(int));
          }
        }
      }
    }
    if (pst != FAI_OK) {
      st = fai_error_set(err, pst, "lsm: routing failed at snapshots %d..%d", t0, t0 + nc - 1);
      goto cleanup;
    }
    time_route += now_s() - tr0;
    /* 3. ratios through the backend */
    double te0 = now_s();
    st = be->lsm_ratio(be, (int64_t)nc * S * R, terms, p->model.tol, p->model.max_steps, lam,
                       delay, err);
    if (st == FAI_EINTR) {
      interrupted = 1;
      st = FAI_OK;
      break;
    }
    if (st != FAI_OK) goto cleanup;
    time_eval += now_s() - te0;
    for (int gg = 0; gg < nc; gg++) {
      const int t = t0 + gg;
      for (int s = 0; s < S; s++) {
        const double *dv = delay + ((size_t)gg * S + s) * R;
        double acc = 0.0;
        for (int r = 0; r < R; r++) {
          if (p->model.objective == FAI_LSM_OBJ_MAX)
            acc = dv[r] > acc ? dv[r] : acc;
          else
            acc += dv[r];
        }
        series[(size_t)t * S + s] =
            p->model.objective == FAI_LSM_OBJ_MAX ? acc : (R > 0 ? acc / R : 0.0);
      }
      memcpy(jl + (size_t)t * R, lam + (size_t)gg * S * R, (size_t)R * sizeof(double));
      memcpy(jd + (size_t)t * R, delay + (size_t)gg * S * R, (size_t)R * sizeof(double));
    }
    done = t0 + nc;
    res->snaps_done = done;
    fai_progress_report(prog, "snapshots", done, T);
  }
  if (interrupted) res->outcome = FAI_OUTCOME_INTERRUPTED;
  if (res->outcome == FAI_OUTCOME_NOT_RUN) res->outcome = FAI_OUTCOME_COMPLETE;
  res->timing_s[1] = time_route;
  res->timing_s[2] = time_eval;

  /* Summary over the snapshots done. */
  {
    const int D = res->snaps_done;
    double lam_sum = 0;
    long long sw = 0;
    for (int s = 0; s < S; s++) {
      double m = 0, red = 0, best = -INFINITY;
      for (int t = 0; t < D; t++) {
        m += series[(size_t)t * S + s];
        const double b = series[(size_t)t * S + s];
        const double rr = b > 0 ? 1.0 - series[(size_t)t * S + FAI_LSM_JOINT] / b : 0.0;
        red += rr;
        best = rr > best ? rr : best;
      }
      res->mean_s[s] = D ? m / D : NAN;
      res->mean_reduction[s] = D ? red / D : NAN;
      res->best_reduction[s] = D ? best : NAN;
    }
    for (int t = 0; t < D; t++) {
      for (int r = 0; r < R; r++) {
        lam_sum += jl[(size_t)t * R + r];
        if (target[(size_t)t * R + r] < 0) res->unrouted++;
      }
      sw += sweeps[t];
      res->max_sweeps_used = sweeps[t] > res->max_sweeps_used ? sweeps[t] : res->max_sweeps_used;
      res->moves += moves[t];
      res->policy_routes += pol_used[t];
    }
    res->policy_fallbacks =
        p->router == FAI_LSM_ROUTER_POLICY ? (long long)D * R - res->policy_routes : 0;
    res->mean_lambda = D && R ? lam_sum / ((double)D * R) : NAN;
    res->mean_sweeps = D ? (double)sw / D : NAN;
  }

  /* The plan. */
  {
    static const char *const routers[] = {"congestion", "shortest", "policy"};
    json_t *params = json_pack(
        "{s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:i, s:i, s:f}", "router",
        routers[p->router], "objective", p->model.objective == FAI_LSM_OBJ_MAX ? "max" : "mean",
        "data_bits", p->data_bits, "rs_ops_per_s", p->rs_ops, "compute_ops_per_s", p->cs_ops,
        "kappa_s", p->model.kappa_s, "kappa_l", p->model.kappa_l, "result_ratio",
        p->model.result_ratio, "isl_rate_bps", rate, "rs_share", p->rs_share, "compute_share",
        p->cs_share, "tol", p->model.tol, "max_steps", p->model.max_steps, "max_sweeps",
        p->model.max_sweeps, "rel_change", p->model.rel_change);
    json_t *inputs = json_pack(
        "{s:{s:s, s:s, s:i, s:i, s:f, s:f}, s:o, s:o, s:o, s:o}", "scenario", "name", sc->name,
        "source", sc->source, "satellites", N, "snapshots", T, "step_s", sc->step_s,
        "duration_s", sc->duration_s, "rs", int_array(sel.rs, R), "compute",
        int_array(sel.cs, C), "rs_data_bits", real_array(sel.rs_bits, R, 1), "params", params);
    fai_plan_set(plan, "inputs", inputs);
    if (p->instance_file) FAI_TRY(fai_plan_add_input_file(plan, "instance", p->instance_file, err));
    if (p->policy_file && p->router == FAI_LSM_ROUTER_POLICY)
      FAI_TRY(fai_plan_add_input_file(plan, "policy", p->policy_file, err));
    const int D = res->snaps_done;
    json_t *ser = json_object();
    json_t *ts = json_array();
    for (int t = 0; t < D; t++) json_array_append_new(ts, json_real(tl.t_s[t]));
    json_object_set_new(ser, "t_s", ts);
    for (int s = 0; s < S; s++)
      json_object_set_new(ser, fai_lsm_scheme_name(s), real_array(series + s, D, S));
    if (p->router == FAI_LSM_ROUTER_CONGESTION) json_object_set_new(ser, "sweeps", int_array(sweeps, D));
    fai_plan_set(plan, "series", ser);
    json_t *base = json_object();
    for (int s = 1; s < S; s++)
      json_object_set_new(base, fai_lsm_scheme_name(s),
                          json_pack("{s:o, s:o, s:o}", "mean_delay_s", jreal(res->mean_s[s]),
                                    "best_reduction", jreal(res->best_reduction[s]),
                                    "mean_reduction", jreal(res->mean_reduction[s])));
    fai_plan_set(plan, "baselines", base);
    fai_plan_set(plan, "metrics",
                 json_pack("{s:i, s:i, s:o, s:o, s:o, s:i, s:I, s:I, s:I, s:I, s:f}",
                           "snapshots_done", D, "snapshots", T, "mean_delay_s",
                           jreal(res->mean_s[FAI_LSM_JOINT]), "mean_lambda",
                           jreal(res->mean_lambda), "mean_sweeps", jreal(res->mean_sweeps), "max_sweeps", res->max_sweeps_used,
                           "route_moves", (json_int_t)res->moves, "unrouted",
                           (json_int_t)res->unrouted, "policy_routes",
                           (json_int_t)res->policy_routes, "policy_fallbacks",
                           (json_int_t)res->policy_fallbacks, "paper_best_reduction", 0.3185));
    const char *oname = p->model.objective == FAI_LSM_OBJ_MAX ? "mean_max_delay_s" : "mean_delay_s";
    if (isfinite(res->mean_s[FAI_LSM_JOINT]))
      fai_plan_set_objective(plan, oname, "min", res->mean_s[FAI_LSM_JOINT], NAN);
    else /* no snapshot done */
      fai_plan_set(plan, "objective", json_pack("{s:s, s:s, s:n}", "name", oname, "sense", "min",
                                                "value"));
    fai_plan_set_outcome(plan, res->outcome);
    json_t *dec = json_object();
    json_object_set_new(dec, "detail", json_string(detail ? "all" : "summary"));
    if (detail) {
      json_t *snaps = json_array();
      for (int t = 0; t < D; t++) {
        json_t *rows = json_array();
        for (int r = 0; r < R; r++) {
          const int tg = target[(size_t)t * R + r];
          const int *off = route_off + (size_t)t * (R + 1);
          json_array_append_new(
              rows, json_pack("{s:i, s:o, s:f, s:f, s:o}", "rs", sel.rs[r], "target",
                              tg < 0 ? json_null() : json_integer(sel.cs[tg]), "lambda",
                              jl[(size_t)t * R + r], "delay_s", jd[(size_t)t * R + r], "path",
                              int_array(snap_nodes[t] + off[r], off[r + 1] - off[r])));
        }
        json_array_append_new(snaps, json_pack("{s:i, s:f, s:o}", "snapshot", t, "t_s",
                                               tl.t_s[t], "rs", rows));
      }
      json_object_set_new(dec, "snapshots", snaps);
    } else {
      double *ml = calloc((size_t)(R > 0 ? R : 1), sizeof(double));
      if (ml) {
        for (int t = 0; t < D; t++)
          for (int r = 0; r < R; r++) ml[r] += jl[(size_t)t * R + r];
        for (int r = 0; r < R; r++) ml[r] = D ? ml[r] / D : 0.0;
        json_object_set_new(dec, "mean_lambda_per_rs", real_array(ml, R, 1));
        free(ml);
      }
    }
    fai_plan_set(plan, "decisions", dec);
  }
  res->timing_s[3] = now_s() - t_start;
  fai_plan_timing(plan, "timeline", res->timing_s[0]);
  fai_plan_timing(plan, "routing", res->timing_s[1]);
  fai_plan_timing(plan, "evaluation", res->timing_s[2]);
  fai_plan_timing(plan, "total", res->timing_s[3]);
  if (interrupted)
    st = fai_error_set(err, FAI_EINTR, "interrupted after %d of %d snapshots", res->snaps_done, T);

cleanup:
  if (tc)
    for (int i = 0; i < nt; i++) {
      free(tc[i].la);
      free(tc[i].lb);
      free(tc[i].prop);
      free(tc[i].rate);
      fai_lsm_work_free(tc[i].w);
    }
  free(tc);
  free(g_off);
  free(g_row);
  free(g_col);
  free(g_w);
  free(dist);
  free(pred);
  free(terms);
  free(lam);
  free(delay);
  free(series);
  free(jl);
  free(jd);
  free(target);
  free(sweeps);
  free(moves);
  free(pol_used);
  free(route_off);
  if (snap_nodes)
    for (int t = 0; t < T_alloc; t++) free(snap_nodes[t]);
  free(snap_nodes);
  fai__lsm_policy_free(&pol);
  fai__lsm_sel_free(&sel);
  fai_timeline_free(&tl);
  return st;
}
