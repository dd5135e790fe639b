/* FedMeld: model-dispersal federated learning over a constellation (public).
 * PAPERS.md §4 (formulation, SC-MR design) and §13 (the Fluid AI experiment).
 *
 * Two halves share this header:
 *   - the planner (solvers/fedmeld/plan*.c): areas + timeline → carry times,
 *     staleness, contact windows, the dispersal schedule, the SC-MR design
 *     (τ*, α*, T_I*), the convergence bound, and the timing/bit counts of the
 *     ground-station and ISL baselines;
 *   - the simulator (solvers/fedmeld/sim*.c, include/fluidai/fl.h): real
 *     federated training whose wall-clock axis is taken from a
 *     fai_fedmeld_timing filled by the planner.
 * The struct fai_fedmeld_timing is the contract between them. */
#ifndef FLUIDAI_FEDMELD_H
#define FLUIDAI_FEDMELD_H

#include <stdint.h>

#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How a scheme aggregates (the simulator's model of each scheme). */
typedef enum fai_fl_scheme_kind {
  FAI_FL_DISPERSAL = 0,  /* FedMeld: per-area FedAvg, then mix with the carried model of
                            the previous area (ring), δ rounds stale */
  FAI_FL_GS = 1,         /* ground-station-assisted hierarchical FL: global FedAvg of all
                            areas each round, round time includes waiting for GS contact */
  FAI_FL_ISL = 2         /* ISL-assisted decentralised FL: global average over multi-hop ISLs */
} fai_fl_scheme_kind;

/* One scheme's timing, as the planner derives it from the timeline. */
typedef struct fai_fedmeld_scheme {
  char name[32];             /* "fedmeld", "fedmeld-half-alpha", "fedmeld-fixed-tau", "gs", "isl" */
  fai_fl_scheme_kind kind;
  int tau;                   /* local SGD steps per round (>= 1) */
  double alpha;              /* mixing ratio (dispersal only; 0 otherwise) */
  int delta;                 /* staleness in rounds of the carried model (dispersal only) */
  double round_s;            /* wall-clock length of one round (s) */
  double first_round_at_s;   /* time of the first aggregation (waiting for a first contact) */
  double access_bits_round;  /* bits over user–satellite access links per round */
  double feeder_bits_round;  /* bits over satellite–ground feeder links per round */
  double isl_bits_round;     /* bits over ISLs per round */
} fai_fedmeld_scheme;

#define FAI_FEDMELD_MAX_SCHEMES 8

/* Everything the simulator needs from the planner. */
typedef struct fai_fedmeld_timing {
  int n_areas;               /* N (ring order along the ground track) */
  int clients_per_area;
  double horizon_s;          /* time budget T_total (s) */
  double t_cmp_s;            /* one local SGD step on a client (s) */
  double t_com_s;            /* in-area upload + multicast download per round (s) */
  double t_travel_s;         /* carry time between consecutive areas (s) */
  double model_bits;         /* size of one model on the air (bits) */
  int n_schemes;
  fai_fedmeld_scheme schemes[FAI_FEDMELD_MAX_SCHEMES];  /* [0] is FedMeld with (τ*, α*) */
} fai_fedmeld_timing;

/* Planner API: declared by the planner's owner below this line
 * (fai_fedmeld_plan_* functions and their parameter/result structs). */

/* --- planner (issue 7, fmplan) --------------------------------------------------------
 * Geometry.  Area n stands for a region (a lat/lon box) and is served at a
 * site: its clients (positions given, or generated around the site or in the
 * box).  Areas are listed in ring order along the ground track (eastward for
 * prograde shells); area N−1 is followed by area 0.
 *   - A satellite COVERS an area while every one of the area's clients sees it
 *     at elevation >= the mask (so one multicast reaches them all).  The
 *     area's windows are the intersections of the clients' refined contact
 *     windows with that satellite (orbitgen contacts, < 1 ms).  With
 *     coverage "site" the area's site alone decides (faster; clients near
 *     the window's edges may then be slightly below the mask, which their
 *     link budgets price in).
 *   - A CARRY is a satellite's window over area n followed by its next window
 *     (over any area) being over area n+1: it departs at the end of the first
 *     window and arrives at the start of the second.  Its carry time is
 *     mid(second) − mid(first): the time the satellite takes from one area's
 *     centre of service to the next (windows clipped by the horizon are not
 *     used).  t_travel(n→n+1) is the median carry time of the pair; the ring's
 *     t_travel is the largest pair's (the slowest hand-over sets δ).
 *   - δ = ⌈t_travel / T_I⌉ (0 when t_travel = 0), T_I = τ·t_cmp + t_com.
 * The default set-up (fai_fedmeld_areas_default): 8 longitude sectors of the
 * ±53° band (45° each, from −180°), each with its site on a reference ground
 * track of the first shell (so consecutive sites lie along the track, as the
 * protocol needs), 5 clients uniform in a 100 km disc around the site. */

