/* TrimCaching: parameters, the dispatcher, shared gain helpers, the
 * popularity and random baselines, and the plan document. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caching_internal.h"
#include "fluidai/rng.h"

static const char *const ALGO_NAMES[] = {"spec", "gen", "indep", "popular", "random", "milp"};

const char *fai_trim_algo_name(fai_trim_algo a) {
  return (int)a >= 0 && (int)a < 6 ? ALGO_NAMES[a] : "?";
}

int fai_trim_algo_parse(const char *s, fai_trim_algo *out) {
  for (int a = 0; a < 6; a++)
    if (!strcmp(s, ALGO_NAMES[a])) {
      *out = (fai_trim_algo)a;
      return 0;
    }
  return -1;
}

void fai_trim_params_init(fai_trim_params *p) {
  memset(p, 0, sizeof *p);
  p->algo = FAI_TRIM_SPEC;
  p->eps = 0.1;
  p->dp = FAI_TRIM_DP_VALUE;
  p->unit_bytes = 0;
  p->order_demand = 0;
  p->max_shared = 20;
  p->rule = FAI_TRIM_RULE_GAIN;
  p->lazy = 1;
  p->popular_share = 1;
  p->time_limit_s = 0;
  p->seed = 1;
  p->threads = 0;
}

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* --- shared helpers ------------------------------------------------------------------ */

uint32_t *fai__cover_alloc(const fai_cache_instance *inst) {
  const int64_t bits = (int64_t)inst->T * inst->K * inst->I;
  return calloc((size_t)(bits / 32 + 1), sizeof(uint32_t));
}

void fai__cover_add(const fai_cc_view *v, uint32_t *covered, int m, int i) {
  for (int t = 0; t < v->T; t++)
    for (int64_t e = v->tm_off[(size_t)t * v->M + m]; e < v->tm_off[(size_t)t * v->M + m + 1]; e++) {
      const int k = v->link_user[e];
      if (!fai_cc_deliver(v, e, k, i)) continue;
      const int64_t b = ((int64_t)i * v->T + t) * v->K + k; /* model-major (cache_core.h) */
      covered[b >> 5] |= 1u << (b & 31);
    }
}

void fai__gains(const fai_cc_view *v, const uint32_t *covered, int64_t n, const int *ms,
                const int *is, double *out, int threads) {
  const int nt = threads > 0 ? threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt) if (n > 64)
  for (int64_t q = 0; q < n; q++) out[q] = fai_cc_gain(v, ms[q], is[q], covered);
}

fai_status fai__gains_be(const fai_backend *be, const fai_cc_view *v, const uint32_t *covered,
                         int64_t n, const int *ms, const int *is, double *out, fai_error *err) {
  fai_backend cpu;
  if (!be) {
    cpu = *fai_backend_cpu();
    be = &cpu;
  }
  return be->cache_gains(be, v, covered, n, ms, is, out, err);
}

const fai_backend *fai__trim_backend(const fai_trim_params *p, fai_backend *tmp) {
  if (p->be) return p->be;
  *tmp = *fai_backend_cpu();
  tmp->threads = p->threads;
  return tmp;
}

/* --- popularity and random baselines --------------------------------------------------- */

/* Add model i to cache m if it fits (share: blocks already stored are free).
 * stored[J] marks m's blocks; *used its bytes.  Returns 1 when added. */
static int try_add(const fai_cache_instance *inst, int m, int i, int share, uint8_t *stored,
                   int64_t *used, uint8_t *x) {
  const fai_library *lib = &inst->lib;
  int64_t add = 0;
  for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++) {
    const int j = lib->model_blocks[q];
    if (!share || !stored[j]) add += lib->block_bytes[j];
  }
  if (*used + add > inst->capacity_bytes[m]) return 0;
  *used += add;
  for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++) stored[lib->model_blocks[q]] = 1;
  x[(size_t)m * inst->I + i] = 1;
  return 1;
}

