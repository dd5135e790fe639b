/* Constellations from element sets: presets, loading, SGP4 over the grid. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "embedded.h"
#include "fluidai/elements.h"

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

int fai__sgp4_ecef(const fai_sgp4 *s, double t_unix, double c, double sn, double r_ecef[3],
                   double v_ecef[3], double r_teme_m[3], double v_teme[3]) {
  if (s->error) return s->error; /* initialisation failed */
  double r[3], v[3];
  const int code = fai_sgp4_propagate(s, (t_unix - s->epoch_unix) / 60.0, r, v);
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

fai_status fai_elements_propagate(const fai_sgp4 *sgp4, int n_sats, double epoch_unix,
                                  const double *t_s, int n_snaps, int threads, double *pos,
                                  double *vel, double *pos_teme, fai_error_list *warn,
                                  fai_error *err) {
  const int N = n_sats, T = n_snaps;
  double *cs = malloc((size_t)T * 2 * sizeof *cs);
  int *first_err = malloc((size_t)(N ? N : 1) * 2 * sizeof *first_err);
  if (!cs || !first_err) {
    free(cs);
    free(first_err);
    return fai_error_set(err, FAI_ENOMEM, "out of memory propagating element sets");
  }
  for (int t = 0; t < T; t++) {
    const double th = fai_gmst_rad(epoch_unix + t_s[t]);
    cs[2 * t] = cos(th);
    cs[2 * t + 1] = sin(th);
  }
  const int nt = threads > 0 ? threads : omp_get_max_threads();
  /* Satellite-major loop: each satellite's whole series on one thread, so an
   * error stops that satellite's series where it happened. */
#pragma omp parallel for schedule(dynamic, 16) num_threads(nt)
  for (int j = 0; j < N; j++) {
    int code = sgp4[j].error ? sgp4[j].error : 0, at = code ? 0 : -1;
    for (int t = 0; t < T; t++) {
      double *p = pos + ((size_t)t * N + j) * 3;
      double *v = vel ? vel + ((size_t)t * N + j) * 3 : NULL;
      double *pt = pos_teme ? pos_teme + ((size_t)t * N + j) * 3 : NULL;
      if (!code) {
        code = fai__sgp4_ecef(&sgp4[j], epoch_unix + t_s[t], cs[2 * t], cs[2 * t + 1], p, v, pt,
                              NULL);
        if (code) at = t;
      }
      if (code) {
        p[0] = p[1] = p[2] = NAN;
        if (v) v[0] = v[1] = v[2] = NAN;
        if (pt) pt[0] = pt[1] = pt[2] = NAN;
      }
    }
    first_err[2 * j] = code;
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
  free(cs);
  free(first_err);
  return FAI_OK;
}
