/* Constellations from element sets: presets, loading, SGP4 over the grid. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "embedded.h"
#include "fluidai/elements.h"

#include "sgp4_core.h"

static const struct {
  const char *name, *file, *desc;
} presets[] = {
    {"starlink-tle", "tle/starlink-20250123.tle",
     "Starlink TLE snapshot of 2025-01-23 (CelesTrak group export), ~6900 satellites"},
    {"oneweb-tle", "tle/oneweb-20250123.tle", "OneWeb TLE snapshot of 2025-01-23, ~650 satellites"},
    {"iridium-tle", "tle/iridium-next-20250123.tle",
     "Iridium NEXT TLE snapshot of 2025-01-23, 80 satellites"},
};
#define N_PRESETS ((int)(sizeof presets / sizeof presets[0]))

int fai_element_preset_count(void) { return N_PRESETS; }
const char *fai_element_preset_name(int i) { return i >= 0 && i < N_PRESETS ? presets[i].name : NULL; }
const char *fai_element_preset_description(int i) {
  return i >= 0 && i < N_PRESETS ? presets[i].desc : NULL;
}
int fai_element_preset_find(const char *name) {
  for (int i = 0; i < N_PRESETS; i++)
    if (name && !strcmp(name, presets[i].name)) return i;
  return -1;
}

void fai_elements_free(fai_elements *el) {
  if (!el) return;
  if (el->set) {
    fai_tle_set_free(el->set);
    free(el->set);
  }
  el->set = NULL;
}

double fai_elements_newest_epoch(const fai_elements *el) {
  double best = -INFINITY;
  for (int i = 0; el->set && i < el->set->n; i++)
    if (el->set->v[i].epoch_unix > best) best = el->set->v[i].epoch_unix;
  return isfinite(best) ? floor(best) : 0.0;
}

/* Period >= 225 min is SGP4's deep-space regime. */
static int is_deep_space(const fai_tle *t) { return t->mean_motion_rev_day <= 1440.0 / 225.0; }

fai_status fai_elements_load(fai_elements *el, const char *kind, const char *src,
                             const char *select, int skip_deep, double ref_unix,
                             fai_error_list *warn, fai_error *err) {
  fai_elements_free(el);
  fai_tle_set *set = calloc(1, sizeof *set);
  if (!set) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  fai_status st = FAI_OK;
  if (!strcmp(kind, "preset")) {
    int i = fai_element_preset_find(src);
    const fai__embedded *e = i >= 0 ? fai__embedded_find(presets[i].file) : NULL;
    if (!e) {
      free(set);
      return fai_error_set(err, FAI_EINTERNAL, "element preset %s is not embedded", src);
    }
    char name[128];
    snprintf(name, sizeof name, "<preset %s>", src);
    st = fai_tle_parse(e->data, name, set, warn, err);
    snprintf(el->source, sizeof el->source, "preset:%s", src);
    snprintf(el->kind, sizeof el->kind, "tle");
  } else if (!strcmp(kind, "omm")) {
    st = fai_omm_load(src, set, warn, err);
    snprintf(el->source, sizeof el->source, "%s", src);
    snprintf(el->kind, sizeof el->kind, "omm");
  } else {
    st = fai_tle_load(src, set, warn, err);
    snprintf(el->source, sizeof el->source, "%s", src);
    snprintf(el->kind, sizeof el->kind, "tle");
  }
  if (st == FAI_OK && select && select[0]) st = fai_tle_select(set, select, ref_unix, err);
  if (st == FAI_OK && skip_deep) {
    int k = 0, dropped = 0;
    for (int i = 0; i < set->n; i++) {
      if (is_deep_space(&set->v[i])) {
        dropped++;
        continue;
      }
      set->v[k++] = set->v[i];
    }
    set->n = k;
    if (dropped && warn) {
      fai_error w;
      fai_error_clear(&w);
      fai_error_set_at(&w, FAI_OK, el->source, 0, 0, NULL,
                       "%d deep-space element set(s) (period >= 225 min) skipped", dropped);
      fai_error_list_push(warn, &w);
    }
  }
  if (st == FAI_OK && set->n == 0)
    st = fai_error_set_at(err, FAI_EINVAL, el->source, 0, 0, NULL, "no element sets to use");
  if (st != FAI_OK) {
    fai_tle_set_free(set);
    free(set);
    return st;
  }
  el->enabled = 1;
  el->set = set;
  el->skip_deep_space = skip_deep;
  snprintf(el->select, sizeof el->select, "%s", select ? select : "");
  return FAI_OK;
}

