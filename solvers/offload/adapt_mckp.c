/* Multiple-choice knapsack with a latency interval: tick rounding, exact DP,
 * evolutionary search and brute force (PAPERS §11.4; rule in adapt.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/adapt.h"
#include "fluidai/log.h"
#include "fluidai/rng.h"

#define MAX_TICKS 50000000LL
#define EXACT_REL 1e-9

/* x / grid as ticks: the nearest whole number when within EXACT_REL, else
 * rounded in direction `up` (1 ceil, 0 floor).  *exact says which.  A
 * positive x is never "exactly" 0 ticks: below one tick the absolute
 * tolerance would otherwise call any small latency (or bound) zero, e.g.
 * every latency and both bounds on a grid far coarser than the interval. */
static long long to_ticks(double x, double grid, int up, int *exact) {
  const double t = x / grid;
  const double r = nearbyint(t);
  if ((r != 0 || t == 0) && fabs(t - r) <= EXACT_REL * fmax(1.0, fabs(t))) {
    if (exact) *exact = 1;
    return (long long)r;
  }
  if (exact) *exact = 0;
  return (long long)(up ? ceil(t) : floor(t));
}

fai_status fai_mckp_ticks(const fai_mckp *p, double lo_ms, double hi_ms, double grid_ms,
                          long long *ticks, long long *fixed_ticks, long long *lo_ticks,
                          long long *hi_ticks, fai_error *err) {
  if (!(grid_ms > 0) || !isfinite(grid_ms))
    return fai_error_set(err, FAI_EINVAL, "latency grid %g ms; expected a positive number", grid_ms);
  if (!isfinite(lo_ms) || !isfinite(hi_ms) || lo_ms < 0 || lo_ms > hi_ms)
    return fai_error_set(err, FAI_EINVAL,
                         "latency interval [%g, %g] ms; expected 0 <= lo <= hi, both finite", lo_ms,
                         hi_ms);
  if (p->n_groups < 0) return fai_error_set(err, FAI_EINVAL, "%d groups", p->n_groups);
  if (hi_ms / grid_ms > (double)MAX_TICKS)
    return fai_error_set(err, FAI_EINVAL,
                         "latency bound %g ms is %.3g ticks of %g ms; at most %lld allowed "
                         "(use a coarser --grid)", hi_ms, hi_ms / grid_ms, grid_ms, MAX_TICKS);
  int inexact_groups = 0, ex;
  if (!(p->fixed_weight >= 0) || !isfinite(p->fixed_weight))
    return fai_error_set(err, FAI_EINVAL, "fixed latency %g ms; expected a finite number >= 0",
                         p->fixed_weight);
  *fixed_ticks = to_ticks(p->fixed_weight, grid_ms, 1, &ex);
  if (!ex) inexact_groups++;
  for (int g = 0; g < p->n_groups; g++) {
    if (p->off[g + 1] <= p->off[g])
      return fai_error_set(err, FAI_EINVAL, "group %d has no option", g);
    int any = 0;
    for (int o = p->off[g]; o < p->off[g + 1]; o++) {
      const double w = p->weight[o];
      if (!(w >= 0) || !isfinite(w))
        return fai_error_set(err, FAI_EINVAL,
                             "group %d option %d latency %g ms; expected a finite number >= 0", g,
                             o - p->off[g], w);
      if (w / grid_ms > (double)MAX_TICKS) ticks[o] = MAX_TICKS + 1; /* never fits */
      else ticks[o] = to_ticks(w, grid_ms, 1, &ex);
      if (w / grid_ms <= (double)MAX_TICKS && !ex) any = 1;
    }
    inexact_groups += any;
  }
  *hi_ticks = to_ticks(hi_ms, grid_ms, 0, NULL);
  *lo_ticks = to_ticks(lo_ms, grid_ms, 1, NULL) + inexact_groups;
  return FAI_OK;
}

static void finish(const fai_mckp *p, const int *pick, long long ticks, long long evals,
                   fai_mckp_result *res) {
  double v = p->fixed_value, w = p->fixed_weight;
  for (int g = 0; g < p->n_groups; g++) {
    v += p->value[p->off[g] + pick[g]];
    w += p->weight[p->off[g] + pick[g]];
  }
  res->feasible = 1;
  res->value = v;
  res->weight = w;
  res->ticks = ticks;
  res->evaluations = evals;
}

typedef struct tick_tables {
  long long *t, fixed, lo, hi;
} tick_tables;

static fai_status prepare(const fai_mckp *p, double lo, double hi, double grid, tick_tables *tt,
                          fai_mckp_result *res, fai_error *err) {
  memset(res, 0, sizeof *res);
  res->value = NAN;
  res->weight = NAN;
  const int n = p->n_groups > 0 ? p->off[p->n_groups] : 0;
  tt->t = malloc(((size_t)n + 1) * sizeof *tt->t);
  if (!tt->t) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  return fai_mckp_ticks(p, lo, hi, grid, tt->t, &tt->fixed, &tt->lo, &tt->hi, err);
}

