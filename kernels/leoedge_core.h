/* Per-replication arithmetic of the LEOEdge discrete-event simulation
 * (internal; shared by gcc and nvcc).  PAPERS.md §11.5.
 *
 * One replication simulates N satellites that each receive inference tasks
 * (Poisson arrivals) and O ground containers behind one scheduler, for
 * `duration_s` seconds.  A task either runs on its satellite (FIFO) or is
 * sent over the satellite's own ground link (FIFO) to a container (FIFO,
 * served in dispatch order).  Containers carry a background utilisation
 * b_o from other ground services: a task's CPU work W runs at the remaining
 * share, so its service takes W / (1 − b_o) and the container's utilisation
 * is b_o + (1 − b_o)·busy.  Above a knee (the paper's observed 50 %) a
 * container slows down by 1 + κ·(L − knee)₊ / (1 − L) (contention for
 * cores, caches and memory bandwidth), L its measured load at dispatch.  The load the schedulers see is the measured one,
 * L_o(τ) = b_o + (CPU work dispatched to o in the last window_s seconds) /
 * window_s, kept in bins of bin_s seconds.
 *
 * Everything here is add/multiply/divide/compare: exponential interarrival
 * times come from von Neumann's comparison method (exact Exp(1) from
 * uniforms, no logarithm), so cpu and cuda produce identical bits.
 *
 * The configuration is one flat array of doubles (FAI_LEO_CFG_*), followed
 * by FAI_LEO_SAT_FIELDS values per satellite and FAI_LEO_CONT_FIELDS per
 * container, so the backend seam needs no struct of its own.  The host DES
 * of the LEOEdge scheme (solvers/offload/leoedge_sim.c) calls the same task,
 * dispatch and load functions; only its decisions differ. */
#ifndef FLUIDAI_LEOEDGE_CORE_H
#define FLUIDAI_LEOEDGE_CORE_H

#include "fluidai/common.h"
#include "rng_core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Scalar slots of the configuration array. */
enum {
  FAI_LEO_CFG_N_SATS = 0,         /* N */
  FAI_LEO_CFG_N_CONT,             /* O */
  FAI_LEO_CFG_DURATION_S,         /* simulated horizon: arrivals in [0, duration) */
  FAI_LEO_CFG_INTERARRIVAL_S,     /* mean interarrival time per satellite */
  FAI_LEO_CFG_WINDOW_S,           /* load-measurement window */
  FAI_LEO_CFG_BIN_S,              /* bin width of the window (window/bin <= FAI_LEO_MAX_BINS) */
  FAI_LEO_CFG_THRESHOLD_S,        /* threshold scheme: offload when local s/image exceeds this */
  FAI_LEO_CFG_WORKLOAD_CAP,       /* workload scheme: offload while mean load is below this */
  FAI_LEO_CFG_IMAGES_MIN,         /* images per task, uniform integer in [min, max] */
  FAI_LEO_CFG_IMAGES_MAX,
  FAI_LEO_CFG_JITTER_LO,          /* local-time multiplier per task, uniform [lo, hi] */
  FAI_LEO_CFG_JITTER_HI,
  FAI_LEO_CFG_BITS_LO,            /* bits per image, uniform [lo, hi] */
  FAI_LEO_CFG_BITS_HI,
  FAI_LEO_CFG_GROUND_S_PER_IMAGE, /* ground model CPU time per image on a speed-1 container */
  FAI_LEO_CFG_KNEE,               /* load above which containers slow down (contention) */
  FAI_LEO_CFG_KNEE_GAIN,          /* κ: slowdown 1 + κ·(L − knee)₊ / (1 − L), L <= 0.95 */
  FAI_LEO_CFG_GROUND_ACC,         /* accuracy of the ground model, [0,1] */
  FAI_LEO_CFG_SCALARS             /* number of scalar slots */
};
/* Per satellite: local s/image, link rate (bit/s), loss factor p, accuracy. */
#define FAI_LEO_SAT_FIELDS 4
/* Per container: speed (1 = 4 cores at 4 GHz), background utilisation. */
#define FAI_LEO_CONT_FIELDS 2
/* Bins per container in the load window. */
#define FAI_LEO_MAX_BINS 256
/* Uniform draws reserved per task: 28 for the interarrival time, 4 for the
 * task's attributes. */
