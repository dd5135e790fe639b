/* Shells and planes inferred from element sets (public).
 *
 * Real constellations come as TLEs with no plane labels.  To build +Grid
 * ISLs, satellites are clustered into shells (inclination, then mean
 * altitude) and, within a shell, into planes (right ascension of the
 * ascending node, carried to a common epoch with the J2 nodal rate); each
 * plane is ordered by argument of latitude.  Satellites in clusters too small
 * to form a plane (orbit raising, deorbiting, spares) stay unplaced and are
 * counted. */
#ifndef FLUIDAI_PLANES_H
#define FLUIDAI_PLANES_H

#include "fluidai/status.h"
#include "fluidai/tle.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fai_plane_opts {
  double incl_gap_deg;   /* split shells where sorted inclinations jump by more (0.5) */
  double alt_gap_km;     /* split shells where sorted mean altitudes jump by more (10) */
  double raan_gap_deg;   /* split planes where sorted RAANs jump by more (1.5) */
  int min_shell_sats;    /* smaller shells are unplaced (10) */
  int min_plane_sats;    /* smaller planes are unplaced (3) */
} fai_plane_opts;
void fai_plane_opts_init(fai_plane_opts *o);

typedef struct fai_inferred_shell {
  int n_sats, n_planes;
  double incl_mean_deg, incl_min_deg, incl_max_deg, incl_std_deg;
  double alt_mean_km, alt_min_km, alt_max_km, alt_std_km;
  int wraps;             /* planes cover the whole circle of RAAN (delta-like) */
} fai_inferred_shell;

typedef struct fai_plane_map {
  int n_sats;
  int *shell, *plane, *slot;   /* [N]: shell, plane within shell, position in plane; -1 unplaced */
  int *gplane;                 /* [N]: global plane index, -1 unplaced */
  double *u_rad;               /* [N]: argument of latitude at the reference epoch */
  int n_shells;
  fai_inferred_shell *shells;  /* [n_shells] ordered by inclination then altitude */
  int n_planes;                /* planes over all shells, ordered by shell then RAAN */
  int *plane_shell;            /* [n_planes] */
  int *plane_off;              /* [n_planes + 1] CSR offsets into plane_members */
  int *plane_members;          /* satellites of each plane in argument-of-latitude order */
  int unplaced;
} fai_plane_map;

/* Cluster `set` at reference time epoch_unix. */
fai_status fai_planes_infer(const fai_tle_set *set, double epoch_unix, const fai_plane_opts *o,
                            fai_plane_map *out, fai_error *err);
void fai_plane_map_free(fai_plane_map *m);

/* Candidate +Grid links from a plane map: intra-plane ring in argument-of-
 * latitude order; inter-plane from each satellite to the satellite of the
 * next plane (by RAAN; wrapping when the shell wraps) with the nearest
 * argument of latitude.  Pairs are a < b, without repeats; inter[k] = 1 for
 * inter-plane links.  Arrays are malloc'd. */
fai_status fai_planes_links(const fai_plane_map *m, int *n_links, int **a, int **b,
                            uint8_t **inter, fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
