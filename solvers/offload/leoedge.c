/* LEOEdge instances: strict reader, writer, generator, benefit function
 * (PAPERS.md §11.1).  The solvers are in leoedge_solve.c, the simulation in
 * leoedge_sim.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/json.h"
#include "fluidai/leoedge.h"
#include "fluidai/rng.h"

static const char *const BENEFIT_NAMES[] = {"log", "sqrt", "linear-capped", NULL};
static const char *const ALGO_NAMES[] = {"distributed", "central", "threshold", "workload", NULL};

int fai_leo_benefit_parse(const char *s, fai_leo_benefit *out) {
  for (int i = 0; BENEFIT_NAMES[i]; i++)
    if (!strcmp(s, BENEFIT_NAMES[i])) {
      *out = (fai_leo_benefit)i;
      return 0;
    }
  return -1;
}
const char *fai_leo_benefit_name(fai_leo_benefit b) {
  return (unsigned)b < 3 ? BENEFIT_NAMES[b] : "?";
}
int fai_leo_algo_parse(const char *s, fai_leo_algo *out) {
  for (int i = 0; ALGO_NAMES[i]; i++)
    if (!strcmp(s, ALGO_NAMES[i])) {
      *out = (fai_leo_algo)i;
      return 0;
    }
  return -1;
}
const char *fai_leo_algo_name(fai_leo_algo a) {
  return (unsigned)a < 4 ? ALGO_NAMES[a] : "?";
}

/* x in milliseconds-equivalent; x0 = 1 ms. */
double fai_leo_F(fai_leo_benefit b, double x) {
  if (!(x > 0)) return 0.0;
  switch (b) {
    case FAI_LEO_F_SQRT: return sqrt(x);
    case FAI_LEO_F_LINCAP: return x < 100.0 ? x : 100.0;
    default: return log1p(x);
  }
}

void fai_leo_benefits(const fai_leo_instance *in, fai_leo_benefit F, double alpha, double *benefit) {
  for (int k = 0; k < in->n_tasks; k++) {
    const int i = in->task_sat[k];
    const double d = in->bits[k] * in->loss[i] / in->rate_bps[i];
    const double da_pp = 100.0 * (in->ground_acc - in->sat_acc[i]);
    for (int o = 0; o < in->n_cont; o++) {
      const double ce = in->wait_s[o] + in->work_s[k] / (in->speed[o] * (1.0 - in->base_load[o]));
      const double dc_ms = 1000.0 * (in->local_s[k] - ce - d);
      benefit[(size_t)k * in->n_cont + o] = fai_leo_F(F, alpha * dc_ms + (1.0 - alpha) * da_pp);
    }
  }
}

void fai_leo_instance_init(fai_leo_instance *in) {
  memset(in, 0, sizeof *in);
  snprintf(in->name, sizeof in->name, "leoedge");
  in->alpha = 0.5;
  in->load_cap = 0.5;
  in->window_s = 10.0;
  in->ground_acc = 0.8;
}

void fai_leo_instance_free(fai_leo_instance *in) {
  if (!in) return;
  free(in->sat_id);
  free(in->rate_bps);
  free(in->loss);
  free(in->sat_acc);
  free(in->task_sat);
  free(in->bits);
  free(in->local_s);
  free(in->work_s);
  free(in->srv_id);
  free(in->cont_srv);
  free(in->srv_first);
  free(in->speed);
  free(in->base_load);
  free(in->wait_s);
  char name[64];
  memcpy(name, in->name, sizeof name);
  fai_leo_instance_init(in);
  memcpy(in->name, name, sizeof name);
}

