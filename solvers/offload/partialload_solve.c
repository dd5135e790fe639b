/* PartialLoading solvers: the scheduling stage (backbone-sharing DP, greedy,
 * baselines, brute force) and the bandwidth step (PAPERS §6.2, §6.3).
 * Everything is sequential and deterministic (fixed scan orders, strict
 * comparisons: the first candidate wins a tie). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fluidai/log.h"
#include "fluidai/partialload.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double load_s(const fai_pl_instance *inst, int from, int to, int sharing) {
  return fai_pl_load_time(fai_pl_load_bytes(&inst->lib, from, to, sharing), inst->r_load);
}

/* Requests sorted by (deadline, index). */
static void edd_order(const fai_pl_instance *inst, int *idx) {
  for (int k = 0; k < inst->K; k++) idx[k] = k;
  for (int a = 1; a < inst->K; a++) { /* insertion sort: stable, K is modest */
    const int k = idx[a];
    int b = a;
    while (b > 0 && inst->deadline_s[idx[b - 1]] > inst->deadline_s[k]) {
      idx[b] = idx[b - 1];
      b--;
    }
    idx[b] = k;
  }
}

/* --- DP over the EDD list -------------------------------------------------------------- */

/* backbone != 0: loads from the cluster/backbone/head decomposition (the
 * library must be backbone-sharing); else full-model loads (no sharing). */