static const double *g_key; /* qsort context (single-threaded) */
static int cmp_desc(const void *a, const void *b) {
  const int x = *(const int *)a, y = *(const int *)b;
  if (g_key[x] != g_key[y]) return g_key[x] > g_key[y] ? -1 : 1;
  return (x > y) - (x < y);
}

static fai_status trim_popular(const fai_cache_instance *inst, const fai_trim_params *p, uint8_t *x,
                               fai_error *err) {
  const int M = inst->M, I = inst->I;
  fai_cc_view v;
  fai__cache_view(inst, &v);
  double *dem = malloc((size_t)I * sizeof *dem);
  int *order = malloc((size_t)I * sizeof *order);
  uint8_t *stored = malloc((size_t)inst->lib.n_blocks + 1);
  if (!dem || !order || !stored) {
    free(dem);
    free(order);
    free(stored);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  for (int m = 0; m < M; m++) {
    for (int i = 0; i < I; i++) {
      dem[i] = fai_cc_demand(&v, m, i);
      order[i] = i;
    }
    g_key = dem;
    qsort(order, (size_t)I, sizeof *order, cmp_desc);
    memset(stored, 0, (size_t)inst->lib.n_blocks + 1);
    int64_t used = 0;
    for (int r = 0; r < I && dem[order[r]] > 0; r++)
      try_add(inst, m, order[r], p->popular_share, stored, &used, x);
  }
  free(dem);
  free(order);
  free(stored);
  return FAI_OK;
}

static fai_status trim_random(const fai_cache_instance *inst, const fai_trim_params *p, uint8_t *x,
                              fai_error *err) {
  const int M = inst->M, I = inst->I;
  int *perm = malloc((size_t)I * sizeof *perm);
  uint8_t *stored = malloc((size_t)inst->lib.n_blocks + 1);
  if (!perm || !stored) {
    free(perm);
    free(stored);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  for (int m = 0; m < M; m++) {
    for (int i = 0; i < I; i++) perm[i] = i;
    for (int j = I - 1; j > 0; j--) {
      const double u = fai_rng_uniform(p->seed, FAI_STREAM_WORKLOAD,
                                       FAI_CACHE_NS_RANDOM | ((uint64_t)m * (uint64_t)I + (uint64_t)j));
      int r = (int)(u * (double)(j + 1));
      if (r > j) r = j;
      const int tmp = perm[j];
      perm[j] = perm[r];
      perm[r] = tmp;
    }
    memset(stored, 0, (size_t)inst->lib.n_blocks + 1);
    int64_t used = 0;
    for (int r = 0; r < I; r++) try_add(inst, m, perm[r], 1, stored, &used, x);
  }
  free(perm);
  free(stored);
  return FAI_OK;
}

/* --- dispatcher -------------------------------------------------------------------------- */

fai_status fai_trim_solve(const fai_cache_instance *inst, const fai_trim_params *p,
                          fai_cache_placement *out, fai_error *err) {
  fai_status st;
  if (!(p->eps > 0 && p->eps <= 1))
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--eps", "%g; expected 0 < eps <= 1",
                            p->eps);
  if (p->unit_bytes < 0)
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--unit-bytes", "%lld; expected >= 0",
                            (long long)p->unit_bytes);
  if ((st = fai_cache_placement_alloc(out, inst, err)) != FAI_OK) return st;
  fai_backend be_cpu;
  const fai_backend *be = fai__trim_backend(p, &be_cpu);
  const double t0 = mono_s();
  out->outcome = FAI_OUTCOME_COMPLETE;
  switch (p->algo) {
    case FAI_TRIM_SPEC: st = fai__trim_spec(inst, p, out->x, err); break;
    case FAI_TRIM_GEN:
      if (p->rule == FAI_TRIM_RULE_BEST) {
        uint8_t *x2 = calloc((size_t)inst->M * inst->I, 1);
        double h1 = 0, h2 = 0;
        if (!x2) {
          st = fai_error_set(err, FAI_ENOMEM, "out of memory");
          break;
        }
        st = fai__trim_greedy(inst, p, FAI_TRIM_RULE_GAIN, 0, out->x, out, err);
        if (st == FAI_OK) st = fai__trim_greedy(inst, p, FAI_TRIM_RULE_RATIO, 0, x2, out, err);
        if (st == FAI_OK) st = fai_cache_evaluate_batch(inst, be, 1, out->x, NULL, &h1, err);
        if (st == FAI_OK) st = fai_cache_evaluate_batch(inst, be, 1, x2, NULL, &h2, err);
        if (st == FAI_OK && h2 > h1) memcpy(out->x, x2, (size_t)inst->M * inst->I);
        free(x2);
      } else {
        st = fai__trim_greedy(inst, p, p->rule, 0, out->x, out, err);
      }
      break;
    case FAI_TRIM_INDEP: st = fai__trim_greedy(inst, p, FAI_TRIM_RULE_GAIN, 1, out->x, out, err); break;
    case FAI_TRIM_POPULAR: st = trim_popular(inst, p, out->x, err); break;
    case FAI_TRIM_RANDOM: st = trim_random(inst, p, out->x, err); break;
    case FAI_TRIM_MILP: st = fai__trim_milp(inst, p, out, err); break;
    default: st = fai_error_set(err, FAI_EINVAL, "unknown algorithm %d", (int)p->algo);
  }
  if (st != FAI_OK && st != FAI_EINTR) {
    fai_cache_placement_free(out);
    return st;
  }
  if (st == FAI_EINTR) out->outcome = FAI_OUTCOME_INTERRUPTED;
  if (out->gain_evals > 0)
    fai_debug("trim %s: %lld gain evaluations on %s in %.3f s", fai_trim_algo_name(p->algo),
              (long long)out->gain_evals, be->name, out->gains_s);
  const int over = fai_cache_storage(inst, out->x, out->used_bytes);
  if (over >= 0) {
    fai_cache_placement_free(out);
    return fai_error_set(err, FAI_EINTERNAL,
                         "%s placed %lld bytes on cache %d of capacity %lld (a bug: please report)",
                         fai_trim_algo_name(p->algo), (long long)out->used_bytes[over], over,
                         (long long)inst->capacity_bytes[over]);
  }
  fai_status st2 = fai_cache_evaluate_batch(inst, be, 1, out->x, out->hit_snap, &out->hit_ratio, err);
  if (st2 != FAI_OK) {
    fai_cache_placement_free(out);
    return st2;
  }
  out->seconds = mono_s() - t0;
  return st;
}

