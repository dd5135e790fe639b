/* MBA instances: loading, candidate sets, the generator (PAPERS §5.2, §5.4). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/json.h"
#include "fluidai/mba.h"
#include "fluidai/orbit.h"
#include "fluidai/rng.h"

#define NS_DIST (1ull << 56)  /* FAI_STREAM_WORKLOAD index namespaces of the generator */
#define NS_TASK (2ull << 56)
#define NS_REQ (3ull << 56)

void fai_mba_instance_init(fai_mba_instance *inst) {
  memset(inst, 0, sizeof *inst);
  fai_library_init(&inst->lib);
  inst->energy_j = INFINITY;
  inst->max_power_w = INFINITY;
}

void fai_mba_instance_free(fai_mba_instance *inst) {
  fai_library_free(&inst->lib);
  free(inst->device_id);
  free(inst->task);
  free(inst->accuracy);
  free(inst->gain);
  free(inst->distance_m);
  free(inst->cand_off);
  free(inst->cand);
  fai_mba_instance_init(inst);
}

static fai_status alloc_devices(fai_mba_instance *inst, int K, fai_error *err) {
  inst->K = K;
  inst->device_id = calloc((size_t)K + 1, FAI_LIB_ID_MAX);
  inst->task = calloc((size_t)K + 1, sizeof(int));
  inst->accuracy = calloc((size_t)K + 1, sizeof(double));
  inst->gain = calloc((size_t)K + 1, sizeof(double));
  inst->distance_m = calloc((size_t)K + 1, sizeof(double));
  if (!inst->device_id || !inst->task || !inst->accuracy || !inst->gain || !inst->distance_m)
    return fai_error_set(err, FAI_ENOMEM, "out of memory");
  return FAI_OK;
}

/* Candidates of device k: models of its task meeting its accuracy.  With
 * `devs` (the "$.devices" value) errors point at the device. */
static fai_status prepare(fai_mba_instance *inst, const fai_jv *devs, fai_error *err) {
  const fai_library *lib = &inst->lib;
  free(inst->cand_off);
  free(inst->cand);
  inst->cand_off = calloc((size_t)inst->K + 1, sizeof(int));
  inst->cand = calloc((size_t)inst->K * (size_t)(lib->n_models > 0 ? lib->n_models : 1), sizeof(int));
  if (!inst->cand_off || !inst->cand) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  int q = 0;
  for (int k = 0; k < inst->K; k++) {
    inst->cand_off[k] = q;
    double best = -1;
    int best_i = -1;
    for (int i = 0; i < lib->n_models; i++) {
      if (lib->model_task[i] != inst->task[k]) continue;
      if (lib->accuracy[i] > best) best = lib->accuracy[i], best_i = i;
      if (lib->accuracy[i] >= inst->accuracy[k]) inst->cand[q++] = i;
    }
    if (q == inst->cand_off[k]) {
      fai_jv d;
      char msg[512];
      if (best_i < 0)
        snprintf(msg, sizeof msg, "device \"%s\": task \"%s\" has no model in the library",
                 inst->device_id + (size_t)k * FAI_LIB_ID_MAX, fai_library_task_id(lib, inst->task[k]));
      else
        snprintf(msg, sizeof msg,
                 "device \"%s\" requires accuracy >= %.6g, but the best model of task \"%s\" "
                 "(\"%s\") reaches %.6g",
                 inst->device_id + (size_t)k * FAI_LIB_ID_MAX, inst->accuracy[k],
                 fai_library_task_id(lib, inst->task[k]), fai_library_model_id(lib, best_i), best);
      if (devs) {
        fai_jv dk = fai_jv_index(devs, (size_t)k);
        if (!fai_jv_member(&dk, best_i < 0 ? "task" : "accuracy", &d)) d = dk;
        return fai_jv_error(&d, FAI_EINVAL, err, "%s", msg);
      }
      return fai_error_set(err, FAI_EINVAL, "$.devices[%d]: %s", k, msg);
    }
  }
  inst->cand_off[inst->K] = q;
  return FAI_OK;
}

fai_status fai_mba_instance_prepare(fai_mba_instance *inst, fai_error *err) {
  fai_status st = fai_library_validate(&inst->lib, err);
  if (st != FAI_OK) return st;
  for (int k = 0; k < inst->K; k++) {
    if (inst->task[k] < 0 || inst->task[k] >= inst->lib.n_tasks)
      return fai_error_set(err, FAI_EINVAL, "$.devices[%d].task: index %d out of range", k,
                           inst->task[k]);
    if (!(inst->gain[k] > 0) || !isfinite(inst->gain[k]))
      return fai_error_set(err, FAI_EINVAL, "$.devices[%d]: gain %g; expected > 0", k, inst->gain[k]);
  }
  return prepare(inst, NULL, err);
}

static void dir_of(const char *path, char *out, size_t n) {
  const char *slash = strrchr(path, '/');
  if (!slash) out[0] = '\0';
  else snprintf(out, n, "%.*s/", (int)(slash - path), path);
}