static fai_status sched_dp(const fai_pl_instance *inst, int backbone, int *order, int *n_out,
                           fai_error *err) {
  const int K = inst->K, I = inst->lib.n_models;
  *n_out = 0;
  if (K == 0) return FAI_OK;
  fai_status st = FAI_OK;
  int *cluster = malloc(sizeof(int) * (size_t)I);
  int64_t *bb = malloc(sizeof(int64_t) * (size_t)I), *head = malloc(sizeof(int64_t) * (size_t)I);
  int *edd = malloc(sizeof(int) * (size_t)K), *slot_of = malloc(sizeof(int) * (size_t)I);
  int *slot_model = malloc(sizeof(int) * ((size_t)K + 1));
  double *L = NULL, *cur = NULL, *nxt = NULL;
  int16_t *choice = NULL;
  if (!cluster || !bb || !head || !edd || !slot_of || !slot_model) goto oom;
  if (backbone) {
    char why[512];
    if (fai_pl_backbone(&inst->lib, cluster, bb, head, why, sizeof why) < 0) {
      st = fai_error_set(err, FAI_EINVAL,
                         "--algo dp needs a backbone-sharing library: %s; use --algo greedy for a "
                         "general library", why);
      goto done;
    }
  }
  edd_order(inst, edd);
  /* Slots: the distinct requested models, then the initial GPU state. */
  for (int i = 0; i < I; i++) slot_of[i] = -1;
  int U = 0;
  for (int q = 0; q < K; q++) {
    const int i = inst->model[edd[q]];
    if (slot_of[i] < 0) slot_model[slot_of[i] = U++] = i;
  }
  if (U + 1 > 32767) {
    st = fai_error_set(err, FAI_EINVAL, "%d distinct requested models; the DP handles up to 32766", U);
    goto done;
  }
  const int S = U + 1;
  /* the choice table holds K x (K+1) x S entries (2 bytes each): refuse what
   * cannot be held (K = 10^6 asked for 62 TB) instead of failing or swapping */
  if ((double)K * ((double)K + 1) * S > FAI_PL_DP_MAX_ENTRIES) {
    st = fai_error_set(err, FAI_EINVAL,
                       "%d requests and %d distinct models need a DP table of %.3g entries; at "
                       "most %.0e (about K = 5600 on 30 models): use --algo greedy, edd or fcfs",
                       K, U, (double)K * ((double)K + 1) * S, (double)FAI_PL_DP_MAX_ENTRIES);
    goto done;
  }
  slot_model[U] = inst->initial_model;
  const size_t layer = ((size_t)K + 1) * (size_t)S;
  L = malloc(sizeof(double) * (size_t)S * (size_t)U);
  cur = malloc(sizeof(double) * layer);
  nxt = malloc(sizeof(double) * layer);
  choice = malloc(sizeof(int16_t) * layer * (size_t)K);
  if (!L || !cur || !nxt || !choice) goto oom;
  for (int s = 0; s < S; s++)
    for (int u = 0; u < U; u++) {
      const int from = slot_model[s], to = slot_model[u];
      int64_t bytes;
      if (!backbone) bytes = fai_pl_load_bytes(&inst->lib, from, to, 0);
      else if (from == to) bytes = 0;
      else bytes = head[to] + ((from < 0 || cluster[from] != cluster[to]) ? bb[to] : 0);
      L[(size_t)s * U + u] = fai_pl_load_time(bytes, inst->r_load);
    }
  for (size_t x = 0; x < layer; x++) cur[x] = INFINITY;
  cur[U] = 0; /* n = 0, initial state, time 0 */
  for (int q = 0; q < K; q++) {
    const int k = edd[q], u = slot_of[inst->model[k]];
    int16_t *ch = choice + (size_t)q * layer;
    memcpy(nxt, cur, sizeof(double) * layer); /* skip request k */
    for (size_t x = 0; x < layer; x++) ch[x] = -1;
    for (int n = 0; n <= q; n++)
      for (int s = 0; s < S; s++) {
        const double f0 = cur[(size_t)n * S + s];
        if (!isfinite(f0)) continue;
        const double ready = f0 + L[(size_t)s * U + u];
        const double fin = (ready > 0 ? ready : 0) + inst->compute_s[k];
        double *dst = &nxt[(size_t)(n + 1) * S + u];
        if (fin <= inst->deadline_s[k] && fin < *dst) {
          *dst = fin;
          ch[(size_t)(n + 1) * S + u] = (int16_t)s;
        }
      }
    double *t = cur;
    cur = nxt;
    nxt = t;
    if (fai_interrupted()) {
      st = fai_error_set(err, FAI_EINTR, "interrupted");
      goto done;
    }
  }
  int best_n = 0, best_s = U;
  for (int n = K; n >= 1 && best_n == 0; n--)
    for (int s = 0; s < S; s++)
      if (isfinite(cur[(size_t)n * S + s]) &&
          (best_n == 0 || cur[(size_t)n * S + s] < cur[(size_t)n * S + best_s]))
        best_n = n, best_s = s;
  /* Walk back through the choices. */
  int n = best_n, s = best_s;
  for (int q = K - 1; q >= 0 && n > 0; q--) {
    const int16_t c = choice[(size_t)q * layer + (size_t)n * S + s];
    if (c < 0) continue;
    order[n - 1] = edd[q];
    n--;
    s = c;
  }
  *n_out = best_n;
  goto done;
oom:
  st = fai_error_set(err, FAI_ENOMEM, "out of memory in the PartialLoading DP (%d requests)", K);
done:
  free(cluster);
  free(bb);
  free(head);
  free(edd);
  free(slot_of);
  free(slot_model);
  free(L);
  free(cur);
  free(nxt);
  free(choice);
  return st;
}

/* --- exact DP over per-model deadline-order pointers ------------------------------------ */

