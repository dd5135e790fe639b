/* Fluid-inference cascade placement: enumeration, per-exit sums, the
 * threshold grid, the Pareto front, the chosen plan, baselines and the plan
 * document (PAPERS.md §8.2; README "fluidai place cascade").
 *
 * Why the threshold grid costs no extra pass over the points: for a fixed
 * placement, whether exit k's result reaches the user and when depends on
 * the links only, not on the thresholds; the thresholds only set the
 * probabilities P_k that a request leaves at exit k.  So with, per exit,
 *   n_k = Σ_points ok_k,   S_k = Σ_points ok_k·T_k,   m_k = Σ_points ok_k·migrated_k
 * every (placement, thresholds) candidate is scored exactly as
 *   served = Σ P_k n_k / P,  latency = Σ P_k S_k / Σ P_k n_k,
 *   delivered accuracy = Σ P_k acc_k n_k / P.
 * The backend evaluates (placement, point) items; sums run in point order on
 * the host, so results do not depend on threads or backend. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cascade_core.h"
#include "fluidai/cascade.h"
#include "fluidai/json.h"

static const char *const NODE_NAMES[FAI_CASCADE_NODES] = {"user", "sat", "next", "ground"};
static const char *const BASELINE_NAMES[FAI_CASCADE_BASELINES] = {"all-satellite", "all-ground",
                                                                  "fixed-split"};

void fai_cascade_params_init(fai_cascade_params *p) {
  memset(p, 0, sizeof *p);
  /* [P] an embedded IoT/phone-class device, a satellite with an edge
   * accelerator, a cloud GPU (effective, not peak). */
  p->node_flops[FAI_CASCADE_NODE_USER] = 1e10;
  p->node_flops[FAI_CASCADE_NODE_SAT] = 1e11;
  p->node_flops[FAI_CASCADE_NODE_NEXT] = 1e11;
  p->node_flops[FAI_CASCADE_NODE_GROUND] = 1e14;
  p->node_memory_bytes[FAI_CASCADE_NODE_USER] = 4e9;
  p->node_memory_bytes[FAI_CASCADE_NODE_SAT] = 8e9;
  p->node_memory_bytes[FAI_CASCADE_NODE_NEXT] = 8e9;
  p->node_memory_bytes[FAI_CASCADE_NODE_GROUND] = 0;
  /* [P] Ku-band user terminal: 14 GHz up (10 MHz share, 2 W, flat panel
   * 33 dBi), 11.7 GHz down (50 MHz share). */
  p->uplink.frequency_hz = 14e9;
  p->uplink.bandwidth_hz = 10e6;
  p->uplink.tx_power_dbm = 33;
  p->uplink.tx_gain_dbi = 33;
  p->uplink.rx_gain_dbi = 30;
  p->uplink.losses_db = 2;
  p->uplink.noise_temp_k = 500;
  p->uplink.noise_density_dbm_hz = -174;
  p->downlink.frequency_hz = 11.7e9;
  p->downlink.bandwidth_hz = 50e6;
  p->downlink.tx_power_dbm = 36;
  p->downlink.tx_gain_dbi = 30;
  p->downlink.rx_gain_dbi = 33;
  p->downlink.losses_db = 2;
  p->downlink.noise_temp_k = 300;
  p->downlink.noise_density_dbm_hz = -174;
  p->ground_delay_s = 0.01;
  p->max_isl_hops = 4;
  p->migration = 1;
  p->fixed_split[0] = -1;
  p->place_chunk = 16;
  p->max_candidates = 5e7;
}

int fai_cascade_node_parse(const char *s) {
  static const char *const alias[FAI_CASCADE_NODES] = {"u", "s", "n", "g"};
  for (int v = 0; v < FAI_CASCADE_NODES; v++)
    if (!strcmp(s, NODE_NAMES[v]) || !strcmp(s, alias[v])) return v;
  return -1;
}

const char *fai_cascade_node_name(int v) {
  return v >= 0 && v < FAI_CASCADE_NODES ? NODE_NAMES[v] : "?";
}

void fai_cascade_place_format(const int8_t *place, int K, char *buf, size_t n) {
  size_t used = 0;
  if (n == 0) return;
  buf[0] = '\0';
  for (int k = 0; k < K && used + 1 < n; k++) {
    const int w = snprintf(buf + used, n - used, "%s%s", k ? "," : "", fai_cascade_node_name(place[k]));
    if (w < 0) break;
    used += (size_t)w;
  }
}