static fai_status load_doc(const fai_json_doc *doc, const char *base_dir, fai_mba_instance *inst,
                           fai_error *err) {
  static const char *const keys[] = {"format", "version", "name", "seed", "library", "radio",
                                     "devices", NULL};
  static const char *const rkeys[] = {"bandwidth_hz", "noise_dbm_hz", "energy_j", "max_power_w", NULL};
  static const char *const dkeys[] = {"id", "task", "accuracy", "distance_m", "gain_db", NULL};
  fai_status st;
  fai_jv root = fai_jv_root(doc), rv, dv, x;
  const char *s;
  long long ver, seed;
  double v;
  FAI_TRY(fai_jv_expect_object(&root, keys, err));
  FAI_TRY(fai_jv_string(&root, "format", 1, NULL, &s, err));
  if (strcmp(s, "fluidai-mba-instance")) {
    fai_jv_member(&root, "format", &x);
    st = fai_jv_error(&x, FAI_EINVAL, err, "format \"%s\"; expected \"fluidai-mba-instance\"", s);
    goto cleanup;
  }
  FAI_TRY(fai_jv_int(&root, "version", 0, 1, 1, 1, &ver, err));
  FAI_TRY(fai_jv_string(&root, "name", 0, "mba", &s, err));
  snprintf(inst->name, sizeof inst->name, "%s", s);
  FAI_TRY(fai_jv_int(&root, "seed", 0, 1, 0, INT64_MAX, &seed, err));
  inst->seed = (uint64_t)seed;

  FAI_TRY(fai_library_from_member(&root, base_dir, &inst->lib, err));

  if (!fai_jv_member(&root, "radio", &rv)) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "missing \"radio\" (bandwidth, noise and a budget)");
    goto cleanup;
  }
  FAI_TRY(fai_jv_expect_object(&rv, rkeys, err));
  FAI_TRY(fai_jv_number(&rv, "bandwidth_hz", 0, 20e6, 1e-300, 1e15, &inst->bandwidth_hz, err));
  FAI_TRY(fai_jv_number(&rv, "noise_dbm_hz", 0, -174, -300, 100, &v, err));
  inst->noise_w_hz = pow(10.0, (v - 30) / 10);
  FAI_TRY(fai_jv_number(&rv, "energy_j", 0, INFINITY, 1e-300, 1e300, &inst->energy_j, err));
  FAI_TRY(fai_jv_number(&rv, "max_power_w", 0, INFINITY, 1e-300, 1e300, &inst->max_power_w, err));
  if (isinf(inst->energy_j) && isinf(inst->max_power_w)) {
    st = fai_jv_error(&rv, FAI_EINVAL, err, "no budget: give \"energy_j\", \"max_power_w\" or both");
    goto cleanup;
  }

  if (!fai_jv_member(&root, "devices", &dv)) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "missing \"devices\"");
    goto cleanup;
  }
  FAI_TRY(fai_jv_expect_array(&dv, 1, err));
  FAI_TRY(alloc_devices(inst, (int)json_array_size(dv.v), err));
  for (int k = 0; k < inst->K; k++) {
    fai_jv d = fai_jv_index(&dv, (size_t)k), dist, gdb;
    FAI_TRY(fai_jv_expect_object(&d, dkeys, err));
    char def[32];
    snprintf(def, sizeof def, "d%d", k);
    FAI_TRY(fai_jv_string(&d, "id", 0, def, &s, err));
    snprintf(inst->device_id + (size_t)k * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "%s", s);
    FAI_TRY(fai_jv_string(&d, "task", 1, NULL, &s, err));
    inst->task[k] = -1;
    for (int t = 0; t < inst->lib.n_tasks; t++)
      if (!strcmp(fai_library_task_id(&inst->lib, t), s)) inst->task[k] = t;
    if (inst->task[k] < 0) {
      fai_jv_member(&d, "task", &x);
      st = fai_jv_error(&x, FAI_EINVAL, err, "unknown task \"%s\" (not in the library's tasks)", s);
      goto cleanup;
    }
    FAI_TRY(fai_jv_number(&d, "accuracy", 0, 0, 0, 1, &inst->accuracy[k], err));
    const int hd = fai_jv_member(&d, "distance_m", &dist), hg = fai_jv_member(&d, "gain_db", &gdb);
    if (hd == hg) {
      st = fai_jv_error(&d, FAI_EINVAL, err, "give exactly one of \"distance_m\" and \"gain_db\"");
      goto cleanup;
    }
    if (hd) {
      FAI_TRY(fai_jv_number(&d, "distance_m", 1, 0, 1e-3, 1e8, &inst->distance_m[k], err));
      inst->gain[k] = pow(10.0, -fai_pathloss_3gpp_db(inst->distance_m[k]) / 10);
    } else {
      FAI_TRY(fai_jv_number(&d, "gain_db", 1, 0, -400, 100, &v, err));
      inst->distance_m[k] = NAN;
      inst->gain[k] = pow(10.0, v / 10);
    }
  }
  st = prepare(inst, &dv, err);
