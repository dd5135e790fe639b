/* The FedMeld simulator: real federated training of every scheme of a
 * fai_fedmeld_timing on one non-IID split, on the timing's wall-clock axis.
 *
 * Round r of a scheme (aggregation at first_round_at_s + r·round_s):
 *   every client starts from its model (dispersal: its area's; GS/ISL: the
 *   global one) and runs τ SGD steps (backend op fl_local_sgd, all clients in
 *   one call; mini-batches drawn on the host from Philox keyed by (seed,
 *   client, round, step));
 *   dispersal (FedMeld): ŵ_n^r = FedAvg of area n's clients, then
 *     w_n^{r+1} = (1−α)·ŵ_n^r + α·ŵ_{n−1}^{r−δ} (ring: area 0 takes from
 *     N−1); while r < δ no carried model has arrived and w_n^{r+1} = ŵ_n^r;
 *   GS and ISL: w^{r+1} = FedAvg of all clients (their difference is only in
 *     the timing and the links the bits use).
 * Accuracy of a dispersal scheme is that of the mean of the N area models
 * (the model a user anywhere would get by averaging what the satellites
 * carry; it is also what the convergence bound is about), with the mean
 * accuracy of the individual area models beside it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fluidai/fl.h"
#include "fluidai/json.h"
#include "fluidai/rng.h"

void fai_fl_sim_params_init(fai_fl_sim_params *p) {
  memset(p, 0, sizeof *p);
  p->model = FAI_FL_MLP;
  p->hidden = 200;
  p->batch = 32;
  p->lr = 0.05;
  p->samples_per_client = 500;
  p->labels_per_area = 3;
  p->test_samples = 2000;
  p->eval_points = 40;
  p->area_eval = 1;
  p->seed = 1;
}

void fai_fl_sim_result_free(fai_fl_sim_result *r) {
  if (!r) return;
  free(r->points);
  memset(r, 0, sizeof *r);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int rounds_in_horizon(const fai_fedmeld_timing *tm, const fai_fedmeld_scheme *s) {
  if (s->first_round_at_s > tm->horizon_s) return 0;
  const double r = floor((tm->horizon_s - s->first_round_at_s) / s->round_s) + 1.0;
  return r > 1e7 ? 10000000 : (int)r;
}

static fai_status check_timing(const fai_fedmeld_timing *tm, fai_error *err) {
  if (tm->n_areas < 1 || tm->n_areas > 1024 || tm->clients_per_area < 1 ||
      tm->clients_per_area > 4096)
    return fai_error_set(err, FAI_EINVAL, "timing: %d areas x %d clients; expected 1..1024 x 1..4096",
                         tm->n_areas, tm->clients_per_area);
  if (tm->n_schemes < 1 || tm->n_schemes > FAI_FEDMELD_MAX_SCHEMES)
    return fai_error_set(err, FAI_EINVAL, "timing: %d schemes; expected 1..%d", tm->n_schemes,
                         FAI_FEDMELD_MAX_SCHEMES);
  if (!(tm->horizon_s > 0) || !isfinite(tm->horizon_s))
    return fai_error_set(err, FAI_EINVAL, "timing: horizon %g s; expected > 0", tm->horizon_s);
  for (int i = 0; i < tm->n_schemes; ++i) {
    const fai_fedmeld_scheme *s = &tm->schemes[i];
    if (s->tau < 1 || s->tau > 100000 || !(s->round_s > 0) || !isfinite(s->round_s) ||
        !(s->first_round_at_s >= 0) || !(s->alpha >= 0 && s->alpha <= 1) || s->delta < 0 ||
        (int)s->kind < 0 || (int)s->kind > 2)
      return fai_error_set(err, FAI_EINVAL,
                           "timing: scheme %d (\"%s\"): tau %d, round %g s, first round at %g s, "
                           "alpha %g, delta %d; expected tau 1..100000, round > 0, first >= 0, "
                           "alpha in [0,1], delta >= 0",
                           i, s->name, s->tau, s->round_s, s->first_round_at_s, s->alpha,
                           s->delta);
  }
  return FAI_OK;
}

static fai_status push_point(fai_fl_sim_result *res, const fai_fl_point *pt, fai_error *err) {
  if (res->n_points == res->cap) {
    const int cap = res->cap ? 2 * res->cap : 64;
    fai_fl_point *np = realloc(res->points, (size_t)cap * sizeof *np);
    if (!np) return fai_error_set(err, FAI_ENOMEM, "simulate: out of memory");
    res->points = np;
    res->cap = cap;
  }
  res->points[res->n_points++] = *pt;
  return FAI_OK;
}

typedef struct sim_ctx {
  const fai_backend *be;
  const fai_fedmeld_timing *tm;
  const fai_fl_dataset *train, *test;
  const fai_fl_sim_params *p;
  fai_fl_model model;
  fai_fl_partition part;
  int K;
  float *w0;        /* [P] initial model */
  float *clients;   /* [K][P] */
  float *area;      /* [N][P] current area (or global) models */
  float *hist;      /* [(δ+1)][N][P] area averages of the last δ+1 rounds */
  float *mean;      /* [P] */
  uint8_t *xb, *yb; /* gathered mini-batches */
  size_t xb_cap, hist_cap;
  double sgd_s, sgd_samples;
} sim_ctx;

