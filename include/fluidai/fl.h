/* Federated training for the FedMeld simulator (public).  PAPERS.md §4.3, §13.
 *
 * Small, exact and fast: softmax regression (784→10) and the ReLU MLP
 * 784-200-200-10 trained by mini-batch SGD on byte images (Fashion-MNIST
 * from the Debian package dataset-fashion-mnist, or a synthetic non-IID
 * generator).  Local SGD runs through the backend op fl_local_sgd (one call
 * per round for all clients; kernels/fl_core.h holds the arithmetic), test
 * logits through fl_logits.  Aggregation (FedAvg, ring mixing) is on the
 * host, summed in client index order, so results are identical for any
 * thread count and for cpu and cuda.
 *
 * The wall-clock axis comes from a fai_fedmeld_timing (fluidai/fedmeld.h):
 * scheme s aggregates at first_round_at_s + r·round_s, r = 0, 1, ... while
 * that is within the horizon. */
#ifndef FLUIDAI_FL_H
#define FLUIDAI_FL_H

#include <jansson.h>
#include <stdint.h>

#include "fluidai/backend.h"
#include "fluidai/fedmeld.h"
#include "fluidai/log.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Philox streams of the simulator (FAI_STREAM_* in rng.h are the toolkit's;
 * these values are outside their range). */
#define FAI_FL_STREAM_MINIBATCH 0x464c0001u /* (seed, stream, ((r·K + c)·τ + t)·⌈B/4⌉ + b/4) */
#define FAI_FL_STREAM_INIT 0x464c0002u      /* initial weights */
#define FAI_FL_STREAM_DATA 0x464c0003u      /* synthetic data, partition shuffles */

#define FAI_FL_DEFAULT_DATA_DIR "/usr/share/datasets/fashion-mnist"
#define FAI_FL_DATA_PACKAGE "dataset-fashion-mnist"

/* ---- data ------------------------------------------------------------------ */

typedef struct fai_fl_dataset {
  int64_t n;          /* samples */
  int dim;            /* pixels per sample */
  int n_classes;
  uint8_t *x;         /* [n][dim] */
  uint8_t *y;         /* [n], < n_classes */
} fai_fl_dataset;

void fai_fl_dataset_free(fai_fl_dataset *d);

/* One IDX file (plain or gzip, by content): expect_ndims = 1 (labels) or 3
 * (images).  Strict: magic (two zero bytes, type 0x08 unsigned byte, the
 * expected number of dimensions), positive dimensions, and a payload of
 * exactly their product; errors name the file and the field.  *data gets
 * the payload (malloc), dims[0..ndims-1] the sizes. */
fai_status fai_fl_idx_read(const char *path, int expect_ndims, int dims[3], uint8_t **data,
                           fai_error *err);
/* Can gzip files be read in this build (zlib headers at build time and
 * libz.so.1 at run time)? */
int fai_fl_gzip_available(void);
/* Fashion-MNIST from dir (NULL: FAI_FL_DEFAULT_DATA_DIR): train-images-idx3-ubyte,
 * train-labels-idx1-ubyte, t10k-*, each plain or with ".gz".  FAI_ENOENT with
 * a message naming the package when the files are absent. */
fai_status fai_fl_load_fashion_mnist(const char *dir, fai_fl_dataset *train, fai_fl_dataset *test,
                                     fai_error *err);
/* Are the four files present in dir (NULL: the default)? */
int fai_fl_fashion_mnist_present(const char *dir);

/* Synthetic stand-in: n_classes Gaussian clusters in dim pixels (Philox
 * keyed by seed): centre_c[i] = 128 + spread·N(0,1) per class and pixel,
 * sample = clamp(round(centre + noise·N(0,1)), 0, 255); labels cycle 0..C−1. */
typedef struct fai_fl_synth_params {
  int dim;            /* 784 */
  int n_classes;      /* 10 */
  int64_t n_train;    /* 20000 */
  int64_t n_test;     /* 2000 */
  double spread;      /* 40: class centre spread (pixel units) */
  double noise;       /* 48: within-class noise (pixel units) */
  uint64_t seed;
} fai_fl_synth_params;
void fai_fl_synth_params_init(fai_fl_synth_params *p);
fai_status fai_fl_synthetic(const fai_fl_synth_params *p, fai_fl_dataset *train,
                            fai_fl_dataset *test, fai_error *err);

/* Non-IID split: area a holds labels (a·labels_per_area + j) mod C,
 * j < labels_per_area; each of its clients gets samples_per_client samples,
 * as equal as possible over those labels, drawn without replacement from a
 * Philox shuffle of each label's samples (labels are shared among the
 * areas holding them, so no sample is used twice).  idx[k][s], client
 * k = a·clients_per_area + i. */