fai_status fai_mckp_dp(const fai_mckp *p, double lo_ms, double hi_ms, double grid_ms, int *pick,
                       fai_mckp_result *res, fai_error *err) {
  tick_tables tt = {0};
  double *best = NULL, *next = NULL;
  int *arg = NULL;
  fai_status st;
  FAI_TRY(prepare(p, lo_ms, hi_ms, grid_ms, &tt, res, err));
  const int G = p->n_groups;
  const long long W = tt.hi; /* states 0..W */
  if (W < 0 || tt.fixed > W || tt.lo > W) goto cleanup; /* infeasible */
  if ((double)G * (double)(W + 1) > 4e8) {
    st = fai_error_set(err, FAI_EINVAL, "DP table of %d groups x %lld ticks is too large; use a "
                       "coarser grid", G, W + 1);
    goto cleanup;
  }
  const size_t S = (size_t)W + 1;
  best = malloc(S * sizeof *best);
  next = malloc(S * sizeof *next);
  arg = malloc((size_t)(G > 0 ? G : 1) * S * sizeof *arg);
  if (!best || !next || !arg) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for a %d x %zu DP table", G, S);
    goto cleanup;
  }
  for (size_t w = 0; w < S; w++) best[w] = -INFINITY;
  best[tt.fixed] = p->fixed_value;
  for (int g = 0; g < G; g++) {
    int *ag = arg + (size_t)g * S;
    for (size_t w = 0; w < S; w++) {
      next[w] = -INFINITY;
      ag[w] = -1;
    }
    for (int o = p->off[g]; o < p->off[g + 1]; o++) {
      const long long t = tt.t[o];
      if (t > W) continue;
      const double v = p->value[o];
      for (size_t w = (size_t)t; w < S; w++) {
        const double b = best[w - (size_t)t];
        if (b == -INFINITY) continue;
        const double c = b + v;
        if (c > next[w]) {
          next[w] = c;
          ag[w] = o - p->off[g];
        }
      }
    }
    double *tmp = best;
    best = next;
    next = tmp;
    if (fai_interrupted()) {
      st = fai_error_set(err, FAI_EINTR, "interrupted in the DP (group %d of %d)", g + 1, G);
      goto cleanup;
    }
  }
  long long wbest = -1;
  for (long long w = tt.lo < 0 ? 0 : tt.lo; w <= W; w++)
    if (best[w] != -INFINITY && (wbest < 0 || best[w] > best[wbest])) wbest = w;
  if (wbest >= 0) {
    long long w = wbest;
    for (int g = G - 1; g >= 0; g--) {
      const int o = arg[(size_t)g * S + (size_t)w];
      pick[g] = o;
      w -= tt.t[p->off[g] + o];
    }
    finish(p, pick, wbest, (long long)G * (long long)S, res);
  } else {
    res->evaluations = (long long)G * (long long)S;
  }
cleanup:
  free(tt.t);
  free(best);
  free(next);
  free(arg);
  return st;
}

void fai_evo_params_init(fai_evo_params *p) {
  p->population = 32;
  p->generations = 200;
  p->mutation = 0;
  p->tournament = 2;
  p->seed = 1;
}

/* Ranking key of one option set: feasible, value, ticks or distance. */
typedef struct evo_key {
  int feasible;
  double value;
  long long ticks, dist;
} evo_key;

static evo_key evo_eval(const fai_mckp *p, const tick_tables *tt, const int *gene) {
  evo_key k;
  long long s = tt->fixed;
  double v = p->fixed_value;
  for (int g = 0; g < p->n_groups; g++) {
    s += tt->t[p->off[g] + gene[g]];
    v += p->value[p->off[g] + gene[g]];
  }
  k.ticks = s;
  k.value = v;
  k.feasible = s >= tt->lo && s <= tt->hi;
  k.dist = s < tt->lo ? tt->lo - s : s > tt->hi ? s - tt->hi : 0;
  return k;
}

/* 1 when a ranks strictly better than b. */
static int evo_better(const evo_key *a, const evo_key *b) {
  if (a->feasible != b->feasible) return a->feasible;
  if (a->feasible) {
    if (a->value != b->value) return a->value > b->value;
    return a->ticks < b->ticks;
  }
  return a->dist < b->dist;
}

typedef struct evo_rng {
  uint64_t seed, i;
} evo_rng;
static double evo_u(evo_rng *r) { return fai_rng_uniform(r->seed, FAI_STREAM_GENERATOR, r->i++); }
static int evo_int(evo_rng *r, int n) {
  int k = (int)(evo_u(r) * n);
  return k >= n ? n - 1 : k;
}

