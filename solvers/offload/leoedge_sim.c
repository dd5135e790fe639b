/* LEOEdge discrete-event simulation (PAPERS.md §11.5).
 *
 * Set-up: 10 satellites, 3 servers × 4 containers (4 cores at 4 GHz, speed
 * 1), 10 Mbps satellite–ground links with loss factor 1.1.  Satellite i runs
 * an adapted MobileNetV3 (even i) or ShuffleNetV2 (odd i) whose per-image
 * latency and accuracy are the "with adaptation" figures of §11.4 for
 * device i mod 8; a task is a batch of 8–40 images (per-task jitter
 * ×U[0.9, 1.3] on the local time) of 15–45 kbit per image.  The ground
 * model (accuracy 80 %) needs 8 ms of CPU per image on a free container.
 * Containers carry a background utilisation b_o = 0.30 + 0.10·U from other
 * ground services, and slow down above the 50 % knee (leoedge_core.h).  Per satellite, tasks arrive as a Poisson process with
 * mean interarrival 7.5 s (light: one per U[5,10] s on average), 2 s
 * (normal) or 1 s (heavy); every draw is Philox (seed, stream WORKLOAD).
 *
 * Schemes: threshold (offload when the local per-image time, queueing
 * included, exceeds 20 ms) and workload-based (offload while the mean
 * measured container load is below the cap), both to the least-loaded
 * container and decided on arrival, run on the backend
 * (kernels/leoedge_core.h).  LEOEdge runs here on the host with the same
 * core functions for draws, links, containers and loads (its local FIFO
 * queues are kept here, since waiting tasks can still be offloaded):
 *
 *  * Decision instants are the arrivals (no batching delay), plus a tick
 *    every epoch_s while tasks wait in local queues; at each instant the
 *    candidates are the new arrivals and the waiting tasks, solved as one
 *    layered problem with the current measured loads and queue estimates.
 *  * A task is a batch of n images, i.e. n inference requests, so its
 *    benefit is n·F(α·Δc/n + (1 − α)·Δa) (§11.1's F per request; Δc/n the
 *    per-image latency saving, the local one including the FIFO wait).
 *    With a concave F on the whole batch, small batches would get the most
 *    benefit per unit of ground work and fill the cap first.
 *  * The window cap is shared by the tasks of the next window_s seconds,
 *    which a per-instant problem does not see: left alone it hands the
 *    capacity to whoever comes first, and large, slow tasks that arrive
 *    when the containers are full stay local.  So the cluster multiplier λ
 *    of §11.2 ("λ ← [λ + γ''(g_S − p)]₊") is kept across decision instants
 *    on the slow time scale, driven by the measured mean container load:
 *        λ ← [λ + γ·Δt·(L̄(τ) − (P − δ))]₊,
 *    and every pair is charged λ·w_ko (B_ko − λ·w_ko, clipped at 0).  The
 *    hard cap stays; δ (default: one mean task's window load) keeps the
 *    mean just below the cap, which per-container caps on lumpy tasks
 *    cannot reach anyway.  λ is the price at which the tasks that still
 *    want to offload fit: it stays 0 while the cap is slack (light and
 *    normal load) and rises at heavy load, so capacity goes to the tasks
 *    with the largest saving per unit of ground work.
 *  * Pairs where the task does not fit under its container's remaining
 *    cap are fixed at 0 (no 0/1 decision can use them), and the solver
 *    is warm-started: a task that waits keeps its last (λ_k, μ_k, y_k), a
 *    new task starts from its best response (y = 1 on its best pair,
 *    λ_k = μ_ks = −its surplus).  A problem whose tasks do not compete for
 *    a container is then certified at the first iteration, so the
 *    messages per task are a handful instead of hundreds (README).  The
 *    starting point is counted as one pass down and up the layers.
 *    Container prices η start at 0 each time: carrying them over measured
 *    worse (stale prices delay the certificate).
 *
 * Replications are independent (Philox keys them) and run in parallel;
 * every reduction is in replication order. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/leoedge.h"
#include "fluidai/rng.h"
#include "leoedge_core.h"

#define LEO_N_SATS 10
#define LEO_N_CONT 12
#define LEO_N_SRV 3
/* Horizon of the queue-length load measure (s), see leoedge_rep. */
#define LEO_QUEUE_HORIZON_S 1.0

