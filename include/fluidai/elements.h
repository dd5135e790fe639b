/* Constellations from element sets: presets, loading with selection, and
 * SGP4 propagation of a whole set over the snapshot grid (public). */
#ifndef FLUIDAI_ELEMENTS_H
#define FLUIDAI_ELEMENTS_H

#include "fluidai/backend.h"
#include "fluidai/orbitgen.h"
#include "fluidai/sgp4.h"
#include "fluidai/tle.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Real-data presets ("starlink-tle", "oneweb-tle", "iridium-tle"), embedded. */
int fai_element_preset_count(void);
const char *fai_element_preset_name(int i);
const char *fai_element_preset_description(int i);
int fai_element_preset_find(const char *name); /* index or -1 */

/* Fill el from a TLE file (kind "tle"), an OMM JSON file ("omm") or an
 * element preset ("preset"), then apply `select` (see fai_tle_select; ages are
 * counted back from ref_unix) and drop deep-space objects when skip_deep is
 * set.  Warnings (duplicates, old epochs, skipped objects) go to `warn`. */
fai_status fai_elements_load(fai_elements *el, const char *kind, const char *src,
                             const char *select, int skip_deep, double ref_unix,
                             fai_error_list *warn, fai_error *err);
void fai_elements_free(fai_elements *el);
/* The newest element epoch, floored to a whole second (UTC unix seconds). */
double fai_elements_newest_epoch(const fai_elements *el);
/* Write the element sets in use as a 3-line TLE file (atomically). */
fai_status fai_elements_save_tle(const fai_elements *el, const char *path, fai_error *err);

/* Initialise every element set (WGS-72, improved mode).  A set that fails is
 * kept (its positions are NaN) and reported in `warn` with time 0. */
fai_status fai_elements_init_sgp4(const fai_elements *el, fai_sgp4 **out, fai_error_list *warn,
                                  fai_error *err);

/* Positions and velocities (ECEF, m and m/s) of every satellite at every
 * snapshot t_s[k] seconds after epoch_unix, [T][N][3]; pos_teme (may be NULL)
 * receives TEME positions in m.  After an SGP4 error a satellite's states are
 * NaN from that snapshot on, and one warning says which error and when.
 * Near-Earth sets run on the backend (be->propagate_sgp4, the cores of
 * kernels/sgp4_core.h); deep-space sets on the host's scalar SDP4 with
 * be->threads OpenMP threads (0 = default).  Same bits as fai_propagate_sat
 * at the same times. */
fai_status fai_elements_propagate(const fai_backend *be, const fai_sgp4 *sgp4, int n_sats,
                                  double epoch_unix, const double *t_s, int n_snaps, double *pos,
                                  double *vel, double *pos_teme, fai_error_list *warn,
                                  fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
