/* PartialLoading instances: reading, loading costs, the backbone-sharing
 * test, the uplink rate and its inverse, the generator (PAPERS §6.2, §6.4). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/json.h"
#include "fluidai/orbit.h"
#include "fluidai/partialload.h"
#include "fluidai/rng.h"

static const char *const ALGO_NAMES[FAI_PL_ALGO_COUNT_] = {"dp",  "greedy", "no-sharing", "fcfs",
                                                           "edd", "brute",  "exact"};

const char *fai_pl_algo_name(fai_pl_algo a) {
  return (unsigned)a < FAI_PL_ALGO_COUNT_ ? ALGO_NAMES[a] : "?";
}

int fai_pl_algo_parse(const char *s, fai_pl_algo *out) {
  for (int a = 0; a < FAI_PL_ALGO_COUNT_; a++)
    if (!strcmp(s, ALGO_NAMES[a])) {
      *out = (fai_pl_algo)a;
      return 0;
    }
  return -1;
}

void fai_pl_instance_init(fai_pl_instance *inst) {
  memset(inst, 0, sizeof *inst);
  fai_library_init(&inst->lib);
  inst->initial_model = -1;
}

void fai_pl_instance_free(fai_pl_instance *inst) {
  fai_library_free(&inst->lib);
  free(inst->req_id);
  free(inst->model);
  free(inst->input_bits);
  free(inst->deadline_s);
  free(inst->compute_s);
  free(inst->power_w);
  free(inst->gain);
  free(inst->distance_m);
  fai_pl_instance_init(inst);
}

fai_status fai_pl_instance_alloc(fai_pl_instance *inst, int K, fai_error *err) {
  if (K < 0) return fai_error_set(err, FAI_EINVAL, "%d requests; expected >= 0", K);
  const size_t n = (size_t)K + 1;
  inst->K = K;
  inst->req_id = calloc(n, FAI_LIB_ID_MAX);
  inst->model = calloc(n, sizeof(int));
  inst->input_bits = calloc(n, sizeof(double));
  inst->deadline_s = calloc(n, sizeof(double));
  inst->compute_s = calloc(n, sizeof(double));
  inst->power_w = calloc(n, sizeof(double));
  inst->gain = calloc(n, sizeof(double));
  inst->distance_m = calloc(n, sizeof(double));
  if (!inst->req_id || !inst->model || !inst->input_bits || !inst->deadline_s ||
      !inst->compute_s || !inst->power_w || !inst->gain || !inst->distance_m)
    return fai_error_set(err, FAI_ENOMEM, "out of memory for %d requests", K);
  return FAI_OK;
}

const char *fai_pl_request_id(const fai_pl_instance *inst, int k) {
  return inst->req_id + (size_t)k * FAI_LIB_ID_MAX;
}

fai_status fai_pl_instance_validate(const fai_pl_instance *inst, fai_error *err) {
  fai_status st = fai_library_validate(&inst->lib, err);
  if (st != FAI_OK) return st;
  if (!(inst->r_load > 0) || !isfinite(inst->r_load))
    return fai_error_set(err, FAI_EINVAL, "$.server.r_load_bytes_s: %g; expected > 0", inst->r_load);
  if (!(inst->bandwidth_hz > 0) || !isfinite(inst->bandwidth_hz))
    return fai_error_set(err, FAI_EINVAL, "$.server.bandwidth_hz: %g; expected > 0",
                         inst->bandwidth_hz);
  if (!(inst->noise_w_hz > 0) || !isfinite(inst->noise_w_hz))
    return fai_error_set(err, FAI_EINVAL, "noise density %g W/Hz; expected > 0", inst->noise_w_hz);
  if (inst->initial_model < -1 || inst->initial_model >= inst->lib.n_models)
    return fai_error_set(err, FAI_EINVAL, "initial model index %d out of range", inst->initial_model);
  for (int k = 0; k < inst->K; k++) {
    if (inst->model[k] < 0 || inst->model[k] >= inst->lib.n_models)
      return fai_error_set(err, FAI_EINVAL, "$.requests[%d].model: index %d out of range", k,
                           inst->model[k]);
    if (!(inst->input_bits[k] >= 0) || !(inst->deadline_s[k] >= 0) || !(inst->compute_s[k] >= 0) ||
        !isfinite(inst->input_bits[k]) || !isfinite(inst->deadline_s[k]) ||
        !isfinite(inst->compute_s[k]))
      return fai_error_set(err, FAI_EINVAL,
                           "$.requests[%d]: input %g bits, deadline %g s, compute %g s; expected "
                           "finite values >= 0", k, inst->input_bits[k], inst->deadline_s[k],
                           inst->compute_s[k]);
    if (!(inst->power_w[k] > 0) || !(inst->gain[k] > 0) || !isfinite(inst->power_w[k]) ||
        !isfinite(inst->gain[k]))
      return fai_error_set(err, FAI_EINVAL, "$.requests[%d]: power %g W, gain %g; expected > 0", k,
                           inst->power_w[k], inst->gain[k]);
  }
  return FAI_OK;
}

/* --- reading ------------------------------------------------------------------------------- */

