/* Scenario files: strict JSON → fai_scenario, with every error located.
 *
 * Loading collects problems into a fai_error_list when one is given (for
 * `fluidai validate`), substituting defaults so later fields are still
 * checked; otherwise it stops at the first.  Nothing here writes output. */
#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "fluidai/elements.h"
#include "fluidai/json.h"
#include "fluidai/orbitgen.h"

typedef struct load_ctx {
  fai_error_list *all; /* NULL: stop at the first error */
  fai_error_list *warn; /* warnings from element-set parsing */
  fai_error *err;      /* first error */
  int n_errors;
  char dir[FAI_ERROR_FILE_MAX]; /* directory of the scenario file, for relative paths */
} load_ctx;

/* Record a failed check.  Returns nonzero when loading must stop. */
static int note(load_ctx *cx, fai_status st, const fai_error *e) {
  if (st == FAI_OK) return 0;
  if (cx->n_errors == 0 && cx->err && cx->err != e) *cx->err = *e;
  cx->n_errors++;
  if (cx->all) fai_error_list_push(cx->all, e);
  return cx->all == NULL;
}

/* Run a check whose error goes to the block-local e_ (expr passes &e_ as its
 * `err`); record a failure and return when loading must stop. */
#define CHECK(expr)                                \
  do {                                             \
    fai_error e_;                                  \
    fai_error_clear(&e_);                          \
    fai_status st_ = (expr);                       \
    if (st_ != FAI_OK && note(cx, st_, &e_)) return st_; \
  } while (0)

void fai_scenario_init(fai_scenario *sc) {
  memset(sc, 0, sizeof *sc);
  snprintf(sc->name, sizeof sc->name, "unnamed");
  sc->duration_s = 86400.0;
  sc->step_s = 60.0;
  sc->seed = 1;
  sc->j2 = FAI_J2_NODE;
  snprintf(sc->frame, sizeof sc->frame, "ecef");
  sc->isl.enabled = 1;
  sc->isl.atmosphere_margin_m = 80e3;
  sc->isl.survival_p = 1.0;
  sc->isl.rate_bps = 100e9;
  fai_radio_defaults_ka(&sc->gsl_radio);
}

void fai_scenario_free(fai_scenario *sc) {
  if (!sc) return;
  fai_elements_free(&sc->elements);
  fai_error_list_free(&sc->warnings);
  fai_station_set_free(&sc->stations);
  fai_station_set_free(&sc->users);
}

int fai_scenario_sat_count(const fai_scenario *sc) {
  if (sc->elements.enabled) return sc->elements.set ? sc->elements.set->n : 0;
  return fai_constellation_sat_count(&sc->constellation);
}

int fai_scenario_snapshots(const fai_scenario *sc) {
  if (!(sc->step_s > 0) || !(sc->duration_s >= 0)) return 0;
  /* The 1e-9 guard keeps 86400/60 from losing its last snapshot to rounding. */
  return (int)floor(sc->duration_s / sc->step_s + 1e-9) + 1;
}

fai_status fai_station_preset_load(const char *name, double min_elev_rad, fai_station_set *out,
                                   fai_error *err) {
  static const char *const names[][2] = {{"default", "ground-stations/starlink-pops.csv"},
                                         {"starlink-pops", "ground-stations/starlink-pops.csv"},
                                         {"starlink-gateways",
                                          "ground-stations/starlink-gateways.csv"}};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    if (strcmp(name, names[i][0]) != 0) continue;
    const fai__embedded *e = fai__embedded_find(names[i][1]);
    if (!e) return fai_error_set(err, FAI_EINTERNAL, "embedded file %s missing", names[i][1]);
    char file[160];
    snprintf(file, sizeof file, "<preset %s>", name);
    return fai_stations_parse_csv(e->data, file, min_elev_rad, out, err);
  }
  return fai_error_set(err, FAI_ENOENT,
                       "unknown ground-station preset \"%s\"; expected one of: default, "
                       "starlink-pops, starlink-gateways",
                       name);
}

/* Relative file names in a scenario are relative to the scenario's directory.
 * Returns nonzero when the result did not fit. */
static int resolve_path(const load_ctx *cx, const char *rel, char *out, size_t n) {
  int k = (rel[0] == '/' || !cx->dir[0]) ? snprintf(out, n, "%s", rel)
                                          : snprintf(out, n, "%s/%s", cx->dir, rel);
  return k < 0 || (size_t)k >= n;
}

