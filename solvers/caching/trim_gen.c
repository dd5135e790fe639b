/* TrimCaching-Gen (PAPERS §1.4) and the independent-caching baseline (§1.5):
 * greedy over (cache, model) pairs.
 *
 * Rule gain, lazy: gains only shrink as requests get served, so a max-heap
 * of stale gains holds upper bounds.  Placing model i serves only requests
 * for i, so a key is exact while no copy of its model has been placed since
 * it was evaluated (a per-model counter stamps each key); an exact top beats
 * every bound (ties: lower pair index) and is what a full re-scan picks.
 * The initial pass over all M·I pairs runs on the backend; stale tops are
 * re-evaluated on the cpu backend in batches of the stale pairs at the top
 * (32 per thread; one at a time, directly, on one thread or with a device
 * backend, whose call would re-upload the served-request bitset).  A top that
 * does not fit is parked with its cache and re-queued when that cache
 * stores more blocks (its marginal size may shrink).
 * Rule ratio: gains per added byte; both gains and sizes change, so it keeps
 * every pair's gain and size and updates only those an insertion touches
 * (pairs of the same model, pairs of the same cache): O(M + I) updates and an
 * O(M·I) scan per step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "caching_internal.h"

typedef struct heap_item {
  double key;
  int idx;   /* m·I + i */
  int stamp; /* copies of its model placed when key was evaluated */
} heap_item;

/* a before b: larger key, then lower index. */
static int before(const heap_item *a, const heap_item *b) {
  return a->key > b->key || (a->key == b->key && a->idx < b->idx);
}

static void heap_push(heap_item *h, int *n, heap_item it) {
  int c = (*n)++;
  h[c] = it;
  while (c > 0) {
    const int par = (c - 1) / 2;
    if (!before(&h[c], &h[par])) break;
    const heap_item t = h[c];
    h[c] = h[par];
    h[par] = t;
    c = par;
  }
}

static heap_item heap_pop(heap_item *h, int *n) {
  const heap_item top = h[0];
  h[0] = h[--(*n)];
  int c = 0;
  for (;;) {
    const int l = 2 * c + 1, r = l + 1;
    int b = c;
    if (l < *n && before(&h[l], &h[b])) b = l;
    if (r < *n && before(&h[r], &h[b])) b = r;
    if (b == c) break;
    const heap_item t = h[c];
    h[c] = h[b];
    h[b] = t;
    c = b;
  }
  return top;
}

/* Bytes model i adds to cache m given stored[m][J] (charge_full: its size). */
static int64_t added_bytes(const fai_library *lib, const uint8_t *stored_m, int i, int charge_full) {
  int64_t s = 0;
  for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++) {
    const int j = lib->model_blocks[q];
    if (charge_full || !stored_m[j]) s += lib->block_bytes[j];
  }
  return s;
}

typedef struct gstate {
  const fai_cache_instance *inst;
  fai_cc_view v;
  uint32_t *covered;
  uint8_t *stored;  /* [M][J] */
  int64_t *used;    /* [M] bytes charged */
  int *ms, *is;     /* scratch pair lists */
  double *g;        /* scratch gains */
  const fai_backend *be;
  fai_error *err;
  double gains_s;     /* time in gain evaluations */
  int64_t gain_evals; /* pairs evaluated */
} gstate;

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* g[q] = gain of pair (ms[q], is[q]) for q < n on the backend. */
static fai_status gains(gstate *s, const uint32_t *covered, int64_t n, const int *ms,
                        const int *is, double *g) {
  const double t0 = mono_s();
  const fai_status st = fai__gains_be(s->be, &s->v, covered, n, ms, is, g, s->err);
  s->gains_s += mono_s() - t0;
  s->gain_evals += n;
  return st;
}

static void place(gstate *s, uint8_t *x, int m, int i, int64_t add) {
  const fai_library *lib = &s->inst->lib;
  x[(size_t)m * s->inst->I + i] = 1;
  s->used[m] += add;
  for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++)
    s->stored[(size_t)m * lib->n_blocks + lib->model_blocks[q]] = 1;
  fai__cover_add(&s->v, s->covered, m, i);
}