static fai_status eval_point(sim_ctx *cx, int si, int round, fai_fl_sim_result *res,
                             fai_error *err) {
  const fai_fedmeld_scheme *s = &cx->tm->schemes[si];
  const int64_t P = cx->model.n_params;
  const int N = cx->tm->n_areas;
  fai_fl_point pt;
  fai_status st;
  memset(&pt, 0, sizeof pt);
  pt.scheme = si;
  pt.round = round;
  pt.time_s = round == 0 ? 0.0 : s->first_round_at_s + (round - 1) * s->round_s;
  pt.access_bits = round * s->access_bits_round;
  pt.feeder_bits = round * s->feeder_bits_round;
  pt.isl_bits = round * s->isl_bits_round;
  if (s->kind == FAI_FL_DISPERSAL) {
    const float *ms[1024];
    for (int n = 0; n < N; ++n) ms[n] = cx->area + (int64_t)n * P;
    fai_fl_average(P, N, ms, cx->mean);
    st = fai_fl_evaluate(cx->be, &cx->model, 1, cx->mean, cx->test, cx->p->test_samples,
                         &pt.loss, &pt.accuracy, err);
    if (st != FAI_OK) return st;
    pt.area_accuracy = NAN;
    if (cx->p->area_eval) {
      double acc[1024];
      st = fai_fl_evaluate(cx->be, &cx->model, N, cx->area, cx->test, cx->p->test_samples, NULL,
                           acc, err);
      if (st != FAI_OK) return st;
      double sum = 0.0;
      for (int n = 0; n < N; ++n) sum += acc[n];
      pt.area_accuracy = sum / N;
    }
  } else {
    st = fai_fl_evaluate(cx->be, &cx->model, 1, cx->area, cx->test, cx->p->test_samples,
                         &pt.loss, &pt.accuracy, err);
    if (st != FAI_OK) return st;
    pt.area_accuracy = cx->p->area_eval ? pt.accuracy : NAN;
  }
  return push_point(res, &pt, err);
}

/* On a stop: the state after the last completed round, unless already evaluated. */
static fai_status final_point(sim_ctx *cx, int si, fai_fl_sim_result *res, fai_error *err) {
  const int done = res->rounds_done[si];
  if (res->n_points > 0 && res->points[res->n_points - 1].scheme == si &&
      res->points[res->n_points - 1].round == done)
    return FAI_OK;
  return eval_point(cx, si, done, res, err);
}