#define FAI_LEO_DRAWS_PER_TASK 32
/* Replication outputs (rep_out[r·FAI_LEO_REP_FIELDS + f]). */
enum {
  FAI_LEO_REP_TASKS = 0,   /* tasks that arrived in [0, duration) */
  FAI_LEO_REP_OFFLOADED,   /* of which offloaded */
  FAI_LEO_REP_EXEC_SUM_S,  /* Σ (finish − arrival), summed in dispatch order */
  FAI_LEO_REP_UTIL_MEAN,   /* mean over seconds of the per-second utilisation */
  FAI_LEO_REP_ACC_SUM,     /* Σ accuracy of the model that ran each task */
  FAI_LEO_REP_FIELDS
};
/* Decision schemes evaluated inside the core. */
enum { FAI_LEO_SCHEME_LOCAL = 0, FAI_LEO_SCHEME_THRESHOLD = 1, FAI_LEO_SCHEME_WORKLOAD = 2 };

FAI_HD double fai_leo_cfg(const double *cfg, int slot) {
  return cfg[slot];
}
FAI_HD const double *fai_leo_sat(const double *cfg, int i) {
  return cfg + FAI_LEO_CFG_SCALARS + (size_t)i * FAI_LEO_SAT_FIELDS;
}
FAI_HD const double *fai_leo_cont(const double *cfg, int o) {
  const int n = (int)cfg[FAI_LEO_CFG_N_SATS];
  return cfg + FAI_LEO_CFG_SCALARS + (size_t)n * FAI_LEO_SAT_FIELDS + (size_t)o * FAI_LEO_CONT_FIELDS;
}
FAI_HD int fai_leo_cfg_len(int n_sats, int n_cont) {
  return FAI_LEO_CFG_SCALARS + n_sats * FAI_LEO_SAT_FIELDS + n_cont * FAI_LEO_CONT_FIELDS;
}

/* Index of uniform d of task j of satellite i in replication r.  Two
 * uniforms per Philox block, so the block index is this / 2. */
FAI_HD uint64_t fai_leo_draw_base(int rep, int n_sats, int sat, int64_t task) {
  return ((((uint64_t)rep * (uint64_t)n_sats + (uint64_t)sat) << 28) + (uint64_t)task) *
         (uint64_t)FAI_LEO_DRAWS_PER_TASK;
}

FAI_HD double fai_leo_uniform(uint64_t seed, uint64_t d) {
  double second;
  const double first = fai_rng_u01_pair_hd(seed, 3u /* FAI_STREAM_WORKLOAD */, d >> 1, &second);
  return (d & 1u) ? second : first;
}

/* Exp(1) by von Neumann's method: repeat { u1; count the longest decreasing
 * run u1 > u2 > … ; if its length is odd return k + u1, else k += 1 }.
 * P(run odd | u1 = u) = e^{−u}, so the accepted u1 has density ∝ e^{−u} on
 * (0,1) and k is geometric with ratio e^{−1}: exactly Exp(1).  Uses on
 * average e²/(e − 1) ≈ 4.3 uniforms; if the `n` reserved ones run out
 * (probability below 1e-9 for n = 28) the current k + u1 is returned. */
FAI_HD double fai_leo_exp1(uint64_t seed, uint64_t d0, int n) {
  int used = 0;
  double k = 0.0;
  while (used < n) {
    const double u1 = fai_leo_uniform(seed, d0 + (uint64_t)used++);
    double prev = u1;
    int run = 1;
    while (used < n) {
      const double v = fai_leo_uniform(seed, d0 + (uint64_t)used++);
      if (v < prev) {
        prev = v;
        ++run;
      } else {
        break;
      }
    }
    if (run & 1) return k + u1;
    if (used >= n) return k + u1;
    k += 1.0;
  }
  return k;
}

/* One task's draws. */
typedef struct fai_leo_task {
  double gap_s;      /* interarrival time before this task */
  double images;     /* images in the batch (integer valued) */
  double local_s;    /* local execution time on the satellite (no queueing) */
  double bits;       /* payload to send to the ground */
  double work_s;     /* ground CPU work on a speed-1 container */
} fai_leo_task;

