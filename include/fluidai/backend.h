/* The evaluation backend seam (public).
 *
 * A fai_backend is a small function table with two instances: `cpu` (OpenMP
 * loops) and `cuda` (CUDA kernels, or a stub returning FAI_ENODEV when the
 * build has no nvcc).  Both call the same per-item FAI_HD functions in
 * kernels/NAME_core.h, so results are identical bit for bit (gcc
 * -ffp-contract=off, nvcc --fmad=false, no transcendental functions inside
 * the cores).  Callers pick a backend with fai_backend_select and never use
 * #ifdef.
 *
 * All arrays are flat, row-major, host memory; the CUDA backend copies them in
 * and out.  Dimensions: T snapshots, N satellites, G ground points, L
 * candidate links, W = (N + 31) / 32 visibility words. */
#ifndef FLUIDAI_BACKEND_H
#define FLUIDAI_BACKEND_H

#include "fluidai/common.h"
#include "fluidai/sgp4_batch.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Propagation tables: every sine and cosine is precomputed on the host, so the
 * per-(snapshot, satellite) core only multiplies and adds.
 *   u(t) = u0 + udot·t        argument of latitude
 *   w(t) = Ω(t) − θ_GMST(t)   longitude of the ascending node in ECEF
 *   r_ecef = R_z(w) · a·[cos u, sin u·cos i, sin u·sin i]
 * cos/sin u(t) come from the angle-addition formula with per-satellite u0
 * and per-(snapshot, shell) udot·t. */
typedef struct fai_prop_tables {
  int n_sats;                 /* N */
  int n_snaps;                /* T */
  int n_shells;               /* S_h */
  int n_planes;               /* planes over all shells */
  const int *sat_shell;       /* [N] shell index */
  const int *sat_plane;       /* [N] global plane index */
  const double *sat_cos_u0;   /* [N] */
  const double *sat_sin_u0;   /* [N] */
  const double *shell_a_m;    /* [S_h] orbit radius (m) */
  const double *shell_cos_i;  /* [S_h] */
  const double *shell_sin_i;  /* [S_h] */
  const double *shell_udot;   /* [S_h] argument-of-latitude rate (rad/s) */
  const double *shell_wdot;   /* [S_h] Ω̇ − ω_E (rad/s) */
  const double *snap_cos_ut;  /* [T][S_h] cos(udot·t) */
  const double *snap_sin_ut;  /* [T][S_h] sin(udot·t) */
  const double *snap_cos_w;   /* [T][P] cos w(t) per plane */
  const double *snap_sin_w;   /* [T][P] sin w(t) per plane */
} fai_prop_tables;

/* Ground points (stations, users, cells) in ECEF. */
typedef struct fai_ground_points {
  int n;                        /* G */
  const double *pos_m;          /* [G][3] ECEF position */
  const double *up;             /* [G][3] unit ellipsoid normal (local vertical) */
  const double *sin_min_elev;   /* [G] sine of the elevation mask */
} fai_ground_points;

/* Rules applied to every (snapshot, candidate link). */
typedef struct fai_link_rules {
  double block_radius_m;      /* line of sight must clear this sphere (Earth + atmosphere margin) */
  double max_range_m;         /* <= 0: no range limit */
  double max_rate_rad_s;      /* pointing-rate limit on |r×v|/|r|² (inertial); <= 0: none */
  double polar_sin_lat;       /* inter-plane links off where |sin(geocentric lat)| > this; >= 1: off */
  double survival_p;          /* Bernoulli survival probability per (snapshot, link) */
  uint64_t seed;              /* RNG seed for survival draws (stream FAI_STREAM_ISL_SURVIVAL) */
  uint64_t draw;              /* failure realisation number (0 for the nominal timeline) */
} fai_link_rules;

/* Per-snapshot graphs sharing one node count, in CSR form.  Nodes
 * [0, n_transit) may relay; nodes >= n_transit (ground stations) are path
 * end points only: a search never expands them unless they are the source. */