static int cmp_id_ptr(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  const int c = strcmp(x, y);
  return c ? c : (x > y) - (x < y); /* equal ids: by position, so the result is deterministic */
}

static int find_model(const fai_library *lib, const char *id) {
  for (int i = 0; i < lib->n_models; i++)
    if (!strcmp(fai_library_model_id(lib, i), id)) return i;
  return -1;
}

/* "a", "b", ... (first 8, then "and N more"). */
static void known_models(const fai_library *lib, char *buf, size_t n) {
  size_t len = 0;
  buf[0] = '\0';
  for (int i = 0; i < lib->n_models && i < 8; i++)
    len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s\"%s\"", i ? ", " : "",
                            fai_library_model_id(lib, i));
  if (lib->n_models > 8 && len < n)
    snprintf(buf + len, n - len, " and %d more", lib->n_models - 8);
}

static fai_status positive_member(const fai_jv *obj, const char *key, int required, double def,
                                  double *out, fai_error *err) {
  fai_status st = fai_jv_number(obj, key, required, def, -1e300, 1e300, out, err);
  if (st != FAI_OK) return st;
  if (!(*out > 0)) {
    fai_jv x;
    fai_jv_member(obj, key, &x);
    return fai_jv_error(&x, FAI_EINVAL, err, "%s %g; expected a positive number", key, *out);
  }
  return FAI_OK;
}