void fai_cascade_result_free(fai_cascade_result *r) {
  if (!r) return;
  free(r->place);
  free(r->migrate);
  free(r->front);
  free(r->snap);
  free(r->point_served);
  memset(r, 0, sizeof *r);
}

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* --- scoring ------------------------------------------------------------------- */

/* Per-exit sums of one placement over a set of points. */
typedef struct exit_sums {
  double n[FAI_CASCADE_MAX_SUB];  /* completed */
  double s[FAI_CASCADE_MAX_SUB];  /* Σ completion time */
  double m[FAI_CASCADE_MAX_SUB];  /* completed via the next satellite */
} exit_sums;

static void sums_add(exit_sums *e, const double *time_s, const uint8_t *via, int K) {
  for (int k = 0; k < K; k++) {
    if (time_s[k] < 0.0) continue;
    e->n[k] += 1.0;
    e->s[k] += time_s[k];
    if (via && (via[k] & FAI_CASCADE_S2_LINKS)) e->m[k] += 1.0;
  }
}

/* Probability of leaving at each exit (the last = running the whole chain)
 * and the accuracy credited there, for threshold choice thr. */
static void exit_mix(const fai_cascade_profile *prof, const int *thr, double *pk, double *acc) {
  const int K = prof->n_sub, G = prof->n_thresholds;
  double reach = 1.0;
  for (int k = 0; k < K - 1; k++) {
    const double e = thr[k] < G ? prof->sub[k].exit_probability[thr[k]] : 0.0;
    pk[k] = reach * e;
    acc[k] = thr[k] < G ? prof->sub[k].exit_accuracy[thr[k]] : 0.0;
    reach = reach * (1.0 - e);
  }
  pk[K - 1] = reach;
  acc[K - 1] = prof->final_accuracy;
}

static void score(const fai_cascade_profile *prof, const exit_sums *e, double n_points,
                  fai_cascade_eval *ev) {
  const int K = prof->n_sub;
  double pk[FAI_CASCADE_MAX_SUB], acc[FAI_CASCADE_MAX_SUB];
  double done = 0, tsum = 0, good = 0, mig = 0, model = 0;
  exit_mix(prof, ev->thr, pk, acc);
  for (int k = 0; k < K; k++) {
    done += pk[k] * e->n[k];
    tsum += pk[k] * e->s[k];
    good += pk[k] * acc[k] * e->n[k];
    mig += pk[k] * e->m[k];
    model += pk[k] * acc[k];
  }
  ev->served = n_points > 0 ? done / n_points : 0.0;
  ev->latency_s = done > 0 ? tsum / done : NAN;
  ev->delivered_accuracy = n_points > 0 ? good / n_points : 0.0;
  ev->migrated = done > 0 ? mig / done : NAN;
  ev->accuracy = model;
}

static void combo_thr(int combo, int K, int G, int *thr) {
  for (int k = 0; k < FAI_CASCADE_MAX_SUB; k++) thr[k] = 0;
  for (int k = 0; k < K - 1; k++) {
    thr[k] = combo % (G + 1);
    combo /= G + 1;
  }
}

/* --- Pareto filtering -------------------------------------------------------------- */

typedef struct cand {
  fai_cascade_eval ev;
  double id;  /* place·combos + combo: ties go to the lowest */
} cand;

static int cmp_cand(const void *x, const void *y) {
  const cand *a = x, *b = y;
  if (a->ev.latency_s != b->ev.latency_s) return a->ev.latency_s < b->ev.latency_s ? -1 : 1;
  if (a->ev.delivered_accuracy != b->ev.delivered_accuracy)
    return a->ev.delivered_accuracy > b->ev.delivered_accuracy ? -1 : 1;
  return a->id < b->id ? -1 : (a->id > b->id);
}

/* Keep the non-dominated candidates of v[0..n) (sorted in place); returns
 * the new count.  Latency ascending, delivered accuracy strictly rising. */