/* --- plan ------------------------------------------------------------------------------- */

fai_status fai_trim_plan(const fai_cache_instance *inst, const fai_trim_params *p,
                         const fai_cache_placement *pl, fai_plan *plan, fai_error *err) {
  fai_status st = fai_plan_init(plan, "cache.trim", p->seed, err);
  if (st != FAI_OK) return st;
  const fai_library *lib = &inst->lib;
  int *users = calloc((size_t)lib->n_blocks + 1, sizeof *users);
  uint8_t *mark = calloc((size_t)lib->n_blocks + 1, 1);
  if (!users || !mark) {
    free(users);
    free(mark);
    fai_plan_free(plan);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  fai_library_block_users(lib, users);
  int js = 0;
  for (int j = 0; j < lib->n_blocks; j++) js += users[j] >= 2;

  json_t *params = json_pack("{s:s}", "algo", fai_trim_algo_name(p->algo));
  switch (p->algo) {
    case FAI_TRIM_SPEC:
      json_object_set_new(params, "dp", json_string(p->dp == FAI_TRIM_DP_VALUE ? "value" : "weight"));
      if (p->dp == FAI_TRIM_DP_VALUE) json_object_set_new(params, "eps", json_real(p->eps));
      else json_object_set_new(params, "unit_bytes", json_integer((json_int_t)p->unit_bytes));
      json_object_set_new(params, "order", json_string(p->order_demand ? "demand" : "index"));
      break;
    case FAI_TRIM_GEN: {
      static const char *const rules[] = {"gain", "ratio", "best"};
      json_object_set_new(params, "rule", json_string(rules[p->rule]));
      json_object_set_new(params, "lazy", json_boolean(p->lazy));
      break;
    }
    case FAI_TRIM_POPULAR: json_object_set_new(params, "share", json_boolean(p->popular_share)); break;
    case FAI_TRIM_MILP:
      if (p->time_limit_s > 0) json_object_set_new(params, "time_limit_s", json_real(p->time_limit_s));
      break;
    default: break;
  }
  json_t *inputs = json_pack(
      "{s:{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:I}, s:o}", "instance", "name", inst->name,
      "kind", fai_cache_kind_name(inst->kind), "caches", inst->M, "users", inst->K, "models",
      inst->I, "blocks", lib->n_blocks, "shared_blocks", js, "snapshots", inst->T, "links",
      (json_int_t)inst->n_links, "params", params);
  fai_plan_set(plan, "inputs", inputs);

  json_t *caches = json_array();
  int placed = 0, used_caches = 0, nblocks = 0;
  int64_t bytes = 0;
  for (int m = 0; m < inst->M; m++) {
    json_t *models = json_array(), *blocks = json_array();
    memset(mark, 0, (size_t)lib->n_blocks + 1);
    int nm = 0;
    for (int i = 0; i < inst->I; i++) {
      if (!pl->x[(size_t)m * inst->I + i]) continue;
      nm++;
      json_array_append_new(models, json_string(fai_library_model_id(lib, i)));
      for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++) mark[lib->model_blocks[q]] = 1;
    }
    for (int j = 0; j < lib->n_blocks; j++)
      if (mark[j]) {
        json_array_append_new(blocks, json_string(fai_library_block_id(lib, j)));
        nblocks++;
      }
    if (!nm) {
      json_decref(models);
      json_decref(blocks);
      continue;
    }
    placed += nm;
    used_caches++;
    bytes += pl->used_bytes[m];
    json_array_append_new(caches, json_pack("{s:i, s:o, s:o, s:I, s:I}", "cache", m, "models",
                                            models, "blocks", blocks, "used_bytes",
                                            (json_int_t)pl->used_bytes[m], "capacity_bytes",
                                            (json_int_t)inst->capacity_bytes[m]));
  }
  fai_plan_set(plan, "decisions", json_pack("{s:o}", "caches", caches));
  fai_plan_set_objective(plan, "hit_ratio", "max", pl->hit_ratio, pl->bound);
  json_t *metrics = json_pack("{s:f, s:i, s:i, s:i, s:I}", "hit_ratio", pl->hit_ratio,
                              "models_placed", placed, "caches_used", used_caches,
                              "blocks_stored", nblocks, "bytes_stored", (json_int_t)bytes);
  if (inst->kind == FAI_CACHE_SATELLITE || inst->T > 1) {
    json_t *series = json_array(), *times = json_array();
    for (int t = 0; t < inst->T; t++) {
      json_array_append_new(series, json_real(pl->hit_snap[t]));
      json_array_append_new(times, json_real(inst->snap_t_s[t]));
    }
    json_object_set_new(metrics, "t_s", times);
    json_object_set_new(metrics, "hit_ratio_per_snapshot", series);
  }
  fai_plan_set(plan, "metrics", metrics);
  fai_plan_set_outcome(plan, pl->outcome);
  fai_plan_run_info(plan, p->be ? p->be->name : "cpu", p->threads);
  fai_plan_timing(plan, "solve", pl->seconds);
  if (p->algo == FAI_TRIM_GEN || p->algo == FAI_TRIM_INDEP) fai_plan_timing(plan, "gains", pl->gains_s);
  free(users);
  free(mark);
  return FAI_OK;
}
