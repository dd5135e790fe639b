/* Near-Earth SGP4 for one (satellite, time) of a fai_sgp4_batch, and the
 * TEME → ECEF rotation (internal, shared by gcc and nvcc).
 *
 * The same steps as fai_sgp4_propagate (orbitgen/sgp4.c) for method 'n', in
 * the same order of operations, with three differences:
 *   - sin, cos, atan2 and fmod are fmath_core.h's (same bits on host and
 *     device; fmod is exact, so equal to libm's);
 *   - what depends on the satellite only (pow(xke/n, 2/3), sin and cos of
 *     the inclination, bstar·cc4, bstar·cc5) comes precomputed from the host;
 *   - pow(am, 1.5) is am·sqrt(am).
 * Against the scalar code that is ~1e-12 km (see tests/test_sgp4_batch.c).
 *
 * The evaluation is split in three stages so that the cpu backend can run
 * each over a block of satellites as one vectorised loop: fai_sgp4_secular
 * (up to Kepler's equation), fai_sgp4_kepler_step (one masked Newton step;
 * a lane that has converged is left unchanged, so running extra steps on it
 * changes nothing) and fai_sgp4_short_period (position and velocity).  The
 * error checks become codes computed alongside, never early returns:
 * a failing lane computes garbage that the caller replaces with NaN.
 * fai_sgp4_eval chains the stages for one item (cuda kernel, host path). */
#ifndef FLUIDAI_SGP4_CORE_H
#define FLUIDAI_SGP4_CORE_H

#include "fluidai/sgp4_batch.h"
#include "fluidai/status.h"
#include "fmath_core.h"

#define FAI_SGP4_KEPLER_MAX 10   /* Newton steps at most (as the reference) */
#define FAI_SGP4_KEPLER_TOL 1e-12 /* |step| below which Kepler has converged (rad) */

/* Secular gravity and drag, and the long-period (J3) terms, of satellite j
 * at tsince minutes from its epoch: the inputs of Kepler's equation for
 * E + ω (u, axnl, aynl) and what the short-period stage needs (am, nm,
 * node).  Returns 1.0 when the mean eccentricity is out of range (SGP4
 * error 1), else 0.0. */
FAI_HDI double fai_sgp4_secular(const fai_sgp4_batch *b, int j, double t, double *am_out,
                                double *nm_out, double *axnl_out, double *aynl_out,
                                double *u_out, double *node_out) {
  /* Every constant is loaded up front, whichever branch uses it: the
   * branches below become selects, and a vectorised loop needs no masked
   * loads. */
  const double d2 = b->d2[j], d3 = b->d3[j], d4 = b->d4[j];
  const double t3cof = b->t3cof[j], t4cof = b->t4cof[j], t5cof = b->t5cof[j];
  const double bcc5 = b->bcc5[j], sinmao = b->sinmao[j];
  const double omgcof = b->omgcof[j], eta = b->eta[j], xmcof = b->xmcof[j], delmo = b->delmo[j];
  const double xmdf = b->mo[j] + b->mdot[j] * t;
  const double argpdf = b->argpo[j] + b->argpdot[j] * t;
  const double nodedf = b->nodeo[j] + b->nodedot[j] * t;
  const double t2 = t * t;
  const int full = b->isimp[j] == 0.0; /* the higher-order drag terms apply */
  double node = nodedf + b->nodecf[j] * t2;
  double tempa = 1.0 - b->cc1[j] * t;
  double tempe = b->bcc4[j] * t;
  double templ = b->t2cof[j] * t2;
  double mm, argp;
  {
    const double delomg = omgcof * t;
    const double delmtemp = 1.0 + eta * fai_m_cos(xmdf);
    const double delm = xmcof * (delmtemp * delmtemp * delmtemp - delmo);
    const double temp = delomg + delm;
    const double t3 = t2 * t, t4 = t3 * t;
    const double mfull = xmdf + temp;
    const double tempa_full = tempa - d2 * t2 - d3 * t3 - d4 * t4;
    const double tempe_full = tempe + bcc5 * (fai_m_sin(mfull) - sinmao);
    const double templ_full = templ + t3cof * t3 + t4 * (t4cof + t * t5cof);
    const double argp_full = argpdf - temp;
    mm = full ? mfull : xmdf;
    argp = full ? argp_full : argpdf;
    tempa = full ? tempa_full : tempa;
    tempe = full ? tempe_full : tempe;
    templ = full ? templ_full : templ;
  }
  /* Near-Earth: the mean motion stays no_unkozai (> 0, checked at init). */
  const double am = b->am0[j] * tempa * tempa; /* semi-major axis (earth radii) */
  const double nm = b->xke / (am * sqrt(am));
  double em = b->ecco[j] - tempe;
  const double bad_e = ((em >= 1.0) | (em < -0.001)) ? 1.0 : 0.0;
  em = em < 1.0e-6 ? 1.0e-6 : em; /* keeps 1/e finite below */
  mm = mm + b->no_unkozai[j] * templ;
  double xlm = mm + argp + node;
  node = fai_m_fmod_2pi(node);
  argp = fai_m_fmod_2pi(argp);
  xlm = fai_m_fmod_2pi(xlm);
  mm = fai_m_fmod_2pi(xlm - argp - node);

  /* Long-period periodics (J3), in the non-singular elements axn, ayn. */
  double sinw, cosw;
  fai_m_sincos(argp, &sinw, &cosw);
  const double axnl = em * cosw;
  const double temp = 1.0 / (am * (1.0 - em * em));
  const double aynl = em * sinw + temp * b->aycof[j];
  const double xl = mm + argp + node + temp * b->xlcof[j] * axnl;
  *am_out = am;
  *nm_out = nm;
  *axnl_out = axnl;
  *aynl_out = aynl;
  *u_out = fai_m_fmod_2pi(xl - node);
  *node_out = node;
  return bad_e;
}

