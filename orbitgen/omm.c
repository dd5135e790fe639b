/* CCSDS OMM element sets in JSON (as CelesTrak and Space-Track publish them).
 *
 * The document is read with the strict JSON reader (duplicate keys and
 * syntax errors are errors with line:column), but the key set is not ours:
 * catalogues add CCSDS header keys (CCSDS_OMM_VERS, CREATION_DATE,
 * ORIGINATOR, CENTER_NAME, ...) and these are ignored.  Keys that change the
 * meaning of the elements are checked: REF_FRAME must be TEME,
 * MEAN_ELEMENT_THEORY SGP4 and TIME_SYSTEM UTC when present.  Numbers may be
 * JSON numbers or numeric strings (some catalogues quote them); a numeric
 * string is read with strtod, so "15.06394136" and 15.06394136 give the same
 * double, the same as the TLE parser gives for the same digits. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/json.h"
#include "fluidai/orbit.h"
#include "fluidai/orbitgen.h"
#include "fluidai/tle.h"

/* Defined in tle.c (orbitgen has no private header). */
void fai__tle_set_epoch(fai_tle *t, double epoch_unix);
fai_status fai__tle_post_checks(fai_tle_set *s, int first, const char *file, int tle_cols,
                                fai_error_list *warn, fai_error *err);

/* Error for a member missing from object `obj`: the path names the member,
 * the location is the object's. */
static fai_status missing(const fai_jv *obj, const char *key, fai_error *err) {
  fai_jv m;
  fai_jv_member(obj, key, &m);
  int line, col;
  fai_jv_location(obj, &line, &col);
  return fai_error_set_at(err, FAI_EINVAL, fai_json_doc_name(obj->doc), line, col, m.path,
                          "missing required field");
}

/* Strict number text: [+-]digits[.digits][(e|E)[+-]digits], or with the
 * integer part omitted (".5").  Rejects what strtod would also take ("nan",
 * "inf", hexadecimal, surrounding blanks). */
static int numeric_text(const char *s, double *out) {
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  int digits = 0;
  for (; *p >= '0' && *p <= '9'; p++) digits++;
  if (*p == '.')
    for (p++; *p >= '0' && *p <= '9'; p++) digits++;
  if (!digits) return 0;
  if (*p == 'e' || *p == 'E') {
    p++;
    if (*p == '+' || *p == '-') p++;
    int ed = 0;
    for (; *p >= '0' && *p <= '9'; p++) ed++;
    if (!ed) return 0;
  }
  if (*p) return 0;
  *out = strtod(s, NULL);
  return isfinite(*out);
}

/* Member `key` as a number, from a JSON number or a numeric string.
 * Absent (or null) and optional: *out = def, *present = 0. */
static fai_status omm_number(const fai_jv *obj, const char *key, int required, double def,
                             double *out, fai_jv *where, fai_error *err) {
  fai_jv m;
  fai_jv_member(obj, key, &m);
  if (where) *where = m;
  if (!m.v || json_is_null(m.v)) {
    if (required)
      return m.v ? fai_jv_error(&m, FAI_EINVAL, err, "expected a number, got null")
                 : missing(obj, key, err);
    *out = def;
    return FAI_OK;
  }
  if (json_is_number(m.v)) {
    *out = json_number_value(m.v);
    return FAI_OK;
  }
  if (json_is_string(m.v)) {
    const char *s = json_string_value(m.v);
    if (numeric_text(s, out)) return FAI_OK;
    return fai_jv_error(&m, FAI_EINVAL, err, "string \"%.40s\" is not a number", s);
  }
  return fai_jv_error(&m, FAI_EINVAL, err, "expected a number or a numeric string");
}

/* Integer member in [lo, hi] (numbers or numeric strings without fraction). */
static fai_status omm_int(const fai_jv *obj, const char *key, int required, long def, long lo,
                          long hi, long *out, fai_error *err) {
  double d;
  fai_jv m;
  fai_status st = omm_number(obj, key, required, (double)def, &d, &m, err);
  if (st != FAI_OK) return st;
  if (d != floor(d) || d < (double)lo || d > (double)hi)
    return fai_jv_error(&m, FAI_EINVAL, err, "value %.17g is not an integer in [%ld, %ld]", d, lo,
                        hi);
  *out = (long)d;
  return FAI_OK;
}