/* One shell object: either "walker": "i:T/P/F" or explicit fields. */
static fai_status load_shell(load_ctx *cx, const fai_jv *jv, int idx, fai_shell *sh) {
  static const char *const keys[] = {"name",          "walker",          "planes",
                                     "sats_per_plane", "phasing",        "inclination_deg",
                                     "altitude_km",   "pattern",         "raan0_deg",
                                     NULL};
  static const char *const patterns[] = {"delta", "star", NULL};
  memset(sh, 0, sizeof *sh);
  CHECK(fai_jv_expect_object(jv, keys, &e_));
  if (!jv->v || !json_is_object(jv->v)) return FAI_OK;
  const char *name = NULL;
  CHECK(fai_jv_string(jv, "name", 0, NULL, &name, &e_));
  if (name)
    snprintf(sh->name, sizeof sh->name, "%s", name);
  else
    snprintf(sh->name, sizeof sh->name, "shell%d", idx);
  int pattern = 0;
  CHECK(fai_jv_enum(jv, "pattern", 0, 0, patterns, &pattern, &e_));
  double alt_km = 550, raan0 = 0;
  CHECK(fai_jv_number(jv, "altitude_km", 1, 0, 1e-3, 1e5, &alt_km, &e_));
  CHECK(fai_jv_number(jv, "raan0_deg", 0, 0, -360, 360, &raan0, &e_));
  fai_jv w;
  if (fai_jv_member(jv, "walker", &w)) {
    const char *txt = NULL;
    CHECK(fai_jv_string(jv, "walker", 1, NULL, &txt, &e_));
    fai_jv tmp;
    if (fai_jv_member(jv, "planes", &tmp) || fai_jv_member(jv, "sats_per_plane", &tmp) ||
        fai_jv_member(jv, "inclination_deg", &tmp) || fai_jv_member(jv, "phasing", &tmp)) {
      CHECK(fai_jv_error(&tmp, FAI_EINVAL, &e_,
                         "give either \"walker\" or planes/sats_per_plane/phasing/"
                         "inclination_deg, not both"));
    }
    if (!txt) return FAI_OK;
    double incl = 0;
    int total = 0, planes = 0, phasing = 0, used = 0;
    if (sscanf(txt, "%lf:%d/%d/%d%n", &incl, &total, &planes, &phasing, &used) != 4 ||
        txt[used] != '\0') {
      CHECK(fai_jv_error(&w, FAI_EINVAL, &e_,
                         "walker \"%s\" is not in the form i:T/P/F (e.g. \"53:1584/72/1\")",
                         txt));
      return FAI_OK;
    }
    fai_shell tmpsh;
    fai_error e2;
    fai_error_clear(&e2);
    fai_status st = fai_shell_from_walker(incl, total, planes, phasing, alt_km,
                                          (fai_walker_pattern)pattern, &tmpsh, &e2);
    if (st != FAI_OK) {
      CHECK(fai_jv_error(&w, st, &e_, "walker \"%s\": %s", txt, e2.msg));
      return FAI_OK;
    }
    snprintf(tmpsh.name, sizeof tmpsh.name, "%s", sh->name);
    *sh = tmpsh;
  } else {
    long long planes = 1, spp = 1, phasing = 0;
    double incl = 0;
    CHECK(fai_jv_int(jv, "planes", 1, 1, 1, 100000, &planes, &e_));
    CHECK(fai_jv_int(jv, "sats_per_plane", 1, 1, 1, 100000, &spp, &e_));
    CHECK(fai_jv_int(jv, "phasing", 0, 0, 0, 100000, &phasing, &e_));
    CHECK(fai_jv_number(jv, "inclination_deg", 1, 0, 0, 180, &incl, &e_));
    if (phasing >= planes) {
      fai_jv f;
      fai_jv_member(jv, "phasing", &f);
      CHECK(fai_jv_error(&f, FAI_EINVAL, &e_,
                         "phasing %lld must be smaller than the number of planes (%lld)",
                         phasing, planes));
      phasing = 0;
    }
    sh->planes = (int)planes;
    sh->sats_per_plane = (int)spp;
    sh->phasing = (int)phasing;
    sh->inclination_rad = incl * FAI_DEG;
    sh->pattern = (fai_walker_pattern)pattern;
  }
  sh->altitude_m = alt_km * 1e3;
  sh->raan0_rad = raan0 * FAI_DEG;
  return FAI_OK;
}

/* Element-set constellations: {"tle"|"omm": FILE} or an element preset, with
 * optional "select" and "skip_deep_space". */
static fai_status load_elements(load_ctx *cx, const fai_jv *jv, const char *kind,
                                const char *src, fai_scenario *sc) {
  const char *select = NULL;
  int skip = 0;
  CHECK(fai_jv_string(jv, "select", 0, "", &select, &e_));
  CHECK(fai_jv_bool(jv, "skip_deep_space", 0, 0, &skip, &e_));
  char path[FAI_ERROR_FILE_MAX];
  if (strcmp(kind, "preset") != 0) {
    if (resolve_path(cx, src, path, sizeof path)) {
      CHECK(fai_jv_error(jv, FAI_EINVAL, &e_, "file name too long: \"%s\"", src));
      return FAI_OK;
    }
  } else {
    snprintf(path, sizeof path, "%s", src);
  }
  fai_error e2;
  fai_error_clear(&e2);
  fai_status st = fai_elements_load(&sc->elements, kind, path, select, skip, sc->epoch_unix,
                                    cx->warn, &e2);
  if (st != FAI_OK) {
    fai_jv where;
    if (!e2.file[0] && fai_jv_member(jv, strcmp(kind, "preset") ? kind : "preset", &where))
      fai_jv_error(&where, st, &e2, "%s", e2.msg);
    if (note(cx, st, &e2)) return st;
  }
  return FAI_OK;
}