FAI_HD fai_leo_task fai_leo_task_draw(const double *cfg, uint64_t seed, int rep, int sat,
                                      int64_t j) {
  fai_leo_task t;
  const int n = (int)cfg[FAI_LEO_CFG_N_SATS];
  const uint64_t d = fai_leo_draw_base(rep, n, sat, j);
  const double imin = cfg[FAI_LEO_CFG_IMAGES_MIN], imax = cfg[FAI_LEO_CFG_IMAGES_MAX];
  double im = imin + (double)(int64_t)(fai_leo_uniform(seed, d + 28) * (imax - imin + 1.0));
  const double jit = cfg[FAI_LEO_CFG_JITTER_LO] +
                     fai_leo_uniform(seed, d + 29) *
                         (cfg[FAI_LEO_CFG_JITTER_HI] - cfg[FAI_LEO_CFG_JITTER_LO]);
  const double bpi = cfg[FAI_LEO_CFG_BITS_LO] +
                     fai_leo_uniform(seed, d + 30) * (cfg[FAI_LEO_CFG_BITS_HI] - cfg[FAI_LEO_CFG_BITS_LO]);
  if (im > imax) im = imax;
  t.gap_s = fai_leo_exp1(seed, d, 28) * cfg[FAI_LEO_CFG_INTERARRIVAL_S];
  t.images = im;
  t.local_s = im * fai_leo_sat(cfg, sat)[0] * jit;
  t.bits = im * bpi;
  t.work_s = im * cfg[FAI_LEO_CFG_GROUND_S_PER_IMAGE];
  return t;
}

/* Mutable state of one replication, in caller-provided scratch:
 * sat_free[N], link_free[N], cont_free[O], bin_work[O·B], bin_id[O·B]
 * (B = window/bin bins, bin ids as doubles), util_acc[T] (may be NULL). */
typedef struct fai_leo_state {
  double *sat_free;
  double *link_free;
  double *cont_free;
  double *bin_work;
  double *bin_id;
  double *util_acc;  /* Σ_o (1 − b_o)·busy seconds in second t; NULL: not kept */
  int n_bins;
  int n_secs;        /* T = ceil(duration) */
} fai_leo_state;

FAI_HD int fai_leo_n_bins(const double *cfg) {
  int b = (int)(cfg[FAI_LEO_CFG_WINDOW_S] / cfg[FAI_LEO_CFG_BIN_S] + 0.5);
  if (b < 1) b = 1;
  if (b > FAI_LEO_MAX_BINS) b = FAI_LEO_MAX_BINS;
  return b;
}

/* Doubles of scratch one replication needs (util_acc excluded). */
FAI_HD int64_t fai_leo_scratch_len(const double *cfg) {
  const int n = (int)cfg[FAI_LEO_CFG_N_SATS], o = (int)cfg[FAI_LEO_CFG_N_CONT];
  return 2 * (int64_t)n + (int64_t)o + 2 * (int64_t)o * fai_leo_n_bins(cfg);
}

FAI_HD void fai_leo_state_init(const double *cfg, double *scratch, double *util_acc, int n_secs,
                               fai_leo_state *s) {
  const int n = (int)cfg[FAI_LEO_CFG_N_SATS], o = (int)cfg[FAI_LEO_CFG_N_CONT];
  int64_t q;
  const int64_t len = fai_leo_scratch_len(cfg);
  s->n_bins = fai_leo_n_bins(cfg);
  s->sat_free = scratch;
  s->link_free = scratch + n;
  s->cont_free = scratch + 2 * n;
  s->bin_work = scratch + 2 * n + o;
  s->bin_id = s->bin_work + (size_t)o * s->n_bins;
  for (q = 0; q < len; ++q) scratch[q] = 0.0;
  for (q = 0; q < (int64_t)o * s->n_bins; ++q) s->bin_id[q] = -1.0;
  s->util_acc = util_acc;
  s->n_secs = n_secs;
  if (util_acc)
    for (q = 0; q < n_secs; ++q) util_acc[q] = 0.0;
}

/* Measured load L_o(τ): background + work dispatched in the bins of the
 * last window, / window. */
FAI_HD double fai_leo_load(const double *cfg, const fai_leo_state *s, int o, double tau) {
  const double bin = cfg[FAI_LEO_CFG_BIN_S];
  const double cur = (double)(int64_t)(tau / bin);
  double w = 0.0;
  int b;
  for (b = 0; b < s->n_bins; ++b) {
    const double id = s->bin_id[(size_t)o * s->n_bins + b];
    if (id > cur - (double)s->n_bins && id <= cur) w += s->bin_work[(size_t)o * s->n_bins + b];
  }
  return fai_leo_cont(cfg, o)[1] + w / cfg[FAI_LEO_CFG_WINDOW_S];
}

