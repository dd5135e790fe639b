/* FedMeld areas: the default §4.3 set-up (longitude sectors of the ±53° band,
 * sites on a reference ground track) and the strict "fluidai-fedmeld-areas"
 * reader.  Client positions come from the file or from a generator drawing
 * Philox numbers keyed by (seed, FAI_STREAM_GENERATOR, area·2^20 + 2·client + j). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/common.h"
#include "fluidai/fedmeld.h"
#include "fluidai/json.h"
#include "fluidai/orbit.h"
#include "fluidai/rng.h"

void fai_fedmeld_radio_init(fai_fedmeld_radio *r) {
  r->frequency_hz = 12e9;
  r->dl_bandwidth_hz = 100e6;
  r->ul_bandwidth_hz = 20e6;
  r->sat_power_w = 10;
  r->dl_energy_j = HUGE_VAL;
  r->client_power_w = 1;
  r->sat_gain_dbi = 30;
  r->client_gain_dbi = 30;
  r->losses_db = 3;
  r->noise_dbm_hz = -170;
  r->uplink_tdma = 0;
}

void fai_fedmeld_areas_init(fai_fedmeld_areas *a) {
  memset(a, 0, sizeof *a);
  a->min_elev_deg = 25;
  fai_fedmeld_radio_init(&a->radio);
  snprintf(a->source, sizeof a->source, "<default>");
}

void fai_fedmeld_areas_free(fai_fedmeld_areas *a) {
  if (!a) return;
  free(a->client_lat_deg);
  free(a->client_lon_deg);
  a->client_lat_deg = a->client_lon_deg = NULL;
  a->n_clients = 0;
}

static double wrap180(double lon) {
  double x = fmod(lon + 180.0, 360.0);
  if (x < 0) x += 360.0;
  return x - 180.0;
}

static int push_client(fai_fedmeld_areas *a, double lat, double lon) {
  if ((a->n_clients & (a->n_clients - 1)) == 0) {  /* grow at powers of two */
    const size_t cap = a->n_clients ? 2 * (size_t)a->n_clients : 8;
    double *la = realloc(a->client_lat_deg, cap * sizeof *la);
    if (!la) return -1;
    a->client_lat_deg = la;
    double *lo = realloc(a->client_lon_deg, cap * sizeof *lo);
    if (!lo) return -1;
    a->client_lon_deg = lo;
  }
  a->client_lat_deg[a->n_clients] = lat;
  a->client_lon_deg[a->n_clients] = wrap180(lon);
  a->n_clients++;
  return 0;
}

typedef enum { GEN_DISC = 0, GEN_BOX = 1 } gen_kind;

/* Append `count` generated clients to area `ai` (already holding its box and site). */
static fai_status generate(fai_fedmeld_areas *a, int ai, gen_kind g, int count, double radius_km,
                           uint64_t seed, fai_error *err) {
  fai_fedmeld_area *ar = &a->v[ai];
  for (int c = 0; c < count; c++) {
    const uint64_t idx = ((uint64_t)ai << 20) + 2 * (uint64_t)c;
    const double u1 = fai_rng_uniform(seed, FAI_STREAM_GENERATOR, idx);
    const double u2 = fai_rng_uniform(seed, FAI_STREAM_GENERATOR, idx + 1);
    double lat, lon;
    if (g == GEN_DISC) {
      /* Uniform in a spherical cap of radius radius_km around the site. */
      const double dist = radius_km * 1e3 * sqrt(u1) / FAI_R_EARTH_M;
      const double brg = FAI_TWO_PI * u2;
      const double la1 = ar->site_lat_deg * FAI_DEG, lo1 = ar->site_lon_deg * FAI_DEG;
      const double la2 = asin(sin(la1) * cos(dist) + cos(la1) * sin(dist) * cos(brg));
      const double lo2 =
          lo1 + atan2(sin(brg) * sin(dist) * cos(la1), cos(dist) - sin(la1) * sin(la2));
      lat = la2 / FAI_DEG;
      lon = lo2 / FAI_DEG;
    } else {
      /* Uniform over the box's area: uniform in sin(lat) and in longitude. */
      const double s0 = sin(ar->lat_min_deg * FAI_DEG), s1 = sin(ar->lat_max_deg * FAI_DEG);
      lat = asin(s0 + (s1 - s0) * u1) / FAI_DEG;
      double width = ar->lon_max_deg - ar->lon_min_deg;
      if (width < 0) width += 360;
      lon = ar->lon_min_deg + width * u2;
    }
    if (push_client(a, lat, lon)) return fai_error_set(err, FAI_ENOMEM, "out of memory (clients)");
  }
  return FAI_OK;
}