static fai_status sched_exact(const fai_pl_instance *inst, int *order, int *n_out, fai_error *err) {
  const int K = inst->K, I = inst->lib.n_models;
  *n_out = 0;
  if (K == 0) return FAI_OK;
  fai_status st = FAI_OK;
  int *edd = malloc(sizeof(int) * (size_t)K), *slot_of = malloc(sizeof(int) * (size_t)I);
  int *fam_model = malloc(sizeof(int) * ((size_t)K + 1)), *fam_n = calloc((size_t)K + 1, sizeof(int));
  int *fam_off = malloc(sizeof(int) * ((size_t)K + 2)), *fam_req = malloc(sizeof(int) * (size_t)K);
  int *fill = calloc((size_t)K + 1, sizeof(int)), *p = malloc(sizeof(int) * ((size_t)K + 1));
  long *radix = malloc(sizeof(long) * ((size_t)K + 1));
  double *L = NULL, *F = NULL;
  if (!edd || !slot_of || !fam_model || !fam_n || !fam_off || !fam_req || !fill || !p || !radix)
    goto oom;
  edd_order(inst, edd);
  for (int i = 0; i < I; i++) slot_of[i] = -1;
  int U = 0;
  for (int q = 0; q < K; q++) {
    const int i = inst->model[edd[q]];
    if (slot_of[i] < 0) fam_model[slot_of[i] = U++] = i;
    fam_n[slot_of[i]]++;
  }
  fam_off[0] = 0;
  for (int f = 0; f < U; f++) fam_off[f + 1] = fam_off[f] + fam_n[f];
  for (int q = 0; q < K; q++) {
    const int f = slot_of[inst->model[edd[q]]];
    fam_req[fam_off[f] + fill[f]++] = edd[q];
  }
  const int S = U + 1;
  double states = (double)S * (K + 1);
  long P = 1;
  for (int f = 0; f < U; f++) {
    radix[f] = P;
    states *= fam_n[f] + 1;
    if (states > (double)FAI_PL_EXACT_MAX_STATES) {
      st = fai_error_set(err, FAI_EINVAL,
                         "--algo exact: %d requests over %d models need more than %ld DP states; "
                         "use dp, greedy or fewer requests", K, U, (long)FAI_PL_EXACT_MAX_STATES);
      goto done;
    }
    P *= fam_n[f] + 1;
  }
  const size_t W = (size_t)K + 1, entries = (size_t)P * (size_t)S * W;
  L = malloc(sizeof(double) * (size_t)S * (size_t)U);
  F = malloc(sizeof(double) * entries);
  if (!L || !F) goto oom;
  for (int s = 0; s < S; s++)
    for (int f = 0; f < U; f++)
      L[(size_t)s * U + f] =
          load_s(inst, s < U ? fam_model[s] : inst->initial_model, fam_model[f], 1);
  for (size_t x = 0; x < entries; x++) F[x] = INFINITY;
  F[(size_t)U * W] = 0; /* idx 0, initial slot, n = 0 */
  for (long idx = 0; idx < P; idx++) {
    long r = idx;
    for (int f = 0; f < U; f++) {
      p[f] = (int)(r % (fam_n[f] + 1));
      r /= fam_n[f] + 1;
    }
    if ((idx & 1023) == 0 && fai_interrupted()) {
      st = fai_error_set(err, FAI_EINTR, "interrupted");
      goto done;
    }
    for (int s = 0; s < S; s++)
      for (int n = 0; n < K; n++) {
        const double f0 = F[((size_t)idx * S + s) * W + n];
        if (!isfinite(f0)) continue;
        for (int f = 0; f < U; f++) {
          const double ready0 = f0 + L[(size_t)s * U + f];
          const double ready = ready0 > 0 ? ready0 : 0;
          for (int j = p[f]; j < fam_n[f]; j++) {
            const int k = fam_req[fam_off[f] + j];
            const double fin = ready + inst->compute_s[k];
            if (!(fin <= inst->deadline_s[k])) continue;
            const long nidx = idx + (long)(j + 1 - p[f]) * radix[f];
            double *dst = &F[((size_t)nidx * S + f) * W + n + 1];
            if (fin < *dst) *dst = fin;
          }
        }
      }
  }
  int best_n = 0, best_s = U;
  long best_idx = 0;
  double best_f = 0;
  for (long idx = 0; idx < P; idx++)
    for (int s = 0; s < S; s++)
      for (int n = best_n; n <= K; n++) {
        const double v = F[((size_t)idx * S + s) * W + n];
        if (isfinite(v) && (n > best_n || v < best_f)) best_n = n, best_s = s, best_idx = idx, best_f = v;
      }
  /* Walk back: the last request of slot s's model is its list's entry p_s − 1;
   * find a predecessor state that reproduces the finish time exactly. */
  long idx = best_idx;
  int s = best_s, n = best_n;
  double fv = best_f;
  while (n > 0) {
    long r = idx;
    for (int f = 0; f < U; f++) {
      p[f] = (int)(r % (fam_n[f] + 1));
      r /= fam_n[f] + 1;
    }
    const int f = s, j = p[f] - 1, k = fam_req[fam_off[f] + j];
    order[n - 1] = k;
    int found = 0;
    for (int pp = 0; pp <= j && !found; pp++) {
      const long pidx = idx - (long)(p[f] - pp) * radix[f];
      for (int s2 = 0; s2 < S && !found; s2++) {
        const double f0 = F[((size_t)pidx * S + s2) * W + n - 1];
        if (!isfinite(f0)) continue;
        const double ready0 = f0 + L[(size_t)s2 * U + f];
        if ((ready0 > 0 ? ready0 : 0) + inst->compute_s[k] == fv) {
          idx = pidx, s = s2, fv = f0, found = 1;
        }
      }
    }
    if (!found) {
      st = fai_error_set(err, FAI_EINTERNAL, "exact DP: lost the predecessor of a state");
      goto done;
    }
    n--;
  }
  *n_out = best_n;
  goto done;
oom:
  st = fai_error_set(err, FAI_ENOMEM, "out of memory in the exact PartialLoading DP (%d requests)", K);
done:
  free(edd);
  free(slot_of);
  free(fam_model);
  free(fam_n);
  free(fam_off);
  free(fam_req);
  free(fill);
  free(p);
  free(radix);
  free(L);
  free(F);
  return st;
}