/* §11.4, "with adaptation": per-image latency (ms) and accuracy, device order. */
static const double MOBILENET_MS[8] = {18.0, 19.8, 18.0, 19.2, 18.9, 13.8, 13.8, 14.7};
static const double MOBILENET_ACC[8] = {74.02, 71.16, 71.02, 72.96, 73.02, 76.82, 75.24, 71.34};
static const double SHUFFLENET_MS[8] = {18.2, 19.2, 18.4, 19.1, 18.3, 18.5, 14.5, 14.2};
static const double SHUFFLENET_ACC[8] = {69.23, 68.25, 69.13, 68.84, 69.33, 68.92, 71.91, 69.01};
#define LEO_GROUND_ACC 0.80

void fai_leo_sim_params_init(fai_leo_sim_params *p) {
  memset(p, 0, sizeof *p);
  p->load = FAI_LEO_NORMAL;
  p->duration_s = 600;
  p->epoch_s = 0.02;
  p->window_s = 5;
  p->alpha = 1.0;
  p->price_gain = 3000;
  p->price_margin = NAN;
  p->load_cap = 0.5;
  p->threshold_ms = 20;
  p->benefit = FAI_LEO_F_LOG;
  p->tol = 1e-4;
  p->schemes = 7;
  p->replications = 1;
  p->seed = 1;
}

int fai_leo_load_parse(const char *s, fai_leo_load_level *out) {
  static const char *const names[] = {"light", "normal", "heavy"};
  for (int i = 0; i < 3; i++)
    if (!strcmp(s, names[i])) {
      *out = (fai_leo_load_level)i;
      return 0;
    }
  return -1;
}

const char *fai_leo_load_name(fai_leo_load_level l) {
  return l == FAI_LEO_LIGHT ? "light" : l == FAI_LEO_HEAVY ? "heavy" : "normal";
}

void fai_leo_sim_result_free(fai_leo_sim_result *r) {
  if (!r) return;
  for (int s = 0; s < FAI_LEO_S_COUNT; s++) free(r->util_series[s]);
  memset(r, 0, sizeof *r);
}

double *fai_leo_sim_cfg(const fai_leo_sim_params *p, int *len) {
  const int n = fai_leo_cfg_len(LEO_N_SATS, LEO_N_CONT);
  double *c = calloc((size_t)n, sizeof(double));
  if (!c) return NULL;
  c[FAI_LEO_CFG_N_SATS] = LEO_N_SATS;
  c[FAI_LEO_CFG_N_CONT] = LEO_N_CONT;
  c[FAI_LEO_CFG_DURATION_S] = p->duration_s;
  c[FAI_LEO_CFG_INTERARRIVAL_S] = p->load == FAI_LEO_LIGHT ? 7.5 : p->load == FAI_LEO_HEAVY ? 1.0 : 2.0;
  c[FAI_LEO_CFG_WINDOW_S] = p->window_s;
  c[FAI_LEO_CFG_BIN_S] = p->window_s / 50.0;
  c[FAI_LEO_CFG_THRESHOLD_S] = p->threshold_ms * 1e-3;
  c[FAI_LEO_CFG_WORKLOAD_CAP] = p->load_cap;
  c[FAI_LEO_CFG_IMAGES_MIN] = 8;
  c[FAI_LEO_CFG_IMAGES_MAX] = 40;
  c[FAI_LEO_CFG_JITTER_LO] = 0.9;
  c[FAI_LEO_CFG_JITTER_HI] = 1.3;
  c[FAI_LEO_CFG_BITS_LO] = 15e3;
  c[FAI_LEO_CFG_BITS_HI] = 45e3;
  c[FAI_LEO_CFG_GROUND_S_PER_IMAGE] = 8e-3;
  c[FAI_LEO_CFG_KNEE] = 0.5;
  c[FAI_LEO_CFG_KNEE_GAIN] = 1.0;
  c[FAI_LEO_CFG_GROUND_ACC] = LEO_GROUND_ACC;
  for (int i = 0; i < LEO_N_SATS; i++) {
    double *s = c + FAI_LEO_CFG_SCALARS + (size_t)i * FAI_LEO_SAT_FIELDS;
    const int dev = i % 8;
    s[0] = 1e-3 * (i % 2 == 0 ? MOBILENET_MS[dev] : SHUFFLENET_MS[dev]);
    s[1] = 10e6;
    s[2] = 1.1;
    s[3] = 0.01 * (i % 2 == 0 ? MOBILENET_ACC[dev] : SHUFFLENET_ACC[dev]);
  }
  for (int o = 0; o < LEO_N_CONT; o++) {
    double *q = c + FAI_LEO_CFG_SCALARS + (size_t)LEO_N_SATS * FAI_LEO_SAT_FIELDS +
                (size_t)o * FAI_LEO_CONT_FIELDS;
    q[0] = 1.0;
    q[1] = 0.30 + 0.10 * fai_rng_uniform(p->seed, FAI_STREAM_GENERATOR, (uint64_t)o);
  }
  if (len) *len = n;
  return c;
}

