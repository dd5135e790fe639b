/* Relay instances: strict loading, the scenario's timeline, the task
 * generator and the plan (PAPERS §11.3; format in include/fluidai/relay.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/json.h"
#include "fluidai/relay.h"
#include "fluidai/rng.h"

#define MAX_TASKS 2000000

void fai_relay_instance_free(fai_relay_instance *inst) {
  fai_relay_net_free(&inst->net);
  free(inst->tasks);
  memset(inst, 0, sizeof *inst);
}

static void dir_of(const char *path, char *out, size_t n) {
  const char *slash = strrchr(path, '/');
  if (!slash) out[0] = '\0';
  else snprintf(out, n, "%.*s/", (int)(slash - path), path);
}

static fai_status load_scenario(const fai_jv *root, const char *base_dir, const char *override,
                                fai_scenario *sc, char *desc, size_t desc_n, fai_error *err) {
  fai_jv scv;
  fai_status st;
  if (override) {
    snprintf(desc, desc_n, "%s", override);
    return fai_scenario_load_file(override, sc, NULL, err);
  }
  if (!fai_jv_member(root, "scenario", &scv))
    return fai_jv_error(root, FAI_EINVAL, err, "missing \"scenario\" (a file name or an inline "
                        "scenario; or give --scenario)");
  if (json_is_string(scv.v)) {
    char path[2 * FAI_ERROR_FILE_MAX];
    const char *s = json_string_value(scv.v);
    if (s[0] == '/') snprintf(path, sizeof path, "%s", s);
    else snprintf(path, sizeof path, "%s%s", base_dir, s);
    snprintf(desc, desc_n, "%s", s);
    return fai_scenario_load_file(path, sc, NULL, err);
  }
  if (!json_is_object(scv.v))
    return fai_jv_error(&scv, FAI_EINVAL, err, "expected a scenario file name or object");
  char *text = fai_json_dumps(scv.v);
  if (!text) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  char name[FAI_ERROR_FILE_MAX + FAI_JSON_PATH_MAX + 2];
  snprintf(name, sizeof name, "%s:%s", fai_json_doc_name(root->doc), scv.path);
  snprintf(desc, desc_n, "inline");
  st = fai_scenario_load_string(text, name, sc, NULL, err);
  free(text);
  return st;
}

static fai_status read_range(const fai_jv *obj, const char *key, double *lo, double *hi,
                             fai_error *err) {
  fai_jv x;
  if (!fai_jv_member(obj, key, &x))
    return fai_jv_error(obj, FAI_EINVAL, err, "missing \"%s\": [min, max]", key);
  fai_status st = fai_jv_expect_array(&x, 2, err);
  if (st != FAI_OK) return st;
  fai_jv a = fai_jv_index(&x, 0), b = fai_jv_index(&x, 1);
  if (json_array_size(x.v) != 2 || !json_is_number(a.v) || !json_is_number(b.v))
    return fai_jv_error(&x, FAI_EINVAL, err, "expected [min, max], two numbers");
  *lo = json_number_value(a.v);
  *hi = json_number_value(b.v);
  if (!(*lo >= 0) || !(*hi >= *lo) || !isfinite(*hi))
    return fai_jv_error(&x, FAI_EINVAL, err, "[%g, %g]; expected 0 <= min <= max", *lo, *hi);
  return FAI_OK;
}

static fai_status generate(const fai_jv *gv, double horizon_default, const uint64_t *seed_override,
                           fai_relay_instance *inst, fai_error *err) {
  static const char *const keys[] = {"seed", "rate_per_s", "horizon_s", "input_bits",
                                     "result_bits", "case_i_fraction", NULL};
  fai_status st;
  long long seed;
  double rate, horizon, ilo, ihi, rlo, rhi, frac;
  if ((st = fai_jv_expect_object(gv, keys, err)) != FAI_OK) return st;
  if ((st = fai_jv_int(gv, "seed", 0, 1, 0, INT64_MAX, &seed, err)) != FAI_OK) return st;
  if ((st = fai_jv_number(gv, "rate_per_s", 1, 0, 1e-12, 1e6, &rate, err)) != FAI_OK) return st;
  /* at most the scenario's duration (the timeline's end), see load_tasks */
  if ((st = fai_jv_number(gv, "horizon_s", 0, horizon_default, 0, horizon_default, &horizon,
                          err)) != FAI_OK)
    return st;
  if ((st = read_range(gv, "input_bits", &ilo, &ihi, err)) != FAI_OK) return st;
  if ((st = read_range(gv, "result_bits", &rlo, &rhi, err)) != FAI_OK) return st;
  if ((st = fai_jv_number(gv, "case_i_fraction", 0, 0.5, 0, 1, &frac, err)) != FAI_OK) return st;
  const double expect = rate * horizon * inst->net.n_sats;
  if (expect > MAX_TASKS / 2)
    return fai_jv_error(gv, FAI_EINVAL, err, "about %.3g tasks expected; at most %d allowed", expect,
                        MAX_TASKS / 2);
  const uint64_t useed = seed_override ? *seed_override : (uint64_t)seed; /* --seed wins */
  inst->seed = useed;
  inst->generated = 1;
  int cap = 64, n = 0;
  fai_relay_task *v = malloc((size_t)cap * sizeof *v);
  if (!v) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  /* Poisson arrivals per satellite; draw (sat, task k, m) at index sat·2^32 + 4k + m */
  for (int i = 0; i < inst->net.n_sats; i++) {
    double t = 0;
    for (uint64_t k = 0;; k++) {
      const uint64_t base = ((uint64_t)i << 32) + 4 * k;
      t += fai_rng_exponential(useed, FAI_STREAM_WORKLOAD, base) / rate;
      if (t >= horizon || n >= MAX_TASKS) break;
      if (n == cap) {
        cap *= 2;
        fai_relay_task *nv = realloc(v, (size_t)cap * sizeof *v);
        if (!nv) {
          free(v);
          return fai_error_set(err, FAI_ENOMEM, "out of memory");
        }
        v = nv;
      }
      fai_relay_task *tk = &v[n++];
      tk->sat = i;
      tk->t0_s = t;
      tk->input_bits = ilo + (ihi - ilo) * fai_rng_uniform(useed, FAI_STREAM_WORKLOAD, base + 1);
      tk->result_bits = rlo + (rhi - rlo) * fai_rng_uniform(useed, FAI_STREAM_WORKLOAD, base + 2);
      tk->result_returns = fai_rng_uniform(useed, FAI_STREAM_WORKLOAD, base + 3) < frac;
    }
  }
  inst->tasks = v;
  inst->n_tasks = n;
  return FAI_OK;
}