static fai_status load_constellation(load_ctx *cx, const fai_jv *root, fai_scenario *sc) {
  static const char *const keys[] = {"preset", "name", "shells", "tle", "omm", "select",
                                     "skip_deep_space", NULL};
  fai_jv jv;
  if (!fai_jv_member(root, "constellation", &jv)) {
    fai_error e;
    fai_jv_error(root, FAI_EINVAL, &e,
                 "missing required key \"constellation\" ({\"preset\": NAME} or "
                 "{\"shells\": [...]})");
    note(cx, FAI_EINVAL, &e);
    return FAI_EINVAL;
  }
  CHECK(fai_jv_expect_object(&jv, keys, &e_));
  if (!json_is_object(jv.v)) return FAI_OK;
  const char *preset = NULL, *name = NULL;
  CHECK(fai_jv_string(&jv, "preset", 0, NULL, &preset, &e_));
  CHECK(fai_jv_string(&jv, "name", 0, NULL, &name, &e_));
  fai_jv shells, tj;
  int has_shells = fai_jv_member(&jv, "shells", &shells);
  const int has_tle = fai_jv_member(&jv, "tle", &tj), has_omm = fai_jv_member(&jv, "omm", &tj);
  if (has_tle + has_omm + (preset != NULL) + has_shells != 1) {
    CHECK(fai_jv_error(&jv, FAI_EINVAL, &e_,
                       "give exactly one of \"preset\", \"shells\", \"tle\", \"omm\""));
    return FAI_OK;
  }
  if (has_tle || has_omm) {
    const char *file = NULL;
    CHECK(fai_jv_string(&jv, has_tle ? "tle" : "omm", 1, NULL, &file, &e_));
    if (!file) return FAI_OK;
    if (name) snprintf(sc->constellation.name, sizeof sc->constellation.name, "%s", name);
    else snprintf(sc->constellation.name, sizeof sc->constellation.name, "%s", file);
    return load_elements(cx, &jv, has_tle ? "tle" : "omm", file, sc);
  }
  if (preset && fai_element_preset_find(preset) >= 0) {
    snprintf(sc->constellation.name, sizeof sc->constellation.name, "%s", name ? name : preset);
    return load_elements(cx, &jv, "preset", preset, sc);
  }
  if (preset && has_shells) {
    CHECK(fai_jv_error(&shells, FAI_EINVAL, &e_,
                       "give either \"preset\" or \"shells\", not both"));
    return FAI_OK;
  }
  if (preset) {
    fai_jv pj;
    fai_jv_member(&jv, "preset", &pj);
    fai_error e2;
    fai_error_clear(&e2);
    if (fai_preset_find(preset, &sc->constellation, &e2) != FAI_OK) {
      CHECK(fai_jv_error(&pj, FAI_ENOENT, &e_, "%s", e2.msg));
    }
    if (name) snprintf(sc->constellation.name, sizeof sc->constellation.name, "%s", name);
    return FAI_OK;
  }
  if (!has_shells) {
    CHECK(fai_jv_error(&jv, FAI_EINVAL, &e_, "expected \"preset\" or \"shells\""));
    return FAI_OK;
  }
  CHECK(fai_jv_expect_array(&shells, 1, &e_));
  if (!json_is_array(shells.v)) return FAI_OK;
  size_t n = json_array_size(shells.v);
  if (n > FAI_MAX_SHELLS) {
    CHECK(fai_jv_error(&shells, FAI_EINVAL, &e_, "%zu shells; at most %d are supported", n,
                       FAI_MAX_SHELLS));
    n = FAI_MAX_SHELLS;
  }
  fai_constellation *c = &sc->constellation;
  memset(c, 0, sizeof *c);
  snprintf(c->name, sizeof c->name, "%s", name ? name : "custom");
  for (size_t i = 0; i < n; i++) {
    fai_jv sj = fai_jv_index(&shells, i);
    fai_status st = load_shell(cx, &sj, (int)i, &c->shells[c->n_shells]);
    if (st != FAI_OK) return st;
    if (c->shells[c->n_shells].planes > 0) c->n_shells++;
  }
  if (c->n_shells > 0) {
    fai_error e2;
    fai_error_clear(&e2);
    if (fai_constellation_validate(c, jv.path, &e2) != FAI_OK) {
      /* The message names shells[h]; point the location at that element. */
      const char *at = strstr(e2.path, "shells[");
      int h = -1;
      fai_jv where = shells;
      if (at && sscanf(at, "shells[%d]", &h) == 1 && h >= 0 && (size_t)h < n)
        where = fai_jv_index(&shells, (size_t)h);
      char msg[FAI_ERROR_MSG_MAX];
      snprintf(msg, sizeof msg, "%s", e2.msg);
      fai_jv_error(&where, e2.code, &e2, "%s", msg);
      if (note(cx, e2.code, &e2)) return e2.code;
    }
  }
  return FAI_OK;
}