struct json_t;       /* jansson's json_t */
struct fai_progress; /* include/fluidai/log.h */

#define FAI_FEDMELD_MAX_AREAS 64
#define FAI_FEDMELD_MAX_CLIENTS 1024   /* per area */

typedef struct fai_fedmeld_area {
  char name[32];
  double lat_min_deg, lat_max_deg;   /* region box (informational; the "box" generator draws in it) */
  double lon_min_deg, lon_max_deg;   /* lon_min > lon_max: the box wraps across ±180° */
  double site_lat_deg, site_lon_deg; /* where the area is served (default: box centre) */
  int client_off;                    /* first client in fai_fedmeld_areas.client_* */
  int n_clients;
} fai_fedmeld_area;

/* Access-link radio (user ↔ satellite).  Channel power gain of a client at
 * slant range d: G = 10^((G_sat + G_client − FSPL(d, f) − losses)/10), FSPL
 * free-space (the 3GPP terrestrial law of PAPERS §0.4 does not apply at LEO
 * ranges).  Download: one multicast of the mixed model to the area's clients
 * (fai_multicast_solve, power cap sat_power_w, energy budget dl_energy_j).
 * Upload: every client sends its model, FDMA (ul_bandwidth_hz split evenly,
 * all at once, t_up = max over clients) or TDMA (whole band, one after
 * another, t_up = sum). */
typedef struct fai_fedmeld_radio {
  double frequency_hz;      /* carrier (12e9, Ku) */
  double dl_bandwidth_hz;   /* multicast bandwidth (100e6) */
  double ul_bandwidth_hz;   /* uplink bandwidth shared by an area's clients (20e6) */
  double sat_power_w;       /* downlink power cap (10) */
  double dl_energy_j;       /* downlink energy budget per broadcast (+inf: none) */
  double client_power_w;    /* client transmit power (1) */
  double sat_gain_dbi;      /* (30) */
  double client_gain_dbi;   /* (30) */
  double losses_db;         /* atmosphere, pointing, implementation (3) */
  double noise_dbm_hz;      /* receiver noise density incl. noise figure (−170) */
  int uplink_tdma;          /* 0: FDMA (default), 1: TDMA */
} fai_fedmeld_radio;
void fai_fedmeld_radio_init(fai_fedmeld_radio *r);

/* Areas file "fluidai-fedmeld-areas" (README "fluidai fedmeld plan"). */
typedef struct fai_fedmeld_areas {
  int n;                                  /* N >= 2 */
  fai_fedmeld_area v[FAI_FEDMELD_MAX_AREAS];
  int n_clients;                          /* over all areas */
  double *client_lat_deg, *client_lon_deg;/* [n_clients] malloc'd */
  double min_elev_deg;                    /* coverage mask (25) */
  int coverage_site;                      /* 0: covered while every client sees the satellite
                                             (default); 1: while the site does (cheaper: one
                                             contact list per area instead of one per client) */
  fai_fedmeld_radio radio;
  char source[FAI_ERROR_FILE_MAX];        /* file name or "<default>" */
} fai_fedmeld_areas;

void fai_fedmeld_areas_init(fai_fedmeld_areas *a);
void fai_fedmeld_areas_free(fai_fedmeld_areas *a);
/* The §4.3 default for a shell of inclination incl_deg and altitude alt_m:
 * n_areas longitude sectors of the ±lat_band_deg band (53), clients_per_area
 * clients drawn with `seed` (Philox, FAI_STREAM_GENERATOR). */
fai_status fai_fedmeld_areas_default(int n_areas, int clients_per_area, double lat_band_deg,
                                     double incl_deg, double alt_m, uint64_t seed,
                                     fai_fedmeld_areas *a, fai_error *err);
/* Strict load; errors carry file:line:col and the JSON path. */
fai_status fai_fedmeld_areas_load_file(const char *path, uint64_t seed, fai_fedmeld_areas *a,
                                       fai_error *err);
