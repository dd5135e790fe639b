/* Element sets: two-line elements (TLE) and CCSDS OMM in JSON (public).
 *
 * Parsing is strict: checksums, fixed columns, numeric fields and their
 * ranges are verified, and every problem names file:line:col, the field and
 * the text found.  Problems that do not make an element set unusable
 * (duplicate NORAD ids, old epochs) are warnings collected in a list. */
#ifndef FLUIDAI_TLE_H
#define FLUIDAI_TLE_H

#include "fluidai/common.h"
#include "fluidai/orbitgen.h"
#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct fai_tle {
  char name[FAI_NAME_MAX];    /* name line (3-line form) or "NORAD <id>" */
  int norad;                  /* catalogue number (Alpha-5 letters decoded) */
  char classification;        /* 'U', 'C', 'S' */
  char intl_designator[12];   /* e.g. "19074B" (may be empty) */
  int epoch_year;             /* four-digit year */
  double epoch_day;           /* day of year with fraction (1.0 = Jan 1 0h) */
  double epoch_unix;          /* epoch as UTC seconds since 1970 */
  double ndot;                /* first derivative of mean motion / 2 (rev/day²) */
  double nddot;               /* second derivative / 6 (rev/day³) */
  double bstar;               /* drag term (1/earth radii) */
  int ephemeris_type;
  int element_number;
  double inclination_deg;
  double raan_deg;
  double eccentricity;
  double arg_perigee_deg;
  double mean_anomaly_deg;
  double mean_motion_rev_day;
  long revolution;            /* revolution number at epoch */
  int line;                   /* source line of line 1 (or of the OMM object) */
} fai_tle;

typedef struct fai_tle_set {
  int n, cap;
  fai_tle *v;
} fai_tle_set;

void fai_tle_set_free(fai_tle_set *s);
int fai_tle_set_push(fai_tle_set *s, const fai_tle *t); /* 0 ok, -1 no memory */

/* Parse a catalogue of TLEs in 2-line or 3-line form (mixed is fine; lines
 * starting with '#' and blank lines are skipped).  `text` may be NULL to read
 * `file`.  Warnings (duplicate NORAD ids, ...) are appended to `warn` when
 * given.  Errors: FAI_EPARSE with file:line:col, field and text. */
fai_status fai_tle_parse(const char *text, const char *file, fai_tle_set *out,
                         fai_error_list *warn, fai_error *err);
fai_status fai_tle_load(const char *file, fai_tle_set *out, fai_error_list *warn, fai_error *err);

/* CCSDS OMM as published by catalogues in JSON: an array of objects with
 * OBJECT_NAME, NORAD_CAT_ID, EPOCH, MEAN_MOTION, ECCENTRICITY, INCLINATION,
 * RA_OF_ASC_NODE, ARG_OF_PERICENTER, MEAN_ANOMALY, BSTAR, MEAN_MOTION_DOT,
 * MEAN_MOTION_DDOT (others ignored).  A missing field is an error naming the
 * JSON path. */
fai_status fai_omm_load(const char *file, fai_tle_set *out, fai_error_list *warn,
                        fai_error *err);
fai_status fai_omm_parse(const char *text, const char *name, fai_tle_set *out,
                         fai_error_list *warn, fai_error *err);

/* Selection, applied in order: name glob (fnmatch, case-insensitive), NORAD
 * ids ("44714", "44700-44800", comma lists), epoch age (keep sets whose epoch
 * is within max_age_days of ref_unix; <= 0 disables).  `spec` is the
 * --select text: comma-separated terms, each "name:GLOB", "norad:LIST" or
 * "age:DAYS"; a bare term is a name glob. */
fai_status fai_tle_select(fai_tle_set *set, const char *spec, double ref_unix, fai_error *err);

/* Format as two 69-character lines with checksums (lines need 70 bytes). */
void fai_tle_format(const fai_tle *t, char line1[70], char line2[70]);
/* Mean elements of a circular Walker satellite at the epoch as a TLE. */
void fai_tle_from_walker(const fai_constellation *c, int sat, double epoch_unix, int norad,
                         fai_tle *out);

#ifdef __cplusplus
}
#endif
#endif