cleanup:
  return st;
}

fai_status fai_mba_instance_load_string(const char *text, const char *name, fai_mba_instance *inst,
                                        fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_mba_instance_init(inst);
  fai_status st = fai_json_load_string(text, name, &doc, err);
  if (st == FAI_OK) st = load_doc(doc, "", inst, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai_mba_instance_free(inst);
  return st;
}

fai_status fai_mba_instance_load_file(const char *path, fai_mba_instance *inst, fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_mba_instance_init(inst);
  char base[FAI_ERROR_FILE_MAX];
  dir_of(path, base, sizeof base);
  fai_status st = fai_json_load_file(path, &doc, err);
  if (st == FAI_OK) st = load_doc(doc, base, inst, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai_mba_instance_free(inst);
  return st;
}

/* --- generator ------------------------------------------------------------------------- */

void fai_mba_gen_params_init(fai_mba_gen_params *p) {
  memset(p, 0, sizeof *p);
  p->devices = 10;
  fai_libgen_params_init(&p->lib);
  p->lib.shape = FAI_LIBGEN_NESTED;
  p->lib.backbones = 3;
  p->lib.finetuned = 5;
  p->lib.layers = 8;
  p->dmin_m = 50;
  p->dmax_m = 300;
  p->bandwidth_hz = 20e6;
  p->noise_dbm_hz = -174;
  p->energy_j = 10;
  p->max_power_w = INFINITY;
  p->req_slack = 0.1;
  p->seed = 1;
}

fai_status fai_mba_generate(const fai_mba_gen_params *p, json_t **doc, fai_error *err) {
  *doc = NULL;
  if (p->devices < 1 || p->devices > 1000000)
    return fai_error_set(err, FAI_EINVAL, "--devices %d; expected 1 to 1000000", p->devices);
  if (!(p->dmin_m > 0 && p->dmin_m <= p->dmax_m))
    return fai_error_set(err, FAI_EINVAL, "distances [%g, %g] m; expected 0 < min <= max",
                         p->dmin_m, p->dmax_m);
  if (!(p->energy_j > 0) || !(p->max_power_w > 0) || (isinf(p->energy_j) && isinf(p->max_power_w)))
    return fai_error_set(err, FAI_EINVAL, "energy %g J, power cap %g W: need a positive budget",
                         p->energy_j, p->max_power_w);
  fai_libgen_params lp = p->lib;
  lp.seed = p->seed;
  fai_library lib;
  fai_status st = fai_library_generate(&lp, &lib, err);
  if (st != FAI_OK) return st;
  json_t *devs = json_array();
  for (int k = 0; k < p->devices; k++) {
    const double u = fai_rng_uniform(p->seed, FAI_STREAM_WORKLOAD, NS_DIST | (uint64_t)k);
    int t = (int)(fai_rng_uniform(p->seed, FAI_STREAM_WORKLOAD, NS_TASK | (uint64_t)k) * lib.n_tasks);
    if (t >= lib.n_tasks) t = lib.n_tasks - 1;
    double best = 0;
    for (int i = 0; i < lib.n_models; i++)
      if (lib.model_task[i] == t && lib.accuracy[i] > best) best = lib.accuracy[i];
    const double req =
        best - p->req_slack * fai_rng_uniform(p->seed, FAI_STREAM_WORKLOAD, NS_REQ | (uint64_t)k);
    char id[32];
    snprintf(id, sizeof id, "d%d", k);
    const double d = round((p->dmin_m + (p->dmax_m - p->dmin_m) * u) * 10) / 10;
    json_array_append_new(devs, json_pack("{s:s, s:s, s:f, s:f}", "id", id, "task",
                                          fai_library_task_id(&lib, t), "accuracy",
                                          floor(req * 1e4) / 1e4, "distance_m", d));
  }
  json_t *radio = json_pack("{s:f, s:f}", "bandwidth_hz", p->bandwidth_hz, "noise_dbm_hz",
                            p->noise_dbm_hz);
  if (isfinite(p->energy_j)) json_object_set_new(radio, "energy_j", json_real(p->energy_j));
  if (isfinite(p->max_power_w)) json_object_set_new(radio, "max_power_w", json_real(p->max_power_w));
  char name[64];
  snprintf(name, sizeof name, "mba-k%d-s%llu", p->devices, (unsigned long long)p->seed);
  *doc = json_pack("{s:s, s:i, s:s, s:I, s:o, s:o, s:o}", "format", "fluidai-mba-instance",
                   "version", 1, "name", name, "seed", (json_int_t)p->seed, "library",
                   fai_library_to_json(&lib), "radio", radio, "devices", devs);
  fai_library_free(&lib);
  if (!*doc) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  return FAI_OK;
}