static fai_status load_doc(const fai_json_doc *doc, const char *base_dir, fai_pl_instance *inst,
                           fai_error *err) {
  static const char *const keys[] = {"format", "version", "name", "seed", "library", "server",
                                     "requests", NULL};
  static const char *const skeys[] = {"r_load_bytes_s", "initial_model", "bandwidth_hz",
                                      "noise_dbm_hz", NULL};
  static const char *const rkeys[] = {"id",        "model",     "input_bits", "deadline_s",
                                      "compute_s", "power_dbm", "distance_m", "gain_db", NULL};
  fai_status st;
  fai_jv root = fai_jv_root(doc), sv, rv, x;
  const char *s;
  long long ver, seed;
  double v;
  char known[640];
  FAI_TRY(fai_jv_expect_object(&root, keys, err));
  FAI_TRY(fai_jv_string(&root, "format", 1, NULL, &s, err));
  if (strcmp(s, "fluidai-partialload-instance")) {
    fai_jv_member(&root, "format", &x);
    st = fai_jv_error(&x, FAI_EINVAL, err, "format \"%s\"; expected \"fluidai-partialload-instance\"",
                      s);
    goto cleanup;
  }
  FAI_TRY(fai_jv_int(&root, "version", 0, 1, 1, 1, &ver, err));
  FAI_TRY(fai_jv_string(&root, "name", 0, "partialload", &s, err));
  snprintf(inst->name, sizeof inst->name, "%s", s);
  FAI_TRY(fai_jv_int(&root, "seed", 0, 1, 0, INT64_MAX, &seed, err));
  inst->seed = (uint64_t)seed;
  FAI_TRY(fai_library_from_member(&root, base_dir, &inst->lib, err));
  if (inst->lib.n_models < 1) {
    fai_jv_member(&root, "library", &x);
    st = fai_jv_error(&x, FAI_EINVAL, err, "the library has no models");
    goto cleanup;
  }

  if (!fai_jv_member(&root, "server", &sv)) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "missing \"server\" (r_load_bytes_s, bandwidth_hz)");
    goto cleanup;
  }
  FAI_TRY(fai_jv_expect_object(&sv, skeys, err));
  FAI_TRY(positive_member(&sv, "r_load_bytes_s", 1, 0, &inst->r_load, err));
  FAI_TRY(positive_member(&sv, "bandwidth_hz", 1, 0, &inst->bandwidth_hz, err));
  FAI_TRY(fai_jv_number(&sv, "noise_dbm_hz", 0, -174, -300, 100, &v, err));
  inst->noise_w_hz = pow(10.0, (v - 30) / 10);
  inst->initial_model = -1;
  if (fai_jv_member(&sv, "initial_model", &x) && !json_is_null(x.v)) {
    FAI_TRY(fai_jv_string(&sv, "initial_model", 1, NULL, &s, err));
    if ((inst->initial_model = find_model(&inst->lib, s)) < 0) {
      known_models(&inst->lib, known, sizeof known);
      st = fai_jv_error(&x, FAI_EINVAL, err, "unknown model \"%s\" (known models: %s)", s, known);
      goto cleanup;
    }
  }

  if (!fai_jv_member(&root, "requests", &rv)) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "missing \"requests\"");
    goto cleanup;
  }
  FAI_TRY(fai_jv_expect_array(&rv, 0, err));
  FAI_TRY(fai_pl_instance_alloc(inst, (int)json_array_size(rv.v), err));
  for (int k = 0; k < inst->K; k++) {
    fai_jv r = fai_jv_index(&rv, (size_t)k), dist, gdb;
    FAI_TRY(fai_jv_expect_object(&r, rkeys, err));
    char def[32];
    snprintf(def, sizeof def, "r%d", k);
    FAI_TRY(fai_jv_string(&r, "id", 0, def, &s, err));
    if (strlen(s) >= FAI_LIB_ID_MAX) {
      fai_jv_member(&r, "id", &x);
      st = fai_jv_error(&x, FAI_EINVAL, err, "id of %zu characters; at most %d", strlen(s),
                        FAI_LIB_ID_MAX - 1);
      goto cleanup;
    }
    snprintf(inst->req_id + (size_t)k * FAI_LIB_ID_MAX, FAI_LIB_ID_MAX, "%s", s);
    FAI_TRY(fai_jv_string(&r, "model", 1, NULL, &s, err));
    if ((inst->model[k] = find_model(&inst->lib, s)) < 0) {
      fai_jv_member(&r, "model", &x);
      known_models(&inst->lib, known, sizeof known);
      st = fai_jv_error(&x, FAI_EINVAL, err, "unknown model \"%s\" (known models: %s)", s, known);
      goto cleanup;
    }
    FAI_TRY(fai_jv_number(&r, "input_bits", 1, 0, 0, 1e18, &inst->input_bits[k], err));
    FAI_TRY(fai_jv_number(&r, "deadline_s", 1, 0, 0, 1e9, &inst->deadline_s[k], err));
    FAI_TRY(fai_jv_number(&r, "compute_s", 1, 0, 0, 1e9, &inst->compute_s[k], err));
    FAI_TRY(fai_jv_number(&r, "power_dbm", 0, 23, -100, 100, &v, err));
    inst->power_w[k] = pow(10.0, (v - 30) / 10);
    const int hd = fai_jv_member(&r, "distance_m", &dist), hg = fai_jv_member(&r, "gain_db", &gdb);
    if (hd == hg) {
      st = fai_jv_error(&r, FAI_EINVAL, err, "give exactly one of \"distance_m\" and \"gain_db\"");
      goto cleanup;
    }
    if (hd) {
      FAI_TRY(fai_jv_number(&r, "distance_m", 1, 0, 1e-3, 1e8, &inst->distance_m[k], err));
      inst->gain[k] = pow(10.0, -fai_pathloss_3gpp_db(inst->distance_m[k]) / 10);
    } else {
      FAI_TRY(fai_jv_number(&r, "gain_db", 1, 0, -400, 100, &v, err));
      inst->distance_m[k] = NAN;
      inst->gain[k] = pow(10.0, v / 10);
    }
  }
  { /* request ids name the requests in the plan (schedule, rejected): unique */
    const char **ids = malloc(sizeof *ids * ((size_t)inst->K + 1));
    if (!ids) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory");
      goto cleanup;
    }
    for (int k = 0; k < inst->K; k++) ids[k] = inst->req_id + (size_t)k * FAI_LIB_ID_MAX;
    qsort(ids, (size_t)inst->K, sizeof *ids, cmp_id_ptr);
    int dup = -1, first = -1;
    for (int q = 1; q < inst->K; q++)
      if (!strcmp(ids[q - 1], ids[q])) {
        const int a = (int)((ids[q - 1] - inst->req_id) / FAI_LIB_ID_MAX);
        const int b = (int)((ids[q] - inst->req_id) / FAI_LIB_ID_MAX);
        const int hi = a > b ? a : b, lo = a > b ? b : a;
        if (dup < 0 || hi < dup) dup = hi, first = lo;
      }
    free(ids);
    if (dup >= 0) {
      fai_jv r = fai_jv_index(&rv, (size_t)dup);
      if (!fai_jv_member(&r, "id", &x)) x = r;
      st = fai_jv_error(&x, FAI_EINVAL, err, "duplicate request id \"%s\" (also $.requests[%d])",
                        fai_pl_request_id(inst, dup), first);
      goto cleanup;
    }
  }
  st = fai_pl_instance_validate(inst, err);