static int pareto(cand *v, int n) {
  int m = 0;
  double best = -INFINITY;
  qsort(v, (size_t)n, sizeof *v, cmp_cand);
  for (int i = 0; i < n; i++) {
    if (v[i].ev.delivered_accuracy > best) {
      best = v[i].ev.delivered_accuracy;
      v[m++] = v[i];
    }
  }
  return m;
}

/* --- solve ----------------------------------------------------------------------- */

static int place_allowed(const fai_cascade_profile *prof, const fai_cascade_params *prm,
                         const int8_t *pl) {
  double mem[FAI_CASCADE_NODES] = {0, 0, 0, 0};
  for (int k = 0; k < prof->n_sub; k++) {
    if (!(prm->node_flops[pl[k]] > 0)) return 0;
    mem[pl[k]] += prof->sub[k].memory_bytes;
  }
  for (int v = 0; v < FAI_CASCADE_NODES; v++)
    if (prm->node_memory_bytes[v] > 0 && mem[v] > prm->node_memory_bytes[v]) return 0;
  return 1;
}

static void batch_init(const fai_cascade_profile *prof, const fai_cascade_params *prm,
                       const fai_cascade_points *pts, double *compute_s, double *in_bits,
                       fai_cascade_batch *b) {
  const int K = prof->n_sub;
  for (int k = 0; k < K; k++) {
    for (int v = 0; v < FAI_CASCADE_NODES; v++)
      compute_s[k * FAI_CASCADE_NODES + v] =
          prm->node_flops[v] > 0 ? prof->sub[k].flops / prm->node_flops[v] : FAI_CASCADE_NEVER;
    in_bits[k] = k == 0 ? prof->input_bits : prof->sub[k - 1].output_bits;
  }
  memset(b, 0, sizeof *b);
  b->n_sub = K;
  b->n_points = pts->n_points;
  b->compute_s = compute_s;
  b->in_bits = in_bits;
  b->result_bits = prof->result_bits;
  b->links = pts->links;
}

static fai_status check_inputs(const fai_cascade_profile *prof, const fai_cascade_points *pts,
                               const fai_cascade_params *prm, fai_error *err) {
  if (prof->n_sub < 2 || prof->n_sub > FAI_CASCADE_MAX_SUB)
    return fai_error_set(err, FAI_EINVAL, "cascade: %d sub-models; expected 2..%d", prof->n_sub,
                         FAI_CASCADE_MAX_SUB);
  if (prof->n_thresholds < 1 || prof->n_thresholds > FAI_CASCADE_MAX_GRID)
    return fai_error_set(err, FAI_EINVAL, "cascade: %d thresholds; expected 1..%d",
                         prof->n_thresholds, FAI_CASCADE_MAX_GRID);
  if (pts->n_points < 1) return fai_error_set(err, FAI_EINVAL, "cascade: no (snapshot, user) points");
  if (prm->max_latency_s > 0 && prm->min_accuracy > 0)
    return fai_error_set(err, FAI_EINVAL,
                         "cascade: give a latency budget or an accuracy floor, not both");
  if (prm->min_accuracy > 1)
    return fai_error_set(err, FAI_EINVAL, "cascade: accuracy floor %g; expected (0, 1]",
                         prm->min_accuracy);
  for (int v = 0; v < FAI_CASCADE_NODES; v++)
    if (!isfinite(prm->node_flops[v]) || !isfinite(prm->node_memory_bytes[v]))
      return fai_error_set(err, FAI_EINVAL, "cascade: node %s has non-finite compute or memory",
                           NODE_NAMES[v]);
  return FAI_OK;
}

/* Evaluate n placements (migration flag each) and accumulate per-exit sums:
 * over all points into tot[c] and, when snap != NULL, per snapshot into
 * snap[c·T + t]. */