/* CPU work (s) task t puts on container o, and its service time there. */
FAI_HD double fai_leo_work_on(const double *cfg, const fai_leo_task *t, int o) {
  return t->work_s / fai_leo_cont(cfg, o)[0];
}
FAI_HD double fai_leo_service_on(const double *cfg, const fai_leo_state *s, const fai_leo_task *t,
                                 int o, double tau) {
  double l = fai_leo_load(cfg, s, o, tau), slow = 1.0;
  const double knee = cfg[FAI_LEO_CFG_KNEE];
  if (l > 0.95) l = 0.95;
  if (l > knee) slow += cfg[FAI_LEO_CFG_KNEE_GAIN] * (l - knee) / (1.0 - l);
  return fai_leo_work_on(cfg, t, o) / (1.0 - fai_leo_cont(cfg, o)[1]) * slow;
}

/* Completion-time estimates at decision time τ (what LEOEdge's benefit uses). */
FAI_HD double fai_leo_local_finish(const fai_leo_state *s, int sat, const fai_leo_task *t,
                                   double tau) {
  const double start = s->sat_free[sat] > tau ? s->sat_free[sat] : tau;
  return start + t->local_s;
}
FAI_HD double fai_leo_tx_end(const double *cfg, const fai_leo_state *s, int sat,
                             const fai_leo_task *t, double tau) {
  const double *sp = fai_leo_sat(cfg, sat);
  const double start = s->link_free[sat] > tau ? s->link_free[sat] : tau;
  return start + t->bits * sp[2] / sp[1]; /* d = t·p / l (§11.1) */
}
FAI_HD double fai_leo_ground_finish(const double *cfg, const fai_leo_state *s, int sat,
                                    const fai_leo_task *t, int o, double tau) {
  const double tx = fai_leo_tx_end(cfg, s, sat, t, tau);
  const double start = s->cont_free[o] > tx ? s->cont_free[o] : tx;
  return start + fai_leo_service_on(cfg, s, t, o, tau);
}

/* Adds (1 − b_o)·busy seconds of [a, b) to util_acc per simulated second. */
FAI_HD void fai_leo_add_busy(fai_leo_state *s, double a, double b, double share) {
  int64_t sec;
  if (!s->util_acc) return;
  for (sec = (int64_t)a; sec < s->n_secs && (double)sec < b; ++sec) {
    const double lo = a > (double)sec ? a : (double)sec;
    const double hi = b < (double)(sec + 1) ? b : (double)(sec + 1);
    if (hi > lo) s->util_acc[sec] += share * (hi - lo);
  }
}

/* Commit a decision taken at τ; returns the finish time. */
FAI_HD double fai_leo_dispatch_local(fai_leo_state *s, int sat, const fai_leo_task *t, double tau) {
  const double f = fai_leo_local_finish(s, sat, t, tau);
  s->sat_free[sat] = f;
  return f;
}
FAI_HD double fai_leo_dispatch_ground(const double *cfg, fai_leo_state *s, int sat,
                                      const fai_leo_task *t, int o, double tau) {
  const double tx = fai_leo_tx_end(cfg, s, sat, t, tau);
  const double start = s->cont_free[o] > tx ? s->cont_free[o] : tx;
  const double f = start + fai_leo_service_on(cfg, s, t, o, tau);
  const double bin = cfg[FAI_LEO_CFG_BIN_S];
  const double cur = (double)(int64_t)(tau / bin);
  const int slot = (int)((int64_t)cur % s->n_bins);
  const size_t q = (size_t)o * s->n_bins + slot;
  s->link_free[sat] = tx;
  s->cont_free[o] = f;
  if (s->bin_id[q] != cur) {
    s->bin_id[q] = cur;
    s->bin_work[q] = 0.0;
  }
  s->bin_work[q] += fai_leo_work_on(cfg, t, o);
  fai_leo_add_busy(s, start, f, 1.0 - fai_leo_cont(cfg, o)[1]);
  return f;
}