/* Angle member in [lo, hi] or [lo, hi) (degrees). */
static fai_status omm_angle(const fai_jv *obj, const char *key, double lo, double hi, int hi_open,
                            double *out, fai_error *err) {
  fai_jv m;
  fai_status st = omm_number(obj, key, 1, 0.0, out, &m, err);
  if (st != FAI_OK) return st;
  if (!(*out >= lo && (hi_open ? *out < hi : *out <= hi)))
    return fai_jv_error(&m, FAI_EINVAL, err,
                        "value %.17g is out of range; expected [%g, %g%c degrees", *out, lo, hi,
                        hi_open ? ')' : ']');
  return FAI_OK;
}

/* Optional string member; *out = NULL when absent or null. */
static fai_status omm_string(const fai_jv *obj, const char *key, int required, const char **out,
                             fai_error *err) {
  fai_jv m;
  fai_jv_member(obj, key, &m);
  *out = NULL;
  if (!m.v || (json_is_null(m.v) && !required)) {
    if (required) return missing(obj, key, err);
    return FAI_OK;
  }
  if (!json_is_string(m.v)) return fai_jv_error(&m, FAI_EINVAL, err, "expected a string");
  *out = json_string_value(m.v);
  return FAI_OK;
}

/* A key that must have one value when present (REF_FRAME TEME, ...). */
static fai_status omm_fixed(const fai_jv *obj, const char *key, const char *want, fai_error *err) {
  const char *s;
  fai_status st = omm_string(obj, key, 0, &s, err);
  if (st != FAI_OK || !s || strcmp(s, want) == 0) return st;
  fai_jv m;
  fai_jv_member(obj, key, &m);
  return fai_jv_error(&m, FAI_EINVAL, err,
                      "\"%.40s\" is not supported; expected \"%s\" (SGP4 mean elements)", s, want);
}

/* OBJECT_ID "2019-074B" → TLE designator "19074B"; other forms are copied. */
static void designator_from_object_id(const char *id, char out[12]) {
  out[0] = '\0';
  if (!id) return;
  const size_t n = strlen(id);
  int cospar = n >= 9 && n <= 12 && id[4] == '-';
  for (size_t i = 0; cospar && i < n; i++) {
    if (i == 4) continue;
    if (i < 8 ? (id[i] < '0' || id[i] > '9') : (id[i] < 'A' || id[i] > 'Z')) cospar = 0;
  }
  if (cospar)
    snprintf(out, 12, "%.2s%.3s%.3s", id + 2, id + 5, id + 8);
  else
    snprintf(out, 12, "%.11s", id);
}