static fai_status eval_sums(const fai_backend *be, fai_cascade_batch *b, const int8_t *place,
                            const uint8_t *mig, int n, const fai_cascade_points *pts,
                            exit_sums *tot, exit_sums *snap, double **keep_time,
                            fai_error *err) {
  const int K = b->n_sub;
  const int64_t P = pts->n_points;
  const size_t items = (size_t)n * (size_t)P * (size_t)K;
  double *time_s = malloc(items * sizeof *time_s);
  uint8_t *via = malloc(items);
  fai_status st;
  if (!time_s || !via) {
    free(time_s);
    free(via);
    return fai_error_set(err, FAI_ENOMEM, "out of memory for %d placements × %lld points", n,
                         (long long)P);
  }
  b->n_place = n;
  b->place = place;
  b->migrate = mig;
  st = be->cascade_eval(be, b, time_s, via, err);
  if (st == FAI_OK) {
    for (int c = 0; c < n; c++) {
      memset(&tot[c], 0, sizeof tot[c]);
      if (snap) memset(&snap[(size_t)c * pts->n_snaps], 0, (size_t)pts->n_snaps * sizeof *snap);
      for (int64_t p = 0; p < P; p++) {
        const size_t o = ((size_t)c * (size_t)P + (size_t)p) * (size_t)K;
        sums_add(&tot[c], time_s + o, via + o, K);
        if (snap)
          sums_add(&snap[(size_t)c * pts->n_snaps + (size_t)(p / pts->n_users)], time_s + o,
                   via + o, K);
      }
    }
  }
  if (keep_time && st == FAI_OK) {
    *keep_time = time_s;
    time_s = NULL;
  }
  free(time_s);
  free(via);
  return st;
}

