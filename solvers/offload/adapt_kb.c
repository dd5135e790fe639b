/* Device knowledge base and model search space: strict loading (PAPERS §11.4,
 * formats in include/fluidai/adapt.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/adapt.h"
#include "fluidai/json.h"

static const char *const DTYPES[] = {"fp32", "fp16", "int8", NULL};
static const int DTYPE_BYTES[] = {4, 2, 1};

static fai_status check_format(const fai_jv *root, const char *want, fai_error *err) {
  const char *s;
  long long ver;
  fai_jv x;
  fai_status st = fai_jv_string(root, "format", 1, NULL, &s, err);
  if (st != FAI_OK) return st;
  if (strcmp(s, want)) {
    fai_jv_member(root, "format", &x);
    return fai_jv_error(&x, FAI_EINVAL, err, "format \"%s\"; expected \"%s\"", s, want);
  }
  return fai_jv_int(root, "version", 0, 1, 1, 1, &ver, err);
}

static fai_status copy_string(const fai_jv *obj, const char *key, int required, const char *def,
                              char *out, size_t n, fai_error *err) {
  const char *s;
  fai_status st = fai_jv_string(obj, key, required, def, &s, err);
  if (st != FAI_OK) return st;
  if (strlen(s) >= n || (required && !s[0])) {
    fai_jv x;
    fai_jv_member(obj, key, &x);
    return fai_jv_error(&x, FAI_EINVAL, err, "\"%s\"; expected a non-empty name of at most %zu "
                        "characters", s, n - 1);
  }
  snprintf(out, n, "%s", s);
  return FAI_OK;
}

static int int_member(const fai_jv *obj, const char *key, int *out, fai_error *err,
                      fai_status *st) {
  long long v;
  *st = fai_jv_int(obj, key, 0, 0, 0, 1000000, &v, err);
  *out = (int)v;
  return *st != FAI_OK;
}

void fai_device_kb_init(fai_device_kb *kb) { memset(kb, 0, sizeof *kb); }

void fai_device_kb_free(fai_device_kb *kb) {
  for (int d = 0; d < kb->n_devices; d++) free(kb->dev[d].op_ms);
  free(kb->dev);
  free(kb->ops);
  fai_device_kb_init(kb);
}

static int find_op(const fai_device_kb *kb, const char *id) {
  for (int i = 0; i < kb->n_ops; i++)
    if (!strcmp(kb->ops[i].id, id)) return i;
  return -1;
}

static fai_status load_kb(const fai_json_doc *doc, fai_device_kb *kb, fai_error *err) {
  static const char *const keys[] = {"format", "version", "name", "operators", "devices", NULL};
  static const char *const okeys[] = {"id", "type", "kernel", "stride", "in_channels",
                                      "out_channels", "resolution", "dtype", NULL};
  static const char *const dkeys[] = {"name", "engine", "spec", "transfer_in_ms", "gpu",
                                      "latency_ms", NULL};
  static const char *const gkeys[] = {"queue_ms", "copy_ms_per_mb", NULL};
  static const char *const engines[] = {"cpu", "gpu", NULL};
  fai_status st;
  fai_jv root = fai_jv_root(doc), ov, dv;
  snprintf(kb->source, sizeof kb->source, "%s", fai_json_doc_name(doc));
  FAI_TRY(fai_jv_expect_object(&root, keys, err));
  FAI_TRY(check_format(&root, "fluidai-device-kb", err));
  FAI_TRY(copy_string(&root, "name", 0, "kb", kb->name, sizeof kb->name, err));
  if (!fai_jv_member(&root, "operators", &ov)) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "missing \"operators\" (the operator list)");
    goto cleanup;
  }
  FAI_TRY(fai_jv_expect_array(&ov, 1, err));
  const int n_ops = (int)json_array_size(ov.v);
  kb->ops = calloc((size_t)n_ops, sizeof *kb->ops);
  if (!kb->ops) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (int i = 0; i < n_ops; i++) {
    fai_jv o = fai_jv_index(&ov, (size_t)i), x;
    fai_kb_op *op = &kb->ops[i];
    int dt;
    FAI_TRY(fai_jv_expect_object(&o, okeys, err));
    FAI_TRY(copy_string(&o, "id", 1, NULL, op->id, sizeof op->id, err));
    if (find_op(kb, op->id) >= 0) {
      fai_jv_member(&o, "id", &x);
      st = fai_jv_error(&x, FAI_EINVAL, err, "duplicate operator id \"%s\"", op->id);
      goto cleanup;
    }
    FAI_TRY(copy_string(&o, "type", 1, NULL, op->type, sizeof op->type, err));
    if (int_member(&o, "kernel", &op->kernel, err, &st) ||
        int_member(&o, "stride", &op->stride, err, &st) ||
        int_member(&o, "in_channels", &op->in_channels, err, &st) ||
        int_member(&o, "out_channels", &op->out_channels, err, &st) ||
        int_member(&o, "resolution", &op->resolution, err, &st))
      goto cleanup;
    FAI_TRY(fai_jv_enum(&o, "dtype", 0, 0, DTYPES, &dt, err));
    snprintf(op->dtype, sizeof op->dtype, "%s", DTYPES[dt]);
    kb->n_ops = i + 1;
  }
  if (!fai_jv_member(&root, "devices", &dv)) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "missing \"devices\"");
    goto cleanup;
  }
  FAI_TRY(fai_jv_expect_array(&dv, 1, err));
  const int n_dev = (int)json_array_size(dv.v);
  kb->dev = calloc((size_t)n_dev, sizeof *kb->dev);
  if (!kb->dev) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (int d = 0; d < n_dev; d++) {
    fai_jv o = fai_jv_index(&dv, (size_t)d), x, lat, gv;
    fai_kb_device *dev = &kb->dev[d];
    int eng;
    kb->n_devices = d + 1;
    dev->op_ms = malloc((size_t)n_ops * sizeof *dev->op_ms);
    if (!dev->op_ms) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory");
      goto cleanup;
    }
    for (int i = 0; i < n_ops; i++) dev->op_ms[i] = NAN;
    FAI_TRY(fai_jv_expect_object(&o, dkeys, err));
    FAI_TRY(copy_string(&o, "name", 1, NULL, dev->name, sizeof dev->name, err));
    for (int e = 0; e < d; e++)
      if (!strcmp(kb->dev[e].name, dev->name)) {
        fai_jv_member(&o, "name", &x);
        st = fai_jv_error(&x, FAI_EINVAL, err, "duplicate device name \"%s\" (also $.devices[%d])",
                          dev->name, e);
        goto cleanup;
      }
    FAI_TRY(fai_jv_enum(&o, "engine", 0, 0, engines, &eng, err));
    dev->engine = eng ? FAI_ENGINE_GPU : FAI_ENGINE_CPU;
    FAI_TRY(copy_string(&o, "spec", 0, "", dev->spec, sizeof dev->spec, err));
    FAI_TRY(fai_jv_number(&o, "transfer_in_ms", 0, 0, 0, 1e9, &dev->transfer_in_ms, err));
    if (fai_jv_member(&o, "gpu", &gv)) {
      if (dev->engine != FAI_ENGINE_GPU) {
        st = fai_jv_error(&gv, FAI_EINVAL, err, "\"gpu\" terms on a device whose engine is cpu");
        goto cleanup;
      }
      FAI_TRY(fai_jv_expect_object(&gv, gkeys, err));
      FAI_TRY(fai_jv_number(&gv, "queue_ms", 1, 0, 0, 1e9, &dev->queue_ms, err));
      FAI_TRY(fai_jv_number(&gv, "copy_ms_per_mb", 1, 0, 0, 1e9, &dev->copy_ms_per_mb, err));
    } else if (dev->engine == FAI_ENGINE_GPU) {
      st = fai_jv_error(&o, FAI_EINVAL, err, "device \"%s\" has engine gpu but no \"gpu\" "
                        "{queue_ms, copy_ms_per_mb}", dev->name);
      goto cleanup;
    }
    if (!fai_jv_member(&o, "latency_ms", &lat) || !json_is_object(lat.v)) {
      st = fai_jv_error(lat.v ? &lat : &o, FAI_EINVAL, err,
                        "expected \"latency_ms\": an object mapping operator ids to measured "
                        "latencies (ms)");
      goto cleanup;
    }
    const char *key;
    json_t *val;
    json_object_foreach(lat.v, key, val) {
      const int i = find_op(kb, key);
      fai_jv_member(&lat, key, &x);
      if (i < 0) {
        st = fai_jv_error(&x, FAI_EINVAL, err, "latency for unknown operator \"%s\" (not in "
                          "$.operators)", key);
        goto cleanup;
      }
      FAI_TRY(fai_jv_number(&lat, key, 1, 0, 0, 1e9, &dev->op_ms[i], err));
    }
  }
cleanup:
  return st;
}

fai_status fai_device_kb_load_string(const char *text, const char *name, fai_device_kb *kb,
                                     fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_device_kb_init(kb);
  fai_status st = fai_json_load_string(text, name, &doc, err);
  if (st == FAI_OK) st = load_kb(doc, kb, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai_device_kb_free(kb);
  return st;
}

fai_status fai_device_kb_load_file(const char *path, fai_device_kb *kb, fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_device_kb_init(kb);
  fai_status st = fai_json_load_file(path, &doc, err);
  if (st == FAI_OK) st = load_kb(doc, kb, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai_device_kb_free(kb);
  return st;
}

int fai_device_kb_find(const fai_device_kb *kb, const char *name, fai_error *err) {
  for (int d = 0; d < kb->n_devices; d++)
    if (!strcmp(kb->dev[d].name, name)) return d;
  char known[768] = "";
  size_t k = 0;
  for (int d = 0; d < kb->n_devices && k + 4 < sizeof known; d++)
    k += (size_t)snprintf(known + k, sizeof known - k, "%s%s", d ? ", " : "", kb->dev[d].name);
  fai_error_set_at(err, FAI_EINVAL, kb->source, 0, 0, "$.devices",
                   "device \"%s\" is not in the knowledge base; known devices: %s", name, known);
  return -1;
}

/* --- search space -------------------------------------------------------------------- */