static fai_status greedy_gain_lazy(gstate *s, int charge_full, uint8_t *x) {
  const fai_cache_instance *inst = s->inst;
  const int M = inst->M, I = inst->I, J = inst->lib.n_blocks;
  const int64_t n = (int64_t)M * I;
  heap_item *heap = malloc((size_t)n * sizeof *heap);
  heap_item *park = malloc((size_t)n * sizeof *park);     /* by pair: its key when parked */
  int *park_next = malloc((size_t)n * sizeof *park_next); /* per-cache linked lists of pairs */
  int *park_head = malloc((size_t)M * sizeof *park_head);
  int *copies = calloc((size_t)I + 1, sizeof *copies);   /* copies of each model placed */
  if (!heap || !park || !park_next || !park_head || !copies) {
    free(heap);
    free(park);
    free(park_next);
    free(park_head);
    free(copies);
    return FAI_ENOMEM;
  }
  for (int m = 0; m < M; m++) park_head[m] = -1;
  for (int64_t q = 0; q < n; q++) {
    s->ms[q] = (int)(q / I);
    s->is[q] = (int)(q % I);
  }
  fai_status st = gains(s, NULL, n, s->ms, s->is, s->g);
  int hn = 0;
  if (st == FAI_OK)
    for (int64_t q = 0; q < n; q++)
      if (s->g[q] > 0) heap_push(heap, &hn, (heap_item){s->g[q], (int)q, 0});
  /* Stale tops per re-evaluation call: 1 (on the host) for one cpu thread;
   * 32 per thread otherwise.  A device call re-uploads the served-request
   * bitset, so re-evaluations stay on the host there (batch 1). */
  int batch = 1;
  if (!strcmp(s->be->name, "cpu")) {
    const int nt = s->be->threads > 0 ? s->be->threads : omp_get_max_threads();
    if (nt > 1) batch = 32 * nt;
  }
  while (st == FAI_OK && hn > 0) {
    if (fai_interrupted()) {
      st = FAI_EINTR;
      break;
    }
    if (heap[0].stamp != copies[heap[0].idx % I]) {
      /* Stale top: re-evaluate it — with the next stale tops when the
       * backend has parallel width — and re-queue (dropped once gaining
       * nothing).  Any batch picks the same pairs: only exact tops are taken. */
      int nb = 0;
      while (hn > 0 && nb < batch && heap[0].stamp != copies[heap[0].idx % I]) {
        const heap_item it = heap_pop(heap, &hn);
        s->ms[nb] = it.idx / I;
        s->is[nb] = it.idx % I;
        nb++;
      }
      if (nb == 1) {
        const double t0 = mono_s();
        s->g[0] = fai_cc_gain(&s->v, s->ms[0], s->is[0], s->covered);
        s->gains_s += mono_s() - t0;
        s->gain_evals++;
      } else if ((st = gains(s, s->covered, nb, s->ms, s->is, s->g)) != FAI_OK) {
        break;
      }
      for (int q = 0; q < nb; q++)
        if (s->g[q] > 0)
          heap_push(heap, &hn, (heap_item){s->g[q], s->ms[q] * I + s->is[q], copies[s->is[q]]});
      continue;
    }
    const heap_item top = heap_pop(heap, &hn);
    const int m = top.idx / I, i = top.idx % I;
    const int64_t add = added_bytes(&inst->lib, s->stored + (size_t)m * J, i, charge_full);
    if (s->used[m] + add > inst->capacity_bytes[m]) {
      /* Park; with full charging it can never fit, so drop it. */
      if (!charge_full) {
        park[top.idx] = top;
        park_next[top.idx] = park_head[m];
        park_head[m] = top.idx;
      }
      continue;
    }
    place(s, x, m, i, add);
    copies[i]++;
    /* Cache m stores more blocks now: its parked pairs may fit. */
    for (int q = park_head[m]; q >= 0; q = park_next[q]) heap_push(heap, &hn, park[q]);
    park_head[m] = -1;
  }
  free(heap);
  free(park);
  free(park_next);
  free(park_head);
  free(copies);
  return st;
}