/* Argument of latitude u in [0, 2π] at which the Earth-fixed ground track of a
 * circular orbit (ascending node at longitude 0 at u = 0) has advanced `target`
 * radians of unwrapped longitude. */
static double track_u(double incl, double n_rad_s, double target) {
  double lo = 0, hi = FAI_TWO_PI;
  for (int it = 0; it < 200; it++) {
    const double u = 0.5 * (lo + hi);
    /* inertial longitude, unwrapped: u plus the small periodic difference
     * atan2(cos i sin u, cos u) − u wrapped into (−π, π] (prograde orbits) */
    double d = atan2(cos(incl) * sin(u), cos(u)) - u;
    d = d - FAI_TWO_PI * floor((d + FAI_PI) / FAI_TWO_PI);
    const double off = u + d - FAI_OMEGA_EARTH_RAD_S * u / n_rad_s;
    if (off < target) lo = u;
    else hi = u;
  }
  return 0.5 * (lo + hi);
}

fai_status fai_fedmeld_areas_default(int n_areas, int clients_per_area, double lat_band_deg,
                                     double incl_deg, double alt_m, uint64_t seed,
                                     fai_fedmeld_areas *a, fai_error *err) {
  if (n_areas < 2 || n_areas > FAI_FEDMELD_MAX_AREAS)
    return fai_error_set(err, FAI_EINVAL, "%d areas; expected 2 to %d", n_areas,
                         FAI_FEDMELD_MAX_AREAS);
  if (clients_per_area < 1 || clients_per_area > FAI_FEDMELD_MAX_CLIENTS)
    return fai_error_set(err, FAI_EINVAL, "%d clients per area; expected 1 to %d",
                         clients_per_area, FAI_FEDMELD_MAX_CLIENTS);
  if (!(incl_deg >= 0 && incl_deg < 90))
    return fai_error_set(err, FAI_EINVAL,
                         "default areas need a prograde shell (inclination %g°; expected [0, 90))",
                         incl_deg);
  fai_fedmeld_areas_free(a);
  fai_fedmeld_areas_init(a);
  a->n = n_areas;
  const double incl = incl_deg * FAI_DEG;
  const double n = fai_mean_motion(FAI_R_EARTH_M + alt_m);
  /* One orbit advances the Earth-fixed track by Δ = 2π − ω_E·P < 2π; sites k
   * sit at offsets kΔ/N so that the ring closes after one orbit's worth of
   * track, each at its sector's middle longitude. */
  const double delta = FAI_TWO_PI - FAI_OMEGA_EARTH_RAD_S * FAI_TWO_PI / n;
  const double width = 360.0 / n_areas;
  for (int k = 0; k < n_areas; k++) {
    fai_fedmeld_area *ar = &a->v[k];
    snprintf(ar->name, sizeof ar->name, "sector%d", k);
    ar->lat_min_deg = -lat_band_deg;
    ar->lat_max_deg = lat_band_deg;
    ar->lon_min_deg = -180 + k * width;
    ar->lon_max_deg = -180 + (k + 1) * width;
    const double u = track_u(incl, n, k * delta / n_areas);
    ar->site_lat_deg = asin(sin(incl) * sin(u)) / FAI_DEG;
    if (fabs(ar->site_lat_deg) < 1e-9) ar->site_lat_deg = 0; /* u = 0 up to rounding */
    ar->site_lon_deg = -180 + (k + 0.5) * width;
    ar->client_off = a->n_clients;
    ar->n_clients = clients_per_area;
    fai_status st = generate(a, k, GEN_DISC, clients_per_area, 100, seed, err);
    if (st != FAI_OK) return st;
  }
  return FAI_OK;
}

/* --- file reader -------------------------------------------------------------------- */

static fai_status positive_member(const fai_jv *o, const char *key, double *v, int allow_inf,
                                  fai_error *err) {
  fai_status st = fai_jv_number(o, key, 0, *v, -HUGE_VAL, HUGE_VAL, v, err);
  if (st != FAI_OK) return st;
  if (!(*v > 0) || (!allow_inf && !isfinite(*v))) {
    fai_jv m;
    fai_jv_member(o, key, &m);
    return fai_jv_error(&m, FAI_EINVAL, err, "%s %g; expected a positive number", key, *v);
  }
  return FAI_OK;
}