void fai_model_space_init(fai_model_space *s) { memset(s, 0, sizeof *s); }

void fai_model_space_free(fai_model_space *s) {
  for (int b = 0; b < s->n_blocks; b++) {
    for (int c = 0; c < s->block[b].n_choices; c++) free(s->block[b].choice[c].ops);
    free(s->block[b].choice);
    free(s->block[b].depth_acc);
  }
  free(s->block);
  free(s->fixed);
  fai_model_space_init(s);
}

/* An array of operator ids → indices into kb. */
static fai_status op_list(const fai_jv *arr, const fai_device_kb *kb, size_t min_len, int **out,
                          int *n, fai_error *err) {
  fai_status st = fai_jv_expect_array(arr, min_len, err);
  if (st != FAI_OK) return st;
  *n = (int)json_array_size(arr->v);
  *out = malloc(((size_t)*n + 1) * sizeof **out);
  if (!*out) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  for (int i = 0; i < *n; i++) {
    fai_jv e = fai_jv_index(arr, (size_t)i);
    if (!json_is_string(e.v)) return fai_jv_error(&e, FAI_EINVAL, err, "expected an operator id");
    const int k = find_op(kb, json_string_value(e.v));
    if (k < 0)
      return fai_jv_error(&e, FAI_EINVAL, err, "unknown operator \"%s\" (not in the knowledge "
                          "base %s)", json_string_value(e.v), kb->source);
    (*out)[i] = k;
  }
  return FAI_OK;
}