/* --- list schedulers ------------------------------------------------------------------- */

/* Serve in the given order, skipping requests that would finish late. */
static int sched_list(const fai_pl_instance *inst, const int *list, int *order) {
  int n = 0, cur = inst->initial_model;
  double F = 0;
  for (int a = 0; a < inst->K; a++) {
    const int k = list[a];
    const double ready = F + load_s(inst, cur, inst->model[k], 1);
    const double fin = (ready > 0 ? ready : 0) + inst->compute_s[k];
    if (fin <= inst->deadline_s[k]) {
      order[n++] = k;
      F = fin;
      cur = inst->model[k];
    }
  }
  return n;
}

static int sched_greedy(const fai_pl_instance *inst, int *order, char *done) {
  int n = 0, cur = inst->initial_model;
  double F = 0;
  memset(done, 0, (size_t)inst->K);
  for (;;) {
    int best = -1;
    double best_key = 0, best_fin = 0;
    for (int k = 0; k < inst->K; k++) {
      if (done[k]) continue;
      const double l = load_s(inst, cur, inst->model[k], 1);
      const double ready = F + l;
      const double fin = (ready > 0 ? ready : 0) + inst->compute_s[k];
      if (!(fin <= inst->deadline_s[k])) continue;
      const double key = l + inst->compute_s[k];
      if (best < 0 || key < best_key ||
          (key == best_key && inst->deadline_s[k] < inst->deadline_s[best])) {
        best = k;
        best_key = key;
        best_fin = fin;
      }
    }
    if (best < 0) break;
    done[best] = 1;
    order[n++] = best;
    F = best_fin;
    cur = inst->model[best];
  }
  return n;
}

/* --- brute force over ordered subsets -------------------------------------------------- */

typedef struct brute_ctx {
  const fai_pl_instance *inst;
  int *seq, *best;
  int best_n;
  char *used;
  long long nodes;
  int stop;
} brute_ctx;

static void brute_dfs(brute_ctx *b, int depth, double F, int cur) {
  if (depth > b->best_n) {
    b->best_n = depth;
    memcpy(b->best, b->seq, sizeof(int) * (size_t)depth);
  }
  if (b->best_n == b->inst->K || b->stop) return;
  if ((++b->nodes & 4095) == 0 && fai_interrupted()) b->stop = 1;
  int left = 0;
  for (int k = 0; k < b->inst->K; k++) left += !b->used[k];
  if (depth + left <= b->best_n) return;
  for (int k = 0; k < b->inst->K; k++) {
    if (b->used[k]) continue;
    const double ready = F + load_s(b->inst, cur, b->inst->model[k], 1);
    const double fin = (ready > 0 ? ready : 0) + b->inst->compute_s[k];
    if (!(fin <= b->inst->deadline_s[k])) continue;
    b->used[k] = 1;
    b->seq[depth] = k;
    brute_dfs(b, depth + 1, fin, b->inst->model[k]);
    b->used[k] = 0;
  }
}