/* Station-like sets: {preset | file | list | grid, min_elevation_deg}. */
static fai_status load_points(load_ctx *cx, const fai_jv *root, const char *key, int allow_grid,
                              fai_station_set *out, char *source, size_t source_n,
                              double *grid_out, double *mask_out) {
  static const char *const keys_st[] = {"preset", "file", "list", "min_elevation_deg", NULL};
  static const char *const keys_us[] = {"preset", "file", "list", "grid", "min_elevation_deg",
                                        NULL};
  static const char *const item_keys[] = {"name",     "latitude_deg", "longitude_deg",
                                          "altitude_m", "min_elevation_deg", NULL};
  static const char *const grid_keys[] = {"lat_min_deg", "lat_max_deg", "lat_step_deg",
                                          "lon_min_deg", "lon_max_deg", "lon_step_deg", NULL};
  fai_jv jv;
  if (!fai_jv_member(root, key, &jv)) return FAI_OK;
  CHECK(fai_jv_expect_object(&jv, allow_grid ? keys_us : keys_st, &e_));
  if (!json_is_object(jv.v)) return FAI_OK;
  double mask_deg = 25;
  CHECK(fai_jv_number(&jv, "min_elevation_deg", 0, 25, -90, 90, &mask_deg, &e_));
  const double mask = mask_deg * FAI_DEG;
  if (mask_out) *mask_out = mask_deg;
  fai_jv m;
  int count = 0;
  const char *which[] = {"preset", "file", "list", "grid"};
  for (int i = 0; i < 4; i++) count += fai_jv_member(&jv, which[i], &m);
  if (count != 1) {
    CHECK(fai_jv_error(&jv, FAI_EINVAL, &e_,
                       "give exactly one of \"preset\", \"file\", \"list\"%s (found %d)",
                       allow_grid ? ", \"grid\"" : "", count));
    return FAI_OK;
  }
  const char *s = NULL;
  if (fai_jv_member(&jv, "preset", &m)) {
    CHECK(fai_jv_string(&jv, "preset", 1, NULL, &s, &e_));
    if (!s) return FAI_OK;
    fai_error e2;
    fai_error_clear(&e2);
    if (fai_station_preset_load(s, mask, out, &e2) != FAI_OK) {
      CHECK(fai_jv_error(&m, e2.code, &e_, "%s", e2.msg));
    }
    snprintf(source, source_n, "preset:%s", s);
  } else if (fai_jv_member(&jv, "file", &m)) {
    CHECK(fai_jv_string(&jv, "file", 1, NULL, &s, &e_));
    if (!s) return FAI_OK;
    char path[FAI_ERROR_FILE_MAX];
    if (resolve_path(cx, s, path, sizeof path)) {
      CHECK(fai_jv_error(&m, FAI_EINVAL, &e_, "file name too long: \"%s\"", s));
      return FAI_OK;
    }
    fai_error e2;
    fai_error_clear(&e2);
    fai_status st = fai_stations_load_csv(path, mask, out, &e2);
    if (st != FAI_OK) {
      /* The CSV error already has file:line:col; keep it, add where it was named. */
      if (!e2.file[0]) fai_jv_error(&m, st, &e2, "%s", e2.msg);
      if (note(cx, st, &e2)) return st;
    }
    snprintf(source, source_n, "%s", path);
  } else if (fai_jv_member(&jv, "list", &m)) {
    CHECK(fai_jv_expect_array(&m, 1, &e_));
    if (!json_is_array(m.v)) return FAI_OK;
    size_t n = json_array_size(m.v);
    out->v = calloc(n ? n : 1, sizeof *out->v);
    if (!out->v) return fai_error_set(cx->err, FAI_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
      fai_jv it = fai_jv_index(&m, i);
      CHECK(fai_jv_expect_object(&it, item_keys, &e_));
      if (!json_is_object(it.v)) continue;
      fai_station *st = &out->v[out->n];
      const char *nm = NULL;
      double lat = 0, lon = 0, alt = 0, el = mask_deg;
      CHECK(fai_jv_string(&it, "name", 1, NULL, &nm, &e_));
      CHECK(fai_jv_number(&it, "latitude_deg", 1, 0, -90, 90, &lat, &e_));
      CHECK(fai_jv_number(&it, "longitude_deg", 1, 0, -180, 180, &lon, &e_));
      CHECK(fai_jv_number(&it, "altitude_m", 0, 0, -500, 1e5, &alt, &e_));
      CHECK(fai_jv_number(&it, "min_elevation_deg", 0, mask_deg, -90, 90, &el, &e_));
      snprintf(st->name, sizeof st->name, "%s", nm ? nm : "");
      st->lat_rad = lat * FAI_DEG;
      st->lon_rad = lon * FAI_DEG;
      st->alt_m = alt;
      st->min_elev_rad = el * FAI_DEG;
      out->n++;
    }
    snprintf(source, source_n, "inline");
  } else if (fai_jv_member(&jv, "grid", &m)) {
    CHECK(fai_jv_expect_object(&m, grid_keys, &e_));
    if (!json_is_object(m.v)) return FAI_OK;
    double v[6] = {0};
    CHECK(fai_jv_number(&m, "lat_min_deg", 1, 0, -90, 90, &v[0], &e_));
    CHECK(fai_jv_number(&m, "lat_max_deg", 1, 0, -90, 90, &v[1], &e_));
    CHECK(fai_jv_number(&m, "lat_step_deg", 1, 1, 1e-6, 180, &v[2], &e_));
    CHECK(fai_jv_number(&m, "lon_min_deg", 1, 0, -180, 180, &v[3], &e_));
    CHECK(fai_jv_number(&m, "lon_max_deg", 1, 0, -180, 180, &v[4], &e_));
    CHECK(fai_jv_number(&m, "lon_step_deg", 1, 1, 1e-6, 360, &v[5], &e_));
    fai_error e2;
    fai_error_clear(&e2);
    if (grid_out) memcpy(grid_out, v, sizeof v);
    fai_status st = fai_stations_grid(v[0], v[1], v[2], v[3], v[4], v[5], mask, out, &e2);
    if (st != FAI_OK) {
      CHECK(fai_jv_error(&m, st, &e_, "%s", e2.msg));
    } else if (out->n > 1000000) {
      CHECK(fai_jv_error(&m, FAI_EINVAL, &e_, "grid has %d cells; at most 1000000", out->n));
    }
    snprintf(source, source_n, "grid");
  }
  return FAI_OK;
}