fai_status fai_cascade_solve(const fai_cascade_profile *prof, const fai_cascade_points *pts,
                             const fai_cascade_params *prm, const fai_backend *be,
                             double time_limit_s, const fai_progress *prog,
                             fai_cascade_result *res, fai_error *err) {
  const int K = prof->n_sub, G = prof->n_thresholds;
  fai_status st;
  double compute_s[FAI_CASCADE_MAX_SUB * FAI_CASCADE_NODES], in_bits[FAI_CASCADE_MAX_SUB];
  fai_cascade_batch b;
  cand *all = NULL;
  int n_all = 0, cap_all = 0;
  exit_sums *tot = NULL, *snap = NULL;
  cand *local = NULL;
  double *final_time = NULL;
  int combos = 1, total_place = 1;
  const double t0 = mono_s();

  memset(res, 0, sizeof *res);
  res->outcome = FAI_OUTCOME_NOT_RUN;
  if ((st = check_inputs(prof, pts, prm, err)) != FAI_OK) return st;
  for (int k = 0; k < K - 1; k++) combos *= G + 1;
  for (int k = 0; k < K; k++) total_place *= FAI_CASCADE_NODES;
  res->n_sub = K;
  res->n_thresholds = G;
  res->n_snaps = pts->n_snaps;

  /* Enumerate placements in index order (node of sub-model 0 varies
   * slowest), each without then with migration: migrating is a decision of
   * the plan, since a migration completes extra requests that can raise the
   * mean latency.  Placements on the next satellite always migrate. */
  res->place = malloc((size_t)total_place * 2 * (size_t)K);
  res->migrate = malloc((size_t)total_place * 2);
  if (!res->place || !res->migrate) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for placements");
    goto cleanup;
  }
  for (int i = 0; i < total_place; i++) {
    int8_t pl[FAI_CASCADE_MAX_SUB];
    int x = i, uses_next = 0;
    for (int k = K - 1; k >= 0; k--) {
      pl[k] = (int8_t)(x % FAI_CASCADE_NODES);
      x /= FAI_CASCADE_NODES;
      uses_next |= pl[k] == FAI_CASCADE_NODE_NEXT;
    }
    if (!place_allowed(prof, prm, pl) || (!prm->migration && uses_next)) {
      res->n_place_excluded++;
      continue;
    }
    for (int m = uses_next ? 1 : 0; m <= (prm->migration ? 1 : 0); m++) {
      memcpy(res->place + (size_t)res->n_place * K, pl, (size_t)K);
      res->migrate[res->n_place] = (uint8_t)m;
      res->n_place++;
    }
  }
  if ((double)res->n_place * combos > prm->max_candidates) {
    st = fai_error_set(err, FAI_EINVAL,
                       "cascade: %d placements × %d threshold combinations = %.3g candidates; "
                       "more than %.3g (use fewer thresholds or sub-models)",
                       res->n_place, combos, (double)res->n_place * combos, prm->max_candidates);
    goto cleanup;
  }
  res->n_candidates = (double)res->n_place * combos;

  batch_init(prof, prm, pts, compute_s, in_bits, &b);
  {
    /* Placements per call: at most place_chunk, and few enough that the
     * outputs (9 bytes per item and exit) stay near 64 MiB. */
    const int64_t per_place = pts->n_points * K;
    int chunk = prm->place_chunk > 0 ? prm->place_chunk : 16;
    if ((int64_t)chunk * per_place > ((int64_t)7 << 20))
      chunk = (int)(((int64_t)7 << 20) / per_place > 0 ? ((int64_t)7 << 20) / per_place : 1);
    tot = calloc((size_t)chunk + FAI_CASCADE_BASELINES + 1, sizeof *tot);
    local = malloc((size_t)combos * sizeof *local);
    if (!tot || !local) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory for cascade scores");
      goto cleanup;
    }
    res->outcome = FAI_OUTCOME_OPTIMAL;
    for (int c0 = 0; c0 < res->n_place; c0 += chunk) {
      const int n = res->n_place - c0 < chunk ? res->n_place - c0 : chunk;
      if (time_limit_s > 0 && mono_s() - t0 > time_limit_s) {
        res->outcome = FAI_OUTCOME_TIME_LIMIT;
        break;
      }
      st = eval_sums(be, &b, res->place + (size_t)c0 * K, res->migrate + c0, n, pts, tot, NULL,
                     NULL, err);
      if (st == FAI_EINTR || (st == FAI_OK && fai_interrupted())) {
        res->outcome = FAI_OUTCOME_INTERRUPTED;
        st = FAI_OK;
        if (fai_interrupted()) break;
      }
      if (st != FAI_OK) goto cleanup;
      if (res->outcome == FAI_OUTCOME_INTERRUPTED) break;
      for (int c = 0; c < n; c++) {
        int m = 0;
        for (int combo = 0; combo < combos; combo++) {
          cand *cd = &local[m];
          memset(cd, 0, sizeof *cd);
          cd->ev.place = c0 + c;
          combo_thr(combo, K, G, cd->ev.thr);
          score(prof, &tot[c], (double)pts->n_points, &cd->ev);
          if (!(cd->ev.served > 0)) continue;
          cd->id = (double)(c0 + c) * combos + combo;
          m++;
        }
        m = pareto(local, m);
        if (n_all + m > cap_all) {
          const int nc = (n_all + m) * 2 + 64;
          cand *nv = realloc(all, (size_t)nc * sizeof *nv);
          if (!nv) {
            st = fai_error_set(err, FAI_ENOMEM, "out of memory for the Pareto front");
            goto cleanup;
          }
          all = nv;
          cap_all = nc;
        }
        memcpy(all + n_all, local, (size_t)m * sizeof *local);
        n_all += m;
      }
      res->n_place_done = c0 + n;
      fai_progress_report(prog, "cascade", res->n_place_done, res->n_place);
    }
  }
  res->eval_s = mono_s() - t0;

  /* The front. */
  n_all = pareto(all, n_all);
  res->n_front = n_all;
  res->front = malloc(((size_t)n_all + 1) * sizeof *res->front);
  if (!res->front) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for the Pareto front");
    goto cleanup;
  }
  for (int i = 0; i < n_all; i++) res->front[i] = all[i].ev;

  /* The chosen plan: the best that meets the target, else the closest. */
  if (n_all > 0) {
    int pick = n_all - 1;
    res->chosen_meets = 1;
    if (prm->max_latency_s > 0) {
      pick = -1;
      for (int i = 0; i < n_all; i++)
        if (res->front[i].latency_s <= prm->max_latency_s) pick = i;
      if (pick < 0) {
        pick = 0;
        res->chosen_meets = 0;
      }
    } else if (prm->min_accuracy > 0) {
      pick = -1;
      for (int i = n_all - 1; i >= 0; i--)
        if (res->front[i].delivered_accuracy >= prm->min_accuracy) pick = i;
      if (pick < 0) {
        pick = n_all - 1;
        res->chosen_meets = 0;
      }
    }
    res->has_chosen = 1;
    res->chosen = res->front[pick];
    memcpy(res->chosen_place, res->place + (size_t)res->chosen.place * K, (size_t)K);
    if (!res->chosen_meets && res->outcome == FAI_OUTCOME_OPTIMAL)
      res->outcome = FAI_OUTCOME_INFEASIBLE;
  }

  /* Chosen plan and baselines, per snapshot.  Baselines never migrate. */
  {
    int8_t pl[1 + FAI_CASCADE_BASELINES][FAI_CASCADE_MAX_SUB];
    uint8_t bm[1 + FAI_CASCADE_BASELINES];
    fai_cascade_eval ev[1 + FAI_CASCADE_BASELINES];
    const int T = pts->n_snaps;
    memset(ev, 0, sizeof ev);
    for (int k = 0; k < K; k++) {
      pl[0][k] = res->has_chosen ? res->chosen_place[k] : FAI_CASCADE_NODE_USER;
      pl[1][k] = FAI_CASCADE_NODE_SAT;
      pl[2][k] = FAI_CASCADE_NODE_GROUND;
      pl[3][k] = prm->fixed_split[0] < 0 ? (k == 0 ? FAI_CASCADE_NODE_USER : FAI_CASCADE_NODE_SAT)
                                         : prm->fixed_split[k];
      for (int j = 1; j <= FAI_CASCADE_BASELINES; j++) ev[j].thr[k] = G; /* exits off */
      if (res->has_chosen) ev[0].thr[k] = res->chosen.thr[k];
      if (res->has_chosen && k < K - 1) ev[3].thr[k] = res->chosen.thr[k];
    }
    bm[0] = res->has_chosen ? res->migrate[res->chosen.place] : 0;
    bm[1] = bm[2] = bm[3] = 0;
    snap = calloc((size_t)(1 + FAI_CASCADE_BASELINES) * (size_t)T, sizeof *snap);
    res->snap = calloc((size_t)(1 + FAI_CASCADE_BASELINES) * (size_t)T * 4, sizeof *res->snap);
    if (!snap || !res->snap) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory for per-snapshot metrics");
      goto cleanup;
    }
    const int was_interrupted = fai_interrupted();
    if (was_interrupted) fai_interrupt_reset(); /* the closing evaluation is short */
    int8_t packed[(1 + FAI_CASCADE_BASELINES) * FAI_CASCADE_MAX_SUB];
    for (int j = 0; j <= FAI_CASCADE_BASELINES; j++) memcpy(packed + j * K, pl[j], (size_t)K);
    st = eval_sums(be, &b, packed, bm, 1 + FAI_CASCADE_BASELINES, pts, tot, snap, &final_time,
                   err);
    if (was_interrupted) fai_interrupt_request();
    if (st != FAI_OK) goto cleanup;
    for (int j = 0; j <= FAI_CASCADE_BASELINES; j++) {
      score(prof, &tot[j], (double)pts->n_points, &ev[j]);
      ev[j].place = -1;
      for (int t = 0; t < T; t++) {
        fai_cascade_eval e = ev[j];
        double *o = res->snap + ((size_t)j * T + t) * 4;
        score(prof, &snap[(size_t)j * T + t], (double)pts->n_users, &e);
        o[0] = e.served;
        o[1] = e.latency_s;
        o[2] = e.delivered_accuracy;
        o[3] = e.migrated;
      }
    }
    /* Per point: the share of the request's exit mass that completes. */
    res->point_served = malloc((size_t)(1 + FAI_CASCADE_BASELINES) * (size_t)pts->n_points *
                               sizeof *res->point_served);
    if (!res->point_served) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory for per-point metrics");
      goto cleanup;
    }
    for (int j = 0; j <= FAI_CASCADE_BASELINES; j++) {
      double pk[FAI_CASCADE_MAX_SUB], acc[FAI_CASCADE_MAX_SUB];
      exit_mix(prof, ev[j].thr, pk, acc);
      for (int64_t p = 0; p < pts->n_points; p++) {
        const double *tm = final_time + ((size_t)j * (size_t)pts->n_points + (size_t)p) * K;
        double s = 0;
        for (int k = 0; k < K; k++)
          if (tm[k] >= 0.0) s += pk[k];
        res->point_served[(size_t)j * (size_t)pts->n_points + (size_t)p] = s;
      }
    }
    if (res->has_chosen) {
      ev[0].place = res->chosen.place;
      res->chosen = ev[0];
    }
    for (int j = 0; j < FAI_CASCADE_BASELINES; j++) {
      res->baseline[j] = ev[j + 1];
      memcpy(res->baseline_place[j], pl[j + 1], (size_t)K);
      res->baseline_over_memory[j] = !place_allowed(prof, prm, pl[j + 1]);
    }
  }
  st = FAI_OK;