fai_status fai_pl_schedule(const fai_pl_instance *inst, fai_pl_algo algo, int *order, int *n,
                           fai_error *err) {
  const int K = inst->K;
  *n = 0;
  fai_status st = FAI_OK;
  int *list = malloc(sizeof(int) * ((size_t)K + 1));
  char *flags = calloc((size_t)K + 1, 1);
  if (!list || !flags) {
    free(list);
    free(flags);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  switch (algo) {
    case FAI_PL_DP: st = sched_dp(inst, 1, order, n, err); break;
    case FAI_PL_NOSHARE: st = sched_dp(inst, 0, order, n, err); break;
    case FAI_PL_GREEDY: *n = sched_greedy(inst, order, flags); break;
    case FAI_PL_FCFS:
      for (int k = 0; k < K; k++) list[k] = k;
      *n = sched_list(inst, list, order);
      break;
    case FAI_PL_EDD:
      edd_order(inst, list);
      *n = sched_list(inst, list, order);
      break;
    case FAI_PL_BRUTE: {
      if (K > FAI_PL_BRUTE_MAX) {
        st = fai_error_set(err, FAI_EINVAL,
                           "--algo brute enumerates every order; %d requests is too many (at most "
                           "%d)", K, FAI_PL_BRUTE_MAX);
        break;
      }
      brute_ctx b = {inst, list, order, 0, flags, 0, 0};
      brute_dfs(&b, 0, 0, inst->initial_model);
      *n = b.best_n;
      if (b.stop) st = fai_error_set(err, FAI_EINTR, "interrupted");
      break;
    }
    case FAI_PL_EXACT: st = sched_exact(inst, order, n, err); break;
    default: st = fai_error_set(err, FAI_EINVAL, "unknown algorithm %d", (int)algo);
  }
  free(list);
  free(flags);
  return st;
}

/* --- bandwidth step ------------------------------------------------------------------- */

#define ARRIVAL_MARGIN_S 1e-9  /* uploads aim 1 ns before the latest allowed arrival */
#define SLACK_REG_S 1e-3       /* drop score b_min / (deadline slack + 1 ms) */

void fai_pl_solution_free(fai_pl_solution *s) {
  free(s->sched);
  memset(s, 0, sizeof *s);
}

fai_status fai_pl_allocate(const fai_pl_instance *inst, const int *order, int n, int sharing,
                           fai_pl_solution *out, fai_error *err) {
  const int K = inst->K;
  free(out->sched);
  memset(out, 0, sizeof *out);
  out->sched = calloc((size_t)K + 1, sizeof(fai_pl_entry));
  int *seq = malloc(sizeof(int) * ((size_t)n + 1));
  double *w = malloc(sizeof(double) * 8 * ((size_t)n + 1));
  int64_t *lb = malloc(sizeof(int64_t) * 2 * ((size_t)n + 1));
  if (!out->sched || !seq || !w || !lb) {
    free(seq);
    free(w);
    free(lb);
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  }
  memcpy(seq, order, sizeof(int) * (size_t)n);
  out->n_stage = n;
  double *lt = w, *F0 = w + (n + 1), *Lst = w + 2 * (n + 1), *x = w + 3 * (n + 1),
         *bmin = w + 4 * (n + 1), *b = w + 5 * (n + 1), *u = w + 6 * (n + 1), *a = w + 7 * (n + 1);
  int64_t *bytes = lb, *full = lb + (n + 1);
  double t_common = 0;
  for (;;) {
    /* Loads and the u = 0 timing of the current sequence. */
    int prev = inst->initial_model;
    double F = 0;
    for (int q = 0; q < n; q++) {
      const int k = seq[q], m = inst->model[k];
      bytes[q] = fai_pl_load_bytes(&inst->lib, prev, m, sharing);
      full[q] = fai_pl_load_bytes(&inst->lib, prev, m, 0);
      lt[q] = fai_pl_load_time(bytes[q], inst->r_load);
      const double ready = F + lt[q];
      F0[q] = F = (ready > 0 ? ready : 0) + inst->compute_s[k];
      a[q] = inst->power_w[k] * inst->gain[k] / inst->noise_w_hz;
      prev = m;
    }
    /* Latest allowed starts, backwards. */
    for (int q = n - 1; q >= 0; q--) {
      const int k = seq[q];
      double lf = inst->deadline_s[k];
      if (q + 1 < n && Lst[q + 1] - lt[q + 1] < lf) lf = Lst[q + 1] - lt[q + 1];
      Lst[q] = lf - inst->compute_s[k];
      x[q] = Lst[q] - ARRIVAL_MARGIN_S;
    }
    double sum = 0;
    int drop = -1;
    double drop_score = -1;
    for (int q = 0; q < n; q++) {
      const int k = seq[q];
      bmin[q] = fai_pl_bandwidth_for(inst->input_bits[k], x[q], a[q]);
      sum += bmin[q];
      const double slack = inst->deadline_s[k] - F0[q];
      const double score = isinf(bmin[q]) ? INFINITY : bmin[q] / ((slack > 0 ? slack : 0) + SLACK_REG_S);
      if (score > drop_score) drop_score = score, drop = q;
    }
    int violated = -1;
    if (sum <= inst->bandwidth_hz) {
      /* Water-filling: the least common upload time t with Σ_q b(min(t, x_q)) <= B. */
      double hi = 0;
      int any = 0;
      for (int q = 0; q < n; q++)
        if (inst->input_bits[seq[q]] > 0) {
          any = 1;
          if (x[q] > hi) hi = x[q];
        }
      double lo = 0;
      if (any)
        for (int it = 0; it < 200 && hi - lo > 1e-12 * hi; it++) {
          const double mid = lo + 0.5 * (hi - lo);
          double s = 0;
          for (int q = 0; q < n && s <= inst->bandwidth_hz; q++)
            s += fai_pl_bandwidth_for(inst->input_bits[seq[q]], mid < x[q] ? mid : x[q], a[q]);
          if (s <= inst->bandwidth_hz) hi = mid;
          else lo = mid;
        }
      t_common = any ? hi : 0;
      double used = 0;
      for (int q = 0; q < n; q++) {
        const int k = seq[q];
        b[q] = fai_pl_bandwidth_for(inst->input_bits[k], t_common < x[q] ? t_common : x[q], a[q]);
        u[q] = fai_pl_upload_time(inst->input_bits[k], b[q], a[q]);
        used += b[q];
      }
      /* Final timing with the uploads; a late request (a floating-point
       * corner) is dropped like a bandwidth hog. */
      prev = inst->initial_model;
      F = 0;
      for (int q = 0; q < n && violated < 0; q++) {
        const int k = seq[q];
        const double ready = F + lt[q];
        const double start = ready > u[q] ? ready : u[q];
        F = start + inst->compute_s[k];
        if (!(F <= inst->deadline_s[k])) violated = q;
        fai_pl_entry *e = &out->sched[q];
        e->request = k;
        e->load_bytes = bytes[q];
        e->full_bytes = full[q];
        e->load_s = lt[q];
        e->start_s = start;
        e->finish_s = F;
        e->arrival_limit_s = Lst[q];
        e->bandwidth_hz = b[q];
        e->upload_s = u[q];
      }
      if (violated < 0) {
        out->bandwidth_used_hz = used;
        break;
      }
      fai_warn("partialload: request \"%s\" missed its deadline after bandwidth allocation by "
               "rounding; dropped", fai_pl_request_id(inst, seq[violated]));
      drop = violated;
    }
    memmove(seq + drop, seq + drop + 1, sizeof(int) * (size_t)(n - drop - 1));
    n--;
    out->dropped++;
  }
  out->n = n;
  out->common_upload_s = t_common;
  for (int q = 0; q < n; q++) {
    out->loaded_bytes += out->sched[q].load_bytes;
    out->no_sharing_bytes += out->sched[q].full_bytes;
  }
  free(seq);
  free(w);
  free(lb);
  return FAI_OK;
}

fai_status fai_pl_solve(const fai_pl_instance *inst, fai_pl_algo algo, fai_pl_solution *out,
                        fai_error *err) {
  const double t0 = now_s();
  fai_status st = fai_pl_instance_validate(inst, err);
  if (st != FAI_OK) return st;
  int *order = malloc(sizeof(int) * ((size_t)inst->K + 1));
  if (!order) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  int n = 0;
  st = fai_pl_schedule(inst, algo, order, &n, err);
  if (st == FAI_OK) st = fai_pl_allocate(inst, order, n, algo != FAI_PL_NOSHARE, out, err);
  free(order);
  if (st != FAI_OK) return st;
  out->algo = algo;
  /* Uploads only delay, so the scheduling-stage optimum bounds the joint
   * problem: brute / exact with nothing dropped is optimal. */
  const int optimum = algo == FAI_PL_BRUTE || algo == FAI_PL_EXACT;
  out->outcome = optimum && out->dropped == 0 ? FAI_OUTCOME_OPTIMAL : FAI_OUTCOME_FEASIBLE;
  out->seconds = now_s() - t0;
  fai_debug("partialload %s: %d of %d requests on time (%d scheduled, %d dropped by bandwidth)",
           fai_pl_algo_name(algo), out->n, inst->K, out->n_stage, out->dropped);
  return FAI_OK;
}

/* --- plan ------------------------------------------------------------------------------ */

fai_status fai_pl_plan(const fai_pl_instance *inst, const fai_pl_solution *s, fai_plan *plan,
                       fai_error *err) {
  fai_status st = fai_plan_init(plan, "offload.partialload", inst->seed, err);
  if (st != FAI_OK) return st;
  const fai_library *lib = &inst->lib;
  const int nc = fai_pl_backbone(lib, NULL, NULL, NULL, NULL, 0);
  json_t *server = json_pack("{s:f, s:f, s:f, s:o}", "r_load_bytes_s", inst->r_load, "bandwidth_hz",
                             inst->bandwidth_hz, "noise_w_hz", inst->noise_w_hz, "initial_model",
                             inst->initial_model < 0
                                 ? json_null()
                                 : json_string(fai_library_model_id(lib, inst->initial_model)));
  json_t *libj = json_pack("{s:s, s:i, s:i, s:b}", "name", lib->name, "models", lib->n_models,
                           "blocks", lib->n_blocks, "backbone_sharing", nc >= 0);
  if (nc >= 0) json_object_set_new(libj, "clusters", json_integer(nc));
  fai_plan_set(plan, "inputs",
               json_pack("{s:{s:s, s:i}, s:o, s:o, s:{s:s}}", "instance", "name", inst->name,
                         "requests", inst->K, "library", libj, "server", server, "params", "algo",
                         fai_pl_algo_name(s->algo)));
  json_t *sched = json_array();
  char *served = calloc((size_t)inst->K + 1, 1);
  if (!served) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  for (int q = 0; q < s->n; q++) {
    const fai_pl_entry *e = &s->sched[q];
    served[e->request] = 1;
    json_t *row = json_pack(
        "{s:s, s:s, s:I, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "request",
        fai_pl_request_id(inst, e->request), "model",
        fai_library_model_id(lib, inst->model[e->request]), "load_bytes", (json_int_t)e->load_bytes,
        "full_load_bytes", (json_int_t)e->full_bytes, "load_s", e->load_s, "start_s", e->start_s,
        "finish_s", e->finish_s, "deadline_s", inst->deadline_s[e->request], "arrival_limit_s",
        e->arrival_limit_s, "bandwidth_hz", e->bandwidth_hz, "upload_s", e->upload_s);
    json_array_append_new(sched, row);
  }
  json_t *rejected = json_array();
  for (int k = 0; k < inst->K; k++)
    if (!served[k]) json_array_append_new(rejected, json_string(fai_pl_request_id(inst, k)));
  free(served);
  fai_plan_set(plan, "decisions", json_pack("{s:o, s:o}", "schedule", sched, "rejected", rejected));
  fai_plan_set_objective(plan, "throughput", "maximize", (double)s->n,
                         s->algo == FAI_PL_BRUTE || s->algo == FAI_PL_EXACT ? (double)s->n_stage : NAN);
  fai_plan_set(plan, "metrics",
               json_pack("{s:i, s:i, s:i, s:i, s:f, s:f, s:I, s:I, s:I}", "throughput", s->n,
                         "requests", inst->K, "scheduled_stage", s->n_stage, "dropped_by_bandwidth",
                         s->dropped, "bandwidth_used_hz", s->bandwidth_used_hz, "common_upload_s",
                         s->common_upload_s, "loaded_bytes", (json_int_t)s->loaded_bytes,
                         "no_sharing_bytes", (json_int_t)s->no_sharing_bytes, "saved_bytes",
                         (json_int_t)(s->no_sharing_bytes - s->loaded_bytes)));
  fai_plan_set_outcome(plan, s->outcome);
  fai_plan_timing(plan, "solve", s->seconds);
  return FAI_OK;
}