/* Output of one LEOEdge replication. */
typedef struct leo_rep {
  double tasks, offloaded, exec_sum, util_mean, acc_sum;
  double *util;  /* [T] */
  int secs_done;
  long long epochs;
  fai_leo_layer_stats st;
  fai_status status;
  fai_error err;
} leo_rep;

typedef struct pending {
  int sat;
  double arrival;
  fai_leo_task t;
  int warm;                                 /* wx, wd hold its last iterate */
  double wx[1 + LEO_N_SRV + LEO_N_CONT];    /* y1, y2[J], y3[O] */
  double wd[1 + LEO_N_SRV];                 /* λ, μ[J] */
} pending;

static void add_stats(fai_leo_layer_stats *a, const fai_leo_layer_stats *b) {
  a->iter_top += b->iter_top;
  a->iter_mid += b->iter_mid;
  a->iter_bot += b->iter_bot;
  a->msg_sat_lbs += b->msg_sat_lbs;
  a->msg_lbs_srv += b->msg_lbs_srv;
  a->msg_srv_cont += b->msg_srv_cont;
}

/* Growable array of tasks. */
typedef struct tvec {
  pending *v;
  int n, cap;
} tvec;

static int tvec_push(tvec *q, const pending *p) {
  if (q->n == q->cap) {
    const int nc = q->cap ? 2 * q->cap : 16;
    pending *nv = realloc(q->v, sizeof *nv * (size_t)nc);
    if (!nv) return -1;
    q->v = nv;
    q->cap = nc;
  }
  q->v[q->n++] = *p;
  return 0;
}

/* Start every queued local task of satellite i whose FIFO start time is
 * before `until` (it can no longer be reconsidered). */
static void run_local(tvec *q, int *head, double *busy, double until, const double *sat_acc,
                      leo_rep *out) {
  while (*head < q->n) {
    const pending *p = &q->v[*head];
    const double start = *busy > p->arrival ? *busy : p->arrival;
    if (start >= until) break;
    *busy = start + p->t.local_s;
    out->tasks += 1.0;
    out->exec_sum += *busy - p->arrival;
    out->acc_sum += sat_acc[p->sat];
    ++*head;
  }
}

/* One LEOEdge replication; progress reported by the caller's thread 0.
 * Decision instants τ are the arrival times and, while tasks wait in local
 * queues, ticks epoch_s after the previous instant.  The candidates at τ
 * are the tasks still waiting (not started) in the satellites' local queues
 * and the arrivals at τ; local-time estimates follow each satellite's FIFO
 * order (waiting tasks first, then new ones).  Offloaded tasks leave at τ;
 * the others (re)join their local queue in the same order. */