static fai_status load_isl(load_ctx *cx, const fai_jv *root, fai_isl_config *isl) {
  static const char *const keys[] = {"enabled",         "cross_seam",
                                     "max_range_km",    "atmosphere_margin_km",
                                     "polar_cutoff_deg", "max_pointing_rate_rad_s",
                                     "survival_probability", "rate_bps",
                                     NULL};
  fai_jv jv;
  if (!fai_jv_member(root, "isl", &jv)) return FAI_OK;
  CHECK(fai_jv_expect_object(&jv, keys, &e_));
  if (!json_is_object(jv.v)) return FAI_OK;
  double v;
  CHECK(fai_jv_bool(&jv, "enabled", 0, 1, &isl->enabled, &e_));
  CHECK(fai_jv_bool(&jv, "cross_seam", 0, 0, &isl->cross_seam, &e_));
  CHECK(fai_jv_number(&jv, "max_range_km", 0, 0, 0, 1e6, &v, &e_));
  isl->max_range_m = v * 1e3;
  CHECK(fai_jv_number(&jv, "atmosphere_margin_km", 0, 80, 0, 1000, &v, &e_));
  isl->atmosphere_margin_m = v * 1e3;
  CHECK(fai_jv_number(&jv, "polar_cutoff_deg", 0, 0, 0, 90, &v, &e_));
  isl->polar_cutoff_rad = v * FAI_DEG;
  CHECK(fai_jv_number(&jv, "max_pointing_rate_rad_s", 0, 0, 0, 10, &v, &e_));
  isl->max_pointing_rate_rad_s = v;
  CHECK(fai_jv_number(&jv, "survival_probability", 0, 1, 0, 1, &isl->survival_p, &e_));
  CHECK(fai_jv_number(&jv, "rate_bps", 0, 100e9, 1, 1e15, &isl->rate_bps, &e_));
  return FAI_OK;
}

static fai_status load_radio(load_ctx *cx, const fai_jv *root, fai_radio *r) {
  static const char *const keys[] = {"frequency_hz", "bandwidth_hz",       "tx_power_dbm",
                                     "tx_gain_dbi",  "rx_gain_dbi",        "losses_db",
                                     "noise_temperature_k", "noise_density_dbm_hz", NULL};
  fai_jv jv;
  if (!fai_jv_member(root, "gsl_radio", &jv)) return FAI_OK;
  CHECK(fai_jv_expect_object(&jv, keys, &e_));
  if (!json_is_object(jv.v)) return FAI_OK;
  const fai_radio d = *r;
  CHECK(fai_jv_number(&jv, "frequency_hz", 0, d.frequency_hz, 1e6, 1e15, &r->frequency_hz, &e_));
  CHECK(fai_jv_number(&jv, "bandwidth_hz", 0, d.bandwidth_hz, 1, 1e13, &r->bandwidth_hz, &e_));
  CHECK(fai_jv_number(&jv, "tx_power_dbm", 0, d.tx_power_dbm, -100, 100, &r->tx_power_dbm, &e_));
  CHECK(fai_jv_number(&jv, "tx_gain_dbi", 0, d.tx_gain_dbi, -50, 100, &r->tx_gain_dbi, &e_));
  CHECK(fai_jv_number(&jv, "rx_gain_dbi", 0, d.rx_gain_dbi, -50, 100, &r->rx_gain_dbi, &e_));
  CHECK(fai_jv_number(&jv, "losses_db", 0, d.losses_db, 0, 300, &r->losses_db, &e_));
  CHECK(fai_jv_number(&jv, "noise_temperature_k", 0, d.noise_temp_k, 0, 1e6, &r->noise_temp_k,
                      &e_));
  CHECK(fai_jv_number(&jv, "noise_density_dbm_hz", 0, d.noise_density_dbm_hz, -250, 0,
                      &r->noise_density_dbm_hz, &e_));
  fai_jv t;
  if (fai_jv_member(&jv, "noise_density_dbm_hz", &t) &&
      !fai_jv_member(&jv, "noise_temperature_k", &t))
    r->noise_temp_k = 0; /* an explicit N0 wins over the default temperature */
  return FAI_OK;
}