cleanup:
  free(all);
  free(local);
  free(tot);
  free(snap);
  free(final_time);
  if (st != FAI_OK) fai_cascade_result_free(res);
  return st;
}

/* --- plan document ------------------------------------------------------------- */

static json_t *num(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

static json_t *eval_json(const fai_cascade_profile *prof, const int8_t *place, int migrate,
                         const fai_cascade_eval *ev) {
  char buf[128];
  json_t *o = json_object(), *th = json_array();
  fai_cascade_place_format(place, prof->n_sub, buf, sizeof buf);
  json_object_set_new(o, "placement", json_string(buf));
  json_object_set_new(o, "migration", json_boolean(migrate));
  for (int k = 0; k < prof->n_sub - 1; k++)
    json_array_append_new(th, ev->thr[k] < prof->n_thresholds
                                  ? json_real(prof->thresholds[ev->thr[k]])
                                  : json_string("off"));
  json_object_set_new(o, "thresholds", th);
  json_object_set_new(o, "latency_s", num(ev->latency_s));
  json_object_set_new(o, "accuracy", num(ev->accuracy));
  json_object_set_new(o, "delivered_accuracy", num(ev->delivered_accuracy));
  json_object_set_new(o, "served", num(ev->served));
  json_object_set_new(o, "migrated", num(ev->migrated));
  return o;
}

static json_t *radio_json(const fai_radio *r) {
  return json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "frequency_hz", r->frequency_hz,
                   "bandwidth_hz", r->bandwidth_hz, "tx_power_dbm", r->tx_power_dbm, "tx_gain_dbi",
                   r->tx_gain_dbi, "rx_gain_dbi", r->rx_gain_dbi, "losses_db", r->losses_db,
                   "noise_temperature_k", r->noise_temp_k);
}