/* Mini-batches of round r for every client: K·τ·B samples. */
static void gather(sim_ctx *cx, int r, int tau) {
  const int B = cx->p->batch, S = cx->part.samples_per_client, dim = cx->train->dim;
  const int blocks = (B + 3) / 4;
  const int K = cx->K;
#pragma omp parallel for schedule(static) if ((int64_t)K * tau * B * dim > (1 << 20))
  for (int64_t ct = 0; ct < (int64_t)K * tau; ++ct) {
    const int c = (int)(ct / tau);
    uint32_t w[4] = {0, 0, 0, 0};
    for (int b = 0; b < B; ++b) {
      if ((b & 3) == 0)
        fai_rng_block(cx->p->seed, FAI_FL_STREAM_MINIBATCH,
                      (((uint64_t)r * K + (uint64_t)c) * (uint64_t)tau + (uint64_t)(ct % tau)) *
                              (uint64_t)blocks + (uint64_t)(b >> 2),
                      w);
      const int j = (int)(((uint64_t)w[b & 3] * (uint64_t)S) >> 32);
      const int32_t sample = cx->part.idx[(int64_t)c * S + j];
      const int64_t row = ct * B + b;
      memcpy(cx->xb + row * dim, cx->train->x + (int64_t)sample * dim, (size_t)dim);
      cx->yb[row] = cx->train->y[sample];
    }
  }
}

static fai_status run_scheme(sim_ctx *cx, int si, double t_start, fai_fl_sim_result *res,
                             fai_error *err) {
  const fai_fedmeld_scheme *s = &cx->tm->schemes[si];
  const fai_fl_sim_params *p = cx->p;
  const int64_t P = cx->model.n_params;
  const int N = cx->tm->n_areas, cpa = cx->tm->clients_per_area, K = cx->K;
  const int disp = s->kind == FAI_FL_DISPERSAL;
  const int n_models = disp ? N : 1;
  const int depth = disp ? s->delta + 1 : 1;
  int R = rounds_in_horizon(cx->tm, s);
  fai_status st;
  if (p->max_rounds > 0 && R > p->max_rounds) R = p->max_rounds;
  res->rounds_planned[si] = R;
  /* Scratch sized for this scheme. */
  const size_t xb_need = (size_t)K * s->tau * p->batch * cx->train->dim + 1;
  if (xb_need > cx->xb_cap) {
    free(cx->xb);
    free(cx->yb);
    cx->xb = malloc(xb_need);
    cx->yb = malloc((size_t)K * s->tau * p->batch + 1);
    cx->xb_cap = xb_need;
    if (!cx->xb || !cx->yb) {
      cx->xb_cap = 0;
      return fai_error_set(err, FAI_ENOMEM, "simulate: cannot allocate %zu bytes of mini-batches",
                           xb_need);
    }
  }
  const size_t hist_need = (size_t)depth * N * (size_t)P;
  if (disp && hist_need > cx->hist_cap) {
    free(cx->hist);
    cx->hist = malloc(hist_need * sizeof(float));
    cx->hist_cap = hist_need;
    if (!cx->hist) {
      cx->hist_cap = 0;
      return fai_error_set(err, FAI_ENOMEM, "simulate: cannot allocate the carried models "
                                            "(delta %d)", s->delta);
    }
  }
  for (int n = 0; n < n_models; ++n) memcpy(cx->area + (int64_t)n * P, cx->w0, (size_t)P * sizeof(float));
  if ((st = eval_point(cx, si, 0, res, err)) != FAI_OK) return st;
  const int every = p->eval_points > 0 ? (R + p->eval_points - 1) / p->eval_points : R;
  for (int r = 0; r < R; ++r) {
    if (fai_interrupted() || (p->time_limit_s > 0 && now_s() - t_start > p->time_limit_s)) {
      res->outcome = fai_interrupted() ? FAI_OUTCOME_INTERRUPTED : FAI_OUTCOME_TIME_LIMIT;
      return final_point(cx, si, res, err);
    }
    for (int c = 0; c < K; ++c)
      memcpy(cx->clients + (int64_t)c * P, cx->area + (int64_t)(disp ? c / cpa : 0) * P,
             (size_t)P * sizeof(float));
    gather(cx, r, s->tau);
    const double t0 = now_s();
    st = cx->be->fl_local_sgd(cx->be, cx->model.n_dims, cx->model.dims, K, s->tau, p->batch,
                              (float)p->lr, cx->xb, cx->yb, cx->clients, err);
    cx->sgd_s += now_s() - t0;
    cx->sgd_samples += (double)K * s->tau * p->batch;
    if (st == FAI_EINTR) {
      res->outcome = FAI_OUTCOME_INTERRUPTED;
      return final_point(cx, si, res, err);
    }
    if (st != FAI_OK) return st;
    const float *ms[4096];
    if (disp) {
      float *cur = cx->hist + (size_t)(r % depth) * N * (size_t)P;
      for (int n = 0; n < N; ++n) {
        for (int i = 0; i < cpa; ++i) ms[i] = cx->clients + (int64_t)(n * cpa + i) * P;
        fai_fl_average(P, cpa, ms, cur + (int64_t)n * P);
      }
      const float *old = r >= s->delta ? cx->hist + (size_t)((r - s->delta) % depth) * N * (size_t)P
                                       : NULL;
      for (int n = 0; n < N; ++n) {
        float *dst = cx->area + (int64_t)n * P;
        const float *own = cur + (int64_t)n * P;
        if (old) fai_fl_mix(P, s->alpha, own, old + (int64_t)((n + N - 1) % N) * P, dst);
        else memcpy(dst, own, (size_t)P * sizeof(float));
      }
    } else {
      for (int c = 0; c < K; ++c) ms[c] = cx->clients + (int64_t)c * P;
      fai_fl_average(P, K, ms, cx->area);
    }
    res->rounds_done[si] = r + 1;
    if ((r + 1) % every == 0 || r + 1 == R)
      if ((st = eval_point(cx, si, r + 1, res, err)) != FAI_OK) return st;
    char stage[48];
    snprintf(stage, sizeof stage, "%s", s->name);
    fai_progress_report(&p->progress, stage, r + 1, R);
  }
  return FAI_OK;
}