fai_status fai_mckp_evolve(const fai_mckp *p, double lo_ms, double hi_ms, double grid_ms,
                           const fai_evo_params *ep, int *pick, fai_mckp_result *res,
                           fai_error *err) {
  tick_tables tt = {0};
  int *pop = NULL, *nxt = NULL, *bestg = NULL;
  evo_key *key = NULL, *nkey = NULL;
  fai_status st;
  FAI_TRY(prepare(p, lo_ms, hi_ms, grid_ms, &tt, res, err));
  if (ep->population < 2 || ep->generations < 0 || ep->tournament < 1 || ep->mutation > 1) {
    st = fai_error_set(err, FAI_EINVAL, "evolution: population %d (>= 2), generations %d (>= 0), "
                       "tournament %d (>= 1), mutation %g (<= 1)", ep->population, ep->generations,
                       ep->tournament, ep->mutation);
    goto cleanup;
  }
  const int G = p->n_groups, P = ep->population;
  const size_t gs = (size_t)(G > 0 ? G : 1);
  pop = malloc((size_t)P * gs * sizeof *pop);
  nxt = malloc((size_t)P * gs * sizeof *nxt);
  bestg = malloc(gs * sizeof *bestg);
  key = malloc((size_t)P * sizeof *key);
  nkey = malloc((size_t)P * sizeof *nkey);
  if (!pop || !nxt || !bestg || !key || !nkey) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  evo_rng r = {ep->seed, 0};
  const double mut = ep->mutation > 0 ? ep->mutation : (G > 0 ? 1.0 / G : 0);
  long long evals = 0;
  evo_key bk;
  for (int i = 0; i < P; i++) {
    int *gi = pop + (size_t)i * gs;
    for (int g = 0; g < G; g++) gi[g] = evo_int(&r, p->off[g + 1] - p->off[g]);
    key[i] = evo_eval(p, &tt, gi);
    evals++;
    if (i == 0 || evo_better(&key[i], &bk)) {
      bk = key[i];
      memcpy(bestg, gi, (size_t)G * sizeof *gi);
    }
  }
  for (int gen = 0; gen < ep->generations; gen++) {
    memcpy(nxt, bestg, (size_t)G * sizeof *bestg); /* elitism: the best so far survives */
    nkey[0] = bk;
    for (int i = 1; i < P; i++) {
      int par[2];
      for (int k = 0; k < 2; k++) {
        int w = evo_int(&r, P);
        for (int t = 1; t < ep->tournament; t++) {
          const int c = evo_int(&r, P);
          if (evo_better(&key[c], &key[w])) w = c;
        }
        par[k] = w;
      }
      int *child = nxt + (size_t)i * gs;
      const int *a = pop + (size_t)par[0] * gs, *b = pop + (size_t)par[1] * gs;
      for (int g = 0; g < G; g++) {
        child[g] = evo_u(&r) < 0.5 ? a[g] : b[g];
        if (evo_u(&r) < mut) child[g] = evo_int(&r, p->off[g + 1] - p->off[g]);
      }
      nkey[i] = evo_eval(p, &tt, child);
      evals++;
      if (evo_better(&nkey[i], &bk)) {
        bk = nkey[i];
        memcpy(bestg, child, (size_t)G * sizeof *child);
      }
    }
    int *tp = pop;
    pop = nxt;
    nxt = tp;
    evo_key *tk = key;
    key = nkey;
    nkey = tk;
    if (fai_interrupted()) break; /* keep the best so far */
  }
  res->evaluations = evals;
  if (bk.feasible) {
    memcpy(pick, bestg, (size_t)G * sizeof *bestg);
    finish(p, pick, bk.ticks, evals, res);
  }
cleanup:
  free(tt.t);
  free(pop);
  free(nxt);
  free(bestg);
  free(key);
  free(nkey);
  return st;
}

fai_status fai_mckp_brute(const fai_mckp *p, double lo_ms, double hi_ms, double grid_ms, int *pick,
                          fai_mckp_result *res, fai_error *err) {
  tick_tables tt = {0};
  int *cur = NULL;
  fai_status st;
  FAI_TRY(prepare(p, lo_ms, hi_ms, grid_ms, &tt, res, err));
  const int G = p->n_groups;
  double combos = 1;
  for (int g = 0; g < G; g++) combos *= p->off[g + 1] - p->off[g];
  if (combos > 1e7) {
    st = fai_error_set(err, FAI_EINVAL, "%.3g option sets; brute force refuses more than 1e7", combos);
    goto cleanup;
  }
  cur = calloc((size_t)(G > 0 ? G : 1), sizeof *cur);
  if (!cur) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  evo_key bk = {0, 0, 0, 0};
  long long evals = 0;
  for (;;) {
    const evo_key k = evo_eval(p, &tt, cur);
    evals++;
    if (k.feasible && (!bk.feasible || evo_better(&k, &bk))) {
      bk = k;
      memcpy(pick, cur, (size_t)G * sizeof *cur);
    }
    int g = G - 1;
    while (g >= 0 && ++cur[g] == p->off[g + 1] - p->off[g]) cur[g--] = 0;
    if (g < 0) break;
  }
  if (bk.feasible) finish(p, pick, bk.ticks, evals, res);
  else res->evaluations = evals;
cleanup:
  free(tt.t);
  free(cur);
  return st;
}