fai_status fai_fedmeld_areas_load_string(const char *text, const char *name, uint64_t seed,
                                         fai_fedmeld_areas *a, fai_error *err);
/* The areas as a loadable document with every client's position (the plan's
 * inputs.areas); loading it gives the same areas whatever the seed. */
struct json_t *fai_fedmeld_areas_to_json(const fai_fedmeld_areas *a);

/* --- SC-MR design (PAPERS §4.2) ---------------------------------------------------- */

/* Constants of the convergence bound; all must be > 0. */
typedef struct fai_fedmeld_constants {
  double L;          /* smoothness (1) */
  double sigma2;     /* stochastic-gradient variance σ² (1) */
  double zeta2;      /* heterogeneity across areas ζ² (4) */
  double G2;         /* gradient bound G² (10) */
  double F_gap;      /* F0 − F* (2.3 ≈ ln 10, cross-entropy at a uniform 10-class start) */
  double eta;        /* learning rate η (0.05) */
  double batch;      /* batch size b (32) */
  double c1, c2, c3; /* bound constants (1, 1, 1) */
  double t_cmp_s;    /* one local SGD step (0.05 s) */
  double drift_exponent; /* γ of the drift terms' τ^γ (2: PAPERS' τ²; the pilot fits it) */
} fai_fedmeld_constants;
void fai_fedmeld_constants_init(fai_fedmeld_constants *k);
/* First non-positive or non-finite constant → FAI_EINVAL naming it. */
fai_status fai_fedmeld_constants_check(const fai_fedmeld_constants *k, fai_error *err);
/* Constants file {"format": "fluidai-fedmeld-constants", "version": 1, "L": ..,
 * "sigma2", "zeta2", "G2", "F_gap", "eta", "batch", "c1", "c2", "c3", "t_cmp_s",
 * "drift_exponent"}
 * (every member optional; absent ones keep *k's values). */
fai_status fai_fedmeld_constants_load_file(const char *path, fai_fedmeld_constants *k,
                                           fai_error *err);

/* B(τ, α) for staleness δ over N areas with budget T (s) and t_com (s):
 *   4ΔF(t_cmp + t_com/τ)/(ηT) + c1ηLσ²/(Nb) + c2η²L²τ^γ(σ² + ζ²/p(α)) + c3η²L²τ^γδ²G²α²,
 * p(α) = 2α(1−α)(1 − cos 2π/N), γ = k->drift_exponent (PAPERS §4.2: 2).  +inf outside α ∈ (0, 1) or τ <= 0. */
double fai_fedmeld_bound(const fai_fedmeld_constants *k, int n_areas, double horizon_s,
                         double t_com_s, int delta, double tau, double alpha);
/* MR: the α ∈ (0, ½] minimising ζ²/(2α(1−α)κ_N) + (c3/c2)δ²G²α², as the root of
 * (1−2α)ζ² = 4κ_N(c3/c2)δ²G²α³(1−α)² by bisection (½ when δ = 0). */
double fai_fedmeld_alpha_bisect(const fai_fedmeld_constants *k, int n_areas, int delta);
/* The same minimum by NLopt (bounded local search on (0, 1)), the cross-check. */
fai_status fai_fedmeld_alpha_nlopt(const fai_fedmeld_constants *k, int n_areas, int delta,
                                   double *alpha, fai_error *err);

typedef struct fai_fedmeld_design {
  int delta;            /* chosen staleness (rounds) */
  int tau;              /* τ* (integer >= 1) */
  double tau_cont;      /* closed-form real τ before rounding/clipping */
  double alpha;         /* α* (bisection) */
  double alpha_nlopt;   /* α* by NLopt */
  double round_s;       /* T_I* = τ* t_cmp + t_com */
  double bound;         /* B(τ*, α*) */
  long long rounds;     /* ⌊T / T_I*⌋ */
  int delta_lo, delta_hi; /* staleness values explored (those with an integer τ >= 1 in range) */
  int tau_lo, tau_hi;   /* τ range of the chosen δ */
} fai_fedmeld_design;

/* SC-MR: outer loop over δ, α*(δ) by bisection, τ*(δ) by the closed form
 * rounded to the better neighbouring integer and clipped into the τ range
 * where ⌈t_travel/T_I(τ)⌉ = δ and T_I(τ) <= T.  delta_cap > 0 caps δ.
 * FAI_EINVAL when T < t_cmp + t_com (no round fits in the budget). */