static fai_status load_doc(load_ctx *cx, const fai_json_doc *doc, fai_scenario *sc) {
  static const char *const keys[] = {"format",  "version",       "name",  "epoch",
                                     "duration_s", "step_s",     "seed",  "constellation",
                                     "propagation", "ground_stations", "users", "isl",
                                     "gsl_radio", NULL};
  static const char *const j2_modes[] = {"none", "node", "full", NULL};
  fai_jv root = fai_jv_root(doc);
  fai_jv *jv = &root;
  fai_status st;
  CHECK(fai_jv_expect_object(jv, keys, &e_));
  if (!json_is_object(jv->v)) return FAI_EINVAL;
  const char *s = NULL;
  CHECK(fai_jv_string(jv, "format", 0, "fluidai-scenario", &s, &e_));
  if (s && strcmp(s, "fluidai-scenario") != 0) {
    fai_jv f;
    fai_jv_member(jv, "format", &f);
    CHECK(fai_jv_error(&f, FAI_EINVAL, &e_, "format \"%s\"; expected \"fluidai-scenario\"", s));
  }
  long long version = 1, seed = 1;
  CHECK(fai_jv_int(jv, "version", 0, 1, 1, 1, &version, &e_));
  CHECK(fai_jv_string(jv, "name", 0, "unnamed", &s, &e_));
  if (s) snprintf(sc->name, sizeof sc->name, "%s", s);
  CHECK(fai_jv_string(jv, "epoch", 0, "2026-01-01T00:00:00Z", &s, &e_));
  if (s) {
    fai_error e2;
    fai_error_clear(&e2);
    if (fai_time_parse_iso8601(s, &sc->epoch_unix, &e2) != FAI_OK) {
      fai_jv ej;
      fai_jv_member(jv, "epoch", &ej);
      CHECK(fai_jv_error(&ej, FAI_EINVAL, &e_, "%s", e2.msg));
    }
  }
  CHECK(fai_jv_number(jv, "duration_s", 0, 86400, 0, 3.2e8, &sc->duration_s, &e_));
  CHECK(fai_jv_number(jv, "step_s", 0, 60, 1e-3, 1e7, &sc->step_s, &e_));
  CHECK(fai_jv_int(jv, "seed", 0, 1, 0, 9007199254740991LL, &seed, &e_));
  sc->seed = (uint64_t)seed;
  fai_jv prop;
  if (fai_jv_member(jv, "propagation", &prop)) {
    static const char *const pkeys[] = {"j2", NULL};
    int mode = FAI_J2_NODE;
    CHECK(fai_jv_expect_object(&prop, pkeys, &e_));
    if (json_is_object(prop.v)) CHECK(fai_jv_enum(&prop, "j2", 0, 1, j2_modes, &mode, &e_));
    sc->j2 = (fai_j2_mode)mode;
  }
  if ((st = load_constellation(cx, jv, sc)) != FAI_OK && !cx->all) return st;
  fai_jv ep;
  if (sc->elements.enabled && !fai_jv_member(jv, "epoch", &ep))
    sc->epoch_unix = fai_elements_newest_epoch(&sc->elements); /* SGP4 is best near its epochs */
  if ((st = load_points(cx, jv, "ground_stations", 0, &sc->stations, sc->stations_source,
                        sizeof sc->stations_source, NULL, NULL)) != FAI_OK &&
      !cx->all)
    return st;
  if (!fai_jv_member(jv, "ground_stations", &prop)) {
    fai_error e2;
    fai_error_clear(&e2);
    st = fai_station_preset_load("default", 25 * FAI_DEG, &sc->stations, &e2);
    if (note(cx, st, &e2)) return st;
    snprintf(sc->stations_source, sizeof sc->stations_source, "preset:default");
  }
  if ((st = load_points(cx, jv, "users", 1, &sc->users, sc->users_source,
                        sizeof sc->users_source, sc->users_grid, &sc->users_min_elev_deg)) !=
          FAI_OK &&
      !cx->all)
    return st;
  if ((st = load_isl(cx, jv, &sc->isl)) != FAI_OK && !cx->all) return st;
  if ((st = load_radio(cx, jv, &sc->gsl_radio)) != FAI_OK && !cx->all) return st;
  if (cx->n_errors == 0) {
    fai_error e2;
    fai_error_clear(&e2);
    st = fai_scenario_check(sc, &e2);
    if (st != FAI_OK) {
      if (!e2.file[0]) snprintf(e2.file, sizeof e2.file, "%s", fai_json_doc_name(doc));
      note(cx, st, &e2);
    }
  }
  return cx->n_errors ? (cx->err ? cx->err->code : FAI_EINVAL) : FAI_OK;
}

static fai_status load_text(const char *text, const char *name, const char *dir,
                            fai_scenario *sc, fai_error_list *all, fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_error local;
  if (!err) err = &local;
  fai_error_clear(err);
  fai_scenario_init(sc);
  snprintf(sc->source, sizeof sc->source, "%s", name);
  fai_sha256_hex(text, strlen(text), sc->source_sha256);
  fai_status st = fai_json_load_string(text, name, &doc, err);
  if (st != FAI_OK) {
    if (all) fai_error_list_push(all, err);
    return st;
  }
  load_ctx cx = {all, &sc->warnings, err, 0, {0}};
  snprintf(cx.dir, sizeof cx.dir, "%s", dir ? dir : "");
  st = load_doc(&cx, doc, sc);
  fai_json_doc_free(doc);
  if (st != FAI_OK) {
    fai_scenario_free(sc);
    fai_scenario_init(sc);
  }
  return st;
}

fai_status fai_scenario_load_string(const char *text, const char *name, fai_scenario *sc,
                                    fai_error_list *all, fai_error *err) {
  return load_text(text, name ? name : "<string>", NULL, sc, all, err);
}

