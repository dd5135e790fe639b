/* Walker constellations: counting, validation, satellite numbering, initial
 * elements (PAPERS.md §0.4) and the built-in presets.
 *
 * Numbering is shells in order, planes in order, slots in order, so satellite
 * `sat` of shell h is base(h) + plane·S + slot and global plane indices run
 * the same way.  Everything here is O(number of shells) per call. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fluidai/orbit.h"

/* Hard limits that keep every product P·S and every table size in `int`. */
#define MAX_ALTITUDE_M 100000e3 /* 100 000 km: far beyond any LEO/MEO shell */
#define MAX_TOTAL_SATS 100000

int fai_constellation_sat_count(const fai_constellation *c) {
  if (!c) return 0;
  long long n = 0;
  for (int h = 0; h < c->n_shells && h < FAI_MAX_SHELLS; h++)
    n += (long long)c->shells[h].planes * c->shells[h].sats_per_plane;
  return n > INT_MAX ? -1 : (int)n; /* -1: overflow; fai_constellation_validate says why */
}

int fai_constellation_plane_count(const fai_constellation *c) {
  if (!c) return 0;
  long long n = 0;
  for (int h = 0; h < c->n_shells && h < FAI_MAX_SHELLS; h++) n += c->shells[h].planes;
  return n > INT_MAX ? -1 : (int)n;
}

/* Validation error at "<path>.shells[h]" naming the shell by index and name. */
#define SHELL_ERR(...)                                                                    \
  do {                                                                                    \
    char where_[FAI_ERROR_PATH_MAX];                                                      \
    snprintf(where_, sizeof where_, "%s.shells[%d]", prefix, h);                          \
    fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, where_, __VA_ARGS__);                   \
    return FAI_EINVAL;                                                                    \
  } while (0)

fai_status fai_constellation_validate(const fai_constellation *c, const char *path,
                                      fai_error *err) {
  const char *prefix = (path && path[0]) ? path : "$";
  if (!c) return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, prefix, "no constellation given");
  if (c->n_shells < 1 || c->n_shells > FAI_MAX_SHELLS)
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, prefix,
                            "constellation \"%s\" has %d shells; expected 1 to %d", c->name,
                            c->n_shells, FAI_MAX_SHELLS);
  long long total = 0;
  for (int h = 0; h < c->n_shells; h++) {
    const fai_shell *s = &c->shells[h];
    const double alt_km = s->altitude_m / 1e3;
    const double incl_deg = s->inclination_rad / FAI_DEG;
    if (!(s->altitude_m > 0.0 && s->altitude_m < MAX_ALTITUDE_M))
      SHELL_ERR("shell %d (\"%s\"): altitude %g km must be > 0 and < 100000 km", h, s->name,
                alt_km);
    /* A small tolerance so that 180° converted to radians and back passes. */
    if (!(s->inclination_rad >= 0.0 && s->inclination_rad <= FAI_PI * (1.0 + 1e-12)))
      SHELL_ERR("shell %d (\"%s\"): inclination %g deg must be in [0, 180] deg", h, s->name,
                incl_deg);
    if (s->planes < 1 || s->planes > MAX_TOTAL_SATS)
      SHELL_ERR("shell %d (\"%s\"): planes %d must be >= 1 (and at most %d)", h, s->name,
                s->planes, MAX_TOTAL_SATS);
    if (s->sats_per_plane < 1 || s->sats_per_plane > MAX_TOTAL_SATS)
      SHELL_ERR("shell %d (\"%s\"): sats_per_plane %d must be >= 1 (and at most %d)", h,
                s->name, s->sats_per_plane, MAX_TOTAL_SATS);
    if (s->phasing < 0 || s->phasing >= s->planes)
      SHELL_ERR("shell %d (\"%s\"): phasing %d must satisfy 0 <= phasing < planes (%d)", h,
                s->name, s->phasing, s->planes);
    if (s->pattern != FAI_WALKER_DELTA && s->pattern != FAI_WALKER_STAR)
      SHELL_ERR("shell %d (\"%s\"): pattern %d is neither delta (0) nor star (1)", h, s->name,
                (int)s->pattern);
    if (!isfinite(s->raan0_rad))
      SHELL_ERR("shell %d (\"%s\"): raan0 %g is not finite", h, s->name, s->raan0_rad);
    total += (long long)s->planes * s->sats_per_plane;
  }
  if (total > MAX_TOTAL_SATS)
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, prefix,
                            "constellation \"%s\" has %lld satellites in total; at most %d "
                            "are supported",
                            c->name, total, MAX_TOTAL_SATS);
  return FAI_OK;
}
#undef SHELL_ERR