fai_status fai_fl_simulate(const fai_backend *be, const fai_fedmeld_timing *tm,
                           const fai_fl_dataset *train, const fai_fl_dataset *test,
                           const fai_fl_sim_params *p, fai_fl_sim_result *res, fai_error *err) {
  sim_ctx cx;
  fai_status st;
  memset(res, 0, sizeof *res);
  memset(&cx, 0, sizeof cx);
  res->outcome = FAI_OUTCOME_COMPLETE;
  if ((st = check_timing(tm, err)) != FAI_OK) return st;
  if (p->batch < 1 || p->batch > 4096 || !(p->lr > 0) || !isfinite(p->lr))
    return fai_error_set(err, FAI_EINVAL, "simulate: batch %d, lr %g; expected batch 1..4096 "
                                          "and lr > 0", p->batch, p->lr);
  if (train->dim != test->dim || train->n_classes != test->n_classes)
    return fai_error_set(err, FAI_EINVAL, "simulate: training and test sets differ in shape");
  if (!be->fl_local_sgd || !be->fl_logits)
    return fai_error_set(err, FAI_ENODEV, "backend %s has no federated-learning ops", be->name);
  cx.be = be;
  cx.tm = tm;
  cx.train = train;
  cx.test = test;
  cx.p = p;
  cx.K = tm->n_areas * tm->clients_per_area;
  if (cx.K > 4096)
    return fai_error_set(err, FAI_EINVAL, "timing: %d clients in all; expected at most 4096", cx.K);
  res->n_schemes = tm->n_schemes;
  if ((st = fai_fl_model_init(&cx.model, p->model, train->dim, p->hidden, train->n_classes, err)) !=
      FAI_OK)
    return st;
  if ((st = fai_fl_partition_noniid(train, tm->n_areas, tm->clients_per_area, p->labels_per_area,
                                    p->samples_per_client, p->seed, &cx.part, err)) != FAI_OK)
    return st;
  const int64_t P = cx.model.n_params;
  cx.w0 = malloc((size_t)P * sizeof(float));
  cx.mean = malloc((size_t)P * sizeof(float));
  cx.clients = malloc((size_t)cx.K * P * sizeof(float));
  cx.area = malloc((size_t)tm->n_areas * P * sizeof(float));
  if (!cx.w0 || !cx.mean || !cx.clients || !cx.area) {
    st = fai_error_set(err, FAI_ENOMEM, "simulate: cannot allocate %d client models", cx.K);
    goto cleanup;
  }
  /* A dispersal scheme keeps the area averages of its last δ + 1 rounds (the
   * carried models are δ rounds old): refuse up front, not after hours of
   * training, when that history does not fit. */
  for (int si = 0; si < tm->n_schemes; ++si) {
    const fai_fedmeld_scheme *s = &tm->schemes[si];
    const double bytes = ((double)s->delta + 1) * tm->n_areas * (double)P * sizeof(float);
    if (s->kind == FAI_FL_DISPERSAL && bytes > FAI_FL_MAX_HISTORY_BYTES) {
      st = fai_error_set(err, FAI_EINVAL,
                         "timing: scheme %d (\"%s\") has staleness delta %d rounds (round %g s): "
                         "its %d carried-model generations of %d areas x %lld parameters need "
                         "%.3g GB, more than the simulator's %.3g GB; plan with calibrated "
                         "constants (fedmeld sim --pilot) or cap the staleness "
                         "(fedmeld plan --delta-cap)",
                         si, s->name, s->delta, s->round_s, s->delta + 1, tm->n_areas,
                         (long long)P, bytes / 1e9, FAI_FL_MAX_HISTORY_BYTES / 1e9);
      goto cleanup;
    }
  }
  fai_fl_model_init_params(&cx.model, p->seed, cx.w0);
  const double t_start = now_s();
  for (int si = 0; si < tm->n_schemes; ++si) {
    FAI_TRY(run_scheme(&cx, si, t_start, res, err));
    if (res->outcome != FAI_OUTCOME_COMPLETE) break;
  }
  res->samples_per_s = cx.sgd_s > 0 ? cx.sgd_samples / cx.sgd_s : 0.0;
cleanup:
  fai_fl_partition_free(&cx.part);
  free(cx.w0);
  free(cx.mean);
  free(cx.clients);
  free(cx.area);
  free(cx.hist);
  free(cx.xb);
  free(cx.yb);
  return st;
}

