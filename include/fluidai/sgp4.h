/* SGP4/SDP4 orbit propagation from mean elements (public).
 *
 * Written here from the published algorithm: Hoots & Roehrich, Spacetrack
 * Report #3 (1980), as revised by Vallado, Crawford, Hujsak & Kelso,
 * "Revisiting Spacetrack Report #3" (AIAA 2006-6753).  WGS-72 constants by
 * default; output in the TEME frame (km, km/s).  fai_sgp4_init does the
 * per-satellite initialisation once; fai_sgp4_propagate evaluates one time.
 * Error codes follow the reference implementation:
 *   0 ok, 1 mean eccentricity out of [0, 1) or mean motion <= 0,
 *   2 mean motion < 0, 3 perturbed eccentricity out of [0, 1],
 *   4 semi-latus rectum < 0, 5 (unused), 6 satellite decayed (r < 1 Earth radius). */
#ifndef FLUIDAI_SGP4_H
#define FLUIDAI_SGP4_H

#include "fluidai/common.h"
#include "fluidai/sgp4_batch.h"
#include "fluidai/status.h"
#include "fluidai/tle.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fai_sgp4_gravity {
  FAI_GRAV_WGS72 = 0,     /* the standard for TLEs (default) */
  FAI_GRAV_WGS72OLD = 1,
  FAI_GRAV_WGS84 = 2
} fai_sgp4_gravity;

/* Gravity constants of a model. */
typedef struct fai_sgp4_consts {
  double mu;          /* km³/s² */
  double radius_km;   /* Earth equatorial radius */
  double xke;         /* sqrt(mu) in earth radii^1.5 per minute */
  double tumin;       /* minutes per time unit */
  double j2, j3, j4, j3oj2;
} fai_sgp4_consts;
void fai_sgp4_constants(fai_sgp4_gravity g, fai_sgp4_consts *out);

/* The initialised state of one satellite (the reference's "satrec"). */
typedef struct fai_sgp4 {
  int norad;
  char method;          /* 'n' near-Earth (period < 225 min), 'd' deep space */
  char opsmode;         /* 'i' improved (default) or 'a' AFSPC compatibility */
  int isimp;            /* simplified drag (perigee < 220 km) */
  int error;            /* last error code (see above) */
  fai_sgp4_gravity grav;
  double epoch_unix;    /* TLE epoch (UTC seconds since 1970) */
  double jdsatepoch;    /* Julian date of the epoch (integer part + fraction below) */
  double jdsatepochF;
  /* mean elements at epoch (radians, rad/min) */
  double ecco, inclo, nodeo, argpo, mo, no_kozai, no_unkozai, bstar;
  double ndot, nddot;
  /* near-Earth coefficients */
  double aycof, con41, cc1, cc4, cc5, d2, d3, d4, delmo, eta, argpdot, omgcof, sinmao, t2cof,
      t3cof, t4cof, t5cof, x1mth2, x7thm1, mdot, nodedot, xlcof, xmcof, nodecf;
  /* deep-space coefficients */
  int irez;
  double d2201, d2211, d3210, d3222, d4410, d4422, d5220, d5232, d5421, d5433, dedt, del1, del2,
      del3, didt, dmdt, dnodt, domdt, e3, ee2, peo, pgho, pho, pinco, plo, se2, se3, sgh2, sgh3,
      sgh4, sh2, sh3, si2, si3, sl2, sl3, sl4, gsto, xfact, xgh2, xgh3, xgh4, xh2, xh3, xi2, xi3,
      xl2, xl3, xl4, xlamo, zmol, zmos, atime, xli, xni;
  double a, altp, alta;
} fai_sgp4;

/* Initialise from a TLE.  Errors (FAI_EINVAL) name the satellite and the
 * offending element; a set that initialises with an SGP4 error code returns
 * FAI_EINVAL with that code in out->error. */
fai_status fai_sgp4_init(const fai_tle *t, fai_sgp4_gravity g, char opsmode, fai_sgp4 *out,
                         fai_error *err);
/* Position and velocity in TEME (km, km/s) at tsince minutes from the
 * element epoch; returns the SGP4 error code (0 ok). */
int fai_sgp4_propagate(const fai_sgp4 *s, double tsince_min, double r_km[3], double v_kms[3]);

/* TEME → ECEF (pseudo-Earth-fixed, polar motion ignored) at UTC unix time:
 * rotate by GMST (IAU 1982); ECEF velocity subtracts ω_E × r. */
void fai_teme_to_ecef(double unix_s, const double r_teme[3], const double v_teme[3],
                      double r_ecef[3], double v_ecef[3]);

/* Internal to the library: SGP4 state t_s seconds after ref_unix (UTC)
 * rotated to ECEF (m, m/s) with the caller's cos/sin of GMST.  Near-Earth
 * satellites go through kernels/sgp4_core.h, as in the backend's batch, and
 * the time since the element epoch is formed as the batch forms it
 * (t_s / 60 − fai_sgp4_epoch_offset_min), so both give the same bits.
 * r_teme_m/v_teme (may be NULL) receive the TEME state in m and m/s.
 * Returns the SGP4 error code. */
int fai__sgp4_ecef(const fai_sgp4 *s, double ref_unix, double t_s, double cos_gmst,
                   double sin_gmst, double r_ecef[3], double v_ecef[3], double r_teme_m[3],
                   double v_teme[3]);

/* --- near-Earth batches (layout in sgp4_batch.h) -------------------------- */

/* Minutes from ref_unix (UTC unix seconds) to the element epoch of s. */
double fai_sgp4_epoch_offset_min(const fai_sgp4 *s, double ref_unix);

/* The near-Earth constants of s (which must be method 'n' without error)
 * relative to the reference epoch ref_unix. */
void fai_sgp4_ne_fill(const fai_sgp4 *s, double ref_unix, fai_sgp4_ne *out);

/* A one-satellite batch whose arrays point into *ne (valid while ne is). */
void fai_sgp4_batch_view(const fai_sgp4_ne *ne, fai_sgp4_gravity grav, fai_sgp4_batch *out);

/* The batch of those of sat[0..n_sats) that are near-Earth, initialised
 * without error and use gravity model `grav`; out_index maps them to their
 * index in sat (n_out = n_sats).  *in_batch (may be NULL) receives
 * [n_sats] flags.  Free with fai_sgp4_batch_free. */
fai_status fai_sgp4_batch_build(const fai_sgp4 *sat, int n_sats, fai_sgp4_gravity grav,
                                double ref_unix, fai_sgp4_batch *out, uint8_t *in_batch,
                                fai_error *err);
void fai_sgp4_batch_free(fai_sgp4_batch *b);

#ifdef __cplusplus
}
#endif
#endif