fai_status fai_leo_instance_alloc(fai_leo_instance *in, int n, int k, int j, int o, fai_error *err) {
  in->n_sats = n;
  in->n_tasks = k;
  in->n_servers = j;
  in->n_cont = o;
  in->sat_id = calloc((size_t)n + 1, sizeof *in->sat_id);
  in->rate_bps = calloc((size_t)n + 1, sizeof(double));
  in->loss = calloc((size_t)n + 1, sizeof(double));
  in->sat_acc = calloc((size_t)n + 1, sizeof(double));
  in->task_sat = calloc((size_t)k + 1, sizeof(int));
  in->bits = calloc((size_t)k + 1, sizeof(double));
  in->local_s = calloc((size_t)k + 1, sizeof(double));
  in->work_s = calloc((size_t)k + 1, sizeof(double));
  in->srv_id = calloc((size_t)j + 1, sizeof *in->srv_id);
  in->cont_srv = calloc((size_t)o + 1, sizeof(int));
  in->srv_first = calloc((size_t)j + 2, sizeof(int));
  in->speed = calloc((size_t)o + 1, sizeof(double));
  in->base_load = calloc((size_t)o + 1, sizeof(double));
  in->wait_s = calloc((size_t)o + 1, sizeof(double));
  if (!in->sat_id || !in->rate_bps || !in->loss || !in->sat_acc || !in->task_sat || !in->bits ||
      !in->local_s || !in->work_s || !in->srv_id || !in->cont_srv || !in->srv_first ||
      !in->speed || !in->base_load || !in->wait_s)
    return fai_error_set(err, FAI_ENOMEM, "out of memory for a LEOEdge instance");
  return FAI_OK;
}

/* A number that must be > 0 (and <= hi): "value 0; expected a number in (0, hi]". */
static fai_status positive(const fai_jv *obj, const char *key, int required, double def, double hi,
                           double *out, fai_error *err) {
  fai_status st = fai_jv_number(obj, key, required, def, -INFINITY, INFINITY, out, err);
  if (st != FAI_OK) return st;
  if (!(*out > 0) || !(*out <= hi)) {
    fai_jv x;
    fai_jv_member(obj, key, &x);
    return fai_jv_error(&x, FAI_EINVAL, err, "value %g is out of range; expected a number in (0, %g]",
                        *out, hi);
  }
  return FAI_OK;
}