typedef struct fai_graph_batch {
  int n_graphs;              /* graphs (snapshots × realisations) */
  int n_nodes;               /* nodes per graph */
  int n_transit;             /* nodes that may relay */
  const int64_t *edge_off;   /* [n_graphs + 1] first edge of each graph */
  const int *row_ptr;        /* [n_graphs][n_nodes + 1] offsets relative to edge_off[g] */
  const int *col;            /* [E] neighbour */
  const double *w;           /* [E] weight (e.g. delay, s), >= 0 */
} fai_graph_batch;

/* Fluid-inference cascade evaluation (kernels/cascade_core.h).  Nodes and
 * links are numbered as below; a point is one (snapshot, user) pair whose
 * links were tabulated on the host (rates, delays and windows from the
 * timeline), so the core only adds, multiplies and compares. */
#define FAI_CASCADE_NODES 4      /* user, serving satellite, next satellite, ground */
#define FAI_CASCADE_NODE_USER 0
#define FAI_CASCADE_NODE_SAT 1   /* serving satellite (best elevation at the request) */
#define FAI_CASCADE_NODE_NEXT 2  /* next serving satellite, reached over ISLs */
#define FAI_CASCADE_NODE_GROUND 3
#define FAI_CASCADE_LINKS 5      /* link kinds per point */
#define FAI_CASCADE_L_UP1 0      /* user <-> serving satellite */
#define FAI_CASCADE_L_UP2 1      /* user <-> next satellite */
#define FAI_CASCADE_L_ISL 2      /* serving <-> next satellite (ISL path) */
#define FAI_CASCADE_L_GS1 3      /* serving satellite <-> ground/cloud (station + backhaul) */
#define FAI_CASCADE_L_GS2 4      /* next satellite <-> ground/cloud */
#define FAI_CASCADE_LINK_FIELDS 5
#define FAI_CASCADE_F_PROP 0     /* fixed delay per use (propagation + backhaul) (s) */
#define FAI_CASCADE_F_SPB_FWD 1  /* s per bit away from the user (up; serving -> next; sat -> ground) */
#define FAI_CASCADE_F_SPB_REV 2  /* s per bit the other way (1/rate; × hops for ISL paths) */
#define FAI_CASCADE_F_LO 3       /* window opens, s after the request (FAI_CASCADE_NEVER: no link) */
#define FAI_CASCADE_F_HI 4       /* window closes, s after the request (FAI_CASCADE_NEVER: open) */
#define FAI_CASCADE_NEVER 1e300  /* "never" / "beyond the horizon" */
#define FAI_CASCADE_MAX_SUB 8    /* sub-models per cascade */

typedef struct fai_cascade_batch {
  int n_sub;                 /* K sub-models, 1..FAI_CASCADE_MAX_SUB */
  int n_place;               /* C placements */
  int64_t n_points;          /* P points */
  const int8_t *place;       /* [C][K] node of sub-model k (FAI_CASCADE_NODE_*) */
  const uint8_t *migrate;    /* [C] 1: routes may use the next satellite (migration) */
  const double *compute_s;   /* [K][FAI_CASCADE_NODES] run time of sub-model k on node v (s) */
  const double *in_bits;     /* [K] bits sent to sub-model k (the request input for k = 0) */
  double result_bits;        /* bits of a result returned to the user */
  const double *links;       /* [P][FAI_CASCADE_LINKS][FAI_CASCADE_LINK_FIELDS] */
} fai_cascade_batch;

/* Cache placement evaluation (kernels/cache_core.h; caching.h describes the
 * instance): T snapshots, M caches, K users, I models, E links (t, m, k)
 * sorted by (t, m), each with a rate (a = rate >= req_rate[k][i]) or a
 * bitset of deliverable models, and a (t, k) index of the links. */