static fai_status read_radio(const fai_jv *o, fai_fedmeld_radio *r, fai_error *err) {
  static const char *const keys[] = {"frequency_hz", "dl_bandwidth_hz", "ul_bandwidth_hz",
                                     "sat_power_w", "dl_energy_j", "client_power_w",
                                     "sat_gain_dbi", "client_gain_dbi", "losses_db",
                                     "noise_dbm_hz", "uplink", NULL};
  static const char *const ul[] = {"fdma", "tdma", NULL};
  fai_status st;
  if (!json_is_object(o->v)) return fai_jv_error(o, FAI_EINVAL, err, "expected an object (radio)");
  if ((st = fai_jv_expect_object(o, keys, err))) return st;
  if ((st = positive_member(o, "frequency_hz", &r->frequency_hz, 0, err))) return st;
  if ((st = positive_member(o, "dl_bandwidth_hz", &r->dl_bandwidth_hz, 0, err))) return st;
  if ((st = positive_member(o, "ul_bandwidth_hz", &r->ul_bandwidth_hz, 0, err))) return st;
  if ((st = positive_member(o, "sat_power_w", &r->sat_power_w, 0, err))) return st;
  if ((st = positive_member(o, "client_power_w", &r->client_power_w, 0, err))) return st;
  if (fai_jv_member(o, "dl_energy_j", &(fai_jv){0}) &&
      (st = positive_member(o, "dl_energy_j", &r->dl_energy_j, 0, err)))
    return st;
  if ((st = fai_jv_number(o, "sat_gain_dbi", 0, r->sat_gain_dbi, -50, 100, &r->sat_gain_dbi, err)))
    return st;
  if ((st = fai_jv_number(o, "client_gain_dbi", 0, r->client_gain_dbi, -50, 100,
                          &r->client_gain_dbi, err)))
    return st;
  if ((st = fai_jv_number(o, "losses_db", 0, r->losses_db, 0, 200, &r->losses_db, err))) return st;
  if ((st = fai_jv_number(o, "noise_dbm_hz", 0, r->noise_dbm_hz, -250, 0, &r->noise_dbm_hz, err)))
    return st;
  int k = r->uplink_tdma;
  if ((st = fai_jv_enum(o, "uplink", 0, k, ul, &k, err))) return st;
  r->uplink_tdma = k;
  return FAI_OK;
}

typedef struct gen_spec {
  int present;
  int count;
  gen_kind kind;
  double radius_km;
} gen_spec;

static fai_status read_gen(const fai_jv *o, gen_spec *g, fai_error *err) {
  static const char *const keys[] = {"count", "generator", "radius_km", NULL};
  static const char *const gens[] = {"disc", "box", NULL};
  fai_status st;
  if ((st = fai_jv_expect_object(o, keys, err))) return st;
  long long c;
  if ((st = fai_jv_int(o, "count", 1, 0, 1, FAI_FEDMELD_MAX_CLIENTS, &c, err))) return st;
  int k = (int)g->kind;
  if ((st = fai_jv_enum(o, "generator", 0, k, gens, &k, err))) return st;
  if ((st = positive_member(o, "radius_km", &g->radius_km, 0, err))) return st;
  g->present = 1;
  g->count = (int)c;
  g->kind = (gen_kind)k;
  return FAI_OK;
}

static int lon_in_box(double lon, double lo, double hi) {
  if (lo <= hi) return lon >= lo && lon <= hi;
  return lon >= lo || lon <= hi;
}