/* Count tasks and containers first, then fill. */
static fai_status load_doc(const fai_json_doc *doc, fai_leo_instance *in, fai_error *err) {
  static const char *const keys[] = {"format", "version", "name", "seed", "alpha", "load_cap",
                                     "window_s", "ground_model", "satellites", "servers", NULL};
  static const char *const gkeys[] = {"accuracy", NULL};
  static const char *const skeys[] = {"id", "rate_bps", "loss_factor", "accuracy", "tasks", NULL};
  static const char *const tkeys[] = {"bits", "local_s", "work_s", NULL};
  static const char *const vkeys[] = {"id", "containers", NULL};
  static const char *const ckeys[] = {"speed", "base_load", "wait_s", NULL};
  fai_status st = FAI_OK;
  fai_jv root = fai_jv_root(doc), x, gm, sats, srvs;
  const char *s;
  long long ll;
  FAI_TRY(fai_jv_expect_object(&root, keys, err));
  FAI_TRY(fai_jv_string(&root, "format", 1, NULL, &s, err));
  if (strcmp(s, "fluidai-leoedge-instance")) {
    fai_jv_member(&root, "format", &x);
    return fai_jv_error(&x, FAI_EINVAL, err, "format \"%s\"; expected \"fluidai-leoedge-instance\"", s);
  }
  FAI_TRY(fai_jv_int(&root, "version", 0, 1, 1, 1, &ll, err));
  FAI_TRY(fai_jv_string(&root, "name", 0, "leoedge", &s, err));
  snprintf(in->name, sizeof in->name, "%s", s);
  FAI_TRY(fai_jv_int(&root, "seed", 0, 1, 0, INT64_MAX, &ll, err));
  in->seed = (uint64_t)ll;
  FAI_TRY(fai_jv_number(&root, "alpha", 0, 0.5, 0, 1, &in->alpha, err));
  FAI_TRY(positive(&root, "load_cap", 0, 0.5, 1, &in->load_cap, err));
  FAI_TRY(positive(&root, "window_s", 0, 10, 1e9, &in->window_s, err));
  if (fai_jv_member(&root, "ground_model", &gm)) {
    FAI_TRY(fai_jv_expect_object(&gm, gkeys, err));
    FAI_TRY(fai_jv_number(&gm, "accuracy", 1, 0, 0, 1, &in->ground_acc, err));
  }
  if (!fai_jv_member(&root, "satellites", &sats))
    return fai_jv_error(&root, FAI_EINVAL, err, "missing \"satellites\"");
  if (!fai_jv_member(&root, "servers", &srvs))
    return fai_jv_error(&root, FAI_EINVAL, err, "missing \"servers\"");
  FAI_TRY(fai_jv_expect_array(&sats, 1, err));
  FAI_TRY(fai_jv_expect_array(&srvs, 1, err));
  const int n = (int)json_array_size(sats.v), j = (int)json_array_size(srvs.v);
  int k = 0, o = 0;
  for (int i = 0; i < n; i++) {
    fai_jv si = fai_jv_index(&sats, (size_t)i), ts;
    FAI_TRY(fai_jv_expect_object(&si, skeys, err));
    if (!fai_jv_member(&si, "tasks", &ts)) return fai_jv_error(&si, FAI_EINVAL, err, "missing \"tasks\"");
    FAI_TRY(fai_jv_expect_array(&ts, 0, err));
    k += (int)json_array_size(ts.v);
  }
  for (int s2 = 0; s2 < j; s2++) {
    fai_jv vi = fai_jv_index(&srvs, (size_t)s2), cs;
    FAI_TRY(fai_jv_expect_object(&vi, vkeys, err));
    if (!fai_jv_member(&vi, "containers", &cs))
      return fai_jv_error(&vi, FAI_EINVAL, err, "missing \"containers\"");
    FAI_TRY(fai_jv_expect_array(&cs, 1, err));
    o += (int)json_array_size(cs.v);
  }
  FAI_TRY(fai_leo_instance_alloc(in, n, k, j, o, err));
  k = 0;
  for (int i = 0; i < n; i++) {
    fai_jv si = fai_jv_index(&sats, (size_t)i), ts;
    char def[32];
    snprintf(def, sizeof def, "sat%d", i);
    FAI_TRY(fai_jv_string(&si, "id", 0, def, &s, err));
    snprintf(in->sat_id[i], sizeof in->sat_id[i], "%s", s);
    FAI_TRY(positive(&si, "rate_bps", 1, 0, 1e15, &in->rate_bps[i], err));
    FAI_TRY(positive(&si, "loss_factor", 0, 1, 1e6, &in->loss[i], err));
    FAI_TRY(fai_jv_number(&si, "accuracy", 1, 0, 0, 1, &in->sat_acc[i], err));
    fai_jv_member(&si, "tasks", &ts);
    for (size_t q = 0; q < json_array_size(ts.v); q++, k++) {
      fai_jv t = fai_jv_index(&ts, q);
      FAI_TRY(fai_jv_expect_object(&t, tkeys, err));
      in->task_sat[k] = i;
      FAI_TRY(fai_jv_number(&t, "bits", 1, 0, 0, 1e15, &in->bits[k], err));
      FAI_TRY(fai_jv_number(&t, "local_s", 1, 0, 0, 1e9, &in->local_s[k], err));
      FAI_TRY(positive(&t, "work_s", 1, 0, 1e9, &in->work_s[k], err));
    }
  }
  o = 0;
  for (int s2 = 0; s2 < j; s2++) {
    fai_jv vi = fai_jv_index(&srvs, (size_t)s2), cs;
    char def[32];
    snprintf(def, sizeof def, "srv%d", s2);
    FAI_TRY(fai_jv_string(&vi, "id", 0, def, &s, err));
    snprintf(in->srv_id[s2], sizeof in->srv_id[s2], "%s", s);
    fai_jv_member(&vi, "containers", &cs);
    in->srv_first[s2] = o;
    for (size_t q = 0; q < json_array_size(cs.v); q++, o++) {
      fai_jv c = fai_jv_index(&cs, q);
      FAI_TRY(fai_jv_expect_object(&c, ckeys, err));
      in->cont_srv[o] = s2;
      FAI_TRY(positive(&c, "speed", 0, 1, 1e9, &in->speed[o], err));
      /* b_o = 1 would leave no share for tasks (service time infinite). */
      FAI_TRY(fai_jv_number(&c, "base_load", 0, 0, 0, 0.999999, &in->base_load[o], err));
      FAI_TRY(fai_jv_number(&c, "wait_s", 0, 0, 0, 1e9, &in->wait_s[o], err));
    }
  }
  in->srv_first[j] = o;
cleanup:
  return st;
}

fai_status fai_leo_instance_load_file(const char *path, fai_leo_instance *in, fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_status st = fai_json_load_file(path, &doc, err);
  if (st == FAI_OK) st = load_doc(doc, in, err);
  fai_json_doc_free(doc);
  return st;
}

fai_status fai_leo_instance_load_string(const char *text, const char *name, fai_leo_instance *in,
                                        fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_status st = fai_json_load_string(text, name, &doc, err);
  if (st == FAI_OK) st = load_doc(doc, in, err);
  fai_json_doc_free(doc);
  return st;
}