/* Tasks must arrive within the timeline: after its end there are no contact
 * windows and the last snapshot's ISLs would be used for any later time. */
static fai_status load_tasks(const fai_jv *tv, double end_s, fai_relay_instance *inst,
                             fai_error *err) {
  static const char *const keys[] = {"sat", "t0_s", "input_bits", "result_bits", "case", NULL};
  static const char *const cases[] = {"II", "I", NULL};
  fai_status st = fai_jv_expect_array(tv, 1, err);
  if (st != FAI_OK) return st;
  const int n = (int)json_array_size(tv->v);
  if (n > MAX_TASKS) return fai_jv_error(tv, FAI_EINVAL, err, "%d tasks; at most %d", n, MAX_TASKS);
  inst->tasks = calloc((size_t)n, sizeof *inst->tasks);
  if (!inst->tasks) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  inst->n_tasks = n;
  for (int k = 0; k < n; k++) {
    fai_jv o = fai_jv_index(tv, (size_t)k);
    fai_relay_task *t = &inst->tasks[k];
    long long sat;
    int c;
    if ((st = fai_jv_expect_object(&o, keys, err)) != FAI_OK) return st;
    if ((st = fai_jv_int(&o, "sat", 1, 0, 0, inst->net.n_sats - 1, &sat, err)) != FAI_OK) return st;
    t->sat = (int)sat;
    if ((st = fai_jv_number(&o, "t0_s", 1, 0, 0, end_s, &t->t0_s, err)) != FAI_OK) return st;
    if ((st = fai_jv_number(&o, "input_bits", 1, 0, 0, 1e18, &t->input_bits, err)) != FAI_OK)
      return st;
    if ((st = fai_jv_number(&o, "result_bits", 0, 0, 0, 1e18, &t->result_bits, err)) != FAI_OK)
      return st;
    if ((st = fai_jv_enum(&o, "case", 0, 1, cases, &c, err)) != FAI_OK) return st;
    t->result_returns = c;
  }
  return FAI_OK;
}

