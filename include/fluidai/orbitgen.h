/* Scenarios and timelines: the orbitgen engine (public).
 *
 * A scenario (strict JSON, see README "Scenario file") names a constellation,
 * an epoch and time grid, ground stations, optional users, ISL rules and the
 * ground-link radio.  fai_timeline_build turns it into a timeline: satellite
 * states per snapshot, the ISL graph per snapshot, ground visibility, contact
 * windows over the horizon and path-delay summaries, using a fai_backend for
 * the per-item work.  fai_timeline_write writes the documented files. */
#ifndef FLUIDAI_ORBITGEN_H
#define FLUIDAI_ORBITGEN_H

#include <jansson.h>

#include "fluidai/backend.h"
#include "fluidai/log.h"
#include "fluidai/orbit.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A growable list of errors, for commands that report every problem at once
 * (`fluidai validate`). */
typedef struct fai_error_list {
  int n, cap;
  fai_error *v;
} fai_error_list;
void fai_error_list_push(fai_error_list *l, const fai_error *e);
void fai_error_list_free(fai_error_list *l);

typedef struct fai_isl_config {
  int enabled;                     /* 0: no inter-satellite links */
  int cross_seam;                  /* star pattern: link across the seam too (default 0) */
  double max_range_m;              /* <= 0: unlimited */
  double atmosphere_margin_m;      /* line of sight must clear R_E + margin (80 km) */
  double polar_cutoff_rad;         /* <= 0: none; inter-plane links off above this |latitude| */
  double max_pointing_rate_rad_s;  /* <= 0: none (PAT angular-rate limit) */
  double survival_p;               /* per-(snapshot, link) Bernoulli survival, 1 = always */
  double rate_bps;                 /* laser ISL capacity */
} fai_isl_config;

/* Satellites from element sets (TLE/OMM) instead of Walker shells. */
typedef struct fai_elements {
  int enabled;                           /* 1: the constellation comes from `set` */
  char source[FAI_ERROR_FILE_MAX];       /* file path or "preset:NAME" */
  char kind[8];                          /* "tle" or "omm" */
  char select[256];                      /* --select spec applied ("" = all) */
  int skip_deep_space;                   /* drop period >= 225 min instead of using SDP4 */
  struct fai_tle_set *set;               /* malloc'd; the element sets in use */
} fai_elements;

typedef struct fai_scenario {
  char name[FAI_NAME_MAX];
  char source[FAI_ERROR_FILE_MAX];     /* file name, or "<embedded default>" */
  char source_sha256[65];              /* of the scenario text */
  double epoch_unix;                   /* UTC seconds since 1970 */
  double duration_s;                   /* horizon length (> 0) */
  double step_s;                       /* snapshot spacing (> 0) */
  uint64_t seed;                       /* RNG seed (link survival draws, ...) */
  fai_j2_mode j2;
  fai_constellation constellation;     /* Walker shells (unused when elements.enabled) */
  fai_elements elements;               /* satellites from TLE/OMM */
  char frame[8];                       /* positions.csv frame: "ecef" (default) or "teme" */
  char stations_source[FAI_ERROR_FILE_MAX]; /* "preset:NAME", file path or "inline" */
  fai_station_set stations;
  char users_source[FAI_ERROR_FILE_MAX];    /* "", "grid", file path or "inline" */
  fai_station_set users;
  double users_grid[6];                /* lat min/max/step, lon min/max/step (deg) when "grid" */
  double users_min_elev_deg;           /* the users' mask as given */
  fai_isl_config isl;
  fai_radio gsl_radio;                 /* ground-satellite links */
  fai_error_list warnings;             /* non-fatal findings while loading (element sets) */
} fai_scenario;

/* Satellites in the scenario (Walker shells or element sets). */
int fai_scenario_sat_count(const fai_scenario *sc);

void fai_scenario_init(fai_scenario *sc); /* defaults; owns nothing yet */
void fai_scenario_free(fai_scenario *sc);
/* Load a scenario.  With `all` non-NULL every problem found is appended and
 * loading goes on where it can; the first error is also in *err. */
fai_status fai_scenario_load_file(const char *path, fai_scenario *sc, fai_error_list *all,
                                  fai_error *err);
fai_status fai_scenario_load_string(const char *text, const char *name, fai_scenario *sc,
                                    fai_error_list *all, fai_error *err);
fai_status fai_scenario_load_default(fai_scenario *sc, fai_error *err);
/* Cross-field checks (after command-line overrides too). */
fai_status fai_scenario_check(const fai_scenario *sc, fai_error *err);
/* Number of snapshots: floor(duration/step) + 1. */
int fai_scenario_snapshots(const fai_scenario *sc);
/* The resolved scenario as a loadable "fluidai-scenario" document (new
 * reference): explicit shells, stations inline, every parameter present, and
 * each number written so that loading it back gives the same double (a re-run
 * reproduces the timeline bit for bit). */
json_t *fai_scenario_to_json(const fai_scenario *sc);
/* Write it to `path` (atomically). */
fai_status fai_scenario_save(const fai_scenario *sc, const char *path, fai_error *err);

/* Embedded station presets ("starlink-pops", "starlink-gateways", "default"). */
fai_status fai_station_preset_load(const char *name, double min_elev_rad, fai_station_set *out,
                                   fai_error *err);