json_t *fai_leo_instance_to_json(const fai_leo_instance *in) {
  json_t *sats = json_array(), *srvs = json_array();
  for (int i = 0; i < in->n_sats; i++) {
    json_t *ts = json_array();
    for (int k = 0; k < in->n_tasks; k++)
      if (in->task_sat[k] == i)
        json_array_append_new(ts, json_pack("{s:f, s:f, s:f}", "bits", in->bits[k], "local_s",
                                            in->local_s[k], "work_s", in->work_s[k]));
    json_array_append_new(sats, json_pack("{s:s, s:f, s:f, s:f, s:o}", "id", in->sat_id[i],
                                          "rate_bps", in->rate_bps[i], "loss_factor", in->loss[i],
                                          "accuracy", in->sat_acc[i], "tasks", ts));
  }
  for (int s = 0; s < in->n_servers; s++) {
    json_t *cs = json_array();
    for (int o = in->srv_first[s]; o < in->srv_first[s + 1]; o++)
      json_array_append_new(cs, json_pack("{s:f, s:f, s:f}", "speed", in->speed[o], "base_load",
                                          in->base_load[o], "wait_s", in->wait_s[o]));
    json_array_append_new(srvs, json_pack("{s:s, s:o}", "id", in->srv_id[s], "containers", cs));
  }
  return json_pack("{s:s, s:i, s:s, s:I, s:f, s:f, s:f, s:{s:f}, s:o, s:o}", "format",
                   "fluidai-leoedge-instance", "version", 1, "name", in->name, "seed",
                   (json_int_t)in->seed, "alpha", in->alpha, "load_cap", in->load_cap, "window_s",
                   in->window_s, "ground_model", "accuracy", in->ground_acc, "satellites", sats,
                   "servers", srvs);
}

void fai_leo_gen_params_init(fai_leo_gen_params *g) {
  g->satellites = 6;
  g->tasks_per_sat = 3;
  g->servers = 3;
  g->containers = 4;
  g->seed = 1;
}

/* Round to 4 significant digits so the JSON stays readable. */
static double r4(double v) {
  char buf[32];
  snprintf(buf, sizeof buf, "%.4g", v);
  return strtod(buf, NULL);
}

fai_status fai_leo_generate(const fai_leo_gen_params *g, fai_leo_instance *in, fai_error *err) {
  const int n = g->satellites, k = n * g->tasks_per_sat, j = g->servers, o = j * g->containers;
  uint64_t d = 0;
#define U() fai_rng_uniform(g->seed, FAI_STREAM_GENERATOR, d++)
  fai_leo_instance_init(in);
  snprintf(in->name, sizeof in->name, "leoedge-gen-%d-%d-%d-%d", n, g->tasks_per_sat, j,
           g->containers);
  in->seed = g->seed;
  in->window_s = 2.0;
  fai_status st = fai_leo_instance_alloc(in, n, k, j, o, err);
  if (st != FAI_OK) return st;
  for (int i = 0; i < n; i++) {
    snprintf(in->sat_id[i], sizeof in->sat_id[i], "sat%d", i);
    in->rate_bps[i] = r4(10e6 * (0.8 + 0.4 * U()));
    in->loss[i] = r4(1.0 + 0.2 * U());
    in->sat_acc[i] = r4(0.68 + 0.09 * U());
    for (int q = 0; q < g->tasks_per_sat; q++) {
      const int t = i * g->tasks_per_sat + q;
      in->task_sat[t] = i;
      in->bits[t] = r4(0.5e6 + 1.5e6 * U());
      in->local_s[t] = r4(0.2 + 0.6 * U());
      in->work_s[t] = r4(0.05 + 0.25 * U());
    }
  }
  for (int s = 0; s < j; s++) {
    snprintf(in->srv_id[s], sizeof in->srv_id[s], "srv%d", s);
    in->srv_first[s] = s * g->containers;
    for (int c = 0; c < g->containers; c++) {
      const int q = s * g->containers + c;
      in->cont_srv[q] = s;
      in->speed[q] = r4(0.75 + 0.5 * U());
      in->base_load[q] = r4(0.2 + 0.25 * U());
      in->wait_s[q] = r4(0.2 * U());
    }
  }
  in->srv_first[j] = o;
#undef U
  return FAI_OK;
}