static const char *const sgp4_errors[] = {
    "ok",
    "mean eccentricity out of range or mean motion not positive",
    "mean motion negative",
    "perturbed eccentricity out of range",
    "semi-latus rectum negative",
    "error 5",
    "decayed (radius below one Earth radius)"};

static const char *sgp4_error_text(int code) {
  return code >= 0 && code <= 6 ? sgp4_errors[code] : "unknown SGP4 error";
}

fai_status fai_elements_init_sgp4(const fai_elements *el, fai_sgp4 **out, fai_error_list *warn,
                                  fai_error *err) {
  const fai_tle_set *set = el->set;
  fai_sgp4 *v = calloc((size_t)(set->n ? set->n : 1), sizeof *v);
  if (!v) return fai_error_set(err, FAI_ENOMEM, "out of memory for %d SGP4 states", set->n);
  for (int i = 0; i < set->n; i++) {
    fai_error e;
    fai_error_clear(&e);
    if (fai_sgp4_init(&set->v[i], FAI_GRAV_WGS72, 'i', &v[i], &e) != FAI_OK) {
      if (v[i].error == 0) v[i].error = 1;
      if (warn) {
        fai_error w;
        fai_error_clear(&w);
        fai_error_set_at(&w, FAI_OK, el->source, set->v[i].line, 0, NULL,
                         "%s (NORAD %d): SGP4 initialisation failed (%s); left out",
                         set->v[i].name, set->v[i].norad, e.msg);
        fai_error_list_push(warn, &w);
      }
    }
  }
  *out = v;
  return FAI_OK;
}

int fai__sgp4_ecef(const fai_sgp4 *s, double ref_unix, double t_s, double c, double sn,
                   double r_ecef[3], double v_ecef[3], double r_teme_m[3], double v_teme[3]) {
  if (s->error) return s->error; /* initialisation failed */
  /* The batch's time arithmetic: dt_min[t] = t_s / 60, tsince = dt_min −
   * epoch_min (fai_elements_propagate). */
  const double tsince = t_s / 60.0 - fai_sgp4_epoch_offset_min(s, ref_unix);
  double r[3], v[3];
  if (s->method == 'n') {
    /* Near-Earth: the backend's core on a one-satellite view, so that this
     * path and the batch give the same bits. */
    fai_sgp4_ne ne;
    fai_sgp4_batch one;
    double p[3], pv[3], pt[3];
    fai_sgp4_ne_fill(s, ref_unix, &ne);
    fai_sgp4_batch_view(&ne, s->grav, &one);
    const int code = fai_sgp4_eval(&one, 0, tsince, r, v);
    if (code != 0) return code;
    fai_sgp4_to_ecef(c, sn, r[0], r[1], r[2], v[0], v[1], v[2], p, pv, pt, 1);
    memcpy(r_ecef, p, sizeof p);
    if (v_ecef) memcpy(v_ecef, pv, sizeof pv);
    if (r_teme_m) memcpy(r_teme_m, pt, sizeof pt);
    if (v_teme)
      for (int k = 0; k < 3; k++) v_teme[k] = v[k] * 1e3;
    return 0;
  }
  const int code = fai_sgp4_propagate(s, tsince, r, v);
  if (code != 0) return code;
  for (int k = 0; k < 3; k++) {
    r[k] *= 1e3;
    v[k] *= 1e3;
  }
  if (r_teme_m) memcpy(r_teme_m, r, sizeof r);
  if (v_teme) memcpy(v_teme, v, sizeof v);
  /* ECEF = R_z(θ)·TEME; the Earth-fixed velocity subtracts ω_E × r. */
  const double x = c * r[0] + sn * r[1];
  const double y = -sn * r[0] + c * r[1];
  r_ecef[0] = x;
  r_ecef[1] = y;
  r_ecef[2] = r[2];
  if (v_ecef) {
    v_ecef[0] = c * v[0] + sn * v[1] + FAI_OMEGA_EARTH_RAD_S * y;
    v_ecef[1] = -sn * v[0] + c * v[1] - FAI_OMEGA_EARTH_RAD_S * x;
    v_ecef[2] = v[2];
  }
  return 0;
}

static void set_nan3(double *p) {
  if (p) p[0] = p[1] = p[2] = NAN;
}