static fai_status parse_object(const fai_jv *o, fai_tle *t, fai_error *err) {
  fai_status st = FAI_OK;
  memset(t, 0, sizeof *t);
  FAI_TRY(fai_jv_expect_object(o, NULL, err));
  int line, col;
  fai_jv_location(o, &line, &col);
  t->line = line;

  FAI_TRY(omm_fixed(o, "REF_FRAME", "TEME", err));
  FAI_TRY(omm_fixed(o, "MEAN_ELEMENT_THEORY", "SGP4", err));
  FAI_TRY(omm_fixed(o, "TIME_SYSTEM", "UTC", err));

  const char *name, *epoch, *object_id, *cls;
  FAI_TRY(omm_string(o, "OBJECT_NAME", 1, &name, err));
  long norad;
  FAI_TRY(omm_int(o, "NORAD_CAT_ID", 1, 0, 0, 999999999, &norad, err));
  t->norad = (int)norad;
  {
    size_t a = 0, b = strlen(name);
    while (a < b && name[a] == ' ') a++;
    while (b > a && name[b - 1] == ' ') b--;
    if (b > a)
      snprintf(t->name, sizeof t->name, "%.*s", (int)(b - a), name + a);
    else
      snprintf(t->name, sizeof t->name, "NORAD %d", t->norad);
  }

  FAI_TRY(omm_string(o, "EPOCH", 1, &epoch, err));
  {
    double u;
    fai_error e;
    fai_error_clear(&e);
    if (fai_time_parse_iso8601(epoch, &u, &e) != FAI_OK) {
      fai_jv m;
      fai_jv_member(o, "EPOCH", &m);
      return fai_jv_error(&m, FAI_EINVAL, err, "%s", e.msg);
    }
    fai__tle_set_epoch(t, u);
  }

  fai_jv m;
  FAI_TRY(omm_number(o, "MEAN_MOTION", 1, 0.0, &t->mean_motion_rev_day, &m, err));
  if (!(t->mean_motion_rev_day > 0.0))
    return fai_jv_error(&m, FAI_EINVAL, err, "value %.17g is out of range; expected > 0 rev/day",
                        t->mean_motion_rev_day);
  FAI_TRY(omm_number(o, "ECCENTRICITY", 1, 0.0, &t->eccentricity, &m, err));
  if (!(t->eccentricity >= 0.0 && t->eccentricity < 1.0))
    return fai_jv_error(&m, FAI_EINVAL, err, "value %.17g is out of range; expected [0, 1)",
                        t->eccentricity);
  FAI_TRY(omm_angle(o, "INCLINATION", 0.0, 180.0, 0, &t->inclination_deg, err));
  FAI_TRY(omm_angle(o, "RA_OF_ASC_NODE", 0.0, 360.0, 1, &t->raan_deg, err));
  FAI_TRY(omm_angle(o, "ARG_OF_PERICENTER", 0.0, 360.0, 1, &t->arg_perigee_deg, err));
  FAI_TRY(omm_angle(o, "MEAN_ANOMALY", 0.0, 360.0, 1, &t->mean_anomaly_deg, err));
  FAI_TRY(omm_number(o, "BSTAR", 1, 0.0, &t->bstar, NULL, err));
  FAI_TRY(omm_number(o, "MEAN_MOTION_DOT", 0, 0.0, &t->ndot, NULL, err));
  FAI_TRY(omm_number(o, "MEAN_MOTION_DDOT", 0, 0.0, &t->nddot, NULL, err));

  FAI_TRY(omm_string(o, "OBJECT_ID", 0, &object_id, err));
  designator_from_object_id(object_id, t->intl_designator);
  FAI_TRY(omm_string(o, "CLASSIFICATION_TYPE", 0, &cls, err));
  t->classification = 'U';
  if (cls) {
    if (strcmp(cls, "U") != 0 && strcmp(cls, "C") != 0 && strcmp(cls, "S") != 0) {
      fai_jv_member(o, "CLASSIFICATION_TYPE", &m);
      return fai_jv_error(&m, FAI_EINVAL, err,
                          "\"%.40s\" is not a classification; expected U, C or S", cls);
    }
    t->classification = cls[0];
  }
  long v;
  FAI_TRY(omm_int(o, "EPHEMERIS_TYPE", 0, 0, 0, 9, &v, err));
  t->ephemeris_type = (int)v;
  FAI_TRY(omm_int(o, "ELEMENT_SET_NO", 0, 0, 0, 999999999, &v, err));
  t->element_number = (int)v;
  FAI_TRY(omm_int(o, "REV_AT_EPOCH", 0, 0, 0, 999999999, &v, err));
  t->revolution = v;
cleanup:
  return st;
}

static fai_status parse_doc(const fai_json_doc *doc, fai_tle_set *out, fai_error_list *warn,
                            fai_error *err) {
  const int first = out->n;
  fai_status st = FAI_OK;
  fai_jv root = fai_jv_root(doc);
  fai_tle t;
  if (json_is_object(root.v)) {
    FAI_TRY(parse_object(&root, &t, err));
    if (fai_tle_set_push(out, &t) != 0) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory reading element sets");
      goto cleanup;
    }
  } else if (json_is_array(root.v)) {
    const size_t n = json_array_size(root.v);
    for (size_t i = 0; i < n; i++) {
      fai_jv o = fai_jv_index(&root, i);
      FAI_TRY(parse_object(&o, &t, err));
      if (fai_tle_set_push(out, &t) != 0) {
        st = fai_error_set(err, FAI_ENOMEM, "out of memory reading element sets");
        goto cleanup;
      }
    }
  } else {
    st = fai_jv_error(&root, FAI_EINVAL, err, "expected an array of OMM objects or one object");
    goto cleanup;
  }
  st = fai__tle_post_checks(out, first, fai_json_doc_name(doc), 0, warn, err);
cleanup:
  if (st != FAI_OK) out->n = first; /* leave the set as it was */
  return st;
}

fai_status fai_omm_parse(const char *text, const char *name, fai_tle_set *out, fai_error_list *warn,
                         fai_error *err) {
  if (!out) return fai_error_set(err, FAI_EINVAL, "fai_omm_parse: no output set");
  fai_json_doc *doc = NULL;
  fai_status st;
  if (text)
    st = fai_json_load_string(text, name ? name : "<string>", &doc, err);
  else if (name)
    st = fai_json_load_file(name, &doc, err);
  else
    return fai_error_set(err, FAI_EINVAL, "fai_omm_parse: neither text nor file given");
  if (st != FAI_OK) return st;
  st = parse_doc(doc, out, warn, err);
  fai_json_doc_free(doc);
  return st;
}

fai_status fai_omm_load(const char *file, fai_tle_set *out, fai_error_list *warn, fai_error *err) {
  return fai_omm_parse(NULL, file, out, warn, err);
}