static fai_status load_doc(const fai_json_doc *doc, const char *base_dir, const char *scen_override,
                           const uint64_t *seed_override, const fai_backend *be,
                           fai_relay_instance *inst, fai_error *err) {
  static const char *const keys[] = {"format", "version", "name", "scenario", "station", "ground",
                                     "isl", "ground_exec_s", "local_exec_s", "tasks", NULL};
  static const char *const gkeys[] = {"rate_bps", "loss_factor", NULL};
  static const char *const ikeys[] = {"window_bits", "loss_factor", NULL};
  fai_status st;
  fai_jv root = fai_jv_root(doc), x, gv, iv, tv, gen;
  const char *s;
  long long ver;
  fai_scenario sc;
  fai_timeline tl;
  memset(&tl, 0, sizeof tl);
  fai_scenario_init(&sc);
  fai_relay_params *p = &inst->params;
  fai_relay_params_init(p);
  snprintf(inst->source, sizeof inst->source, "%s", fai_json_doc_name(doc));
  FAI_TRY(fai_jv_expect_object(&root, keys, err));
  FAI_TRY(fai_jv_string(&root, "format", 1, NULL, &s, err));
  if (strcmp(s, "fluidai-relay-instance")) {
    fai_jv_member(&root, "format", &x);
    st = fai_jv_error(&x, FAI_EINVAL, err, "format \"%s\"; expected \"fluidai-relay-instance\"", s);
    goto cleanup;
  }
  FAI_TRY(fai_jv_int(&root, "version", 0, 1, 1, 1, &ver, err));
  FAI_TRY(fai_jv_string(&root, "name", 0, "relay", &s, err));
  snprintf(inst->name, sizeof inst->name, "%s", s);
  /* numbers first, so a bad rate is reported before the timeline is built;
   * the lower bounds are 1e-300 (positive) and 0 (execution times) */
  if (fai_jv_member(&root, "ground", &gv)) {
    FAI_TRY(fai_jv_expect_object(&gv, gkeys, err));
    FAI_TRY(fai_jv_number(&gv, "rate_bps", 0, p->ground_rate_bps, 1e-300, 1e15, &p->ground_rate_bps, err));
    FAI_TRY(fai_jv_number(&gv, "loss_factor", 0, p->ground_loss, 1e-300, 1e6, &p->ground_loss, err));
  }
  if (fai_jv_member(&root, "isl", &iv)) {
    FAI_TRY(fai_jv_expect_object(&iv, ikeys, err));
    FAI_TRY(fai_jv_number(&iv, "window_bits", 0, p->isl_window_bits, 1e-300, 1e15,
                          &p->isl_window_bits, err));
    FAI_TRY(fai_jv_number(&iv, "loss_factor", 0, p->isl_loss, 1e-300, 1e6, &p->isl_loss, err));
  }
  FAI_TRY(fai_jv_number(&root, "ground_exec_s", 0, p->ground_exec_s, 0, 1e9, &p->ground_exec_s, err));
  FAI_TRY(fai_jv_number(&root, "local_exec_s", 0, p->local_exec_s, 0, 1e9, &p->local_exec_s, err));
  FAI_TRY(fai_jv_string(&root, "station", 1, NULL, &s, err));
  snprintf(inst->station, sizeof inst->station, "%s", s);
  if (!fai_jv_member(&root, "tasks", &tv)) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "missing \"tasks\" (a list or {\"generate\": ...})");
    goto cleanup;
  }

  FAI_TRY(load_scenario(&root, base_dir, scen_override, &sc, inst->scenario_desc,
                        sizeof inst->scenario_desc, err));
  FAI_TRY(fai_scenario_check(&sc, err));
  int g = -1;
  for (int k = 0; k < sc.stations.n; k++)
    if (!strcmp(sc.stations.v[k].name, inst->station)) g = k;
  if (g < 0) {
    char known[512] = "";
    size_t k = 0;
    for (int q = 0; q < sc.stations.n && k + 4 < sizeof known; q++)
      k += (size_t)snprintf(known + k, sizeof known - k, "%s\"%s\"", q ? ", " : "", sc.stations.v[q].name);
    fai_jv_member(&root, "station", &x);
    st = fai_jv_error(&x, FAI_EINVAL, err, "unknown ground station \"%s\"; the scenario has %s",
                      inst->station, sc.stations.n ? known : "none");
    goto cleanup;
  }
  fai_timeline_opts topts;
  fai_timeline_opts_init(&topts);
  topts.paths = 0;
  topts.contacts = 1;
  fai_progress prog = {NULL, NULL};
  FAI_TRY(fai_timeline_build(&sc, be ? be : fai_backend_cpu(), &topts, &prog, &tl, err));
  FAI_TRY(fai_relay_net_from_timeline(&tl, g, &inst->net, err));

  if (json_is_object(tv.v)) {
    static const char *const tkeys[] = {"generate", NULL};
    FAI_TRY(fai_jv_expect_object(&tv, tkeys, err));
    if (!fai_jv_member(&tv, "generate", &gen)) {
      st = fai_jv_error(&tv, FAI_EINVAL, err, "expected {\"generate\": {...}} or a task list");
      goto cleanup;
    }
    FAI_TRY(generate(&gen, sc.duration_s, seed_override, inst, err));
  } else {
    FAI_TRY(load_tasks(&tv, sc.duration_s, inst, err));
  }
