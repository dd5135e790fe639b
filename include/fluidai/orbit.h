/* Constellations, time, frames, ground points and radio links (public).
 *
 * Host-side geometry for orbitgen: Walker shells and presets, UTC epochs and
 * GMST, geodetic <-> ECEF, ground-station lists, continuous-time satellite
 * states (used to refine contact windows), and the radio link budget.  All
 * trigonometry lives here; kernels receive the tables of fai_prop_tables. */
#ifndef FLUIDAI_ORBIT_H
#define FLUIDAI_ORBIT_H

#include "fluidai/backend.h"
#include "fluidai/common.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FAI_MAX_SHELLS 16
#define FAI_NAME_MAX 96

typedef enum fai_walker_pattern {
  FAI_WALKER_DELTA = 0, /* planes spread over 360° of RAAN */
  FAI_WALKER_STAR = 1   /* planes spread over 180°; seam between last and first plane */
} fai_walker_pattern;

typedef struct fai_shell {
  char name[FAI_NAME_MAX];   /* e.g. "shell1" */
  int planes;                /* P */
  int sats_per_plane;        /* S (T = P·S) */
  int phasing;               /* F, 0 <= F < P */
  double altitude_m;         /* above FAI_R_EARTH_M */
  double inclination_rad;    /* [0, π] */
  fai_walker_pattern pattern;
  double raan0_rad;          /* RAAN of plane 0 at epoch */
} fai_shell;

typedef struct fai_constellation {
  char name[FAI_NAME_MAX];       /* preset name or "custom" */
  int n_shells;
  fai_shell shells[FAI_MAX_SHELLS];
} fai_constellation;

/* J2 secular effects applied by the circular propagator. */
typedef enum fai_j2_mode {
  FAI_J2_NONE = 0,   /* Keplerian: fixed nodes, u̇ = n */
  FAI_J2_NODE = 1,   /* nodal regression Ω̇ only (default) */
  FAI_J2_FULL = 2    /* Ω̇ and the J2 along-track rate u̇ = n + ω̇ + Ṁ₀ drift */
} fai_j2_mode;

int fai_constellation_sat_count(const fai_constellation *c);
int fai_constellation_plane_count(const fai_constellation *c);
/* Checks ranges (altitude > 0, 0 <= i <= 180°, P,S >= 1, 0 <= F < P, ...);
 * the message names the shell and value. `path` prefixes the JSON path. */
fai_status fai_constellation_validate(const fai_constellation *c, const char *path,
                                      fai_error *err);

/* Walker notation i:T/P/F → shell (T must be divisible by P). */
fai_status fai_shell_from_walker(double inclination_deg, int total, int planes, int phasing,
                                 double altitude_km, fai_walker_pattern pattern, fai_shell *out,
                                 fai_error *err);

/* Presets: starlink-gen1, starlink-gen1-shell1, kuiper, oneweb, iridium,
 * spacexnet-polar, ... */
int fai_preset_count(void);
const fai_constellation *fai_preset_at(int i);
const char *fai_preset_description(int i);
fai_status fai_preset_find(const char *name, fai_constellation *out, fai_error *err);

/* Orbital mean motion n = sqrt(μ/a³) (rad/s) and J2 secular rates for a
 * circular orbit of radius a and inclination i. */
double fai_mean_motion(double a_m);
void fai_j2_rates(double a_m, double incl_rad, fai_j2_mode mode, double *udot, double *raan_dot);

/* Satellite numbering: shells in order, planes in order, slots in order;
 * sat = base(shell) + plane·S + slot. */
typedef struct fai_sat_id {
  int shell, plane, slot;   /* plane within its shell */
  int plane_global;         /* plane index over all shells */
} fai_sat_id;
fai_sat_id fai_sat_id_of(const fai_constellation *c, int sat);

/* Initial elements of satellite `sat`: RAAN at epoch and argument of latitude at epoch. */
void fai_sat_elements(const fai_constellation *c, int sat, double *raan0, double *u0);

/* --- time ------------------------------------------------------------- */

/* "2026-01-01T00:00:00Z", "2026-01-01T00:00:00.250Z", "2026-01-01T03:00:00+02:00",
 * "2026-01-01" → seconds since 1970-01-01T00:00:00 UTC (leap seconds ignored). */
fai_status fai_time_parse_iso8601(const char *s, double *unix_s, fai_error *err);
void fai_time_format_iso8601(double unix_s, char buf[40]); /* "...T...Z", millisecond precision */
double fai_unix_to_jd(double unix_s);
/* Greenwich mean sidereal time (IAU 1982), UT1 ≈ UTC, radians in [0, 2π). */
double fai_gmst_rad(double unix_s);