typedef struct fai_fl_partition {
  int n_areas, clients_per_area, labels_per_area, samples_per_client;
  int32_t *idx;
} fai_fl_partition;
fai_status fai_fl_partition_noniid(const fai_fl_dataset *train, int n_areas,
                                   int clients_per_area, int labels_per_area,
                                   int samples_per_client, uint64_t seed, fai_fl_partition *out,
                                   fai_error *err);
void fai_fl_partition_free(fai_fl_partition *p);

/* ---- models ---------------------------------------------------------------- */

typedef enum fai_fl_model_kind { FAI_FL_LOGREG = 0, FAI_FL_MLP = 1 } fai_fl_model_kind;

typedef struct fai_fl_model {
  fai_fl_model_kind kind;
  int n_dims;        /* 2 (logreg) or 4 (MLP) */
  int dims[4];       /* {in, out} or {in, h, h, out} */
  int64_t n_params;
} fai_fl_model;

fai_status fai_fl_model_init(fai_fl_model *m, fai_fl_model_kind kind, int n_in, int hidden,
                             int n_classes, fai_error *err);
/* Uniform Glorot initial weights (Philox, stream FAI_FL_STREAM_INIT), zero
 * biases; softmax regression starts at zero. */
void fai_fl_model_init_params(const fai_fl_model *m, uint64_t seed, float *params);

/* out = mean of n models (summed in double in index order, rounded once).
 * The mean of identical models is that model exactly. */
void fai_fl_average(int64_t n_params, int n, const float *const *models, float *out);
/* out = (1 − α)·own + α·carried (in double, rounded once): FedMeld's mixing
 * w_n ← (1−α)·ŵ_n^r + α·ŵ_{n−1}^{r−δ}.  out may alias own. */
void fai_fl_mix(int64_t n_params, double alpha, const float *own, const float *carried,
                float *out);

/* Mean cross-entropy and accuracy of n_models models on n test samples
 * (logits from the backend, loss and argmax on the host). */
fai_status fai_fl_evaluate(const fai_backend *be, const fai_fl_model *m, int n_models,
                           const float *params, const fai_fl_dataset *test, int64_t n,
                           double *loss, double *accuracy, fai_error *err);

/* Mean gradient of one model over samples idx[0..n) (cpu, one thread; for the
 * pilot and the gradient check): grad[P]; returns the mean loss. */
double fai_fl_gradient(const fai_fl_model *m, const float *params, const fai_fl_dataset *d,
                       const int32_t *idx, int n, float *grad);

/* ---- simulation --------------------------------------------------------------- */

typedef struct fai_fl_sim_params {
  fai_fl_model_kind model;   /* MLP */
  int hidden;                /* 200 */
  int batch;                 /* 32 */
  double lr;                 /* 0.05 */
  int samples_per_client;    /* 500 */
  int labels_per_area;       /* 3 */
  int64_t test_samples;      /* 2000 (0: all) */
  int eval_points;           /* 40: evaluations per scheme (spread over its rounds) */
  int area_eval;             /* 1: also the mean accuracy of the area models */
  int max_rounds;            /* 0: no cap; else at most this many rounds per scheme */
  uint64_t seed;
  double time_limit_s;       /* <= 0: none (then outcome time-limit) */
  fai_progress progress;
} fai_fl_sim_params;
void fai_fl_sim_params_init(fai_fl_sim_params *p);

typedef struct fai_fl_point {
  int scheme;                /* index into the timing's schemes */
  int round;                 /* aggregations done (0: the initial model) */
  double time_s;             /* wall-clock time of that aggregation */
  double accuracy;           /* test accuracy of the mean of the area models */
  double area_accuracy;      /* mean test accuracy of the area models (NaN when off) */
  double loss;               /* test cross-entropy of the mean model */
  double access_bits, feeder_bits, isl_bits;   /* cumulative */
} fai_fl_point;

typedef struct fai_fl_sim_result {
  int n_points, cap;
  fai_fl_point *points;
  int n_schemes;
  int rounds_planned[FAI_FEDMELD_MAX_SCHEMES];  /* rounds within the horizon */
  int rounds_done[FAI_FEDMELD_MAX_SCHEMES];
  double samples_per_s;      /* local-SGD throughput (run facts, not in the plan) */
  fai_outcome outcome;       /* COMPLETE, INTERRUPTED or TIME_LIMIT */
} fai_fl_sim_result;
void fai_fl_sim_result_free(fai_fl_sim_result *r);

/* Most memory the carried-model history of one dispersal scheme may take:
 * (δ + 1)·N·P floats (timings beyond it are refused before training). */
#define FAI_FL_MAX_HISTORY_BYTES (4.0 * 1024 * 1024 * 1024)

/* Train every scheme of the timing on the partition of train (areas and
 * clients per area from the timing), evaluate on test.  Stops on
 * fai_interrupted() or the time limit, keeping the curve so far (FAI_OK, the
 * outcome says so). */