static void leoedge_rep(const fai_leo_sim_params *p, const double *cfg, int rep, int T,
                        const fai_progress *prog, leo_rep *out) {
  const int N = LEO_N_SATS, O = LEO_N_CONT, J = LEO_N_SRV;
  const double dur = cfg[FAI_LEO_CFG_DURATION_S], ep = p->epoch_s;
  const int64_t slen = fai_leo_scratch_len(cfg);
  double *scr = malloc(sizeof(double) * (size_t)slen), *acc = calloc((size_t)T + 1, sizeof(double));
  double next_t[LEO_N_SATS], busy[LEO_N_SATS], sat_acc[LEO_N_SATS];
  int64_t next_j[LEO_N_SATS];
  int head[LEO_N_SATS], srv_of[LEO_N_CONT];
  tvec lq[LEO_N_SATS], cand = {NULL, 0, 0};
  double *B = NULL, *w = NULL, *y = NULL, *wx = NULL, *wd = NULL, cap[LEO_N_CONT];
  int *dec = NULL, kmax = 0;
  fai_leo_state s;
  memset(out, 0, sizeof *out);
  memset(lq, 0, sizeof lq);
  fai_error_clear(&out->err);
  out->util = calloc((size_t)T + 1, sizeof(double));
  if (!scr || !acc || !out->util) goto oom;
  for (int o = 0; o < O; o++) srv_of[o] = o / (LEO_N_CONT / LEO_N_SRV);
  for (int i = 0; i < N; i++) sat_acc[i] = fai_leo_sat(cfg, i)[3];
  fai_leo_state_init(cfg, scr, acc, T, &s);
  for (int i = 0; i < N; i++) {
    next_t[i] = fai_leo_task_draw(cfg, p->seed, rep, i, 0).gap_s;
    next_j[i] = 0;
    busy[i] = 0.0;
    head[i] = 0;
  }
  /* Price target P − δ; δ defaults to one mean task's window load. */
  const double mean_work = 0.5 * (cfg[FAI_LEO_CFG_IMAGES_MIN] + cfg[FAI_LEO_CFG_IMAGES_MAX]) *
                           cfg[FAI_LEO_CFG_GROUND_S_PER_IMAGE];
  const double target =
      p->load_cap - (isnan(p->price_margin) ? mean_work / p->window_s : p->price_margin);
  double lam = 0.0, tprev = 0.0;
  int last_sec = -1;
  for (;;) {
    /* Next decision instant: the next arrival, or a tick for waiting tasks. */
    double tau = INFINITY;
    int waiting = 0;
    for (int i = 0; i < N; i++) {
      if (next_t[i] < dur && next_t[i] < tau) tau = next_t[i];
      waiting |= head[i] < lq[i].n;
    }
    if (waiting && tprev + ep < dur && tprev + ep < tau) tau = tprev + ep;
    if (tau == INFINITY) break;
    /* Slow-time-scale cluster price on the measured mean load. */
    if (p->price_gain > 0) {
      double lm = 0.0;
      for (int o = 0; o < O; o++) lm += fai_leo_load(cfg, &s, o, tau);
      lam = fmax(0.0, lam + p->price_gain * (tau - tprev) * (lm / O - target));
    }
    tprev = tau;
    cand.n = 0;
    /* Waiting local tasks (per satellite, FIFO), then the arrivals at τ. */
    for (int i = 0; i < N; i++) {
      run_local(&lq[i], &head[i], &busy[i], tau, sat_acc, out);
      for (int q = head[i]; q < lq[i].n; q++)
        if (tvec_push(&cand, &lq[i].v[q])) goto oom;
      lq[i].n = 0;
      head[i] = 0;
    }
    for (int i = 0; i < N; i++) {
      if (!(next_t[i] < dur && next_t[i] <= tau)) continue;
      pending pn;
      memset(&pn, 0, sizeof pn);
      pn.sat = i;
      pn.arrival = next_t[i];
      pn.t = fai_leo_task_draw(cfg, p->seed, rep, i, next_j[i]);
      if (tvec_push(&cand, &pn)) goto oom;
      next_j[i]++;
      next_t[i] += fai_leo_task_draw(cfg, p->seed, rep, i, next_j[i]).gap_s;
    }
    const int K = cand.n;
    if (K > 0) {
      if (K > kmax) {
        free(B), free(w), free(y), free(dec), free(wx), free(wd);
        kmax = K * 2;
        B = malloc(sizeof(double) * (size_t)kmax * O);
        w = malloc(sizeof(double) * (size_t)kmax * O);
        y = malloc(sizeof(double) * (size_t)kmax * O);
        dec = malloc(sizeof(int) * (size_t)kmax);
        wx = malloc(sizeof(double) * (size_t)kmax * (1 + J + O));
        wd = malloc(sizeof(double) * ((size_t)kmax * (1 + J) + O));
        if (!B || !w || !y || !dec || !wx || !wd) goto oom;
      }
      double lfin[LEO_N_SATS];
      for (int i = 0; i < N; i++) lfin[i] = busy[i] > tau ? busy[i] : tau;
      /* Allowed new CPU work per container, in window-load units: the window
       * utilisation may not pass P, nor may the queued work (backlog) pass
       * P·1 s, the work a container at the cap finishes in a second. */
      for (int o = 0; o < O; o++) {
        const double backlog = fmax(0.0, s.cont_free[o] - tau) * (1.0 - fai_leo_cont(cfg, o)[1]);
        const double qcap = (p->load_cap * LEO_QUEUE_HORIZON_S - backlog) / p->window_s;
        cap[o] = fmax(0.0, fmin(p->load_cap - fai_leo_load(cfg, &s, o, tau), qcap));
      }
      for (int k = 0; k < K; k++) {
        const fai_leo_task *t = &cand.v[k].t;
        const int i = cand.v[k].sat;
        lfin[i] += t->local_s;
        const double cl = lfin[i] - tau;
        const double da_pp = 100.0 * (LEO_GROUND_ACC - fai_leo_sat(cfg, i)[3]);
        const double n = t->images;
        for (int o = 0; o < O; o++) {
          const size_t q = (size_t)k * O + o;
          const double cg = fai_leo_ground_finish(cfg, &s, i, t, o, tau) - tau;
          w[q] = fai_leo_work_on(cfg, t, o) / p->window_s;
          B[q] = n * fai_leo_F(p->benefit, p->alpha * 1000.0 * (cl - cg) / n +
                                               (1.0 - p->alpha) * da_pp);
          B[q] = fmax(0.0, B[q] - lam * w[q]);
          /* A 0/1 decision cannot put the task where it does not fit: fix
           * those pairs at 0 (a valid tightening of the relaxation). */
          if (w[q] > cap[o]) B[q] = 0.0;
        }
        /* Warm start: a waiting task's last iterate (λ_k, μ_k, y_k); a new
         * task starts from its best response with the container prices η at
         * 0: surplus S_s = max_{o∈s} B_ko per server, μ_ks = −S_s, λ_k =
         * −max_s S_s, y = 1 on its best pair (the optimum of the task alone
         * when every pair fits, so most problems certify at iteration 1). */
        double *x1 = wx + k, *x2 = wx + K + (size_t)k * J, *x3 = wx + (size_t)K * (1 + J) + (size_t)k * O;
        double *d1 = wd + k, *d2 = wd + K + (size_t)k * J;
        const pending *pk = &cand.v[k];
        if (pk->warm) {
          *x1 = pk->wx[0];
          *d1 = pk->wd[0];
          for (int j = 0; j < J; j++) x2[j] = pk->wx[1 + j], d2[j] = pk->wd[1 + j];
          for (int o = 0; o < O; o++) x3[o] = pk->wx[1 + J + o];
        } else {
          int ob = -1;
          double sb = 0.0;
          for (int j = 0; j < J; j++) x2[j] = 0.0, d2[j] = 0.0;
          for (int o = 0; o < O; o++) {
            const size_t q = (size_t)k * O + o;
            const double sur = B[q];
            x3[o] = 0.0;
            if (sur > 0 && -sur < d2[srv_of[o]]) d2[srv_of[o]] = -sur;
            if (sur > sb) sb = sur, ob = o;
          }
          *d1 = -sb;
          *x1 = ob >= 0 ? 1.0 : 0.0;
          if (ob >= 0) x2[srv_of[ob]] = 1.0, x3[ob] = 1.0;
        }
      }
      for (int o = 0; o < O; o++) wd[(size_t)K * (1 + J) + o] = 0.0;
      fai_leo_relaxed r = {K, O, J, srv_of, B, w, cap};
      fai_leo_warm wm = {wx, wd};
      double val, bnd;
      int conv;
      fai_leo_layer_stats st;
      const fai_status stt = fai_leo_relaxed_distributed_warm(&r, p->tol, 200000, &wm, y, &val,
                                                              &bnd, &st, &conv, &out->err);
      if (stt == FAI_EINTR) {
        fai_error_clear(&out->err);
      } else if (stt != FAI_OK) {
        out->status = stt;
        goto cleanup;
      }
      /* The starting point is one pass down and up the layers. */
      st.msg_sat_lbs += 2LL * K;
      st.msg_lbs_srv += 2LL * K * J;
      st.msg_srv_cont += 2LL * K * O;
      add_stats(&out->st, &st);
      out->epochs++;
      fai_leo_round(&r, y, dec);
      for (int k = 0; k < K; k++) {
        const int o = dec[k];
        if (o < 0) {
          pending pk = cand.v[k];
          pk.warm = 1;
          pk.wx[0] = wx[k];
          pk.wd[0] = wd[k];
          for (int j = 0; j < J; j++) {
            pk.wx[1 + j] = wx[K + (size_t)k * J + j];
            pk.wd[1 + j] = wd[K + (size_t)k * J + j];
          }
          for (int o2 = 0; o2 < O; o2++) pk.wx[1 + J + o2] = wx[(size_t)K * (1 + J) + (size_t)k * O + o2];
          if (tvec_push(&lq[pk.sat], &pk)) goto oom;
          continue;
        }
        const double fin = fai_leo_dispatch_ground(cfg, &s, cand.v[k].sat, &cand.v[k].t, o, tau);
        out->tasks += 1.0;
        out->offloaded += 1.0;
        out->exec_sum += fin - cand.v[k].arrival;
        out->acc_sum += LEO_GROUND_ACC;
      }
    }
    const int sec = (int)fmin((double)T, floor(tau));
    if (sec > last_sec) {
      last_sec = sec;
      out->secs_done = sec;
      if (prog) fai_progress_report(prog, "simulate", (double)sec, (double)T);
    }
    if (fai_interrupted()) {
      out->status = FAI_EINTR;
      goto finish;
    }
  }
  out->secs_done = T;
finish:
  for (int i = 0; i < N; i++) run_local(&lq[i], &head[i], &busy[i], INFINITY, sat_acc, out);
  {
    double u = 0.0;
    for (int t = 0; t < out->secs_done && t < T; t++) {
      out->util[t] = fai_leo_util_of(cfg, &s, t);
      u += out->util[t];
    }
    out->util_mean = out->secs_done > 0 ? u / out->secs_done : 0.0;
  }
  goto cleanup;
oom:
  out->status = fai_error_set(&out->err, FAI_ENOMEM, "out of memory in the LEOEdge simulation");
cleanup:
  for (int i = 0; i < N; i++) free(lq[i].v);
  free(cand.v);
  free(scr);
  free(acc);
  free(B), free(w), free(y), free(dec), free(wx), free(wd);
}