/* --- frames ------------------------------------------------------------ */

void fai_geodetic_to_ecef(double lat_rad, double lon_rad, double alt_m, double out[3]);
void fai_ecef_to_geodetic(const double r[3], double *lat_rad, double *lon_rad, double *alt_m);
void fai_geodetic_up(double lat_rad, double lon_rad, double out[3]); /* ellipsoid normal */
/* Elevation (rad) of point `target` seen from ground point with geodetic
 * lat/lon at ECEF position `site`. */
double fai_elevation_rad(const double site[3], double lat_rad, double lon_rad,
                         const double target[3]);

/* --- continuous-time propagation ------------------------------------------
 * The same circular model as the tabulated kernels, evaluated with direct
 * trigonometry at any time t (s after epoch): used to refine contact windows
 * and by tests. */
struct fai_sgp4;
typedef struct fai_propagator {
  const fai_constellation *c;      /* Walker shells (used when sgp4 is NULL) */
  double epoch_unix;
  fai_j2_mode j2;
  const struct fai_sgp4 *sgp4;     /* [N] initialised element sets, or NULL for Walker */
} fai_propagator;
void fai_propagate_sat(const fai_propagator *p, int sat, double t_s, double pos[3],
                       double vel[3]);

/* Build the tables of fai_prop_tables for snapshot times t_s[0..T-1]. */
typedef struct fai_prop_storage {
  fai_prop_tables tab;        /* points into the arrays below */
  int *sat_shell, *sat_plane;
  double *sat_cos_u0, *sat_sin_u0;
  double *shell_a_m, *shell_cos_i, *shell_sin_i, *shell_udot, *shell_wdot;
  double *snap_cos_ut, *snap_sin_ut, *snap_cos_w, *snap_sin_w;
} fai_prop_storage;
fai_status fai_prop_tables_build(const fai_propagator *p, const double *t_s, int n_snaps,
                                 fai_prop_storage *out, fai_error *err);
void fai_prop_tables_free(fai_prop_storage *s);

/* --- ground points -------------------------------------------------------- */

typedef struct fai_station {
  char name[FAI_NAME_MAX];
  double lat_rad, lon_rad, alt_m;
  double min_elev_rad;          /* elevation mask */
} fai_station;

typedef struct fai_station_set {
  int n;
  fai_station *v;               /* malloc'd [n] */
} fai_station_set;

/* CSV with header containing name, latitude_deg, longitude_deg and optionally
 * altitude_m, min_elevation_deg (other columns ignored); quoted names allowed.
 * `text` may be NULL to read `file`.  Errors carry file:line:col. */
fai_status fai_stations_parse_csv(const char *text, const char *file, double default_min_elev_rad,
                                  fai_station_set *out, fai_error *err);
fai_status fai_stations_load_csv(const char *file, double default_min_elev_rad,
                                 fai_station_set *out, fai_error *err);
/* Regular latitude/longitude grid of user cells (degrees, inclusive bounds). */
fai_status fai_stations_grid(double lat_min, double lat_max, double lat_step, double lon_min,
                             double lon_max, double lon_step, double min_elev_rad,
                             fai_station_set *out, fai_error *err);
void fai_station_set_free(fai_station_set *s);

/* Ground points for the kernels (ECEF, up vector, sin of mask). */
typedef struct fai_ground_storage {
  fai_ground_points gp;
  double *pos_m, *up, *sin_min_elev;
} fai_ground_storage;
fai_status fai_ground_build(const fai_station_set *s, fai_ground_storage *out, fai_error *err);
void fai_ground_free(fai_ground_storage *g);

/* --- radio links ---------------------------------------------------------- */

typedef struct fai_radio {
  double frequency_hz;          /* carrier */
  double bandwidth_hz;
  double tx_power_dbm;
  double tx_gain_dbi;
  double rx_gain_dbi;
  double losses_db;             /* other losses (atmosphere, pointing, implementation) */
  double noise_temp_k;          /* system noise temperature; <= 0: use noise_density */
  double noise_density_dbm_hz;  /* N0 when noise_temp_k <= 0 (e.g. -174) */
} fai_radio;

void fai_radio_defaults_ka(fai_radio *r);   /* Ka-band gateway link defaults */
double fai_fspl_db(double dist_m, double freq_hz);           /* 20·log10(4π d f / c) */
double fai_pathloss_3gpp_db(double dist_m);                  /* 128.1 + 37.6·log10(d_km) */
double fai_radio_snr_db(const fai_radio *r, double dist_m);  /* FSPL link budget */
double fai_radio_rate_bps(const fai_radio *r, double dist_m);/* B·log2(1 + SNR) */

#ifdef __cplusplus
}
#endif
#endif