fai_status fai_shell_from_walker(double inclination_deg, int total, int planes, int phasing,
                                 double altitude_km, fai_walker_pattern pattern, fai_shell *out,
                                 fai_error *err) {
  if (!out) return fai_error_set(err, FAI_EINVAL, "no output shell given");
  if (planes < 1)
    return fai_error_set(err, FAI_EINVAL, "Walker planes %d must be >= 1", planes);
  if (total < 1)
    return fai_error_set(err, FAI_EINVAL, "Walker total %d must be >= 1", total);
  if (total % planes != 0)
    return fai_error_set(err, FAI_EINVAL, "total %d is not divisible by planes %d", total,
                         planes);
  fai_shell s;
  memset(&s, 0, sizeof s);
  snprintf(s.name, sizeof s.name, "%g:%d/%d/%d", inclination_deg, total, planes, phasing);
  s.planes = planes;
  s.sats_per_plane = total / planes;
  s.phasing = phasing;
  s.altitude_m = altitude_km * 1e3;
  s.inclination_rad = inclination_deg * FAI_DEG;
  s.pattern = pattern;
  s.raan0_rad = 0.0;
  /* Reuse the shell checks so the messages are the same as for a scenario. */
  fai_constellation one;
  memset(&one, 0, sizeof one);
  snprintf(one.name, sizeof one.name, "walker");
  one.n_shells = 1;
  one.shells[0] = s;
  fai_status st = fai_constellation_validate(&one, "walker", err);
  if (st != FAI_OK) return st;
  *out = s;
  return FAI_OK;
}

fai_sat_id fai_sat_id_of(const fai_constellation *c, int sat) {
  fai_sat_id id = {-1, -1, -1, -1};
  if (!c || sat < 0) return id;
  int base = 0, plane_base = 0;
  for (int h = 0; h < c->n_shells && h < FAI_MAX_SHELLS; h++) {
    const fai_shell *s = &c->shells[h];
    const int n = s->planes * s->sats_per_plane;
    if (sat < base + n) {
      const int k = sat - base;
      id.shell = h;
      id.plane = k / s->sats_per_plane;
      id.slot = k % s->sats_per_plane;
      id.plane_global = plane_base + id.plane;
      return id;
    }
    base += n;
    plane_base += s->planes;
  }
  return id; /* past the last satellite */
}

void fai_sat_elements(const fai_constellation *c, int sat, double *raan0, double *u0) {
  const fai_sat_id id = fai_sat_id_of(c, sat);
  double raan = 0.0, u = 0.0;
  if (id.shell >= 0) {
    const fai_shell *s = &c->shells[id.shell];
    const double P = s->planes, S = s->sats_per_plane;
    /* Delta spreads the planes over the full circle, star over half of it
     * (so the first and last planes counter-rotate across the seam). */
    const double spread = s->pattern == FAI_WALKER_STAR ? FAI_PI : FAI_TWO_PI;
    raan = s->raan0_rad + id.plane * spread / P;
    /* In-plane spacing 2π/S plus the inter-plane phase offset 2π·F/(P·S). */
    u = FAI_TWO_PI * id.slot / S + FAI_TWO_PI * (double)s->phasing * id.plane / (P * S);
    raan = fmod(raan, FAI_TWO_PI);
    if (raan < 0) raan += FAI_TWO_PI;
    u = fmod(u, FAI_TWO_PI);
  }
  if (raan0) *raan0 = raan;
  if (u0) *u0 = u;
}

/* --- presets ---------------------------------------------------------------
 * Orbital parameters from public filings; the phasing F is never part of
 * those filings, so every F below is a modelling choice (stated in each
 * description): delta shells use F = 1, star shells stagger adjacent planes
 * by half a slot (F = P/2, as Iridium does) unless a paper fixes F. */