static fai_status load_space(const fai_json_doc *doc, const fai_device_kb *kb, fai_model_space *s,
                             fai_error *err) {
  static const char *const keys[] = {"format", "version", "name", "input", "base_accuracy",
                                     "fixed", "blocks", NULL};
  static const char *const ikeys[] = {"resolution", "channels", "dtype", NULL};
  static const char *const bkeys[] = {"name", "oneof", "repeat", "default", NULL};
  static const char *const ckeys[] = {"name", "ops", "accuracy", "kernel", "channels",
                                      "block_type", NULL};
  static const char *const rkeys[] = {"min", "max", "accuracy", NULL};
  static const char *const fkeys[] = {"choice", "depth", NULL};
  fai_status st;
  fai_jv root = fai_jv_root(doc), iv, fv, bv;
  long long v;
  int dt;
  snprintf(s->source, sizeof s->source, "%s", fai_json_doc_name(doc));
  FAI_TRY(fai_jv_expect_object(&root, keys, err));
  FAI_TRY(check_format(&root, "fluidai-model-space", err));
  FAI_TRY(copy_string(&root, "name", 0, "space", s->name, sizeof s->name, err));
  if (!fai_jv_member(&root, "input", &iv)) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "missing \"input\" {resolution, channels, dtype}");
    goto cleanup;
  }
  FAI_TRY(fai_jv_expect_object(&iv, ikeys, err));
  FAI_TRY(fai_jv_int(&iv, "resolution", 1, 0, 1, 100000, &v, err));
  s->resolution = (int)v;
  FAI_TRY(fai_jv_int(&iv, "channels", 1, 0, 1, 100000, &v, err));
  s->channels = (int)v;
  FAI_TRY(fai_jv_enum(&iv, "dtype", 0, 0, DTYPES, &dt, err));
  snprintf(s->dtype, sizeof s->dtype, "%s", DTYPES[dt]);
  s->input_mb = (double)s->resolution * s->resolution * s->channels * DTYPE_BYTES[dt] / 1e6;
  FAI_TRY(fai_jv_number(&root, "base_accuracy", 0, 0, -1e9, 1e9, &s->base_accuracy, err));
  if (fai_jv_member(&root, "fixed", &fv)) FAI_TRY(op_list(&fv, kb, 0, &s->fixed, &s->n_fixed, err));
  if (!fai_jv_member(&root, "blocks", &bv)) {
    st = fai_jv_error(&root, FAI_EINVAL, err, "missing \"blocks\"");
    goto cleanup;
  }
  FAI_TRY(fai_jv_expect_array(&bv, 1, err));
  const int nb = (int)json_array_size(bv.v);
  s->block = calloc((size_t)nb, sizeof *s->block);
  if (!s->block) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (int b = 0; b < nb; b++) {
    fai_jv o = fai_jv_index(&bv, (size_t)b), cv, rv, dv, x;
    fai_space_block *bl = &s->block[b];
    s->n_blocks = b + 1;
    FAI_TRY(fai_jv_expect_object(&o, bkeys, err));
    FAI_TRY(copy_string(&o, "name", 1, NULL, bl->name, sizeof bl->name, err));
    for (int e = 0; e < b; e++)
      if (!strcmp(s->block[e].name, bl->name)) {
        fai_jv_member(&o, "name", &x);
        st = fai_jv_error(&x, FAI_EINVAL, err, "duplicate block name \"%s\" (also $.blocks[%d])",
                          bl->name, e);
        goto cleanup;
      }
    if (!fai_jv_member(&o, "oneof", &cv)) {
      st = fai_jv_error(&o, FAI_EINVAL, err, "block \"%s\" has no \"oneof\" choices", bl->name);
      goto cleanup;
    }
    FAI_TRY(fai_jv_expect_array(&cv, 1, err));
    const int nc = (int)json_array_size(cv.v);
    bl->choice = calloc((size_t)nc, sizeof *bl->choice);
    if (!bl->choice) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory");
      goto cleanup;
    }
    for (int c = 0; c < nc; c++) {
      fai_jv co = fai_jv_index(&cv, (size_t)c), ops;
      fai_space_choice *ch = &bl->choice[c];
      bl->n_choices = c + 1;
      FAI_TRY(fai_jv_expect_object(&co, ckeys, err));
      FAI_TRY(copy_string(&co, "name", 1, NULL, ch->name, sizeof ch->name, err));
      for (int e = 0; e < c; e++)
        if (!strcmp(bl->choice[e].name, ch->name)) {
          fai_jv_member(&co, "name", &x);
          st = fai_jv_error(&x, FAI_EINVAL, err, "duplicate choice name \"%s\"", ch->name);
          goto cleanup;
        }
      FAI_TRY(fai_jv_number(&co, "accuracy", 0, 0, -1e9, 1e9, &ch->accuracy, err));
      if (int_member(&co, "kernel", &ch->kernel, err, &st) ||
          int_member(&co, "channels", &ch->channels, err, &st))
        goto cleanup;
      FAI_TRY(copy_string(&co, "block_type", 0, "", ch->block_type, sizeof ch->block_type, err));
      if (!fai_jv_member(&co, "ops", &ops)) {
        st = fai_jv_error(&co, FAI_EINVAL, err, "choice \"%s\" has no \"ops\" list", ch->name);
        goto cleanup;
      }
      FAI_TRY(op_list(&ops, kb, 1, &ch->ops, &ch->n_ops, err));
    }
    bl->depth_min = bl->depth_max = 1;
    if (fai_jv_member(&o, "repeat", &rv)) {
      FAI_TRY(fai_jv_expect_object(&rv, rkeys, err));
      FAI_TRY(fai_jv_int(&rv, "min", 1, 1, 0, 64, &v, err));
      bl->depth_min = (int)v;
      FAI_TRY(fai_jv_int(&rv, "max", 1, 1, bl->depth_min, 64, &v, err));
      bl->depth_max = (int)v;
    }
    const int nd = bl->depth_max - bl->depth_min + 1;
    bl->depth_acc = calloc((size_t)nd, sizeof *bl->depth_acc);
    if (!bl->depth_acc) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory");
      goto cleanup;
    }
    if (rv.v && fai_jv_member(&rv, "accuracy", &x)) {
      FAI_TRY(fai_jv_expect_array(&x, 0, err));
      if (json_array_size(x.v) != (size_t)nd) {
        st = fai_jv_error(&x, FAI_EINVAL, err, "%zu entries; expected %d (one per depth %d..%d)",
                          json_array_size(x.v), nd, bl->depth_min, bl->depth_max);
        goto cleanup;
      }
      for (int k = 0; k < nd; k++) {
        fai_jv e = fai_jv_index(&x, (size_t)k);
        if (!json_is_number(e.v)) {
          st = fai_jv_error(&e, FAI_EINVAL, err, "expected a number (accuracy contribution)");
          goto cleanup;
        }
        bl->depth_acc[k] = json_number_value(e.v);
      }
    }
    bl->def_choice = 0;
    bl->def_depth = bl->depth_min;
    if (fai_jv_member(&o, "default", &dv)) {
      const char *cn;
      FAI_TRY(fai_jv_expect_object(&dv, fkeys, err));
      FAI_TRY(fai_jv_string(&dv, "choice", 1, NULL, &cn, err));
      bl->def_choice = -1;
      for (int c = 0; c < nc; c++)
        if (!strcmp(bl->choice[c].name, cn)) bl->def_choice = c;
      if (bl->def_choice < 0) {
        fai_jv_member(&dv, "choice", &x);
        st = fai_jv_error(&x, FAI_EINVAL, err, "unknown choice \"%s\" of block \"%s\"", cn, bl->name);
        goto cleanup;
      }
      FAI_TRY(fai_jv_int(&dv, "depth", 0, bl->depth_min, bl->depth_min, bl->depth_max, &v, err));
      bl->def_depth = (int)v;
    }
  }
cleanup:
  return st;
}

fai_status fai_model_space_load_string(const char *text, const char *name, const fai_device_kb *kb,
                                       fai_model_space *s, fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_model_space_init(s);
  fai_status st = fai_json_load_string(text, name, &doc, err);
  if (st == FAI_OK) st = load_space(doc, kb, s, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai_model_space_free(s);
  return st;
}

fai_status fai_model_space_load_file(const char *path, const fai_device_kb *kb,
                                     fai_model_space *s, fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_model_space_init(s);
  fai_status st = fai_json_load_file(path, &doc, err);
  if (st == FAI_OK) st = load_space(doc, kb, s, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai_model_space_free(s);
  return st;
}