cleanup:
  return st;
}

static void dir_of(const char *path, char *out, size_t n) {
  const char *slash = strrchr(path, '/');
  if (!slash) out[0] = '\0';
  else snprintf(out, n, "%.*s/", (int)(slash - path), path);
}

fai_status fai_pl_instance_load_string(const char *text, const char *name, fai_pl_instance *inst,
                                       fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_pl_instance_init(inst);
  fai_status st = fai_json_load_string(text, name, &doc, err);
  if (st == FAI_OK) st = load_doc(doc, "", inst, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai_pl_instance_free(inst);
  return st;
}

fai_status fai_pl_instance_load_file(const char *path, fai_pl_instance *inst, fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_pl_instance_init(inst);
  char base[FAI_ERROR_FILE_MAX];
  dir_of(path, base, sizeof base);
  fai_status st = fai_json_load_file(path, &doc, err);
  if (st == FAI_OK) st = load_doc(doc, base, inst, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai_pl_instance_free(inst);
  return st;
}

/* --- loading ------------------------------------------------------------------------------- */

int64_t fai_pl_load_bytes(const fai_library *lib, int from, int to, int sharing) {
  if (from == to) return 0;
  int64_t bytes = 0;
  const int *tb = lib->model_blocks + lib->model_off[to];
  const int tn = lib->model_off[to + 1] - lib->model_off[to];
  if (!sharing || from < 0) {
    for (int a = 0; a < tn; a++) bytes += lib->block_bytes[tb[a]];
    return bytes;
  }
  /* Both block lists are ascending: one merge. */
  const int *fb = lib->model_blocks + lib->model_off[from];
  const int fn = lib->model_off[from + 1] - lib->model_off[from];
  int b = 0;
  for (int a = 0; a < tn; a++) {
    while (b < fn && fb[b] < tb[a]) b++;
    if (b < fn && fb[b] == tb[a]) continue;
    bytes += lib->block_bytes[tb[a]];
  }
  return bytes;
}

double fai_pl_load_time(int64_t bytes, double r_load) { return (double)bytes / r_load; }

int fai_pl_backbone(const fai_library *lib, int *cluster, int64_t *backbone_bytes,
                    int64_t *head_bytes, char *why, size_t why_n) {
  const int I = lib->n_models, J = lib->n_blocks;
  int *users = calloc((size_t)J + 1, sizeof(int));
  int *cl_of_block = malloc(((size_t)J + 1) * sizeof(int));
  if (!users || !cl_of_block) {
    free(users);
    free(cl_of_block);
    if (why) snprintf(why, why_n, "out of memory");
    return -1;
  }
  fai_library_block_users(lib, users);
  for (int j = 0; j < J; j++) cl_of_block[j] = -1;
  int nc = 0;
  for (int i = 0; i < I; i++) {
    int shared = -1;
    int64_t head = 0;
    for (int q = lib->model_off[i]; q < lib->model_off[i + 1]; q++) {
      const int j = lib->model_blocks[q];
      if (users[j] < 2) {
        head += lib->block_bytes[j];
      } else if (shared >= 0) {
        if (why)
          snprintf(why, why_n,
                   "model \"%s\" has two shared blocks (\"%s\" and \"%s\"); backbone-sharing "
                   "needs one shared backbone block per model plus private blocks",
                   fai_library_model_id(lib, i), fai_library_block_id(lib, shared),
                   fai_library_block_id(lib, j));
        free(users);
        free(cl_of_block);
        return -1;
      } else {
        shared = j;
      }
    }
    int c;
    if (shared < 0) c = nc++;
    else if (cl_of_block[shared] >= 0) c = cl_of_block[shared];
    else c = cl_of_block[shared] = nc++;
    if (cluster) cluster[i] = c;
    if (backbone_bytes) backbone_bytes[i] = shared >= 0 ? lib->block_bytes[shared] : 0;
    if (head_bytes) head_bytes[i] = head;
  }
  free(users);
  free(cl_of_block);
  return nc;
}

/* --- uplink -------------------------------------------------------------------------------- */

double fai_pl_rate(double b, double a) {
  if (!(b > 0)) return 0;
  return b * log1p(a / b) / M_LN2;
}

double fai_pl_upload_time(double bits, double b, double a) {
  if (bits == 0) return 0;
  const double r = fai_pl_rate(b, a);
  return r > 0 ? bits / r : INFINITY;
}

double fai_pl_bandwidth_for(double bits, double seconds, double a) {
  if (bits == 0) return 0;
  if (!(seconds > 0) || !(bits / seconds < a / M_LN2)) return INFINITY;
  double lo = 0, hi = 1;
  while (!(fai_pl_upload_time(bits, hi, a) <= seconds)) {
    lo = hi;
    hi *= 2;
    if (hi > 1e300) return INFINITY;
  }
  for (int it = 0; it < 400 && hi - lo > 1e-15 * hi; it++) {
    const double mid = lo + 0.5 * (hi - lo);
    if (mid <= lo || mid >= hi) break;
    if (fai_pl_upload_time(bits, mid, a) <= seconds) hi = mid;
    else lo = mid;
  }
  return hi;
}

/* --- generator ----------------------------------------------------------------------------- */

#define NS_MODEL (1ull << 56)  /* FAI_STREAM_WORKLOAD index namespaces */
#define NS_DEADLINE (2ull << 56)
#define NS_BITS (3ull << 56)
#define NS_DIST (4ull << 56)

/* fp32 backbone sizes (bytes): ResNet-50 without its classifier (23.5 M
 * parameters), ViT-B/16 (≈ 86 M parameters, 330 MB as commonly quoted),
 * BERT-base (≈ 110 M parameters, 418 MB as commonly quoted). */
static const int64_t BACKBONE_BYTES[3] = {94000000, 330000000, 418000000};

void fai_pl_gen_params_init(fai_pl_gen_params *p) {
  memset(p, 0, sizeof *p);
  p->requests = 20;
  p->clusters = 3;
  p->models_per_cluster = 10;
  p->r_load = 12e9;
  p->bandwidth_hz = 100e6;
  p->noise_dbm_hz = -174;
  p->deadline_min_s = 0.5;
  p->deadline_max_s = 2.0;
  p->compute_s[0] = 0.015;
  p->compute_s[1] = 0.040;
  p->compute_s[2] = 0.030;
  p->bits_min = 0.2e6;
  p->bits_max = 2e6;
  p->dmin_m = 50;
  p->dmax_m = 300;
  p->power_dbm = 23;
  p->head_min = 200000;
  p->head_max = 4000000;
  p->seed = 1;
}

fai_status fai_pl_generate(const fai_pl_gen_params *p, json_t **doc, fai_error *err) {
  *doc = NULL;
  if (p->requests < 1 || p->requests > 1000000)
    return fai_error_set(err, FAI_EINVAL, "requests %d; expected 1 to 1000000", p->requests);
  if (p->clusters < 1 || p->clusters > 3 || p->models_per_cluster < 1 ||
      p->models_per_cluster > 10000)
    return fai_error_set(err, FAI_EINVAL, "clusters %d (1..3), models per cluster %d (1..10000)",
                         p->clusters, p->models_per_cluster);
  if (!(p->r_load > 0) || !(p->bandwidth_hz > 0))
    return fai_error_set(err, FAI_EINVAL, "r_load %g B/s, bandwidth %g Hz; expected > 0", p->r_load,
                         p->bandwidth_hz);
  if (!(p->deadline_min_s >= 0 && p->deadline_min_s <= p->deadline_max_s) ||
      !(p->bits_min >= 0 && p->bits_min <= p->bits_max) ||
      !(p->dmin_m > 0 && p->dmin_m <= p->dmax_m))
    return fai_error_set(err, FAI_EINVAL,
                         "ranges: deadlines [%g, %g] s, input [%g, %g] bits, distance [%g, %g] m; "
                         "expected 0 <= min <= max (distance > 0)",
                         p->deadline_min_s, p->deadline_max_s, p->bits_min, p->bits_max, p->dmin_m,
                         p->dmax_m);
  /* the reader's bounds, so gen never writes an instance the solver refuses */
  if (!(p->deadline_max_s <= 1e9) || !(p->bits_max <= 1e18) || !(p->dmax_m <= 1e8) ||
      !(p->dmin_m >= 1e-3))
    return fai_error_set(err, FAI_EINVAL,
                         "ranges: deadlines up to %g s (at most 1e9), input up to %g bits (at most "
                         "1e18), distance [%g, %g] m (within [1e-3, 1e8])",
                         p->deadline_max_s, p->bits_max, p->dmin_m, p->dmax_m);
  if (p->seed > (uint64_t)INT64_MAX)
    return fai_error_set(err, FAI_EINVAL, "seed %llu; expected at most %lld (the instance stores "
                         "it as a JSON integer)", (unsigned long long)p->seed, (long long)INT64_MAX);
  for (int c = 0; c < p->clusters; c++)
    if (!(p->compute_s[c] >= 0 && p->compute_s[c] <= 1e9))
      return fai_error_set(err, FAI_EINVAL, "compute time %g s of cluster %d; expected 0 to 1e9 s",
                           p->compute_s[c], c);
  fai_libgen_params lp;
  fai_libgen_params_init(&lp);
  lp.shape = FAI_LIBGEN_BACKBONE;
  lp.backbones = p->clusters;
  lp.finetuned = p->models_per_cluster;
  for (int c = 0; c < p->clusters; c++) lp.backbone_bytes[c] = BACKBONE_BYTES[c];
  lp.frozen_min = lp.frozen_max = 1.0; /* the whole backbone is shared; the private block is the head */
  lp.head_bytes_min = p->head_min;
  lp.head_bytes_max = p->head_max;
  lp.seed = p->seed;
  fai_library lib;
  fai_status st = fai_library_generate(&lp, &lib, err);
  if (st != FAI_OK) return st;
  snprintf(lib.name, sizeof lib.name, "partialload-c%d-m%d", p->clusters, p->models_per_cluster);
  const int I = lib.n_models;
  json_t *reqs = json_array();
  for (int k = 0; k < p->requests; k++) {
    const uint64_t ik = (uint64_t)k;
    int i = (int)(fai_rng_uniform(p->seed, FAI_STREAM_WORKLOAD, NS_MODEL | ik) * I);
    if (i >= I) i = I - 1;
    const int c = i / p->models_per_cluster;
    const double T = p->deadline_min_s + (p->deadline_max_s - p->deadline_min_s) *
                                             fai_rng_uniform(p->seed, FAI_STREAM_WORKLOAD,
                                                             NS_DEADLINE | ik);
    const double bits = p->bits_min + (p->bits_max - p->bits_min) *
                                          fai_rng_uniform(p->seed, FAI_STREAM_WORKLOAD, NS_BITS | ik);
    const double d = p->dmin_m + (p->dmax_m - p->dmin_m) *
                                     fai_rng_uniform(p->seed, FAI_STREAM_WORKLOAD, NS_DIST | ik);
    char id[32];
    snprintf(id, sizeof id, "u%d", k);
    json_array_append_new(
        reqs, json_pack("{s:s, s:s, s:f, s:f, s:f, s:f, s:f}", "id", id, "model",
                        fai_library_model_id(&lib, i), "input_bits", round(bits), "deadline_s",
                        round(T * 1e4) / 1e4, "compute_s", p->compute_s[c], "power_dbm",
                        p->power_dbm, "distance_m", round(d * 10) / 10));
  }
  json_t *server = json_pack("{s:f, s:f, s:f}", "r_load_bytes_s", p->r_load, "bandwidth_hz",
                             p->bandwidth_hz, "noise_dbm_hz", p->noise_dbm_hz);
  char name[64];
  snprintf(name, sizeof name, "partialload-k%d-s%llu", p->requests, (unsigned long long)p->seed);
  *doc = json_pack("{s:s, s:i, s:s, s:I, s:o, s:o, s:o}", "format", "fluidai-partialload-instance",
                   "version", 1, "name", name, "seed", (json_int_t)p->seed, "library",
                   fai_library_to_json(&lib), "server", server, "requests", reqs);
  fai_library_free(&lib);
  if (!*doc) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  return FAI_OK;
}