typedef struct fai_cache_view {
  int T, M, K, I;
  int mask_words;               /* (I + 31) / 32 */
  const int64_t *tm_off;        /* [T·M + 1] */
  const int *link_user;         /* [E] */
  const int *link_server;       /* [E] */
  const double *link_rate_bps;  /* [E] or NULL (then link_mask) */
  const uint32_t *link_mask;    /* [E][mask_words] or NULL */
  const double *req_rate_bps;   /* [K][I] */
  const int64_t *tk_off;        /* [T·K + 1] */
  const int64_t *tk_link;       /* [E] */
  const double *p;              /* [K][I] */
} fai_cache_view;

/* SlimCaching evaluation (kernels/cache_core.h; slimcache.h describes the
 * instance): U users, V = servers + users nodes, L layers of E <= 64
 * experts; τ_{u,l,e}(x) = min(tau_far[u][l], min_{v : x[v][l][e]}
 * tau[u][v][l]) and (u, l)'s activation sets S (bit masks) with
 * probabilities π_{u,l}(S). */
typedef struct fai_moe_view {
  int U, V, L, E;
  const double *w;              /* [U] user weights */
  const double *tau;            /* [U][V][L] access latency (s), INFINITY: unreachable */
  const double *tau_far;        /* [U][L] cloud fallback (s) */
  const int64_t *set_off;       /* [U·L + 1] */
  const uint64_t *set_mask;     /* [sets] */
  const double *set_prob;       /* [sets] */
} fai_moe_view;

typedef struct fai_backend fai_backend;

struct fai_backend {
  const char *name;  /* "cpu" or "cuda" */

  /* Is it usable here?  FAI_ENODEV with a reason when not (no device, stub build). */
  fai_status (*probe)(const fai_backend *be, char *detail, size_t n);

  /* Positions and velocities (ECEF, m and m/s) of every satellite at every
   * snapshot: pos/vel are [T][N][3]. */
  fai_status (*propagate)(const fai_backend *be, const fai_prop_tables *tab, double *pos,
                          double *vel, fai_error *err);

  /* Near-Earth SGP4 (kernels/sgp4_core.h) for every satellite of the batch
   * at every snapshot t, dt_min[t] minutes after the batch's reference
   * epoch: ECEF position and velocity (m, m/s) rotated by GMST with
   * gmst_cs[2t] = cos θ(t), gmst_cs[2t + 1] = sin θ(t), TEME position (m),
   * and the SGP4 error code.  Outputs are [T][b->n_out][3] (code [T][n_out])
   * written at rows b->out_index[j] only; vel, pos_teme and code may be
   * NULL.  A state whose code is not 0 is NaN (only that state: stopping a
   * satellite's series at its first error is the caller's choice). */
  fai_status (*propagate_sgp4)(const fai_backend *be, const fai_sgp4_batch *b, int n_snaps,
                               const double *dt_min, const double *gmst_cs, double *pos,
                               double *vel, double *pos_teme, int8_t *code, fai_error *err);

  /* Visibility bitsets: bit j of words[(t·G + g)·W + j/32] is set when
   * satellite j is at or above ground point g's mask at snapshot t. */
  fai_status (*visibility)(const fai_backend *be, int n_snaps, int n_sats, const double *pos,
                           const fai_ground_points *gp, uint32_t *words, fai_error *err);

  /* Candidate links (a[l], b[l]; inter[l] != 0 for inter-plane links) judged
   * at every snapshot: alive[t·L + l] in {0,1}, dist_m[t·L + l] always set. */
  fai_status (*links)(const fai_backend *be, int n_snaps, int n_sats, const double *pos,
                      const double *vel, int n_links, const int *a, const int *b,
                      const uint8_t *inter, const fai_link_rules *rules, uint8_t *alive,
                      double *dist_m, fai_error *err);

