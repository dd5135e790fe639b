/* The planner → simulator contract as JSON: fai_fedmeld_timing written as an
 * object whose members are exactly the struct's fields, and read back
 * strictly (every member required, no unknown ones, ranges checked), so a
 * plan file edited by hand either loads to the same struct or fails with a
 * located message. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fluidai/fedmeld.h"
#include "fluidai/json.h"

static const char *const KIND_NAMES[] = {"dispersal", "gs", "isl", NULL};

const char *fai_fl_scheme_kind_name(fai_fl_scheme_kind k) {
  return (k >= FAI_FL_DISPERSAL && k <= FAI_FL_ISL) ? KIND_NAMES[k] : "?";
}

static json_t *scheme_to_json(const fai_fedmeld_scheme *s) {
  json_t *o = json_object();
  json_object_set_new(o, "name", json_string(s->name));
  json_object_set_new(o, "kind", json_string(fai_fl_scheme_kind_name(s->kind)));
  json_object_set_new(o, "tau", json_integer(s->tau));
  json_object_set_new(o, "alpha", json_real(s->alpha));
  json_object_set_new(o, "delta", json_integer(s->delta));
  json_object_set_new(o, "round_s", json_real(s->round_s));
  json_object_set_new(o, "first_round_at_s", json_real(s->first_round_at_s));
  json_object_set_new(o, "access_bits_round", json_real(s->access_bits_round));
  json_object_set_new(o, "feeder_bits_round", json_real(s->feeder_bits_round));
  json_object_set_new(o, "isl_bits_round", json_real(s->isl_bits_round));
  return o;
}

json_t *fai_fedmeld_timing_to_json(const fai_fedmeld_timing *t) {
  json_t *o = json_object();
  json_object_set_new(o, "n_areas", json_integer(t->n_areas));
  json_object_set_new(o, "clients_per_area", json_integer(t->clients_per_area));
  json_object_set_new(o, "horizon_s", json_real(t->horizon_s));
  json_object_set_new(o, "t_cmp_s", json_real(t->t_cmp_s));
  json_object_set_new(o, "t_com_s", json_real(t->t_com_s));
  json_object_set_new(o, "t_travel_s", json_real(t->t_travel_s));
  json_object_set_new(o, "model_bits", json_real(t->model_bits));
  json_object_set_new(o, "n_schemes", json_integer(t->n_schemes));
  json_t *arr = json_array();
  for (int i = 0; i < t->n_schemes && i < FAI_FEDMELD_MAX_SCHEMES; i++)
    json_array_append_new(arr, scheme_to_json(&t->schemes[i]));
  json_object_set_new(o, "schemes", arr);
  return o;
}

static fai_status scheme_from_jv(const fai_jv *v, fai_fedmeld_scheme *s, fai_error *err) {
  static const char *const keys[] = {"name", "kind", "tau", "alpha", "delta", "round_s",
                                     "first_round_at_s", "access_bits_round",
                                     "feeder_bits_round", "isl_bits_round", NULL};
  fai_status st;
  if (!json_is_object(v->v))
    return fai_jv_error(v, FAI_EINVAL, err, "expected an object (one scheme's timing)");
  if ((st = fai_jv_expect_object(v, keys, err)) != FAI_OK) return st;
  const char *name = NULL;
  if ((st = fai_jv_string(v, "name", 1, NULL, &name, err)) != FAI_OK) return st;
  if (!name[0] || strlen(name) >= sizeof s->name) {
    fai_jv m;
    fai_jv_member(v, "name", &m);
    return fai_jv_error(&m, FAI_EINVAL, err, "scheme name \"%s\"; expected 1 to %zu characters",
                        name, sizeof s->name - 1);
  }
  snprintf(s->name, sizeof s->name, "%s", name);
  int kind = 0;
  if ((st = fai_jv_enum(v, "kind", 1, 0, KIND_NAMES, &kind, err)) != FAI_OK) return st;
  s->kind = (fai_fl_scheme_kind)kind;
  long long ll;
  if ((st = fai_jv_int(v, "tau", 1, 0, 1, 1000000000LL, &ll, err)) != FAI_OK) return st;
  s->tau = (int)ll;
  if ((st = fai_jv_number(v, "alpha", 1, 0, 0, 1, &s->alpha, err)) != FAI_OK) return st;
  if ((st = fai_jv_int(v, "delta", 1, 0, 0, 1000000000LL, &ll, err)) != FAI_OK) return st;
  s->delta = (int)ll;
  if ((st = fai_jv_number(v, "round_s", 1, 0, 0, HUGE_VAL, &s->round_s, err)) != FAI_OK) return st;
  if (!(s->round_s > 0)) {
    fai_jv m;
    fai_jv_member(v, "round_s", &m);
    return fai_jv_error(&m, FAI_EINVAL, err, "round_s %g; expected a positive number of seconds",
                        s->round_s);
  }
  if ((st = fai_jv_number(v, "first_round_at_s", 1, 0, 0, HUGE_VAL, &s->first_round_at_s, err)))
    return st;
  if ((st = fai_jv_number(v, "access_bits_round", 1, 0, 0, HUGE_VAL, &s->access_bits_round, err)))
    return st;
  if ((st = fai_jv_number(v, "feeder_bits_round", 1, 0, 0, HUGE_VAL, &s->feeder_bits_round, err)))
    return st;
  if ((st = fai_jv_number(v, "isl_bits_round", 1, 0, 0, HUGE_VAL, &s->isl_bits_round, err)))
    return st;
  if (s->kind != FAI_FL_DISPERSAL && (s->alpha != 0 || s->delta != 0)) {
    fai_jv m;
    fai_jv_member(v, s->alpha != 0 ? "alpha" : "delta", &m);
    return fai_jv_error(&m, FAI_EINVAL, err,
                        "scheme \"%s\" of kind \"%s\" has alpha %g, delta %d; only dispersal "
                        "schemes mix (expected 0)", s->name, KIND_NAMES[s->kind], s->alpha,
                        s->delta);
  }
  return FAI_OK;
}

fai_status fai_fedmeld_timing_from_jv(const fai_jv *v, fai_fedmeld_timing *out, fai_error *err) {
  static const char *const keys[] = {"n_areas", "clients_per_area", "horizon_s", "t_cmp_s",
                                     "t_com_s", "t_travel_s", "model_bits", "n_schemes",
                                     "schemes", NULL};
  fai_status st;
  fai_fedmeld_timing t;
  memset(&t, 0, sizeof t);
  if (!json_is_object(v->v))
    return fai_jv_error(v, FAI_EINVAL, err, "expected an object (the FedMeld timing)");
  if ((st = fai_jv_expect_object(v, keys, err)) != FAI_OK) return st;
  long long ll;
  if ((st = fai_jv_int(v, "n_areas", 1, 0, 2, FAI_FEDMELD_MAX_AREAS, &ll, err))) return st;
  t.n_areas = (int)ll;
  if ((st = fai_jv_int(v, "clients_per_area", 1, 0, 1, FAI_FEDMELD_MAX_CLIENTS, &ll, err)))
    return st;
  t.clients_per_area = (int)ll;
  const char *pos[] = {"horizon_s", "t_cmp_s", "model_bits"};
  double *pos_out[] = {&t.horizon_s, &t.t_cmp_s, &t.model_bits};
  for (int i = 0; i < 3; i++) {
    if ((st = fai_jv_number(v, pos[i], 1, 0, 0, HUGE_VAL, pos_out[i], err))) return st;
    if (!(*pos_out[i] > 0)) {
      fai_jv m;
      fai_jv_member(v, pos[i], &m);
      return fai_jv_error(&m, FAI_EINVAL, err, "%s %g; expected a positive number", pos[i],
                          *pos_out[i]);
    }
  }
  if ((st = fai_jv_number(v, "t_com_s", 1, 0, 0, HUGE_VAL, &t.t_com_s, err))) return st;
  if ((st = fai_jv_number(v, "t_travel_s", 1, 0, 0, HUGE_VAL, &t.t_travel_s, err))) return st;
  if ((st = fai_jv_int(v, "n_schemes", 1, 0, 1, FAI_FEDMELD_MAX_SCHEMES, &ll, err))) return st;
  t.n_schemes = (int)ll;
  fai_jv arr;
  if (!fai_jv_member(v, "schemes", &arr))
    return fai_jv_error(v, FAI_EINVAL, err, "missing member \"schemes\"");
  if ((st = fai_jv_expect_array(&arr, 1, err))) return st;
  if (json_array_size(arr.v) != (size_t)t.n_schemes)
    return fai_jv_error(&arr, FAI_EINVAL, err, "%zu schemes; n_schemes says %d",
                        json_array_size(arr.v), t.n_schemes);
  for (int i = 0; i < t.n_schemes; i++) {
    fai_jv e = fai_jv_index(&arr, (size_t)i);
    if ((st = scheme_from_jv(&e, &t.schemes[i], err))) return st;
    for (int j = 0; j < i; j++)
      if (!strcmp(t.schemes[j].name, t.schemes[i].name)) {
        fai_jv m;
        fai_jv_member(&e, "name", &m);
        return fai_jv_error(&m, FAI_EINVAL, err, "scheme name \"%s\" repeats schemes[%d]",
                            t.schemes[i].name, j);
      }
  }
  *out = t;
  return FAI_OK;
}

fai_status fai_fedmeld_timing_from_json(const json_t *v, const char *file, fai_fedmeld_timing *out,
                                        fai_error *err) {
  fai_jv jv;
  memset(&jv, 0, sizeof jv);
  jv.doc = NULL;
  jv.v = (json_t *)v;
  snprintf(jv.path, sizeof jv.path, "$");
  fai_status st = fai_fedmeld_timing_from_jv(&jv, out, err);
  if (st != FAI_OK && err && file && !err->file[0])
    snprintf(err->file, sizeof err->file, "%s", file);
  return st;
}