fai_status fai_elements_propagate(const fai_backend *be, const fai_sgp4 *sgp4, int n_sats,
                                  double epoch_unix, const double *t_s, int n_snaps, double *pos,
                                  double *vel, double *pos_teme, fai_error_list *warn,
                                  fai_error *err) {
  const int N = n_sats, T = n_snaps;
  const size_t TN = (size_t)T * (size_t)N;
  fai_status st = FAI_OK;
  fai_sgp4_batch batch;
  memset(&batch, 0, sizeof batch);
  double *cs = malloc((size_t)(T ? T : 1) * 3 * sizeof *cs); /* [T][2] cos/sin GMST, then [T] dt */
  int *first_err = malloc((size_t)(N ? N : 1) * 2 * sizeof *first_err);
  int8_t *code = malloc(TN ? TN : 1);
  uint8_t *in_batch = malloc((size_t)(N ? N : 1));
  if (!cs || !first_err || !code || !in_batch) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory propagating element sets");
    goto cleanup;
  }
  double *dt_min = cs + 2 * (size_t)T;
  for (int t = 0; t < T; t++) {
    const double th = fai_gmst_rad(epoch_unix + t_s[t]);
    cs[2 * t] = cos(th);
    cs[2 * t + 1] = sin(th);
    dt_min[t] = t_s[t] / 60.0;
  }
  for (int j = 0; j < N; j++) first_err[2 * j] = 0, first_err[2 * j + 1] = -1;

  /* Near-Earth sets: the backend, every (snapshot, satellite) on its own;
   * then each series is cut at its first error below. */
  st = fai_sgp4_batch_build(sgp4, N, FAI_GRAV_WGS72, epoch_unix, &batch, in_batch, err);
  if (st != FAI_OK) goto cleanup;
  if (batch.n > 0) {
    st = be->propagate_sgp4(be, &batch, T, dt_min, cs, pos, vel, pos_teme, code, err);
    if (st != FAI_OK) goto cleanup;
    for (int t = 0; t < T; t++) {
      const int8_t *ct = code + (size_t)t * N;
      for (int k = 0; k < batch.n; k++) {
        const int j = batch.out_index[k];
        const size_t row = ((size_t)t * N + j) * 3;
        if (first_err[2 * j]) {
          set_nan3(pos + row);
          if (vel) set_nan3(vel + row);
          if (pos_teme) set_nan3(pos_teme + row);
        } else if (ct[j]) {
          first_err[2 * j] = ct[j];
          first_err[2 * j + 1] = t;
        }
      }
    }
  }

  /* The rest (deep space, failed initialisation): the scalar path,
   * satellite-major, each series stopping at its first error. */
  const int nt = be->threads > 0 ? be->threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
  for (int j = 0; j < N; j++) {
    if (in_batch[j]) continue;
    int c = sgp4[j].error ? sgp4[j].error : 0, at = c ? 0 : -1;
    for (int t = 0; t < T; t++) {
      double *p = pos + ((size_t)t * N + j) * 3;
      double *v = vel ? vel + ((size_t)t * N + j) * 3 : NULL;
      double *pt = pos_teme ? pos_teme + ((size_t)t * N + j) * 3 : NULL;
      if (!c) {
        c = fai__sgp4_ecef(&sgp4[j], epoch_unix, t_s[t], cs[2 * t], cs[2 * t + 1], p, v, pt, NULL);
        if (c) at = t;
      }
      if (c) {
        set_nan3(p);
        if (v) set_nan3(v);
        if (pt) set_nan3(pt);
      }
    }
    first_err[2 * j] = c;
    first_err[2 * j + 1] = at;
  }
  if (warn) {
    for (int j = 0; j < N; j++) {
      if (!first_err[2 * j] || sgp4[j].error) continue; /* init failures were reported */
      fai_error w;
      fai_error_clear(&w);
      fai_error_set(&w, FAI_OK, "satellite %d (NORAD %d): SGP4 error %d (%s) at t = %g s; absent from then on",
                    j, sgp4[j].norad, first_err[2 * j], sgp4_error_text(first_err[2 * j]),
                    t_s[first_err[2 * j + 1]]);
      fai_error_list_push(warn, &w);
    }
  }
cleanup:
  fai_sgp4_batch_free(&batch);
  free(cs);
  free(first_err);
  free(code);
  free(in_batch);
  return st;
}