/* Full re-scan every step (rule gain without laziness, and rule ratio). */
static fai_status greedy_scan(gstate *s, fai_trim_rule rule, int charge_full, uint8_t *x) {
  const fai_cache_instance *inst = s->inst;
  const int M = inst->M, I = inst->I, J = inst->lib.n_blocks;
  const int64_t n = (int64_t)M * I;
  int64_t *add = malloc((size_t)n * sizeof *add);
  if (!add) return FAI_ENOMEM;
  for (int64_t q = 0; q < n; q++) {
    s->ms[q] = (int)(q / I);
    s->is[q] = (int)(q % I);
    add[q] = added_bytes(&inst->lib, s->stored + (size_t)s->ms[q] * J, s->is[q], charge_full);
  }
  fai_status st = gains(s, NULL, n, s->ms, s->is, s->g);
  int *um = malloc((size_t)(M > I ? M : I) * sizeof *um), *ui = malloc((size_t)(M > I ? M : I) * sizeof *ui);
  double *ug = malloc((size_t)(M > I ? M : I) * sizeof *ug);
  if (st == FAI_OK && (!um || !ui || !ug)) st = FAI_ENOMEM;
  while (st == FAI_OK) {
    if (fai_interrupted()) {
      st = FAI_EINTR;
      break;
    }
    int64_t best = -1;
    double bscore = 0;
    for (int64_t q = 0; q < n; q++) {
      const int m = (int)(q / I);
      if (x[q] || !(s->g[q] > 0) || s->used[m] + add[q] > inst->capacity_bytes[m]) continue;
      const double score =
          rule == FAI_TRIM_RULE_RATIO ? s->g[q] / fmax(8.0 * (double)add[q], 1.0) : s->g[q];
      if (best < 0 || score > bscore) best = q, bscore = score;
    }
    if (best < 0) break;
    const int m = (int)(best / I), i = (int)(best % I);
    place(s, x, m, i, add[best]);
    /* Gains of model i everywhere, added sizes on cache m. */
    for (int mm = 0; mm < M; mm++) um[mm] = mm, ui[mm] = i;
    if ((st = gains(s, s->covered, M, um, ui, ug)) != FAI_OK) break;
    for (int mm = 0; mm < M; mm++) s->g[(size_t)mm * I + i] = ug[mm];
    for (int ii = 0; ii < I; ii++)
      add[(size_t)m * I + ii] = added_bytes(&inst->lib, s->stored + (size_t)m * J, ii, charge_full);
  }
  free(add);
  free(um);
  free(ui);
  free(ug);
  return st;
}

fai_status fai__trim_greedy(const fai_cache_instance *inst, const fai_trim_params *p,
                            fai_trim_rule rule, int charge_full, uint8_t *x,
                            fai_cache_placement *stats, fai_error *err) {
  const int M = inst->M, I = inst->I, J = inst->lib.n_blocks;
  const int64_t n = (int64_t)M * I;
  gstate s;
  memset(&s, 0, sizeof s);
  s.inst = inst;
  fai_backend be_cpu;
  s.be = fai__trim_backend(p, &be_cpu);
  s.err = err;
  fai__cache_view(inst, &s.v);
  s.covered = fai__cover_alloc(inst);
  s.stored = calloc((size_t)M * J + 1, 1);
  s.used = calloc((size_t)M, sizeof *s.used);
  s.ms = malloc((size_t)n * sizeof *s.ms);
  s.is = malloc((size_t)n * sizeof *s.is);
  s.g = malloc((size_t)n * sizeof *s.g);
  fai_status st = FAI_ENOMEM;
  if (s.covered && s.stored && s.used && s.ms && s.is && s.g) {
    if (rule == FAI_TRIM_RULE_GAIN && p->lazy)
      st = greedy_gain_lazy(&s, charge_full, x);
    else
      st = greedy_scan(&s, rule, charge_full, x);
  }
  if (stats) {
    stats->gains_s += s.gains_s;
    stats->gain_evals += s.gain_evals;
  }
  free(s.covered);
  free(s.stored);
  free(s.used);
  free(s.ms);
  free(s.is);
  free(s.g);
  if (st == FAI_ENOMEM) return fai_error_set(err, st, "out of memory in the greedy (%lld pairs)", (long long)n);
  if (st == FAI_EINTR) return fai_error_set(err, st, "interrupted; the placement so far is kept");
  return st; /* other failures (the backend's) come with err set */
}