static fai_status read_area(const fai_jv *o, int ai, const gen_spec *def, uint64_t seed,
                            fai_fedmeld_areas *a, fai_error *err) {
  static const char *const keys[] = {"name", "lat_min_deg", "lat_max_deg", "lon_min_deg",
                                     "lon_max_deg", "site", "clients", NULL};
  fai_status st;
  fai_fedmeld_area *ar = &a->v[ai];
  if (!json_is_object(o->v)) return fai_jv_error(o, FAI_EINVAL, err, "expected an object (area)");
  if ((st = fai_jv_expect_object(o, keys, err))) return st;
  const char *name = NULL;
  if ((st = fai_jv_string(o, "name", 1, NULL, &name, err))) return st;
  fai_jv m;
  fai_jv_member(o, "name", &m);
  if (!name[0] || strlen(name) >= sizeof ar->name)
    return fai_jv_error(&m, FAI_EINVAL, err, "area name \"%s\"; expected 1 to %zu characters", name,
                        sizeof ar->name - 1);
  for (int j = 0; j < ai; j++)
    if (!strcmp(a->v[j].name, name))
      return fai_jv_error(&m, FAI_EINVAL, err, "area name \"%s\" repeats areas[%d]", name, j);
  snprintf(ar->name, sizeof ar->name, "%s", name);
  if ((st = fai_jv_number(o, "lat_min_deg", 1, 0, -90, 90, &ar->lat_min_deg, err))) return st;
  if ((st = fai_jv_number(o, "lat_max_deg", 1, 0, -90, 90, &ar->lat_max_deg, err))) return st;
  if ((st = fai_jv_number(o, "lon_min_deg", 1, 0, -180, 180, &ar->lon_min_deg, err))) return st;
  if ((st = fai_jv_number(o, "lon_max_deg", 1, 0, -180, 180, &ar->lon_max_deg, err))) return st;
  if (!(ar->lat_min_deg < ar->lat_max_deg)) {
    fai_jv_member(o, "lat_max_deg", &m);
    return fai_jv_error(&m, FAI_EINVAL, err, "lat_max_deg %g <= lat_min_deg %g; expected a box",
                        ar->lat_max_deg, ar->lat_min_deg);
  }
  if (ar->lon_min_deg == ar->lon_max_deg) {
    fai_jv_member(o, "lon_max_deg", &m);
    return fai_jv_error(&m, FAI_EINVAL, err,
                        "lon_max_deg %g equals lon_min_deg; expected a box (lon_min > lon_max "
                        "wraps across ±180°)", ar->lon_max_deg);
  }
  ar->site_lat_deg = 0.5 * (ar->lat_min_deg + ar->lat_max_deg);
  {
    double w = ar->lon_max_deg - ar->lon_min_deg;
    if (w < 0) w += 360;
    ar->site_lon_deg = wrap180(ar->lon_min_deg + 0.5 * w);
  }
  fai_jv site;
  if (fai_jv_member(o, "site", &site)) {
    static const char *const sk[] = {"lat_deg", "lon_deg", NULL};
    if (!json_is_object(site.v))
      return fai_jv_error(&site, FAI_EINVAL, err, "expected an object {\"lat_deg\", \"lon_deg\"}");
    if ((st = fai_jv_expect_object(&site, sk, err))) return st;
    if ((st = fai_jv_number(&site, "lat_deg", 1, 0, -90, 90, &ar->site_lat_deg, err))) return st;
    if ((st = fai_jv_number(&site, "lon_deg", 1, 0, -180, 180, &ar->site_lon_deg, err))) return st;
    if (ar->site_lat_deg < ar->lat_min_deg || ar->site_lat_deg > ar->lat_max_deg ||
        !lon_in_box(ar->site_lon_deg, ar->lon_min_deg, ar->lon_max_deg))
      return fai_jv_error(&site, FAI_EINVAL, err,
                          "site (%g°, %g°) lies outside the area's box [%g, %g]° × [%g, %g]°",
                          ar->site_lat_deg, ar->site_lon_deg, ar->lat_min_deg, ar->lat_max_deg,
                          ar->lon_min_deg, ar->lon_max_deg);
  }
  ar->client_off = a->n_clients;
  fai_jv cl;
  if (fai_jv_member(o, "clients", &cl) && json_is_array(cl.v)) {
    if ((st = fai_jv_expect_array(&cl, 1, err))) return st;
    if (json_array_size(cl.v) > FAI_FEDMELD_MAX_CLIENTS)
      return fai_jv_error(&cl, FAI_EINVAL, err, "%zu clients; at most %d", json_array_size(cl.v),
                          FAI_FEDMELD_MAX_CLIENTS);
    static const char *const ck[] = {"lat_deg", "lon_deg", NULL};
    for (size_t i = 0; i < json_array_size(cl.v); i++) {
      fai_jv e = fai_jv_index(&cl, i);
      if (!json_is_object(e.v))
        return fai_jv_error(&e, FAI_EINVAL, err, "expected an object {\"lat_deg\", \"lon_deg\"}");
      if ((st = fai_jv_expect_object(&e, ck, err))) return st;
      double la, lo;
      if ((st = fai_jv_number(&e, "lat_deg", 1, 0, -90, 90, &la, err))) return st;
      if ((st = fai_jv_number(&e, "lon_deg", 1, 0, -180, 180, &lo, err))) return st;
      if (push_client(a, la, lo)) return fai_error_set(err, FAI_ENOMEM, "out of memory");
    }
  } else if (cl.v) {
    if (!json_is_object(cl.v))
      return fai_jv_error(&cl, FAI_EINVAL, err,
                          "expected an array of client positions or a generator object");
    gen_spec g = *def;
    if ((st = read_gen(&cl, &g, err))) return st;
    if ((st = generate(a, ai, g.kind, g.count, g.radius_km, seed, err))) return st;
  } else {
    if ((st = generate(a, ai, def->kind, def->count, def->radius_km, seed, err))) return st;
  }
  ar->n_clients = a->n_clients - ar->client_off;
  return FAI_OK;
}