/* Container with the lowest measured load (ties: lowest index), and the mean. */
FAI_HD int fai_leo_least_loaded(const double *cfg, const fai_leo_state *s, double tau,
                                double *mean) {
  const int o_n = (int)cfg[FAI_LEO_CFG_N_CONT];
  int o, best = 0;
  double bl = 0.0, sum = 0.0;
  for (o = 0; o < o_n; ++o) {
    const double l = fai_leo_load(cfg, s, o, tau);
    sum += l;
    if (o == 0 || l < bl) {
      bl = l;
      best = o;
    }
  }
  if (mean) *mean = sum / o_n;
  return best;
}

/* Mean utilisation of second `sec` from the accumulated busy share. */
FAI_HD double fai_leo_util_of(const double *cfg, const fai_leo_state *s, int sec) {
  const int o_n = (int)cfg[FAI_LEO_CFG_N_CONT];
  double b = 0.0;
  int o;
  for (o = 0; o < o_n; ++o) b += fai_leo_cont(cfg, o)[1];
  return (b + s->util_acc[sec]) / o_n;
}

/* One replication under a fixed rule (local, threshold or workload):
 * arrivals in global time order (ties: lowest satellite), decided on
 * arrival.  next_t[N] and next_j[N] are scratch (next arrival time and task
 * index per satellite).  out[FAI_LEO_REP_FIELDS]; util (may be NULL) gets
 * the per-second utilisation [T] and needs util_acc. */
FAI_HD void fai_leo_rep_rule(const double *cfg, uint64_t seed, int rep, int scheme,
                             double *scratch, double *next_t, double *next_j, double *util_acc,
                             double *util, double *out) {
  const int n = (int)cfg[FAI_LEO_CFG_N_SATS];
  const double dur = cfg[FAI_LEO_CFG_DURATION_S];
  const int T = (int)dur + ((double)(int)dur < dur ? 1 : 0);
  fai_leo_state s;
  double tasks = 0.0, off = 0.0, exec = 0.0, acc = 0.0;
  int i;
  fai_leo_state_init(cfg, scratch, util_acc, T, &s);
  for (i = 0; i < n; ++i) {
    const fai_leo_task t = fai_leo_task_draw(cfg, seed, rep, i, 0);
    next_t[i] = t.gap_s;
    next_j[i] = 0.0;
  }
  for (;;) {
    int best = -1;
    double tau = 0.0, fin;
    for (i = 0; i < n; ++i)
      if (next_t[i] < dur && (best < 0 || next_t[i] < tau)) {
        best = i;
        tau = next_t[i];
      }
    if (best < 0) break;
    {
      const int64_t j = (int64_t)next_j[best];
      const fai_leo_task t = fai_leo_task_draw(cfg, seed, rep, best, j);
      const fai_leo_task nx = fai_leo_task_draw(cfg, seed, rep, best, j + 1);
      int go = 0, o;
      double mean;
      o = fai_leo_least_loaded(cfg, &s, tau, &mean);
      if (scheme == FAI_LEO_SCHEME_THRESHOLD)
        go = (fai_leo_local_finish(&s, best, &t, tau) - tau) / t.images > cfg[FAI_LEO_CFG_THRESHOLD_S];
      else if (scheme == FAI_LEO_SCHEME_WORKLOAD)
        go = mean < cfg[FAI_LEO_CFG_WORKLOAD_CAP];
      fin = go ? fai_leo_dispatch_ground(cfg, &s, best, &t, o, tau)
               : fai_leo_dispatch_local(&s, best, &t, tau);
      tasks += 1.0;
      off += go ? 1.0 : 0.0;
      exec += fin - tau;
      acc += go ? cfg[FAI_LEO_CFG_GROUND_ACC] : fai_leo_sat(cfg, best)[3];
      next_t[best] = tau + nx.gap_s;
      next_j[best] = (double)(j + 1);
    }
  }
  out[FAI_LEO_REP_TASKS] = tasks;
  out[FAI_LEO_REP_OFFLOADED] = off;
  out[FAI_LEO_REP_EXEC_SUM_S] = exec;
  out[FAI_LEO_REP_UTIL_MEAN] = 0.0;
  out[FAI_LEO_REP_ACC_SUM] = acc;
  if (util_acc) {
    double u = 0.0;
    int sec;
    for (sec = 0; sec < T; ++sec) {
      const double v = fai_leo_util_of(cfg, &s, sec);
      if (util) util[sec] = v;
      u += v;
    }
    out[FAI_LEO_REP_UTIL_MEAN] = T > 0 ? u / T : 0.0;
  }
}

#ifdef __cplusplus
}
#endif
#endif