fai_status fai_leo_simulate(const fai_leo_sim_params *p, fai_leo_sim_result *res, fai_error *err) {
  memset(res, 0, sizeof *res);
  if (!(p->alpha >= 0 && p->alpha <= 1))
    return fai_error_set(err, FAI_EINVAL, "alpha %g; expected a number in [0, 1]", p->alpha);
  if (!(p->load_cap > 0 && p->load_cap <= 1))
    return fai_error_set(err, FAI_EINVAL, "load cap %g; expected a number in (0, 1]", p->load_cap);
  if (!(p->duration_s > 0 && p->duration_s <= 1e7))
    return fai_error_set(err, FAI_EINVAL, "duration %g s; expected (0, 1e7]", p->duration_s);
  if (!(p->price_gain >= 0 && p->price_gain <= 1e9))
    return fai_error_set(err, FAI_EINVAL, "price gain %g; expected a number in [0, 1e9]",
                         p->price_gain);
  if (!isnan(p->price_margin) && !(p->price_margin >= 0 && p->price_margin < p->load_cap))
    return fai_error_set(err, FAI_EINVAL, "price margin %g; expected a number in [0, load cap %g)",
                         p->price_margin, p->load_cap);
  if (!(p->epoch_s > 0) || !(p->window_s > 0) || p->replications < 1)
    return fai_error_set(err, FAI_EINVAL, "epoch, window and replications must be positive");
  int len;
  double *cfg = fai_leo_sim_cfg(p, &len);
  if (!cfg) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  const double dur = p->duration_s;
  const int T = (int)dur + ((double)(int)dur < dur ? 1 : 0), R = p->replications;
  fai_status st = FAI_OK;
  double *rep_out = NULL, *util = NULL;
  leo_rep *reps = NULL;
  int rearm = 0;
  res->n_secs = T;
  res->secs_done = T;
  res->reps = R;
  for (int s = 0; s < FAI_LEO_S_COUNT; s++) {
    res->util_series[s] = calloc((size_t)T + 1, sizeof(double));
    if (!res->util_series[s]) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory");
      goto cleanup;
    }
  }
  if (p->schemes & (1 << FAI_LEO_S_LEOEDGE)) {
    reps = calloc((size_t)R, sizeof *reps);
    if (!reps) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory");
      goto cleanup;
    }
    const int nt = p->threads > 0 ? p->threads : omp_get_max_threads();
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1) if (R > 1)
    for (int r = 0; r < R; r++)
      leoedge_rep(p, cfg, r, T, r == 0 ? &p->progress : NULL, &reps[r]);
    double tasks = 0, off = 0, ex = 0, um = 0, ac = 0;
    int done = T;
    for (int r = 0; r < R; r++) {
      if (reps[r].status != FAI_OK && reps[r].status != FAI_EINTR) {
        st = reps[r].status;
        *err = reps[r].err;
        goto cleanup;
      }
      if (reps[r].status == FAI_EINTR) res->interrupted = 1;
      if (reps[r].secs_done < done) done = reps[r].secs_done;
      tasks += reps[r].tasks;
      off += reps[r].offloaded;
      ex += reps[r].exec_sum;
      um += reps[r].util_mean;
      ac += reps[r].acc_sum;
      add_stats(&res->st, &reps[r].st);
      res->epochs += reps[r].epochs;
    }
    memcpy(res->util_series[FAI_LEO_S_LEOEDGE], reps[0].util, sizeof(double) * (size_t)T);
    res->tasks[FAI_LEO_S_LEOEDGE] = tasks;
    res->offloaded[FAI_LEO_S_LEOEDGE] = off;
    res->mean_exec_s[FAI_LEO_S_LEOEDGE] = tasks > 0 ? ex / tasks : 0.0;
    res->mean_util[FAI_LEO_S_LEOEDGE] = um / R;
    res->mean_acc[FAI_LEO_S_LEOEDGE] = tasks > 0 ? ac / tasks : 0.0;
    res->secs_done = done;
  }
  /* Fixed-rule schemes on the backend, over the seconds LEOEdge completed:
   * after a Ctrl-C during LEOEdge they catch up to the same second (fast),
   * with the interrupt flag held back meanwhile and raised again after. */
  rearm = res->interrupted;
  if (rearm) {
    cfg[FAI_LEO_CFG_DURATION_S] = res->secs_done;
    fai_interrupt_reset();
  }
  if (res->secs_done > 0) {
    const fai_backend *be = p->backend ? p->backend : fai_backend_cpu();
    rep_out = malloc(sizeof(double) * FAI_LEO_REP_FIELDS * (size_t)R);
    util = calloc((size_t)T * (size_t)R + 1, sizeof(double));
    if (!rep_out || !util) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory");
      goto cleanup;
    }
    for (int sc = FAI_LEO_S_THRESHOLD; sc <= FAI_LEO_S_WORKLOAD; sc++) {
      if (!(p->schemes & (1 << sc))) continue;
      const int rule = sc == FAI_LEO_S_THRESHOLD ? FAI_LEO_SCHEME_THRESHOLD : FAI_LEO_SCHEME_WORKLOAD;
      st = be->leoedge_reps(be, cfg, p->seed, rule, 0, R, rep_out, util, err);
      if (st == FAI_EINTR) {
        res->interrupted = 1;
        res->secs_done = 0;
        fai_error_clear(err);
        st = FAI_OK;
        goto cleanup;
      }
      if (st != FAI_OK) goto cleanup;
      double tasks = 0, off = 0, ex = 0, um = 0, ac = 0;
      for (int r = 0; r < R; r++) {
        ac += rep_out[(size_t)r * FAI_LEO_REP_FIELDS + FAI_LEO_REP_ACC_SUM];
        tasks += rep_out[(size_t)r * FAI_LEO_REP_FIELDS + FAI_LEO_REP_TASKS];
        off += rep_out[(size_t)r * FAI_LEO_REP_FIELDS + FAI_LEO_REP_OFFLOADED];
        ex += rep_out[(size_t)r * FAI_LEO_REP_FIELDS + FAI_LEO_REP_EXEC_SUM_S];
        um += rep_out[(size_t)r * FAI_LEO_REP_FIELDS + FAI_LEO_REP_UTIL_MEAN];
      }
      memcpy(res->util_series[sc], util, sizeof(double) * (size_t)T);
      res->tasks[sc] = tasks;
      res->offloaded[sc] = off;
      res->mean_exec_s[sc] = tasks > 0 ? ex / tasks : 0.0;
      res->mean_util[sc] = um / R;
      res->mean_acc[sc] = tasks > 0 ? ac / tasks : 0.0;
    }
  }
cleanup:
  if (rearm) fai_interrupt_request();
  if (reps)
    for (int r = 0; r < R; r++) free(reps[r].util);
  free(reps);
  free(rep_out);
  free(util);
  free(cfg);
  return st;
}
