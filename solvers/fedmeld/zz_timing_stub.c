/* TEMPORARY (helper fmsim): stand-ins for the planner's timing functions so
 * the simulator's branch builds and runs on its own.  The planner (helper
 * fmplan, solvers/fedmeld/plan*.c and timing.c) provides the real
 *   fai_fedmeld_plan_default_timing  (timing derived from the constellation)
 *   fai_fedmeld_timing_from_json     (decisions.timing of a plan)
 * and this file is deleted at merge.  The numbers below are filled by hand:
 * plausible, not derived from any orbit. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "fluidai/fedmeld.h"

fai_status fai_fedmeld_plan_default_timing(uint64_t seed, double horizon_s,
                                           fai_fedmeld_timing *out, fai_error *err);
fai_status fai_fedmeld_timing_from_json(const json_t *obj, const char *file,
                                        fai_fedmeld_timing *out, fai_error *err);

static void scheme(fai_fedmeld_timing *t, const char *name, fai_fl_scheme_kind kind, int tau,
                   double alpha, double round_s, double first, double access, double feeder,
                   double isl) {
  fai_fedmeld_scheme *s = &t->schemes[t->n_schemes++];
  memset(s, 0, sizeof *s);
  snprintf(s->name, sizeof s->name, "%s", name);
  s->kind = kind;
  s->tau = tau;
  s->alpha = alpha;
  s->delta = kind == FAI_FL_DISPERSAL ? (int)ceil(t->t_travel_s / round_s) : 0;
  s->round_s = round_s;
  s->first_round_at_s = first;
  s->access_bits_round = access;
  s->feeder_bits_round = feeder;
  s->isl_bits_round = isl;
}

fai_status fai_fedmeld_plan_default_timing(uint64_t seed, double horizon_s,
                                           fai_fedmeld_timing *out, fai_error *err) {
  (void)seed;
  if (!(horizon_s > 0)) return fai_error_set(err, FAI_EINVAL, "horizon %g s; expected > 0", horizon_s);
  memset(out, 0, sizeof *out);
  out->n_areas = 8;
  out->clients_per_area = 5;
  out->horizon_s = horizon_s;
  out->t_cmp_s = 10.0;
  out->t_com_s = 60.0;
  out->t_travel_s = 720.0;
  out->model_bits = 32.0 * 199210;  /* the 784-200-200-10 MLP in float32 */
  const double M = out->model_bits, K = 40, N = 8;
  const double access = (K + N) * M;  /* uploads + one multicast per area */
  scheme(out, "fedmeld", FAI_FL_DISPERSAL, 10, 0.3, 160.0, 160.0, access, 0, 0);
  scheme(out, "fedmeld-half-alpha", FAI_FL_DISPERSAL, 10, 0.5, 160.0, 160.0, access, 0, 0);
  scheme(out, "fedmeld-fixed-tau", FAI_FL_DISPERSAL, 50, 0.35, 560.0, 560.0, access, 0, 0);
  scheme(out, "gs", FAI_FL_GS, 10, 0, 2060.0, 2060.0, access, 2 * N * M, 0);
  scheme(out, "isl", FAI_FL_ISL, 10, 0, 400.0, 400.0, access, 0, 2 * (N - 1) * 4 * M);
  return FAI_OK;
}

static fai_status num_field(const json_t *o, const char *file, const char *path, const char *key,
                            double lo, double *out, fai_error *err) {
  const json_t *v = json_object_get(o, key);
  char p[256];
  snprintf(p, sizeof p, "%s.%s", path, key);
  if (!v || !json_is_number(v))
    return fai_error_set_at(err, FAI_EINVAL, file, 0, 0, p, "missing or not a number");
  *out = json_number_value(v);
  if (!(*out >= lo) || !isfinite(*out))
    return fai_error_set_at(err, FAI_EINVAL, file, 0, 0, p, "%g; expected >= %g", *out, lo);
  return FAI_OK;
}

fai_status fai_fedmeld_timing_from_json(const json_t *obj, const char *file,
                                        fai_fedmeld_timing *out, fai_error *err) {
  const char *path = "$.decisions.timing";
  double v;
  fai_status st;
  memset(out, 0, sizeof *out);
  if (!json_is_object(obj)) return fai_error_set_at(err, FAI_EINVAL, file, 0, 0, path, "expected an object");
#define NUM(key, lo, dst)                                                         \
  do {                                                                            \
    if ((st = num_field(obj, file, path, key, lo, &v, err)) != FAI_OK) return st; \
    dst = v;                                                                      \
  } while (0)
  NUM("n_areas", 1, out->n_areas);
  NUM("clients_per_area", 1, out->clients_per_area);
  NUM("horizon_s", 0, out->horizon_s);
  NUM("t_cmp_s", 0, out->t_cmp_s);
  NUM("t_com_s", 0, out->t_com_s);
  NUM("t_travel_s", 0, out->t_travel_s);
  NUM("model_bits", 0, out->model_bits);
  const json_t *arr = json_object_get(obj, "schemes");
  if (!json_is_array(arr) || json_array_size(arr) < 1 || json_array_size(arr) > FAI_FEDMELD_MAX_SCHEMES)
    return fai_error_set_at(err, FAI_EINVAL, file, 0, 0, "$.decisions.timing.schemes",
                            "expected an array of 1..%d schemes", FAI_FEDMELD_MAX_SCHEMES);
  for (size_t i = 0; i < json_array_size(arr); ++i) {
    const json_t *o = json_array_get(arr, i);
    char sp[96];
    fai_fedmeld_scheme *s = &out->schemes[out->n_schemes++];
    snprintf(sp, sizeof sp, "$.decisions.timing.schemes[%zu]", i);
    const json_t *nm = json_object_get(o, "name"), *kd = json_object_get(o, "kind");
    if (!json_is_string(nm) || strlen(json_string_value(nm)) >= sizeof s->name)
      return fai_error_set_at(err, FAI_EINVAL, file, 0, 0, sp, "name: expected a string of < 32 bytes");
    snprintf(s->name, sizeof s->name, "%s", json_string_value(nm));
    const char *k = json_is_string(kd) ? json_string_value(kd) : "";
    if (!strcmp(k, "dispersal")) s->kind = FAI_FL_DISPERSAL;
    else if (!strcmp(k, "gs")) s->kind = FAI_FL_GS;
    else if (!strcmp(k, "isl")) s->kind = FAI_FL_ISL;
    else return fai_error_set_at(err, FAI_EINVAL, file, 0, 0, sp, "kind: \"%s\"; expected dispersal, gs or isl", k);
#define SNUM(key, lo, dst)                                                      \
  do {                                                                          \
    if ((st = num_field(o, file, sp, key, lo, &v, err)) != FAI_OK) return st;   \
    dst = v;                                                                    \
  } while (0)
    SNUM("tau", 1, s->tau);
    SNUM("alpha", 0, s->alpha);
    SNUM("delta", 0, s->delta);
    SNUM("round_s", 0, s->round_s);
    SNUM("first_round_at_s", 0, s->first_round_at_s);
    SNUM("access_bits_round", 0, s->access_bits_round);
    SNUM("feeder_bits_round", 0, s->feeder_bits_round);
    SNUM("isl_bits_round", 0, s->isl_bits_round);
#undef SNUM
  }
#undef NUM
  return FAI_OK;
}