fai_status fai_fl_simulate(const fai_backend *be, const fai_fedmeld_timing *tm,
                           const fai_fl_dataset *train, const fai_fl_dataset *test,
                           const fai_fl_sim_params *p, fai_fl_sim_result *res, fai_error *err);

/* The plan-JSON members of a result: {"schemes": [...], "curve": [...]} and
 * the CSV text of the curve (malloc). */
json_t *fai_fl_result_json(const fai_fedmeld_timing *tm, const fai_fl_sim_result *r);
char *fai_fl_result_csv(const fai_fedmeld_timing *tm, const fai_fl_sim_result *r);

/* ---- pilot ------------------------------------------------------------------- */

/* Constants of the convergence bound (PAPERS.md §4.2), the JSON the planner
 * reads with --constants (fluidai-fedmeld-constants: "L", "sigma2", "zeta2", "G2",
 * "F_gap" = F0_minus_Fstar, "eta", "batch", and when calibrated "c2", "c3" and the
 * informational "calibration"). */
typedef struct fai_fl_constants {
  double L, sigma2, zeta2, G2, F0_minus_Fstar;
  /* The simulator's step size and batch (the planner's eta, batch). */
  double eta, batch;
  /* Calibration of the bound's drift and staleness constants (PAPERS §4.2
   * [P]; see sim_pilot.c): c2, c3 (c1 stays 1: it does not move the design),
   * and what they were fitted from.  calibrated = 0 when the pilot ran
   * without the calibration runs (cal_steps 0): c2 = c3 = 1 then. */
  int calibrated;
  double c2, c3;
  double drift_exponent;     /* γ of the bound's τ^γ (PAPERS' τ²: 2) */
  int drift_exponent_fitted; /* 1: γ fitted by the runs; 0: given */
  int cal_steps;             /* local steps of each calibration run (S) */
  int cal_warmup;            /* τ = 1 FedAvg steps from w0 before the runs (W) */
  double cal_loss_start;     /* training loss after the warm-up (where the runs start) */
  int cal_n_taus;
  int cal_taus[4];           /* τ of the runs (1 first) */
  double cal_loss[4];        /* training loss of the averaged model after S steps */
  double cal_loss_half;      /* τ = 1 run after S/2 steps */
  double cal_c0;             /* measured 1/s loss slope / the bound's 4ΔF/η */
  double cal_drift_fit;      /* loss excess per unit of η²L²(σ²+ζ²)(τ^γ−1) (least squares) */
  int cal_stale_tau, cal_stale_rounds; /* the staleness runs: τ = S/8, carried D rounds old */
  double cal_stale_loss[2];  /* loss of the mean area model after S steps: fresh, stale */
} fai_fl_constants;

/* Short pilot run from the initial model: full-data gradients per client
 * (ζ² = mean ‖∇F_k − ∇F‖²), mini-batch gradients (σ² = mean batch-size-b
 * variance E‖g − ∇F_k‖², G² = mean ‖g‖²), L = max over clients of
 * ‖∇F_k(w') − ∇F_k(w)‖ / ‖w' − w‖ after `steps` SGD steps, and
 * F0 − F* = F(w0) (cross-entropy, F* >= 0 taken as 0). */
fai_status fai_fl_pilot(const fai_fl_model *m, const fai_fl_dataset *train,
                        const fai_fl_partition *part, int batch, double lr, int steps,
                        uint64_t seed, int threads, fai_fl_constants *out, fai_error *err);
/* What the calibration runs (see sim_pilot.c). */
typedef struct fai_fl_calibration {
  int steps;             /* S: local steps of each run (a multiple of 8; 0: no calibration) (256) */
  int warmup;            /* W: τ = 1 FedAvg steps from w0 before the runs (1024) */
  double drift_exponent; /* γ of the bound's τ^γ (2: PAPERS' τ²); 0 = fit it from the runs */
  int stale_rounds;      /* D: staleness (rounds of S/8 steps) of the stale run (4) */
} fai_fl_calibration;
void fai_fl_calibration_init(fai_fl_calibration *cal);

/* fai_fl_pilot, then (cal->steps > 0) the calibration of c2, c3 and the drift
 * exponent: global FedAvg of all clients, W warm-up steps with τ = 1 from w0,
 * then from there S local steps with τ = 1, S/8 and S (S a multiple of 8,
 * >= 8), see sim_pilot.c.  FAI_EINVAL when the τ = 1 run does not lower the
 * loss (step size too large or too small to calibrate). */
fai_status fai_fl_pilot_calibrated(const fai_fl_model *m, const fai_fl_dataset *train,
                                   const fai_fl_partition *part, int batch, double lr, int steps,
                                   const fai_fl_calibration *cal, uint64_t seed, int threads,
                                   fai_fl_constants *out, fai_error *err);
json_t *fai_fl_constants_json(const fai_fl_constants *c);

#ifdef __cplusplus
}
#endif
#endif