  /* Single-source shortest paths (Dijkstra, ties to the lowest node index)
   * from each of n_src sources in every graph: dist[(g·n_src + s)·n + v]
   * (INFINITY when unreachable), pred likewise (-1 for source/unreachable;
   * pred may be NULL), hops likewise (may be NULL). */
  fai_status (*sssp)(const fai_backend *be, const fai_graph_batch *gb, int n_src,
                     const int *src, double *dist, int *pred, int *hops, fai_error *err);

  /* All-pairs shortest paths (Floyd–Warshall, relaying only through transit
   * nodes): dist[(g·n + i)·n + j]. */
  fai_status (*apsp)(const fai_backend *be, const fai_graph_batch *gb, double *dist,
                     fai_error *err);

  /* Fluid-inference cascades: for every placement c and point p, the time
   * (s after the request) at which the result of exit k reaches the user,
   * time_s[(c·P + p)·K + k], or -1 when a link it needs is down (dropped);
   * via likewise (may be NULL): the mask of link kinds the chosen routes use
   * (bit FAI_CASCADE_L_*). */
  fai_status (*cascade_eval)(const fai_backend *be, const fai_cascade_batch *b, double *time_s,
                             uint8_t *via, fai_error *err);

  /* Marginal cache gains: gain[q] = Σ_t Σ_{links (t, ms[q], k)} p[k][is[q]]
   * · a · (1 − covered), the unnormalised (× T·K) hit-ratio gain of adding
   * model is[q] to cache ms[q] given the served requests (bit (i·T + t)·K + k
   * of covered, model-major; NULL: none), summed in link order. */
  fai_status (*cache_gains)(const fai_backend *be, const fai_cache_view *v,
                            const uint32_t *covered, int64_t n, const int *ms, const int *is,
                            double *gain, fai_error *err);

  /* Hit ratio per snapshot of n_place placements x[c][M][I] (0/1 bytes):
   * hit_snap[c·T + t] = (Σ_k served mass of user k, summed in k order) / K. */
  fai_status (*cache_eval)(const fai_backend *be, const fai_cache_view *v, int n_place,
                           const uint8_t *x, double *hit_snap, fai_error *err);

  /* --- ops of issue 4 (MoE expected latency, kernels/cache_core.h) --- */

  /* Expected MoE latency of n_place placements x[c][V][L][E] (0/1 bytes):
   * lat[(c·U + u)·L + l] = Σ_S π_{u,l}(S) · max_{e∈S} τ_{u,l,e}(x_c) (sets
   * in order; may be NULL) and total[c] = Σ_u w_u · Σ_l (the same terms
   * accumulated over layers and sets, then users, in index order; may be
   * NULL): the mean per-token latency, bit for bit fai_slim_latency. */
  fai_status (*moe_latency)(const fai_backend *be, const fai_moe_view *v, int n_place,
                            const uint8_t *x, double *lat, double *total, fai_error *err);

  /* Latency reduction of adding expert set mask[q] of layer layer[q] on
   * node node[q], given the current access latencies cur[U][L][E] =
   * τ_{u,l,e}(X): gain[q] = Σ_u w_u Σ_S π_{u,l}(S)·(max_{e∈S} cur −
   * max_{e∈S} τ'), users in index order (fai_mc_gain). */
  fai_status (*moe_gains)(const fai_backend *be, const fai_moe_view *v, const double *cur,
                          int64_t n, const int *node, const int *layer, const uint64_t *mask,
                          double *gain, fai_error *err);

  /* --- ops of issue 6, lsm (offloading: kernels/offload_core.h) --- */

  /* Large–small model collaboration (PAPERS.md §7.2): for each of n items
   * (snapshot, remote-sensing satellite) with terms[i][4] = {local_s,
   * fixed_s, slope_s, lam_fix} tabulated on the host (see offload_core.h),
   * lam[i] = lam_fix when lam_fix >= 0, else the delay-minimising offloading
   * ratio by bisection (to tol on λ, at most max_steps halvings), and
   * delay_s[i] = max(T_loc, T_off) at lam[i]. */
  fai_status (*lsm_ratio)(const fai_backend *be, int64_t n, const double *terms, double tol,
                          int max_steps, double *lam, double *delay_s, fai_error *err);