#define SHELL(nm, alt_km, incl_deg, P, S, F, pat) \
  { nm, P, S, F, (alt_km) * 1e3, (incl_deg) * FAI_DEG, pat, 0.0 }

typedef struct preset {
  fai_constellation c;
  const char *description; /* one line, for `fluidai presets` */
} preset;

static const preset presets[] = {
    {{"starlink-gen1",
      5,
      {SHELL("shell1", 550, 53.0, 72, 22, 1, FAI_WALKER_DELTA),
       SHELL("shell2", 540, 53.2, 72, 22, 1, FAI_WALKER_DELTA),
       SHELL("shell3", 570, 70.0, 36, 20, 1, FAI_WALKER_DELTA),
       SHELL("shell4", 560, 97.6, 6, 58, 1, FAI_WALKER_DELTA),
       SHELL("shell5", 560, 97.6, 4, 43, 1, FAI_WALKER_DELTA)}},
     "Starlink generation 1, FCC filing as modified in 2021: 4408 satellites in 5 delta shells "
     "(phasing F=1 is a modelling choice)"},
    {{"starlink-gen1-shell1", 1, {SHELL("shell1", 550, 53.0, 72, 22, 1, FAI_WALKER_DELTA)}},
     "Starlink generation 1 first shell: 1584 satellites, 72 planes x 22, 550 km, 53 deg, "
     "delta (phasing F=1 is a modelling choice)"},
    {{"kuiper",
      3,
      {SHELL("shell1", 630, 51.9, 34, 34, 1, FAI_WALKER_DELTA),
       SHELL("shell2", 610, 42.0, 36, 36, 1, FAI_WALKER_DELTA),
       SHELL("shell3", 590, 33.0, 28, 28, 1, FAI_WALKER_DELTA)}},
     "Amazon Kuiper, FCC 2019 filing: 3236 satellites in 3 delta shells "
     "(phasing F=1 is a modelling choice)"},
    {{"oneweb", 1, {SHELL("shell1", 1200, 87.9, 18, 36, 9, FAI_WALKER_STAR)}},
     "OneWeb phase 1: 648 satellites, 18 planes x 36, 1200 km, 87.9 deg, star "
     "(phasing F=9, half-slot stagger, is a modelling choice)"},
    {{"iridium", 1, {SHELL("shell1", 780, 86.4, 6, 11, 3, FAI_WALKER_STAR)}},
     "Iridium: 66 satellites, 6 planes x 11, 780 km, 86.4 deg, star "
     "(phasing F=3, half-slot stagger, is a modelling choice)"},
    {{"spacexnet-polar", 1, {SHELL("shell1", 550, 87.0, 33, 32, 0, FAI_WALKER_STAR)}},
     "Space-XNet polar evaluation constellation: 1056 satellites, 33 planes x 32, 550 km, "
     "87 deg, star, phasing F=0"},
};
#undef SHELL

#define N_PRESETS ((int)(sizeof presets / sizeof presets[0]))

int fai_preset_count(void) { return N_PRESETS; }

const fai_constellation *fai_preset_at(int i) {
  return (i >= 0 && i < N_PRESETS) ? &presets[i].c : NULL;
}

const char *fai_preset_description(int i) {
  return (i >= 0 && i < N_PRESETS) ? presets[i].description : NULL;
}

fai_status fai_preset_find(const char *name, fai_constellation *out, fai_error *err) {
  for (int i = 0; name && i < N_PRESETS; i++) {
    if (strcmp(presets[i].c.name, name) == 0) {
      if (out) *out = presets[i].c;
      return FAI_OK;
    }
  }
  char known[512];
  size_t used = 0;
  known[0] = '\0';
  for (int i = 0; i < N_PRESETS && used < sizeof known; i++) {
    int k = snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                     presets[i].c.name);
    if (k > 0) used += (size_t)k;
  }
  return fai_error_set(err, FAI_ENOENT, "unknown constellation preset \"%s\"; known presets: %s",
                       name ? name : "(null)", known);
}