cleanup:
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
  return st;
}

fai_status fai_relay_instance_load_file(const char *path, const char *scenario_path,
                                        const fai_backend *be, fai_relay_instance *inst,
                                        fai_error *err) {
  return fai_relay_instance_load_file_seed(path, scenario_path, NULL, be, inst, err);
}

fai_status fai_relay_instance_load_file_seed(const char *path, const char *scenario_path,
                                             const uint64_t *seed, const fai_backend *be,
                                             fai_relay_instance *inst, fai_error *err) {
  fai_json_doc *doc = NULL;
  memset(inst, 0, sizeof *inst);
  char base[FAI_ERROR_FILE_MAX];
  dir_of(path, base, sizeof base);
  fai_status st = fai_json_load_file(path, &doc, err);
  if (st == FAI_OK) st = load_doc(doc, base, scenario_path, seed, be, inst, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai_relay_instance_free(inst);
  return st;
}

fai_status fai_relay_plan(const fai_relay_instance *inst, const fai_relay_decision *d,
                          fai_plan *plan, fai_error *err) {
  fai_status st = fai_plan_init(plan, "offload.relay", inst->seed, err);
  if (st != FAI_OK) return st;
  const fai_relay_params *p = &inst->params;
  json_t *in = json_pack("{s:s, s:s, s:s, s:{s:f, s:f}, s:{s:f, s:f}, s:f, s:f, s:i, s:b}",
                         "name", inst->name, "station", inst->station, "scenario",
                         inst->scenario_desc, "ground", "rate_bps", p->ground_rate_bps,
                         "loss_factor", p->ground_loss, "isl", "window_bits", p->isl_window_bits,
                         "loss_factor", p->isl_loss, "ground_exec_s", p->ground_exec_s,
                         "local_exec_s", p->local_exec_s, "tasks", inst->n_tasks, "generated",
                         inst->generated);
  fai_plan_set(plan, "inputs", in);
  json_t *arr = json_array();
  int count[4] = {0, 0, 0, 0};
  double sum[4] = {0, 0, 0, 0}, total = 0;
  for (int k = 0; k < inst->n_tasks; k++) {
    const fai_relay_task *t = &inst->tasks[k];
    json_t *e = json_pack("{s:i, s:i, s:f, s:s, s:f, s:f, s:s, s:f, s:f, s:f}", "task", k, "sat",
                          t->sat, "t0_s", t->t0_s, "case", t->result_returns ? "I" : "II",
                          "input_bits", t->input_bits, "result_bits", t->result_bits, "choice",
                          fai_relay_choice_name(d[k].choice), "delay_s", d[k].delay_s, "direct_s",
                          d[k].direct_s, "remaining_s", d[k].remaining_s);
    if (d[k].relay >= 0) {
      json_object_set_new(e, "relay", json_integer(d[k].relay));
      json_object_set_new(e, "relay_remaining_s", json_real(d[k].relay_remaining_s));
    } else {
      json_object_set_new(e, "relay", json_null());
    }
    json_array_append_new(arr, e);
    count[d[k].choice]++;
    sum[d[k].choice] += d[k].delay_s;
    total += d[k].delay_s;
  }
  fai_plan_set(plan, "decisions", arr);
  json_t *m = json_object();
  for (int c = 0; c < 4; c++)
    json_object_set_new(m, fai_relay_choice_name((fai_relay_choice)c),
                        json_pack("{s:i, s:f}", "tasks", count[c], "mean_delay_s",
                                  count[c] ? sum[c] / count[c] : 0.0));
  json_object_set_new(m, "mean_delay_s", json_real(inst->n_tasks ? total / inst->n_tasks : 0.0));
  fai_plan_set(plan, "metrics", m);
  fai_plan_set_outcome(plan, FAI_OUTCOME_COMPLETE);
  return FAI_OK;
}