  /* --- ops of issue 6, leoedge (offloading: kernels/leoedge_core.h) --- */
  /* LEOEdge simulation replications r0 .. r0 + n_reps − 1 of the fixed-rule
   * scheme `scheme` (FAI_LEO_SCHEME_LOCAL/THRESHOLD/WORKLOAD) on the flat
   * configuration cfg (fai_leo_cfg_len(N, O) doubles, kernels/leoedge_core.h)
   * with Philox seed `seed`: rep_out[q·FAI_LEO_REP_FIELDS + f] (tasks,
   * offloaded, Σ execution time (s), mean utilisation, Σ accuracy) and, when util is not
   * NULL, the per-second utilisation util[q·T + t], T = ceil(duration). */
  fai_status (*leoedge_reps)(const fai_backend *be, const double *cfg, uint64_t seed, int scheme,
                             int r0, int n_reps, double *rep_out, double *util, fai_error *err);

  /* --- ops of issue 7 (federated learning: kernels/fl_core.h) --- */

  /* Local SGD of n_clients independent models: for each client c, tau steps
   * of mini-batch SGD (batch samples, step size lr, softmax cross-entropy)
   * in place on params[c·P ..] (the float layout of kernels/fl_core.h for
   * the n_dims layer widths dims: {in, out} softmax regression, {in, h1,
   * h2, out} the ReLU MLP).  Step t of client c reads the pixel bytes
   * x[((c·tau + t)·batch + b)·dims[0] ..] (scaled by 1/255) and labels
   * y[(c·tau + t)·batch + b]: the caller gathers the mini-batches. */
  fai_status (*fl_local_sgd)(const fai_backend *be, int n_dims, const int *dims, int n_clients,
                             int tau, int batch, float lr, const uint8_t *x, const uint8_t *y,
                             float *params, fai_error *err);

  /* Logits of n_models models params[M][P] on n samples (pixel bytes
   * x[n][dims[0]]): logits[(m·n + i)·dims[n_dims−1] + k]. */
  fai_status (*fl_logits)(const fai_backend *be, int n_dims, const int *dims, int n_models,
                          const float *params, int64_t n, const uint8_t *x, float *logits,
                          fai_error *err);

  int threads;  /* cpu: OpenMP threads (0 = runtime default); cuda: unused */
  int device;   /* cuda: device ordinal */
  /* cuda, fl_local_sgd and fl_logits: 0 = the kernels of kernels/fl_core.h
   * (the cpu's bits), 1 = cuBLAS GEMMs for the dense layers (loaded at run
   * time; faster on wide layers, sums in cuBLAS's order, so equal to the cpu
   * only to float rounding; deterministic run to run on one GPU model).
   * cpu: ignored. */
  int fl_cublas;
};

typedef enum fai_backend_kind {
  FAI_BACKEND_AUTO = 0, /* cuda when usable, else cpu (and say which ran) */
  FAI_BACKEND_CPU = 1,
  FAI_BACKEND_CUDA = 2
} fai_backend_kind;

int fai_backend_kind_parse(const char *s, fai_backend_kind *out); /* 0 ok */

/* The two instances; fai_backend_cuda() is a stub without nvcc. */
const fai_backend *fai_backend_cpu(void);
const fai_backend *fai_backend_cuda(void);
int fai_backend_cuda_compiled(void); /* 1 when built with nvcc */

/* Choose and configure a backend into *out (a copy of the instance).
 * AUTO falls back to cpu and logs which ran; CUDA fails with FAI_ENODEV when
 * unusable. threads: 0 = default. */
fai_status fai_backend_select(fai_backend_kind kind, int threads, fai_backend *out,
                              fai_error *err);

/* Device description lines for `fluidai info` ("none" when none). */
void fai_backend_cuda_describe(char *buf, size_t n);

#ifdef __cplusplus
}
#endif
#endif