/* One Newton step on Kepler's equation for E + ω, bounded to 0.95 rad, unless
 * the last step was already below the tolerance.  Start with eo1 = u,
 * tem5 = 9999.9.  Returns 1.0 while not converged, else 0.0. */
FAI_HDI double fai_sgp4_kepler_step(double u, double axnl, double aynl, double *eo1,
                                    double *sineo1, double *coseo1, double *tem5) {
  const int active = fabs(*tem5) >= FAI_SGP4_KEPLER_TOL;
  double s, c;
  fai_m_sincos(*eo1, &s, &c);
  double d = 1.0 - c * axnl - s * aynl;
  d = (u - aynl * c + axnl * s - *eo1) / d;
  const double bound = d > 0.0 ? 0.95 : -0.95;
  d = fabs(d) >= 0.95 ? bound : d;
  const double next = *eo1 + d;
  *sineo1 = active ? s : *sineo1;
  *coseo1 = active ? c : *coseo1;
  *eo1 = active ? next : *eo1;
  *tem5 = active ? d : *tem5;
  return (active & (fabs(d) >= FAI_SGP4_KEPLER_TOL)) ? 1.0 : 0.0;
}

/* Short-period (J2) periodics and the TEME state (km, km/s) from the
 * converged Kepler solution.  Returns the SGP4 code of this stage as a
 * double: 4 (semi-latus rectum < 0), 6 (decayed), else 0. */
FAI_HDI double fai_sgp4_short_period(const fai_sgp4_batch *b, int j, double am, double nm,
                                     double axnl, double aynl, double node, double sineo1,
                                     double coseo1, double *rx, double *ry, double *rz,
                                     double *vx, double *vy, double *vz) {
  const double ecose = axnl * coseo1 + aynl * sineo1;
  const double esine = axnl * sineo1 - aynl * coseo1;
  const double el2 = axnl * axnl + aynl * aynl;
  const double pl = am * (1.0 - el2); /* semi-latus rectum (earth radii) */
  const double rl = am * (1.0 - ecose);
  const double rdotl = sqrt(am) * esine / rl;
  const double rvdotl = sqrt(pl) / rl;
  const double betal = sqrt(1.0 - el2);
  double temp = esine / (1.0 + betal);
  const double sinu = am / rl * (sineo1 - aynl - axnl * temp);
  const double cosu = am / rl * (coseo1 - axnl + aynl * temp);
  double su = fai_m_atan2(sinu, cosu);
  const double sin2u = (cosu + cosu) * sinu;
  const double cos2u = 1.0 - 2.0 * sinu * sinu;
  temp = 1.0 / pl;
  const double temp1 = 0.5 * b->j2 * temp;
  const double temp2 = temp1 * temp;
  const double con41 = b->con41[j], x1mth2 = b->x1mth2[j];
  const double cosip = b->cosio[j], sinip = b->sinio[j];

  const double mrt = rl * (1.0 - 1.5 * temp2 * betal * con41) + 0.5 * temp1 * x1mth2 * cos2u;
  su -= 0.25 * temp2 * b->x7thm1[j] * sin2u;
  const double xnode = node + 1.5 * temp2 * cosip * sin2u;
  const double xinc = b->inclo[j] + 1.5 * temp2 * cosip * sinip * cos2u;
  const double mvt = rdotl - nm * temp1 * x1mth2 * sin2u / b->xke;
  const double rvdot = rvdotl + nm * temp1 * (x1mth2 * cos2u + 1.5 * con41) / b->xke;

  /* Orientation: U toward the satellite, V along-track. */
  double sinsu, cossu, snod, cnod, sini, cosi;
  fai_m_sincos(su, &sinsu, &cossu);
  fai_m_sincos(xnode, &snod, &cnod);
  fai_m_sincos(xinc, &sini, &cosi);
  const double xmx = -snod * cosi, xmy = cnod * cosi;
  const double ux = xmx * sinsu + cnod * cossu;
  const double uy = xmy * sinsu + snod * cossu;
  const double uz = sini * sinsu;
  const double wx = xmx * cossu - cnod * sinsu;
  const double wy = xmy * cossu - snod * sinsu;
  const double wz = sini * cossu;
  *rx = (mrt * ux) * b->radius_km;
  *ry = (mrt * uy) * b->radius_km;
  *rz = (mrt * uz) * b->radius_km;
  *vx = (mvt * ux + rvdot * wx) * b->vkmpersec;
  *vy = (mvt * uy + rvdot * wy) * b->vkmpersec;
  *vz = (mvt * uz + rvdot * wz) * b->vkmpersec;
  const int neg_p = pl < 0.0, decayed = mrt < 1.0;
  return neg_p ? 4.0 : (decayed ? 6.0 : 0.0);
}