static const char *kind_name(fai_fl_scheme_kind k) {
  return k == FAI_FL_DISPERSAL ? "dispersal" : k == FAI_FL_GS ? "gs" : "isl";
}

static json_t *num(double v) {
  return isfinite(v) ? json_real(v) : json_null();
}

json_t *fai_fl_result_json(const fai_fedmeld_timing *tm, const fai_fl_sim_result *r) {
  json_t *out = json_object(), *schemes = json_array(), *curve = json_array();
  for (int si = 0; si < r->n_schemes; ++si) {
    const fai_fedmeld_scheme *s = &tm->schemes[si];
    const fai_fl_point *last = NULL;
    double best = 0.0;
    for (int i = 0; i < r->n_points; ++i)
      if (r->points[i].scheme == si) {
        last = &r->points[i];
        if (last->accuracy > best) best = last->accuracy;
      }
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "kind", json_string(kind_name(s->kind)));
    json_object_set_new(o, "tau", json_integer(s->tau));
    json_object_set_new(o, "alpha", json_real(s->alpha));
    json_object_set_new(o, "delta", json_integer(s->delta));
    json_object_set_new(o, "round_s", json_real(s->round_s));
    json_object_set_new(o, "first_round_at_s", json_real(s->first_round_at_s));
    json_object_set_new(o, "rounds_in_horizon", json_integer(r->rounds_planned[si]));
    json_object_set_new(o, "rounds_done", json_integer(r->rounds_done[si]));
    json_object_set_new(o, "final_accuracy", last ? num(last->accuracy) : json_null());
    json_object_set_new(o, "final_area_accuracy", last ? num(last->area_accuracy) : json_null());
    json_object_set_new(o, "final_loss", last ? num(last->loss) : json_null());
    json_object_set_new(o, "best_accuracy", json_real(best));
    json_object_set_new(o, "access_bits", json_real(last ? last->access_bits : 0.0));
    json_object_set_new(o, "feeder_bits", json_real(last ? last->feeder_bits : 0.0));
    json_object_set_new(o, "isl_bits", json_real(last ? last->isl_bits : 0.0));
    json_array_append_new(schemes, o);
  }
  for (int i = 0; i < r->n_points; ++i) {
    const fai_fl_point *pt = &r->points[i];
    json_t *o = json_object();
    json_object_set_new(o, "scheme", json_string(tm->schemes[pt->scheme].name));
    json_object_set_new(o, "round", json_integer(pt->round));
    json_object_set_new(o, "time_s", json_real(pt->time_s));
    json_object_set_new(o, "hours", json_real(pt->time_s / 3600.0));
    json_object_set_new(o, "accuracy", num(pt->accuracy));
    json_object_set_new(o, "area_accuracy", num(pt->area_accuracy));
    json_object_set_new(o, "loss", num(pt->loss));
    json_object_set_new(o, "access_bits", json_real(pt->access_bits));
    json_object_set_new(o, "feeder_bits", json_real(pt->feeder_bits));
    json_object_set_new(o, "isl_bits", json_real(pt->isl_bits));
    json_array_append_new(curve, o);
  }
  json_object_set_new(out, "schemes", schemes);
  json_object_set_new(out, "curve", curve);
  return out;
}