fai_status fai_fedmeld_design_solve(const fai_fedmeld_constants *k, int n_areas, double horizon_s,
                                    double t_com_s, double t_travel_s, int delta_cap,
                                    fai_fedmeld_design *out, fai_error *err);
/* δ of a round interval: ⌈t_travel/T_I⌉ (0 when t_travel <= 0). */
int fai_fedmeld_delta_of(double t_travel_s, double round_s);

/* --- the planner --------------------------------------------------------------------- */

typedef struct fai_fedmeld_plan_params {
  fai_fedmeld_constants k;
  double model_bits;      /* model size on the air (6374720: MLP 784-200-200-10, float32) */
  double horizon_s;       /* time budget T_total; <= 0: the scenario's duration */
  int fixed_tau;          /* τ of the "fedmeld-fixed-tau" ablation (5) */
  int baseline_tau;       /* τ of the gs and isl baselines; 0: τ* (default) */
  int delta_cap;          /* > 0: largest δ considered (0: none) */
  int threads;            /* 0: default */
  int max_carries;        /* carries listed in the plan (0: all) */
  const struct fai_progress *progress; /* timeline build progress (NULL: none) */
} fai_fedmeld_plan_params;
void fai_fedmeld_plan_params_init(fai_fedmeld_plan_params *p);

typedef struct fai_fedmeld_window {
  int area, sat;
  double rise_s, set_s;   /* every client sees the satellite in [rise, set] */
  int clipped;            /* bit 0: starts at the horizon start, bit 1: ends at its end */
} fai_fedmeld_window;

typedef struct fai_fedmeld_carry {
  int sat, from, to;
  double depart_s, arrive_s;  /* end of the window over `from`, start of the one over `to` */
  double carry_s;             /* mid-to-mid time (the carry time) */
} fai_fedmeld_carry;

typedef struct fai_fedmeld_area_stats {
  int windows;
  double coverage;            /* fraction of the horizon with a covering satellite */
  double mean_window_s;
  double max_gap_s;           /* longest time without coverage (incl. the edges) */
  double first_cover_s;       /* first time covered */
  double t_up_s, t_down_s;    /* access-link times (median over windows, worst of rise/mid/set) */
  double up_energy_j, down_energy_j;
  double min_gain_db;         /* weakest client's gain at the median window */
} fai_fedmeld_area_stats;

typedef struct fai_fedmeld_pair_stats {
  int carries;
  double travel_min_s, travel_median_s, travel_mean_s, travel_max_s;
  double aoi_mean_s;          /* time-average age of the freshest carried model at arrival side */
} fai_fedmeld_pair_stats;

typedef struct fai_fedmeld_baseline {
  long long rounds;           /* rounds completed within the horizon */
  double mean_round_s;
  double first_round_at_s;
  double mean_wait_s;         /* gs: waiting for ground-station contact (up + back); isl: mean hops */
  double max_hops;            /* isl: most ISL hops from an area's satellite to the root */
  double access_bits_round, feeder_bits_round, isl_bits_round;
} fai_fedmeld_baseline;

typedef struct fai_fedmeld_plan_result {
  int n_areas, n_sats;
  double horizon_s;
  fai_fedmeld_window *win;    /* sorted by area, rise, sat */
  size_t n_win;
  fai_fedmeld_carry *carry;   /* sorted by from, depart, sat */
  size_t n_carry;
  fai_fedmeld_area_stats area[FAI_FEDMELD_MAX_AREAS];
  fai_fedmeld_pair_stats pair[FAI_FEDMELD_MAX_AREAS];  /* pair n: area n → area n+1 (mod N) */
  double t_travel_s;          /* max over pairs of the median carry time */
  double t_up_s, t_down_s, t_com_s;  /* ring values: max over areas */
  double energy_round_j;      /* access-link energy of one round over all areas */
  fai_fedmeld_design design;  /* (τ*, α*) */
  fai_fedmeld_design fixed;   /* the fixed-τ ablation: τ = fixed_tau, α*(δ) */
  double half_alpha_bound;    /* B(τ*, ½) at δ of τ* */
  double fixed_tau_bound;
  fai_fedmeld_baseline gs, isl, dispersal;
  double timeline_s, plan_s;  /* wall time of the timeline build and of the planning */
  double timeline_cpu_s, plan_cpu_s; /* process CPU time (all threads) of the same */
  double stage_s[7];          /* planning stages: windows, carries, access, design, dispersal,
                                 gs, isl (s) */
  fai_fedmeld_timing timing;
} fai_fedmeld_plan_result;
void fai_fedmeld_plan_result_free(fai_fedmeld_plan_result *r);