fai_status fai_scenario_load_file(const char *path, fai_scenario *sc, fai_error_list *all,
                                  fai_error *err) {
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    fai_scenario_init(sc);
    fai_error_set_at(err, FAI_ENOENT, path, 0, 0, NULL, "cannot open scenario file: %s",
                     strerror(errno));
    if (all && err) fai_error_list_push(all, err);
    return FAI_ENOENT;
  }
  char *text = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (len + 4096 + 1 > cap) {
      cap = cap ? 2 * cap : 65536;
      char *t = realloc(text, cap);
      if (!t) {
        free(text);
        fclose(fp);
        return fai_error_set(err, FAI_ENOMEM, "out of memory reading %s", path);
      }
      text = t;
    }
    size_t k = fread(text + len, 1, cap - len - 1, fp);
    len += k;
    if (k == 0) break;
  }
  int bad = ferror(fp);
  fclose(fp);
  if (bad) {
    free(text);
    return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "read error");
  }
  text[len] = '\0';
  if (strlen(text) != len) {
    free(text);
    return fai_error_set_at(err, FAI_EPARSE, path, 0, 0, NULL,
                            "file contains a NUL byte; expected UTF-8 JSON text");
  }
  char dirbuf[FAI_ERROR_FILE_MAX];
  snprintf(dirbuf, sizeof dirbuf, "%s", path);
  const char *dir = dirname(dirbuf);
  fai_status st = load_text(text, path, dir, sc, all, err);
  free(text);
  return st;
}

fai_status fai_scenario_load_default(fai_scenario *sc, fai_error *err) {
  const fai__embedded *e = fai__embedded_find("scenarios/default.json");
  if (!e) return fai_error_set(err, FAI_EINTERNAL, "embedded default scenario missing");
  return load_text(e->data, "<embedded default>", NULL, sc, NULL, err);
}

fai_status fai_scenario_check(const fai_scenario *sc, fai_error *err) {
  if (!(sc->step_s > 0) || !isfinite(sc->step_s))
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "$.step_s",
                            "step %g s; expected a positive number of seconds", sc->step_s);
  if (!(sc->duration_s >= 0) || !isfinite(sc->duration_s))
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "$.duration_s",
                            "duration %g s; expected a number >= 0", sc->duration_s);
  double snaps = floor(sc->duration_s / sc->step_s) + 1;
  if (snaps > 10000000)
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "$.step_s",
                            "duration %g s at step %g s gives %.0f snapshots; at most 1e7",
                            sc->duration_s, sc->step_s, snaps);
  if (sc->elements.enabled) {
    const fai_tle_set *set = sc->elements.set;
    if (!set || set->n < 1)
      return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "$.constellation",
                              "no element sets to use");
    /* +Grid planes only make sense for LEO shells (period under ~128 min). */
    for (int i = 0; sc->isl.enabled && i < set->n; i++) {
      const fai_tle *t = &set->v[i];
      if (t->mean_motion_rev_day < 11.25)
        return fai_error_set_at(
            err, FAI_EINVAL, sc->elements.source, t->line, 0, NULL,
            "%s (NORAD %d): mean motion %.8g rev/day (period %.1f min) is not LEO; +Grid ISL "
            "planes need LEO satellites: leave it out with select/--select or disable ISLs",
            t->name, t->norad, t->mean_motion_rev_day, 1440.0 / t->mean_motion_rev_day);
    }
  } else {
    if (sc->constellation.n_shells < 1)
      return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "$.constellation",
                              "the constellation has no shells");
    fai_status st = fai_constellation_validate(&sc->constellation, "$.constellation", err);
    if (st != FAI_OK) return st;
  }
  if (strcmp(sc->frame, "ecef") && strcmp(sc->frame, "teme"))
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "--frame",
                            "\"%s\"; expected ecef or teme", sc->frame);
  if (sc->stations.n < 1)
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "$.ground_stations",
                            "no ground stations; at least one is needed");
  return FAI_OK;
}

/* The decimal value x such that x * scale == v exactly, when one exists next
 * to v / scale (almost always); loading multiplies by the same scale. */
static double exact_unscaled(double v, double scale) {
  double x = v / scale;
  if (x * scale == v) return x;
  for (int k = 1; k <= 4; k++) {
    double up = x, dn = x;
    for (int j = 0; j < k; j++) {
      up = nextafter(up, INFINITY);
      dn = nextafter(dn, -INFINITY);
    }
    if (up * scale == v) return up;
    if (dn * scale == v) return dn;
  }
  return x;
}

static json_t *jdeg(double rad) { return json_real(exact_unscaled(rad, FAI_DEG)); }
static json_t *jkm(double m) { return json_real(exact_unscaled(m, 1e3)); }

static json_t *stations_json(const fai_station_set *set) {
  json_t *list = json_array();
  for (int i = 0; i < set->n; i++) {
    const fai_station *s = &set->v[i];
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "latitude_deg", jdeg(s->lat_rad));
    json_object_set_new(o, "longitude_deg", jdeg(s->lon_rad));
    json_object_set_new(o, "altitude_m", json_real(s->alt_m));
    json_object_set_new(o, "min_elevation_deg", jdeg(s->min_elev_rad));
    json_array_append_new(list, o);
  }
  return list;
}

