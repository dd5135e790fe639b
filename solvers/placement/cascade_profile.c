/* Cascade model profiles: strict JSON reader and embedded presets
 * (format in README "fluidai place cascade"). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "embedded.h"
#include "fluidai/cascade.h"
#include "fluidai/json.h"

static const char *const PRESETS[] = {"resnet-like", "mobilenetv3-like"};

int fai_cascade_profile_preset_count(void) {
  return (int)(sizeof PRESETS / sizeof PRESETS[0]);
}

const char *fai_cascade_profile_preset_name(int i) {
  return i >= 0 && i < fai_cascade_profile_preset_count() ? PRESETS[i] : NULL;
}

/* obj.key: an array of exactly n numbers in [lo, hi]; with monotone = -1 it
 * must not increase, +1 strictly increase, 0 no order. */
static fai_status read_table(const fai_jv *obj, const char *key, int n, double lo, double hi,
                             int monotone, const char *what, double *out, fai_error *err) {
  fai_jv arr;
  fai_status st;
  if (!fai_jv_member(obj, key, &arr))
    return fai_jv_error(obj, FAI_EINVAL, err, "missing \"%s\" (%s)", key, what);
  if ((st = fai_jv_expect_array(&arr, 1, err)) != FAI_OK) return st;
  if (n > 0 && (int)json_array_size(arr.v) != n)
    return fai_jv_error(&arr, FAI_EINVAL, err,
                        "%s has %zu entries; expected %d, one per threshold", key,
                        json_array_size(arr.v), n);
  if (json_array_size(arr.v) > FAI_CASCADE_MAX_GRID)
    return fai_jv_error(&arr, FAI_EINVAL, err, "%s has %zu entries; at most %d", key,
                        json_array_size(arr.v), FAI_CASCADE_MAX_GRID);
  for (size_t i = 0; i < json_array_size(arr.v); i++) {
    fai_jv el = fai_jv_index(&arr, i);
    if (!json_is_number(el.v))
      return fai_jv_error(&el, FAI_EINVAL, err, "expected a number (%s)", what);
    const double v = json_number_value(el.v);
    if (!(v >= lo && v <= hi))
      return fai_jv_error(&el, FAI_EINVAL, err, "%s %g is out of range; expected [%g, %g]", what, v,
                          lo, hi);
    if (i > 0 && monotone < 0 && v > out[i - 1])
      return fai_jv_error(&el, FAI_EINVAL, err,
                          "%s %g rises above %g at the previous threshold; a higher confidence "
                          "threshold lets fewer samples exit, so the table must not increase",
                          what, v, out[i - 1]);
    if (i > 0 && monotone > 0 && !(v > out[i - 1]))
      return fai_jv_error(&el, FAI_EINVAL, err, "%s %g does not increase (previous %g)", what, v,
                          out[i - 1]);
    out[i] = v;
  }
  return FAI_OK;
}