/* ECEF = R_z(θ)·TEME with c = cos θ, s = sin θ (θ: GMST); TEME km and km/s
 * in, m and m/s out; the Earth-fixed velocity subtracts ω_E × r.  The
 * operation order is that of the scalar path it replaces.  Component k of
 * each output goes to out[k·stride]. */
FAI_HDI void fai_sgp4_to_ecef(double c, double s, double rx, double ry, double rz, double vx,
                              double vy, double vz, double *pos, double *vel, double *teme,
                              int stride) {
  const double r0 = rx * 1e3, r1 = ry * 1e3, r2 = rz * 1e3;
  const double v0 = vx * 1e3, v1 = vy * 1e3, v2 = vz * 1e3;
  const double x = c * r0 + s * r1;
  const double y = -s * r0 + c * r1;
  pos[0] = x;
  pos[stride] = y;
  pos[2 * stride] = r2;
  vel[0] = c * v0 + s * v1 + FAI_OMEGA_EARTH_RAD_S * y;
  vel[stride] = -s * v0 + c * v1 - FAI_OMEGA_EARTH_RAD_S * x;
  vel[2 * stride] = v2;
  teme[0] = r0;
  teme[stride] = r1;
  teme[2 * stride] = r2;
}

/* Satellite j at tsince minutes after its epoch: TEME km, km/s; returns the
 * SGP4 error code (0 ok; 1, 4 or 6 as fai_sgp4_propagate). */
FAI_HDI int fai_sgp4_eval(const fai_sgp4_batch *b, int j, double tsince, double r[3],
                          double v[3]) {
  double am, nm, axnl, aynl, u, node;
  const double e1 = fai_sgp4_secular(b, j, tsince, &am, &nm, &axnl, &aynl, &u, &node);
  double eo1 = u, sineo1 = 0.0, coseo1 = 0.0, tem5 = 9999.9;
  int k;
  for (k = 0; k < FAI_SGP4_KEPLER_MAX; ++k) {
    if (fai_sgp4_kepler_step(u, axnl, aynl, &eo1, &sineo1, &coseo1, &tem5) == 0.0) break;
  }
  const double e2 = fai_sgp4_short_period(b, j, am, nm, axnl, aynl, node, sineo1, coseo1, &r[0],
                                          &r[1], &r[2], &v[0], &v[1], &v[2]);
  return e1 != 0.0 ? 1 : (int)e2;
}

/* Host-side validation shared by both backends: sizes, required arrays and
 * output rows in range (the cores would write out of bounds otherwise). */
static inline fai_status fai__sgp4_batch_check(const fai_sgp4_batch *b, int n_snaps,
                                               const double *dt_min, const double *gmst_cs,
                                               const double *pos, fai_error *err) {
  int j;
  if (!b || b->n < 0 || n_snaps < 0)
    return fai_error_set(err, FAI_EINVAL, "propagate_sgp4: n_sats = %d, n_snaps = %d (must be >= 0)",
                         b ? b->n : -1, n_snaps);
  if (b->n == 0 || n_snaps == 0) return FAI_OK;
  if (!dt_min || !gmst_cs || !pos)
    return fai_error_set(err, FAI_EINVAL, "propagate_sgp4: dt_min, gmst_cs and pos are required");
  if (!b->out_index && b->n_out != b->n)
    return fai_error_set(err, FAI_EINVAL,
                         "propagate_sgp4: n_out = %d without out_index (must equal n = %d)",
                         b->n_out, b->n);
  for (j = 0; b->out_index && j < b->n; ++j) {
    if (b->out_index[j] < 0 || b->out_index[j] >= b->n_out)
      return fai_error_set(err, FAI_EINVAL, "propagate_sgp4: out_index[%d] = %d out of range [0, %d)",
                           j, b->out_index[j], b->n_out);
  }
  return FAI_OK;
}

#endif