json_t *fai_scenario_to_json(const fai_scenario *sc) {
  static const char *const j2_modes[] = {"none", "node", "full"};
  char epoch[40];
  fai_time_format_iso8601(sc->epoch_unix, epoch);
  json_t *root = json_object();
  json_object_set_new(root, "format", json_string("fluidai-scenario"));
  json_object_set_new(root, "version", json_integer(1));
  json_object_set_new(root, "name", json_string(sc->name));
  json_object_set_new(root, "epoch", json_string(epoch));
  json_object_set_new(root, "duration_s", json_real(sc->duration_s));
  json_object_set_new(root, "step_s", json_real(sc->step_s));
  json_object_set_new(root, "seed", json_integer((json_int_t)sc->seed));
  json_object_set_new(root, "propagation", json_pack("{s:s}", "j2", j2_modes[sc->j2]));

  json_t *shells = json_array();
  for (int i = 0; i < sc->constellation.n_shells; i++) {
    const fai_shell *s = &sc->constellation.shells[i];
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "planes", json_integer(s->planes));
    json_object_set_new(o, "sats_per_plane", json_integer(s->sats_per_plane));
    json_object_set_new(o, "phasing", json_integer(s->phasing));
    json_object_set_new(o, "altitude_km", jkm(s->altitude_m));
    json_object_set_new(o, "inclination_deg", jdeg(s->inclination_rad));
    json_object_set_new(o, "pattern",
                        json_string(s->pattern == FAI_WALKER_STAR ? "star" : "delta"));
    json_object_set_new(o, "raan0_deg", jdeg(s->raan0_rad));
    json_array_append_new(shells, o);
  }
  if (sc->elements.enabled) {
    /* The element sets in use are written beside the scenario (fai_timeline_write
     * and fai_scenario_save write elements.tle), already selected. */
    json_decref(shells);
    json_object_set_new(root, "constellation",
                        json_pack("{s:s, s:s, s:b}", "name", sc->constellation.name, "tle",
                                  "elements.tle", "skip_deep_space",
                                  sc->elements.skip_deep_space));
  } else {
    json_object_set_new(root, "constellation", json_pack("{s:s, s:o}", "name",
                                                         sc->constellation.name, "shells", shells));
  }
  json_t *gs = json_object();
  json_object_set_new(gs, "list", stations_json(&sc->stations));
  json_object_set_new(root, "ground_stations", gs);
  if (sc->users.n > 0) {
    json_t *us = json_object();
    if (!strcmp(sc->users_source, "grid")) {
      const double *g = sc->users_grid;
      json_object_set_new(us, "grid",
                          json_pack("{s:f, s:f, s:f, s:f, s:f, s:f}", "lat_min_deg", g[0],
                                    "lat_max_deg", g[1], "lat_step_deg", g[2], "lon_min_deg",
                                    g[3], "lon_max_deg", g[4], "lon_step_deg", g[5]));
      json_object_set_new(us, "min_elevation_deg", json_real(sc->users_min_elev_deg));
    } else {
      json_object_set_new(us, "list", stations_json(&sc->users));
    }
    json_object_set_new(root, "users", us);
  }
  const fai_isl_config *isl = &sc->isl;
  json_t *jisl = json_object();
  json_object_set_new(jisl, "enabled", json_boolean(isl->enabled));
  json_object_set_new(jisl, "cross_seam", json_boolean(isl->cross_seam));
  json_object_set_new(jisl, "max_range_km", jkm(isl->max_range_m));
  json_object_set_new(jisl, "atmosphere_margin_km", jkm(isl->atmosphere_margin_m));
  json_object_set_new(jisl, "polar_cutoff_deg", jdeg(isl->polar_cutoff_rad));
  json_object_set_new(jisl, "max_pointing_rate_rad_s", json_real(isl->max_pointing_rate_rad_s));
  json_object_set_new(jisl, "survival_probability", json_real(isl->survival_p));
  json_object_set_new(jisl, "rate_bps", json_real(isl->rate_bps));
  json_object_set_new(root, "isl", jisl);
  const fai_radio *r = &sc->gsl_radio;
  json_object_set_new(
      root, "gsl_radio",
      json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:f, s:f}", "frequency_hz", r->frequency_hz,
                "bandwidth_hz", r->bandwidth_hz, "tx_power_dbm", r->tx_power_dbm, "tx_gain_dbi",
                r->tx_gain_dbi, "rx_gain_dbi", r->rx_gain_dbi, "losses_db", r->losses_db,
                "noise_temperature_k", r->noise_temp_k, "noise_density_dbm_hz",
                r->noise_density_dbm_hz));
  return root;
}

fai_status fai_scenario_save(const fai_scenario *sc, const char *path, fai_error *err) {
  json_t *doc = fai_scenario_to_json(sc);
  if (!doc) return fai_error_set(err, FAI_ENOMEM, "out of memory serialising the scenario");
  fai_status st = fai_json_write_file(doc, path, err);
  json_decref(doc);
  if (st == FAI_OK && sc->elements.enabled) {
    char dir[FAI_ERROR_FILE_MAX], tle[FAI_ERROR_FILE_MAX + 16];
    snprintf(dir, sizeof dir, "%s", path);
    if (snprintf(tle, sizeof tle, "%s/elements.tle", dirname(dir)) >= (int)sizeof tle)
      return fai_error_set(err, FAI_EINVAL, "path too long: %s", path);
    st = fai_elements_save_tle(&sc->elements, tle, err);
  }
  return st;
}

fai_status fai_elements_save_tle(const fai_elements *el, const char *path, fai_error *err) {
  fai_outfile of;
  fai_status st = fai_outfile_open(&of, path, err);
  if (st != FAI_OK) return st;
  for (int i = 0; i < el->set->n; i++) {
    char l1[70], l2[70];
    fai_tle_format(&el->set->v[i], l1, l2);
    fprintf(of.fp, "%s\n%s\n%s\n", el->set->v[i].name, l1, l2);
  }
  if (ferror(of.fp)) {
    fai_outfile_abort(&of);
    return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "write failed");
  }
  return fai_outfile_commit(&of, err);
}