struct fai_scenario;
struct fai_timeline;
struct fai_backend;
struct fai_plan;
/* Plan from a built timeline whose stations are `n_gs` ground stations
 * followed by the areas' clients in order (fai_fedmeld_plan_run builds it).
 * Uncovered areas or ring pairs without a carry → FAI_EINVAL naming them. */
fai_status fai_fedmeld_plan_from_timeline(const struct fai_timeline *tl, int n_gs,
                                          const fai_fedmeld_areas *areas,
                                          const fai_fedmeld_plan_params *p,
                                          fai_fedmeld_plan_result *res, fai_error *err);
/* Build the timeline (scenario's ground stations + the areas' clients as
 * stations with the areas' mask; no path summaries) and plan. */
fai_status fai_fedmeld_plan_run(const struct fai_scenario *sc, const fai_fedmeld_areas *areas,
                                const fai_fedmeld_plan_params *p, const struct fai_backend *be,
                                fai_fedmeld_plan_result *res, fai_error *err);
/* The plan document's members (inputs, decisions incl. decisions.timing, metrics, baselines). */
fai_status fai_fedmeld_plan_fill(const fai_fedmeld_plan_result *r, const fai_fedmeld_areas *areas,
                                 const fai_fedmeld_plan_params *p, struct fai_plan *plan,
                                 fai_error *err);

/* The deployed model of the §13 experiment on the clients' devices:
 * ResNet-18 (11,689,512 float32 parameters) and one local step of it
 * (batch 32 of 32×32 images, ≈ 3 × 0.56 GFLOP per image ≈ 54 GFLOP) on a
 * low-power client of ≈ 10 GFLOP/s.  The simulator trains a small stand-in
 * on this clock: the comparison is about scheduling (PAPERS §13). */
#define FAI_FEDMELD_DEVICE_T_CMP_S 5.0
#define FAI_FEDMELD_DEVICE_MODEL_BITS 374064384.0

/* The default set-up in-process: the embedded default scenario (Starlink
 * shell-1-like 72×22, 550 km, 53°, its 23 ground stations) over
 * max(horizon_s, 3 h) at 60 s steps, the 8-sector default areas with 5
 * clients each (seed), default constants except the deployed model's
 * on-device profile (§13's ResNet-18: FAI_FEDMELD_DEVICE_T_CMP_S per local
 * step, FAI_FEDMELD_DEVICE_MODEL_BITS on the air); fills the five schemes:
 * [0] "fedmeld" (τ*, α*), [1] "fedmeld-half-alpha" (τ*, ½), [2]
 * "fedmeld-fixed-tau" (τ = 5, α*(δ)), [3] "gs", [4] "isl". */
fai_status fai_fedmeld_plan_default_timing(uint64_t seed, double horizon_s, fai_fedmeld_timing *out,
                                           fai_error *err);

/* --- timing JSON (solvers/fedmeld/timing.c) -------------------------------------------
 * An object whose members are exactly the fields of fai_fedmeld_timing;
 * "schemes" is an array of objects with the fields of fai_fedmeld_scheme and
 * "kind" written "dispersal" | "gs" | "isl".  from_json is strict: unknown or
 * missing members, wrong types and out-of-range values are FAI_EINVAL with the
 * file, line:col (when `v` comes from a fai_json_doc) and JSON path. */
struct json_t *fai_fedmeld_timing_to_json(const fai_fedmeld_timing *t);
fai_status fai_fedmeld_timing_from_json(const struct json_t *v, const char *file,
                                        fai_fedmeld_timing *out, fai_error *err);
/* The same for a value of a loaded document (include/fluidai/json.h), so errors
 * carry line:col and the full path ("$.decisions.timing.schemes[1].tau"). */
struct fai_jv;
fai_status fai_fedmeld_timing_from_jv(const struct fai_jv *v, fai_fedmeld_timing *out,
                                      fai_error *err);
const char *fai_fl_scheme_kind_name(fai_fl_scheme_kind k);

#ifdef __cplusplus
}
#endif
#endif