static void cat_num(char **buf, size_t *len, size_t *cap, double v, char sep) {
  char num_txt[40];
  if (isfinite(v)) fai_json_format_double(v, num_txt);
  else snprintf(num_txt, sizeof num_txt, "nan");
  const size_t need = strlen(num_txt) + 2;
  if (*len + need + 1 > *cap) {
    *cap = 2 * (*cap + need);
    char *nb = realloc(*buf, *cap);
    if (!nb) return;
    *buf = nb;
  }
  *len += (size_t)sprintf(*buf + *len, "%s%c", num_txt, sep);
}

char *fai_fl_result_csv(const fai_fedmeld_timing *tm, const fai_fl_sim_result *r) {
  size_t cap = 4096 + (size_t)r->n_points * 256, len = 0;
  char *buf = malloc(cap);
  if (!buf) return NULL;
  len += (size_t)sprintf(buf, "scheme,round,time_s,hours,accuracy,area_accuracy,loss,"
                              "access_bits,feeder_bits,isl_bits\n");
  for (int i = 0; i < r->n_points; ++i) {
    const fai_fl_point *pt = &r->points[i];
    if (len + 64 > cap) {
      cap *= 2;
      char *nb = realloc(buf, cap);
      if (!nb) {
        free(buf);
        return NULL;
      }
      buf = nb;
    }
    len += (size_t)sprintf(buf + len, "%s,%d,", tm->schemes[pt->scheme].name, pt->round);
    cat_num(&buf, &len, &cap, pt->time_s, ',');
    cat_num(&buf, &len, &cap, pt->time_s / 3600.0, ',');
    cat_num(&buf, &len, &cap, pt->accuracy, ',');
    cat_num(&buf, &len, &cap, pt->area_accuracy, ',');
    cat_num(&buf, &len, &cap, pt->loss, ',');
    cat_num(&buf, &len, &cap, pt->access_bits, ',');
    cat_num(&buf, &len, &cap, pt->feeder_bits, ',');
    cat_num(&buf, &len, &cap, pt->isl_bits, '\n');
  }
  return buf;
}