/* Does some front point do at least as well on both axes? */
static int front_dominates(const fai_cascade_result *res, const fai_cascade_eval *b) {
  if (!isfinite(b->latency_s)) return res->n_front > 0; /* serves nothing */
  for (int i = 0; i < res->n_front; i++)
    if (res->front[i].latency_s <= b->latency_s &&
        res->front[i].delivered_accuracy >= b->delivered_accuracy)
      return 1;
  return 0;
}

fai_status fai_cascade_plan_fill(const fai_cascade_profile *prof, const fai_cascade_points *pts,
                                 const fai_cascade_params *prm, const fai_cascade_result *res,
                                 fai_plan *plan, fai_error *err) {
  const int K = prof->n_sub, T = pts->n_snaps;
  json_t *inputs = json_object_get(plan->doc, "inputs");
  if (!inputs) {
    inputs = json_object();
    json_object_set_new(plan->doc, "inputs", inputs);
  }
  /* profile */
  {
    json_t *pr = json_pack("{s:s, s:s, s:s, s:i, s:i}", "name", prof->name, "source", prof->source,
                           "sha256", prof->sha256, "submodels", K, "thresholds", prof->n_thresholds);
    json_object_set_new(inputs, "profile", pr);
  }
  /* parameters */
  {
    json_t *pa = json_object(), *fl = json_object(), *me = json_object();
    char buf[128];
    for (int v = 0; v < FAI_CASCADE_NODES; v++) {
      json_object_set_new(fl, NODE_NAMES[v], json_real(prm->node_flops[v]));
      json_object_set_new(me, NODE_NAMES[v], json_real(prm->node_memory_bytes[v]));
    }
    json_object_set_new(pa, "node_flops", fl);
    json_object_set_new(pa, "node_memory_bytes", me);
    json_object_set_new(pa, "uplink", radio_json(&prm->uplink));
    json_object_set_new(pa, "downlink", radio_json(&prm->downlink));
    json_object_set_new(pa, "ground_delay_s", json_real(prm->ground_delay_s));
    json_object_set_new(pa, "max_isl_hops", json_integer(prm->max_isl_hops));
    json_object_set_new(pa, "migration", json_boolean(prm->migration));
    json_object_set_new(pa, "max_latency_s",
                        prm->max_latency_s > 0 ? json_real(prm->max_latency_s) : json_null());
    json_object_set_new(pa, "min_accuracy",
                        prm->min_accuracy > 0 ? json_real(prm->min_accuracy) : json_null());
    fai_cascade_place_format(res->baseline_place[2], K, buf, sizeof buf);
    json_object_set_new(pa, "fixed_split", json_string(buf));
    json_object_set_new(inputs, "parameters", pa);
  }
  json_object_set_new(inputs, "points",
                      json_pack("{s:i, s:i, s:I, s:I, s:I, s:I}", "snapshots", pts->n_snaps,
                                "users", pts->n_users, "points", (json_int_t)pts->n_points,
                                "covered", (json_int_t)pts->covered, "with_station",
                                (json_int_t)pts->with_station, "with_isl",
                                (json_int_t)pts->with_isl));
  /* decisions */
  if (res->has_chosen) {
    json_t *d = eval_json(prof, res->chosen_place, res->migrate[res->chosen.place], &res->chosen);
    json_object_set_new(d, "meets_target", json_boolean(res->chosen_meets));
    fai_plan_set(plan, "decisions", d);
  } else {
    fai_plan_set(plan, "decisions", json_null());
  }
  /* front */
  {
    json_t *fr = json_array();
    for (int i = 0; i < res->n_front; i++)
      json_array_append_new(
          fr, eval_json(prof, res->place + (size_t)res->front[i].place * K,
                        res->migrate[res->front[i].place], &res->front[i]));
    fai_plan_set(plan, "front", fr);
  }
  /* baselines */
  {
    json_t *bl = json_object();
    for (int j = 0; j < FAI_CASCADE_BASELINES; j++) {
      const fai_cascade_eval *bv = &res->baseline[j];
      json_t *o = eval_json(prof, res->baseline_place[j], 0, bv);
      double gain = NAN, saving = NAN;
      for (int i = 0; i < res->n_front; i++) {
        if (res->front[i].latency_s <= bv->latency_s)
          gain = res->front[i].delivered_accuracy - bv->delivered_accuracy;
        if (isnan(saving) && res->front[i].delivered_accuracy >= bv->delivered_accuracy)
          saving = bv->latency_s - res->front[i].latency_s;
      }
      json_object_set_new(o, "over_memory", json_boolean(res->baseline_over_memory[j]));
      json_object_set_new(o, "dominated_by_front", json_boolean(front_dominates(res, bv)));
      json_object_set_new(o, "front_accuracy_gain", num(gain));
      json_object_set_new(o, "front_latency_saving_s", num(saving));
      json_object_set_new(bl, BASELINE_NAMES[j], o);
    }
    fai_plan_set(plan, "baselines", bl);
  }
  /* per snapshot */
  {
    static const char *const cols[4] = {"served", "latency_s", "delivered_accuracy", "migrated"};
    json_t *ps = json_object(), *ts = json_array();
    for (int t = 0; t < T; t++) json_array_append_new(ts, json_real(pts->t_s[t]));
    json_object_set_new(ps, "t_s", ts);
    for (int j = 0; j <= FAI_CASCADE_BASELINES; j++) {
      if (j == 0 && !res->has_chosen) continue;
      json_t *o = json_object();
      for (int m = 0; m < 4; m++) {
        json_t *a = json_array();
        for (int t = 0; t < T; t++)
          json_array_append_new(a, num(res->snap[((size_t)j * T + t) * 4 + m]));
        json_object_set_new(o, cols[m], a);
      }
      json_object_set_new(ps, j == 0 ? "chosen" : BASELINE_NAMES[j - 1], o);
    }
    fai_plan_set(plan, "per_snapshot", ps);
  }
  fai_plan_set(plan, "metrics",
               json_pack("{s:i, s:i, s:i, s:f, s:i}", "placements", res->n_place,
                         "placements_excluded", res->n_place_excluded, "placements_evaluated",
                         res->n_place_done, "candidates", res->n_candidates, "front_size",
                         res->n_front));
  if (prm->min_accuracy > 0)
    fai_plan_set_objective(plan, "latency_s", "minimize",
                           res->has_chosen ? res->chosen.latency_s : NAN, NAN);
  else
    fai_plan_set_objective(plan, "delivered_accuracy", "maximize",
                           res->has_chosen ? res->chosen.delivered_accuracy : NAN, NAN);
  fai_plan_set_outcome(plan, res->outcome);
  (void)err;
  return FAI_OK;
}