static fai_status load_doc(const fai_json_doc *doc, fai_cascade_profile *p, fai_error *err) {
  static const char *const top_keys[] = {"format", "version", "name", "description",
                                         "input_bits", "result_bits", "final_accuracy",
                                         "thresholds", "submodels", NULL};
  static const char *const sub_keys[] = {"name", "flops", "output_bits", "memory_bytes", "exit",
                                         NULL};
  static const char *const exit_keys[] = {"accuracy", "probability", NULL};
  fai_jv root = fai_jv_root(doc), subs, m;
  fai_status st;
  const char *s = NULL;
  long long ver = 1;
  if ((st = fai_jv_expect_object(&root, top_keys, err)) != FAI_OK) return st;
  if ((st = fai_jv_string(&root, "format", 0, "fluidai-cascade-profile", &s, err)) != FAI_OK)
    return st;
  if (strcmp(s, "fluidai-cascade-profile")) {
    fai_jv_member(&root, "format", &m);
    return fai_jv_error(&m, FAI_EINVAL, err, "format \"%s\"; expected \"fluidai-cascade-profile\"",
                        s);
  }
  if ((st = fai_jv_int(&root, "version", 0, 1, 1, 1, &ver, err)) != FAI_OK) return st;
  if ((st = fai_jv_string(&root, "name", 1, NULL, &s, err)) != FAI_OK) return st;
  snprintf(p->name, sizeof p->name, "%s", s);
  if ((st = fai_jv_string(&root, "description", 0, "", &s, err)) != FAI_OK) return st;
  snprintf(p->description, sizeof p->description, "%s", s);
  if ((st = fai_jv_number(&root, "input_bits", 1, 0, 0, 1e15, &p->input_bits, err)) != FAI_OK)
    return st;
  if ((st = fai_jv_number(&root, "result_bits", 1, 0, 0, 1e15, &p->result_bits, err)) != FAI_OK)
    return st;
  if ((st = fai_jv_number(&root, "final_accuracy", 1, 0, 0, 1, &p->final_accuracy, err)) !=
      FAI_OK)
    return st;
  if ((st = read_table(&root, "thresholds", 0, 1e-9, 1, +1, "threshold", p->thresholds, err)) !=
      FAI_OK)
    return st;
  fai_jv_member(&root, "thresholds", &m);
  p->n_thresholds = (int)json_array_size(m.v);

  if (!fai_jv_member(&root, "submodels", &subs))
    return fai_jv_error(&root, FAI_EINVAL, err, "missing \"submodels\" (the chain, head first)");
  if ((st = fai_jv_expect_array(&subs, 2, err)) != FAI_OK) return st;
  if (json_array_size(subs.v) > FAI_CASCADE_MAX_SUB)
    return fai_jv_error(&subs, FAI_EINVAL, err, "%zu sub-models; at most %d",
                        json_array_size(subs.v), FAI_CASCADE_MAX_SUB);
  p->n_sub = (int)json_array_size(subs.v);
  for (int k = 0; k < p->n_sub; k++) {
    fai_jv it = fai_jv_index(&subs, (size_t)k), ex;
    fai_cascade_stage *sg = &p->sub[k];
    const int last = k == p->n_sub - 1;
    if ((st = fai_jv_expect_object(&it, sub_keys, err)) != FAI_OK) return st;
    if ((st = fai_jv_string(&it, "name", 0, "", &s, err)) != FAI_OK) return st;
    snprintf(sg->name, sizeof sg->name, "%s", s[0] ? s : (k == 0 ? "head" : last ? "tail" : "middle"));
    if ((st = fai_jv_number(&it, "flops", 1, 0, 0, 1e18, &sg->flops, err)) != FAI_OK) return st;
    if ((st = fai_jv_number(&it, "output_bits", !last, 0, 0, 1e15, &sg->output_bits, err)) !=
        FAI_OK)
      return st;
    if ((st = fai_jv_number(&it, "memory_bytes", 0, 0, 0, 1e15, &sg->memory_bytes, err)) != FAI_OK)
      return st;
    const int has_exit = fai_jv_member(&it, "exit", &ex);
    if (last && has_exit)
      return fai_jv_error(&ex, FAI_EINVAL, err,
                          "the last sub-model ends the chain: its accuracy is final_accuracy, it "
                          "has no early exit");
    if (!last && !has_exit)
      return fai_jv_error(&it, FAI_EINVAL, err,
                          "missing \"exit\" ({\"accuracy\": [...], \"probability\": [...]}, one "
                          "entry per threshold)");
    if (has_exit) {
      if ((st = fai_jv_expect_object(&ex, exit_keys, err)) != FAI_OK) return st;
      if ((st = read_table(&ex, "accuracy", p->n_thresholds, 0, 1, 0, "exit accuracy",
                           sg->exit_accuracy, err)) != FAI_OK)
        return st;
      if ((st = read_table(&ex, "probability", p->n_thresholds, 0, 1, -1, "exit probability",
                           sg->exit_probability, err)) != FAI_OK)
        return st;
    }
  }
  return FAI_OK;
}

static fai_status load_text(const char *text, const char *name, const char *source,
                            fai_cascade_profile *p, fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_status st;
  memset(p, 0, sizeof *p);
  if ((st = fai_json_load_string(text, name, &doc, err)) != FAI_OK) return st;
  st = load_doc(doc, p, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) return st;
  snprintf(p->source, sizeof p->source, "%s", source);
  fai_sha256_hex(text, strlen(text), p->sha256);
  return FAI_OK;
}

fai_status fai_cascade_profile_load_string(const char *text, const char *name,
                                           fai_cascade_profile *p, fai_error *err) {
  return load_text(text, name ? name : "<string>", name ? name : "<string>", p, err);
}

fai_status fai_cascade_profile_load_file(const char *path, fai_cascade_profile *p,
                                         fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_status st;
  memset(p, 0, sizeof *p);
  if ((st = fai_json_load_file(path, &doc, err)) != FAI_OK) return st;
  st = load_doc(doc, p, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) return st;
  snprintf(p->source, sizeof p->source, "%s", path);
  return fai_sha256_file_hex(path, p->sha256, err);
}

fai_status fai_cascade_profile_preset(const char *name, fai_cascade_profile *p, fai_error *err) {
  char file[160], src[160];
  for (int i = 0; i < fai_cascade_profile_preset_count(); i++) {
    if (strcmp(name, PRESETS[i])) continue;
    snprintf(file, sizeof file, "profiles/%s.json", name);
    const fai__embedded *e = fai__embedded_find(file);
    if (!e) return fai_error_set(err, FAI_EINTERNAL, "preset %s is not embedded", name);
    snprintf(src, sizeof src, "preset:%s", name);
    return load_text(e->data, file, src, p, err);
  }
  return fai_error_set(err, FAI_ENOENT, "no profile preset \"%s\"; presets: %s, %s", name,
                       PRESETS[0], PRESETS[1]);
}