typedef struct fai_contact {
  int station, sat;
  double rise_s, set_s;        /* seconds after epoch, refined to < 1 ms */
  double max_elev_rad;
  double t_max_s;              /* time of maximum elevation */
  int clipped;                 /* bit 0: rise before horizon start, bit 1: set after end */
} fai_contact;

typedef struct fai_snapshot_summary {
  double t_s;
  int isl_up;                  /* alive ISLs */
  int components;              /* connected components of the satellite ISL graph */
  int largest_component;       /* satellites in the largest */
  int gsl_pairs;               /* visible (station, satellite) pairs */
  int stations_covered;        /* stations seeing at least one satellite */
  int users_covered;           /* users seeing at least one satellite */
  int gs_pairs_reachable;      /* station pairs with a path (unordered) */
  double mean_gs_delay_s;      /* mean one-way delay over reachable pairs (NaN when none) */
} fai_snapshot_summary;

typedef struct fai_timeline_opts {
  int paths;                   /* compute station-to-station shortest paths (default 1) */
  int contacts;                /* compute contact windows (default 1) */
  int snap_chunk;              /* snapshots per backend batch for paths (default 64) */
  double time_limit_s;         /* > 0: stop the paths stage when the build has run this long;
                                  summaries cover the snapshots finished (outcome time-limit) */
} fai_timeline_opts;
void fai_timeline_opts_init(fai_timeline_opts *o);

typedef struct fai_timeline {
  const fai_scenario *sc;      /* borrowed */
  int n_sats, n_snaps, n_stations, n_users, vis_words;
  double *t_s;                 /* [T] */
  double *pos, *vel;           /* [T][N][3] ECEF m, m/s */
  int n_links;                 /* candidate ISLs (+Grid) */
  int *link_a, *link_b;        /* [L] a < b */
  uint8_t *link_inter;         /* [L] 1 = inter-plane */
  uint8_t *link_alive;         /* [T][L] */
  double *link_dist;           /* [T][L] m */
  uint32_t *st_vis;            /* [T][G][W] station visibility */
  uint32_t *user_vis;          /* [T][U][W] user visibility (NULL without users) */
  fai_contact *contacts;       /* sorted by station, satellite, rise */
  size_t n_contacts;
  fai_snapshot_summary *snap;  /* [T] */
  double *pair_delay_mean;     /* [G][G] mean delay over snapshots where reachable */
  int *pair_reach;             /* [G][G] snapshots where reachable */
  struct fai_sgp4 *sgp4;       /* [N] element sets initialised (NULL for Walker) */
  struct fai_plane_map *planes;/* planes inferred from element sets (NULL for Walker) */
  double *pos_teme;            /* [T][N][3] TEME positions (m) when the frame is teme */
  fai_error_list warnings;     /* per-satellite findings (SGP4 errors with their time) */
  fai_outcome outcome;         /* COMPLETE, INTERRUPTED or TIME_LIMIT */
  int snaps_done;              /* snapshots whose path summaries are complete */
  double timing_s[6];          /* propagate, links, visibility, contacts, paths, total */
} fai_timeline;

fai_status fai_timeline_build(const fai_scenario *sc, const fai_backend *be,
                              const fai_timeline_opts *opts, const fai_progress *prog,
                              fai_timeline *tl, fai_error *err);
void fai_timeline_free(fai_timeline *tl);

/* Connected components of a graph given as an edge list (union-find);
 * returns the count and, if largest != NULL, the size of the largest. */
int fai_components(int n, int n_edges, const int *a, const int *b, const uint8_t *alive,
                   int *largest);

/* Write satellites.csv, positions.csv, isls.csv, contacts.csv, timeline.json
 * (and run.json with backend, threads and timings) into dir, atomically: a
 * failure leaves no partial directory or file behind. */
typedef struct fai_write_opts {
  int positions;               /* write positions.csv (default 1) */
  int geodetic;                /* add lat_deg,lon_deg,alt_m (WGS-84) to positions.csv (default 0) */
  int binary;                  /* write timeline.bin (default 0) */
  int only_tables;             /* write only positions/isls/gsls tables (export csv) */
  int isls;                    /* write isls.csv (default 1) */
  int gsls;                    /* write gsls.csv: visible station-satellite links (default 0) */
  const char *backend_name;    /* for run.json */
  int threads;                 /* for run.json */
} fai_write_opts;
void fai_write_opts_init(fai_write_opts *o);
fai_status fai_timeline_write(const fai_timeline *tl, const char *dir, const fai_write_opts *o,
                              fai_error *err);
/* Binary timeline (layout in orbitgen/binary.c and the README): t_s, ECEF
 * positions and velocities, candidate links with per-snapshot state and
 * distance, station visibility bitsets; each array with its SHA-256.  The
 * loader fills those fields of *tl (everything else zero) and checks every
 * checksum. */
fai_status fai_timeline_save_binary(const fai_timeline *tl, const char *path, fai_error *err);
fai_status fai_timeline_load_binary(const char *path, fai_timeline *tl, fai_error *err);

/* The deterministic timeline.json document (new reference). */
json_t *fai_timeline_to_json(const fai_timeline *tl);

#ifdef __cplusplus
}
#endif
#endif