static fai_status load_doc(fai_json_doc *doc, uint64_t seed, fai_fedmeld_areas *a,
                           fai_error *err) {
  static const char *const keys[] = {"format", "version", "name", "min_elevation_deg", "coverage",
                                     "radio", "clients", "areas", NULL};
  static const char *const cov[] = {"clients", "site", NULL};
  fai_status st;
  fai_jv root = fai_jv_root(doc);
  if (!json_is_object(root.v))
    return fai_jv_error(&root, FAI_EINVAL, err, "expected an object (fluidai-fedmeld-areas)");
  if ((st = fai_jv_expect_object(&root, keys, err))) return st;
  const char *fmt = NULL;
  if ((st = fai_jv_string(&root, "format", 1, NULL, &fmt, err))) return st;
  if (strcmp(fmt, "fluidai-fedmeld-areas")) {
    fai_jv m;
    fai_jv_member(&root, "format", &m);
    return fai_jv_error(&m, FAI_EINVAL, err, "format \"%s\"; expected \"fluidai-fedmeld-areas\"",
                        fmt);
  }
  long long ver;
  if ((st = fai_jv_int(&root, "version", 1, 1, 1, 1, &ver, err))) return st;
  const char *name = NULL;
  if ((st = fai_jv_string(&root, "name", 0, "", &name, err))) return st;
  if ((st = fai_jv_number(&root, "min_elevation_deg", 0, a->min_elev_deg, 0, 89.9,
                          &a->min_elev_deg, err)))
    return st;
  int ci = a->coverage_site;
  if ((st = fai_jv_enum(&root, "coverage", 0, ci, cov, &ci, err))) return st;
  a->coverage_site = ci;
  fai_jv m;
  if (fai_jv_member(&root, "radio", &m) && (st = read_radio(&m, &a->radio, err))) return st;
  gen_spec def = {1, 5, GEN_DISC, 100};
  if (fai_jv_member(&root, "clients", &m)) {
    if (!json_is_object(m.v))
      return fai_jv_error(&m, FAI_EINVAL, err, "expected a generator object {\"count\", ...}");
    if ((st = read_gen(&m, &def, err))) return st;
  }
  fai_jv arr;
  if (!fai_jv_member(&root, "areas", &arr))
    return fai_jv_error(&root, FAI_EINVAL, err, "missing member \"areas\"");
  if ((st = fai_jv_expect_array(&arr, 2, err))) return st;
  if (json_array_size(arr.v) > FAI_FEDMELD_MAX_AREAS)
    return fai_jv_error(&arr, FAI_EINVAL, err, "%zu areas; at most %d", json_array_size(arr.v),
                        FAI_FEDMELD_MAX_AREAS);
  a->n = (int)json_array_size(arr.v);
  for (int i = 0; i < a->n; i++) {
    fai_jv e = fai_jv_index(&arr, (size_t)i);
    if ((st = read_area(&e, i, &def, seed, a, err))) return st;
  }
  return FAI_OK;
}

fai_status fai_fedmeld_areas_load_string(const char *text, const char *name, uint64_t seed,
                                         fai_fedmeld_areas *a, fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_status st = fai_json_load_string(text, name, &doc, err);
  if (st != FAI_OK) return st;
  fai_fedmeld_areas_free(a);
  fai_fedmeld_areas_init(a);
  snprintf(a->source, sizeof a->source, "%s", name);
  st = load_doc(doc, seed, a, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai_fedmeld_areas_free(a);
  return st;
}

fai_status fai_fedmeld_areas_load_file(const char *path, uint64_t seed, fai_fedmeld_areas *a,
                                       fai_error *err) {
  fai_json_doc *doc = NULL;
  fai_status st = fai_json_load_file(path, &doc, err);
  if (st != FAI_OK) return st;
  fai_fedmeld_areas_free(a);
  fai_fedmeld_areas_init(a);
  snprintf(a->source, sizeof a->source, "%s", path);
  st = load_doc(doc, seed, a, err);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai_fedmeld_areas_free(a);
  return st;
}
