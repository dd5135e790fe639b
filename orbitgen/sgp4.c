/* SGP4/SDP4: analytic propagation of NORAD mean elements.
 *
 * Written from the published description: Hoots & Roehrich, Spacetrack
 * Report #3 (1980), with the revisions of Vallado, Crawford, Hujsak & Kelso,
 * "Revisiting Spacetrack Report #3" (AIAA 2006-6753): the un-Kozai'd mean
 * motion, the 'a' (AFSPC) / 'i' (improved) operation modes, the Lyddane
 * choice at 0.2 rad, the bounded Kepler iteration, the resonance integrator
 * that may step backwards in time, and the error codes of sgp4.h.
 *
 * Internal units are those of the theory: Earth radii, minutes, radians;
 * fai_sgp4_propagate converts to km and km/s on output.  Variable names
 * follow the report (and the fields of fai_sgp4) so that a reader can hold
 * the code against the paper; each block says which of the report's
 * routines it corresponds to.
 *
 * fai_sgp4_propagate is reentrant: the reference keeps the resonance
 * integrator's last state (atime, xli, xni) in the satellite record to
 * resume from it, but because its steps are a fixed ±720 min grid from the
 * epoch, restarting at the epoch performs exactly the same arithmetic.  So
 * the state is only read here, and results do not depend on call order.
 *
 * Operation modes differ only for deep-space orbits: the sidereal angle at
 * epoch (resonant orbits) and, in Lyddane's low-inclination branch, AFSPC's
 * node in [0, 2π), which makes 'a' states jump when the node wraps through
 * zero.  The verification output (tcppver.out) is reproduced in 'i'. */
#include "fluidai/sgp4.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fluidai/orbit.h"

#define X2O3 (2.0 / 3.0)
#define MIN_PER_DAY 1440.0
#define JD_1950_JAN_0 2433281.5 /* Julian date of 1949-12-31 0h: origin of the theory's epoch */
/* Earth rotation in rad/min used by the resonance terms (7.29211514668855e-5 rad/s). */
#define RPTIM 4.37526908801129966e-3
/* Below this |1 + cos i| the long-period coefficient's denominator is
 * replaced by it (inclination within ~1e-4° of 180°). */
#define TEMP4 1.5e-12

/* Third-body constants of the report (lunar-solar perturbations). */
#define ZNS 1.19459e-5   /* mean motion of the Sun (rad/min) */
#define ZES 0.01675      /* eccentricity of the Sun's apparent orbit */
#define ZNL 1.5835218e-4 /* mean motion of the Moon (rad/min) */
#define ZEL 0.05490      /* eccentricity of the Moon's orbit */

void fai_sgp4_constants(fai_sgp4_gravity g, fai_sgp4_consts *out) {
  switch (g) {
    case FAI_GRAV_WGS72OLD:
      out->mu = 398600.79964;
      out->radius_km = 6378.135;
      out->xke = 0.0743669161; /* as published, not derived from mu */
      out->j2 = 0.001082616;
      out->j3 = -0.00000253881;
      out->j4 = -0.00000165597;
      break;
    case FAI_GRAV_WGS84:
      out->mu = 398600.5;
      out->radius_km = 6378.137;
      out->xke = 60.0 / sqrt(out->radius_km * out->radius_km * out->radius_km / out->mu);
      out->j2 = 0.00108262998905;
      out->j3 = -0.00000253215306;
      out->j4 = -0.00000161098761;
      break;
    case FAI_GRAV_WGS72:
    default:
      out->mu = 398600.8;
      out->radius_km = 6378.135;
      out->xke = 60.0 / sqrt(out->radius_km * out->radius_km * out->radius_km / out->mu);
      out->j2 = 0.001082616;
      out->j3 = -0.00000253881;
      out->j4 = -0.00000165597;
      break;
  }
  out->tumin = 1.0 / out->xke;
  out->j3oj2 = out->j3 / out->j2;
}

/* Mean elements being carried through one evaluation (radians, rad/min). */
typedef struct elems {
  double e, i, node, argp, m, n;
} elems;

/* --- lunar-solar geometry at epoch (the report's DSCOM) -------------------- */

/* What dsinit needs from the epoch geometry besides what is kept in the
 * satellite record: the lunar (s*, z*) and solar (ss*, sz*) coefficients of
 * the third-body expansion, indexed as in the report. */
typedef struct ls_geom {
  double sinim, cosim, emsq;
  double s1, s2, s3, s4, s5, ss1, ss2, ss3, ss4, ss5;
  double z1, z3, z11, z13, z21, z23, z31, z33;
  double sz1, sz3, sz11, sz13, sz21, sz23, sz31, sz33;
} ls_geom;

/* Coefficients of one body (Sun or Moon) seen from the satellite's orbit. */
typedef struct body_terms {
  double s1, s2, s3, s4, s5, s6, s7;
  double z1, z2, z3, z11, z12, z13, z21, z22, z23, z31, z32, z33;
} body_terms;

/* The body's orbit is given by the cos/sin of its perigee argument (g),
 * inclination (i) and node (h) in the equatorial frame, and its
 * perturbation constant cc (rad/min).  The satellite's orbit: mean motion nm
 * (rad/min), eccentricity em, sin/cos of inclination (sinim, cosim) and of
 * argument of perigee (sinomm, cosomm). */
static void body_coefficients(double zcosg, double zsing, double zcosi, double zsini, double zcosh,
                              double zsinh, double cc, double nm, double em, double sinim,
                              double cosim, double sinomm, double cosomm, body_terms *b) {
  const double emsq = em * em, betasq = 1.0 - emsq, rtemsq = sqrt(betasq);
  /* Direction cosines of the body's orbit in the satellite's orbit frame. */
  const double a1 = zcosg * zcosh + zsing * zcosi * zsinh;
  const double a3 = -zsing * zcosh + zcosg * zcosi * zsinh;
  const double a7 = -zcosg * zsinh + zsing * zcosi * zcosh;
  const double a8 = zsing * zsini;
  const double a9 = zsing * zsinh + zcosg * zcosi * zcosh;
  const double a10 = zcosg * zsini;
  const double a2 = cosim * a7 + sinim * a8;
  const double a4 = cosim * a9 + sinim * a10;
  const double a5 = -sinim * a7 + cosim * a8;
  const double a6 = -sinim * a9 + cosim * a10;
  const double x1 = a1 * cosomm + a2 * sinomm;
  const double x2 = a3 * cosomm + a4 * sinomm;
  const double x3 = -a1 * sinomm + a2 * cosomm;
  const double x4 = -a3 * sinomm + a4 * cosomm;
  const double x5 = a5 * sinomm;
  const double x6 = a6 * sinomm;
  const double x7 = a5 * cosomm;
  const double x8 = a6 * cosomm;
  b->z31 = 12.0 * x1 * x1 - 3.0 * x3 * x3;
  b->z32 = 24.0 * x1 * x2 - 6.0 * x3 * x4;
  b->z33 = 12.0 * x2 * x2 - 3.0 * x4 * x4;
  b->z1 = 3.0 * (a1 * a1 + a2 * a2) + b->z31 * emsq;
  b->z2 = 6.0 * (a1 * a3 + a2 * a4) + b->z32 * emsq;
  b->z3 = 3.0 * (a3 * a3 + a4 * a4) + b->z33 * emsq;
  b->z11 = -6.0 * a1 * a5 + emsq * (-24.0 * x1 * x7 - 6.0 * x3 * x5);
  b->z12 =
      -6.0 * (a1 * a6 + a3 * a5) + emsq * (-24.0 * (x2 * x7 + x1 * x8) - 6.0 * (x3 * x6 + x4 * x5));
  b->z13 = -6.0 * a3 * a6 + emsq * (-24.0 * x2 * x8 - 6.0 * x4 * x6);
  b->z21 = 6.0 * a2 * a5 + emsq * (24.0 * x1 * x5 - 6.0 * x3 * x7);
  b->z22 =
      6.0 * (a4 * a5 + a2 * a6) + emsq * (24.0 * (x2 * x5 + x1 * x6) - 6.0 * (x4 * x7 + x3 * x8));
  b->z23 = 6.0 * a4 * a6 + emsq * (24.0 * x2 * x6 - 6.0 * x4 * x8);
  b->z1 = b->z1 + b->z1 + betasq * b->z31;
  b->z2 = b->z2 + b->z2 + betasq * b->z32;
  b->z3 = b->z3 + b->z3 + betasq * b->z33;
  b->s3 = cc / nm;
  b->s2 = -0.5 * b->s3 / rtemsq;
  b->s4 = b->s3 * rtemsq;
  b->s1 = -15.0 * em * b->s4;
  b->s5 = x1 * x3 + x2 * x4;
  b->s6 = x2 * x3 + x1 * x4;
  b->s7 = x2 * x4 - x1 * x3;
}

/* Fills the lunar-solar periodic coefficients of the record and `g`.
 * epoch_1950: days since 1950 Jan 0.0 (UTC). */
static void deep_common(double epoch_1950, fai_sgp4 *s, ls_geom *g) {
  /* Solar orbit: fixed inclination to the equator (23.44°) and perigee. */
  const double c1ss = 2.9864797e-6, c1l = 4.7968065e-7; /* Sun, Moon perturbation (rad/min) */
  const double zsinis = 0.39785416, zcosis = 0.91744867;
  const double zcosgs = 0.1945905, zsings = -0.98088458;
  const double nm = s->no_unkozai, em = s->ecco;
  const double snodm = sin(s->nodeo), cnodm = cos(s->nodeo);
  const double sinomm = sin(s->argpo), cosomm = cos(s->argpo);
  const double sinim = sin(s->inclo), cosim = cos(s->inclo);
  const double emsq = em * em;

  /* The Moon's node regresses with an 18.6-year period; its inclination to
   * the equator swings between 18.3° and 28.6°. */
  const double day = epoch_1950 + 18261.5; /* days since 1900 Jan 0.5 (JD 2415020.0) */
  const double xnodce = fmod(4.5236020 - 9.2422029e-4 * day, FAI_TWO_PI);
  const double stem = sin(xnodce), ctem = cos(xnodce);
  const double zcosil = 0.91375164 - 0.03568096 * ctem;
  const double zsinil = sqrt(1.0 - zcosil * zcosil);
  const double zsinhl = 0.089683511 * stem / zsinil;
  const double zcoshl = sqrt(1.0 - zsinhl * zsinhl);
  const double gam = 5.8351514 + 0.0019443680 * day;
  double zx = 0.39785416 * stem / zsinil;
  const double zy = zcoshl * ctem + 0.91744867 * zsinhl * stem;
  zx = atan2(zx, zy);
  zx = gam + zx - xnodce;
  const double zcosgl = cos(zx), zsingl = sin(zx);

  body_terms sun, moon;
  body_coefficients(zcosgs, zsings, zcosis, zsinis, cnodm, snodm, c1ss, nm, em, sinim, cosim,
                    sinomm, cosomm, &sun);
  body_coefficients(zcosgl, zsingl, zcosil, zsinil, zcoshl * cnodm + zsinhl * snodm,
                    snodm * zcoshl - cnodm * zsinhl, c1l, nm, em, sinim, cosim, sinomm, cosomm,
                    &moon);

  s->zmol = fmod(4.7199672 + 0.22997150 * day - gam, FAI_TWO_PI); /* Moon's mean anomaly */
  s->zmos = fmod(6.2565837 + 0.017201977 * day, FAI_TWO_PI);      /* Sun's mean anomaly */

  /* Amplitudes of the long-period solar terms (e, i, L, ω, Ω). */
  s->se2 = 2.0 * sun.s1 * sun.s6;
  s->se3 = 2.0 * sun.s1 * sun.s7;
  s->si2 = 2.0 * sun.s2 * sun.z12;
  s->si3 = 2.0 * sun.s2 * (sun.z13 - sun.z11);
  s->sl2 = -2.0 * sun.s3 * sun.z2;
  s->sl3 = -2.0 * sun.s3 * (sun.z3 - sun.z1);
  s->sl4 = -2.0 * sun.s3 * (-21.0 - 9.0 * emsq) * ZES;
  s->sgh2 = 2.0 * sun.s4 * sun.z32;
  s->sgh3 = 2.0 * sun.s4 * (sun.z33 - sun.z31);
  s->sgh4 = -18.0 * sun.s4 * ZES;
  s->sh2 = -2.0 * sun.s2 * sun.z22;
  s->sh3 = -2.0 * sun.s2 * (sun.z23 - sun.z21);
  /* The same for the Moon. */
  s->ee2 = 2.0 * moon.s1 * moon.s6;
  s->e3 = 2.0 * moon.s1 * moon.s7;
  s->xi2 = 2.0 * moon.s2 * moon.z12;
  s->xi3 = 2.0 * moon.s2 * (moon.z13 - moon.z11);
  s->xl2 = -2.0 * moon.s3 * moon.z2;
  s->xl3 = -2.0 * moon.s3 * (moon.z3 - moon.z1);
  s->xl4 = -2.0 * moon.s3 * (-21.0 - 9.0 * emsq) * ZEL;
  s->xgh2 = 2.0 * moon.s4 * moon.z32;
  s->xgh3 = 2.0 * moon.s4 * (moon.z33 - moon.z31);
  s->xgh4 = -18.0 * moon.s4 * ZEL;
  s->xh2 = -2.0 * moon.s2 * moon.z22;
  s->xh3 = -2.0 * moon.s2 * (moon.z23 - moon.z21);
  /* The periodics are measured from their value at epoch, which the revised
   * theory takes as zero (the record's p*o offsets). */
  s->peo = s->pinco = s->plo = s->pgho = s->pho = 0.0;

  g->sinim = sinim;
  g->cosim = cosim;
  g->emsq = emsq;
  g->s1 = moon.s1, g->s2 = moon.s2, g->s3 = moon.s3, g->s4 = moon.s4, g->s5 = moon.s5;
  g->ss1 = sun.s1, g->ss2 = sun.s2, g->ss3 = sun.s3, g->ss4 = sun.s4, g->ss5 = sun.s5;
  g->z1 = moon.z1, g->z3 = moon.z3, g->z11 = moon.z11, g->z13 = moon.z13;
  g->z21 = moon.z21, g->z23 = moon.z23, g->z31 = moon.z31, g->z33 = moon.z33;
  g->sz1 = sun.z1, g->sz3 = sun.z3, g->sz11 = sun.z11, g->sz13 = sun.z13;
  g->sz21 = sun.z21, g->sz23 = sun.z23, g->sz31 = sun.z31, g->sz33 = sun.z33;
}

/* --- lunar-solar periodics (the report's DPPER) ---------------------------- */

/* Adds the long-period lunar-solar terms at t minutes to the mean elements
 * p (e, i, node, argp, m).  At low inclination (< 0.2 rad) the node and
 * argument of perigee are ill-defined, so the terms are applied to the
 * non-singular combinations (Lyddane's modification). */
static void lunisolar_periodics(const fai_sgp4 *s, double t, elems *p) {
  /* Sun. */
  double zm = s->zmos + ZNS * t;
  double zf = zm + 2.0 * ZES * sin(zm);
  double sinzf = sin(zf);
  double f2 = 0.5 * sinzf * sinzf - 0.25;
  double f3 = -0.5 * sinzf * cos(zf);
  const double ses = s->se2 * f2 + s->se3 * f3;
  const double sis = s->si2 * f2 + s->si3 * f3;
  const double sls = s->sl2 * f2 + s->sl3 * f3 + s->sl4 * sinzf;
  const double sghs = s->sgh2 * f2 + s->sgh3 * f3 + s->sgh4 * sinzf;
  const double shs = s->sh2 * f2 + s->sh3 * f3;
  /* Moon. */
  zm = s->zmol + ZNL * t;
  zf = zm + 2.0 * ZEL * sin(zm);
  sinzf = sin(zf);
  f2 = 0.5 * sinzf * sinzf - 0.25;
  f3 = -0.5 * sinzf * cos(zf);
  const double sel = s->ee2 * f2 + s->e3 * f3;
  const double sil = s->xi2 * f2 + s->xi3 * f3;
  const double sll = s->xl2 * f2 + s->xl3 * f3 + s->xl4 * sinzf;
  const double sghl = s->xgh2 * f2 + s->xgh3 * f3 + s->xgh4 * sinzf;
  const double shll = s->xh2 * f2 + s->xh3 * f3;

  const double pe = ses + sel - s->peo;
  const double pinc = sis + sil - s->pinco;
  const double pl = sls + sll - s->plo;
  double pgh = sghs + sghl - s->pgho;
  double ph = shs + shll - s->pho;

  p->i += pinc;
  p->e += pe;
  const double sinip = sin(p->i), cosip = cos(p->i);
  /* The report compares the perturbed inclination with 0.2 rad (11.46°),
   * as GSFC did; the original STR#3 used the epoch inclination. */
  if (p->i >= 0.2) {
    ph /= sinip;
    pgh -= cosip * ph;
    p->argp += pgh;
    p->node += ph;
    p->m += pl;
  } else {
    const double sinop = sin(p->node), cosop = cos(p->node);
    const double alfdp = sinip * sinop + (ph * cosop + pinc * cosip * sinop);
    const double betdp = sinip * cosop + (-ph * sinop + pinc * cosip * cosop);
    double nodep = fmod(p->node, FAI_TWO_PI);
    /* AFSPC mode: their intrinsic returned the node in [0, 2π). */
    if (nodep < 0.0 && s->opsmode == 'a') nodep += FAI_TWO_PI;
    const double xls = p->m + p->argp + cosip * nodep + (pl + pgh - pinc * nodep * sinip);
    const double xnoh = nodep;
    nodep = atan2(alfdp, betdp);
    if (nodep < 0.0 && s->opsmode == 'a') nodep += FAI_TWO_PI;
    /* Keep the node on the branch of the unperturbed one. */
    if (fabs(xnoh - nodep) > FAI_PI) nodep += nodep < xnoh ? FAI_TWO_PI : -FAI_TWO_PI;
    p->m += pl;
    p->node = nodep;
    p->argp = xls - p->m - cosip * nodep;
  }
}

/* --- deep-space initialisation (the report's DSINIT) ----------------------- */

/* Secular lunar-solar rates and, for orbits in 1-day or 12-hour resonance
 * with the Earth's rotation, the coefficients of the resonance integrator.
 * xpidot: rate of the longitude of perigee (rad/min). */
static void deep_init(fai_sgp4 *s, const ls_geom *g, double xke, double xpidot) {
  const double q22 = 1.7891679e-6, q31 = 2.1460748e-6, q33 = 2.2123015e-7;
  const double root22 = 1.7891679e-6, root44 = 7.3636953e-9, root54 = 2.1765803e-9;
  const double root32 = 3.7393792e-7, root52 = 1.1428639e-7;
  const double nm = s->no_unkozai;
  const double sinim = g->sinim, cosim = g->cosim, emsq = g->emsq;
  const double inclm = s->inclo;

  /* 1-day resonance: period 1200..1800 min; 12-hour: 8.26e-3..9.24e-3
   * rad/min (680..760 min) with e >= 0.5 (Molniya-like). */
  s->irez = 0;
  if (nm < 0.0052359877 && nm > 0.0034906585) s->irez = 1;
  if (nm >= 8.26e-3 && nm <= 9.24e-3 && s->ecco >= 0.5) s->irez = 2;

  /* Secular rates from the Sun. */
  const double ses = g->ss1 * ZNS * g->ss5;
  const double sis = g->ss2 * ZNS * (g->sz11 + g->sz13);
  const double sls = -ZNS * g->ss3 * (g->sz1 + g->sz3 - 14.0 - 6.0 * emsq);
  const double sghs = g->ss4 * ZNS * (g->sz31 + g->sz33 - 6.0);
  double shs = -ZNS * g->ss2 * (g->sz21 + g->sz23);
  /* Within 3° of the equator (either way) the node rate is undefined. */
  const int near_equatorial = inclm < 5.2359877e-2 || inclm > FAI_PI - 5.2359877e-2;
  if (near_equatorial) shs = 0.0;
  if (sinim != 0.0) shs /= sinim;
  const double sgs = sghs - cosim * shs;

  /* Plus the Moon. */
  s->dedt = ses + g->s1 * ZNL * g->s5;
  s->didt = sis + g->s2 * ZNL * (g->z11 + g->z13);
  s->dmdt = sls - ZNL * g->s3 * (g->z1 + g->z3 - 14.0 - 6.0 * emsq);
  const double sghl = g->s4 * ZNL * (g->z31 + g->z33 - 6.0);
  double shll = -ZNL * g->s2 * (g->z21 + g->z23);
  if (near_equatorial) shll = 0.0;
  s->domdt = sgs + sghl;
  s->dnodt = shs;
  if (sinim != 0.0) {
    s->domdt -= cosim / sinim * shll;
    s->dnodt += shll / sinim;
  }

  if (s->irez == 0) return;
  /* Sidereal angle at epoch (tc = 0). */
  const double theta = fmod(s->gsto, FAI_TWO_PI);
  const double aonv = pow(nm / xke, X2O3);

  if (s->irez == 2) {
    /* 12-hour resonance: eccentricity functions G_lmp (polynomial fits in e,
     * with separate fits above and below e = 0.65, 0.7, 0.715). */
    const double cosisq = cosim * cosim;
    const double em = s->ecco, em2 = em * em, eoc = em * em2;
    double g211, g310, g322, g410, g422, g520, g521, g532, g533;
    const double g201 = -0.306 - (em - 0.64) * 0.440;
    if (em <= 0.65) {
      g211 = 3.616 - 13.2470 * em + 16.2900 * em2;
      g310 = -19.302 + 117.3900 * em - 228.4190 * em2 + 156.5910 * eoc;
      g322 = -18.9068 + 109.7927 * em - 214.6334 * em2 + 146.5816 * eoc;
      g410 = -41.122 + 242.6940 * em - 471.0940 * em2 + 313.9530 * eoc;
      g422 = -146.407 + 841.8800 * em - 1629.014 * em2 + 1083.4350 * eoc;
      g520 = -532.114 + 3017.977 * em - 5740.032 * em2 + 3708.2760 * eoc;
    } else {
      g211 = -72.099 + 331.819 * em - 508.738 * em2 + 266.724 * eoc;
      g310 = -346.844 + 1582.851 * em - 2415.925 * em2 + 1246.113 * eoc;
      g322 = -342.585 + 1554.908 * em - 2366.899 * em2 + 1215.972 * eoc;
      g410 = -1052.797 + 4758.686 * em - 7193.992 * em2 + 3651.957 * eoc;
      g422 = -3581.690 + 16178.110 * em - 24462.770 * em2 + 12422.520 * eoc;
      if (em > 0.715)
        g520 = -5149.66 + 29936.92 * em - 54087.36 * em2 + 31324.56 * eoc;
      else
        g520 = 1464.74 - 4664.75 * em + 3763.64 * em2;
    }
    if (em < 0.7) {
      g533 = -919.22770 + 4988.6100 * em - 9064.7700 * em2 + 5542.21 * eoc;
      g521 = -822.71072 + 4568.6173 * em - 8491.4146 * em2 + 5337.524 * eoc;
      g532 = -853.66600 + 4690.2500 * em - 8624.7700 * em2 + 5341.4 * eoc;
    } else {
      g533 = -37995.780 + 161616.52 * em - 229838.20 * em2 + 109377.94 * eoc;
      g521 = -51752.104 + 218913.95 * em - 309468.16 * em2 + 146349.42 * eoc;
      g532 = -40023.880 + 170470.89 * em - 242699.48 * em2 + 115605.82 * eoc;
    }
    /* Inclination functions F_lmp. */
    const double sini2 = sinim * sinim;
    const double f220 = 0.75 * (1.0 + 2.0 * cosim + cosisq);
    const double f221 = 1.5 * sini2;
    const double f321 = 1.875 * sinim * (1.0 - 2.0 * cosim - 3.0 * cosisq);
    const double f322 = -1.875 * sinim * (1.0 + 2.0 * cosim - 3.0 * cosisq);
    const double f441 = 35.0 * sini2 * f220;
    const double f442 = 39.3750 * sini2 * sini2;
    const double f522 = 9.84375 * sinim *
                        (sini2 * (1.0 - 2.0 * cosim - 5.0 * cosisq) +
                         0.33333333 * (-2.0 + 4.0 * cosim + 6.0 * cosisq));
    const double f523 = sinim * (4.92187512 * sini2 * (-2.0 - 4.0 * cosim + 10.0 * cosisq) +
                                 6.56250012 * (1.0 + 2.0 * cosim - 3.0 * cosisq));
    const double f542 =
        29.53125 * sinim * (2.0 - 8.0 * cosim + cosisq * (-12.0 + 8.0 * cosim + 10.0 * cosisq));
    const double f543 =
        29.53125 * sinim * (-2.0 - 8.0 * cosim + cosisq * (12.0 + 8.0 * cosim - 10.0 * cosisq));
    const double xno2 = nm * nm, ainv2 = aonv * aonv;
    double temp1 = 3.0 * xno2 * ainv2;
    double temp = temp1 * root22;
    s->d2201 = temp * f220 * g201;
    s->d2211 = temp * f221 * g211;
    temp1 *= aonv;
    temp = temp1 * root32;
    s->d3210 = temp * f321 * g310;
    s->d3222 = temp * f322 * g322;
    temp1 *= aonv;
    temp = 2.0 * temp1 * root44;
    s->d4410 = temp * f441 * g410;
    s->d4422 = temp * f442 * g422;
    temp1 *= aonv;
    temp = temp1 * root52;
    s->d5220 = temp * f522 * g520;
    s->d5232 = temp * f523 * g532;
    temp = 2.0 * temp1 * root54;
    s->d5421 = temp * f542 * g521;
    s->d5433 = temp * f543 * g533;
    s->xlamo = fmod(s->mo + s->nodeo + s->nodeo - theta - theta, FAI_TWO_PI);
    s->xfact = s->mdot + s->dmdt + 2.0 * (s->nodedot + s->dnodt - RPTIM) - nm;
  } else {
    /* 1-day (synchronous) resonance. */
    const double g200 = 1.0 + emsq * (-2.5 + 0.8125 * emsq);
    const double g310 = 1.0 + 2.0 * emsq;
    const double g300 = 1.0 + emsq * (-6.0 + 6.60937 * emsq);
    const double f220 = 0.75 * (1.0 + cosim) * (1.0 + cosim);
    const double f311 = 0.9375 * sinim * sinim * (1.0 + 3.0 * cosim) - 0.75 * (1.0 + cosim);
    double f330 = 1.0 + cosim;
    f330 = 1.875 * f330 * f330 * f330;
    const double del1 = 3.0 * nm * nm * aonv * aonv;
    s->del2 = 2.0 * del1 * f220 * g200 * q22;
    s->del3 = 3.0 * del1 * f330 * g300 * q33 * aonv;
    s->del1 = del1 * f311 * g310 * q31 * aonv;
    s->xlamo = fmod(s->mo + s->nodeo + s->argpo - theta, FAI_TWO_PI);
    s->xfact = s->mdot + xpidot - RPTIM + s->dmdt + s->domdt + s->dnodt - nm;
  }
  /* The integrator starts at the epoch. */
  s->xli = s->xlamo;
  s->xni = nm;
  s->atime = 0.0;
}

/* --- deep-space secular effects (the report's DSPACE) ---------------------- */

/* Applies the lunar-solar secular rates to m (mean elements after the
 * secular gravity and drag update, at t minutes) and, for resonant orbits,
 * integrates the mean longitude and mean motion from the epoch with fixed
 * ±720-minute steps (Euler-Maclaurin) and a final Taylor step. */
static void deep_secular(const fai_sgp4 *s, double t, elems *m) {
  const double fasx2 = 0.13130908, fasx4 = 2.8843198, fasx6 = 0.37448087;
  const double g22 = 5.7686396, g32 = 0.95240898, g44 = 1.8014998;
  const double g52 = 1.0508330, g54 = 4.4108898;
  const double stepp = 720.0, step2 = 259200.0; /* step (min) and step²/2 */

  const double theta = fmod(s->gsto + t * RPTIM, FAI_TWO_PI);
  m->e += s->dedt * t;
  m->i += s->didt * t;
  m->argp += s->domdt * t;
  m->node += s->dnodt * t;
  m->m += s->dmdt * t;
  if (s->irez == 0) return;

  /* Restart at the epoch every call (see the file comment). */
  double atime = 0.0, xni = s->no_unkozai, xli = s->xlamo;
  const double delt = t > 0.0 ? stepp : -stepp;
  double xndt, xldot, xnddt, ft;
  for (;;) {
    /* Rates of mean motion (xndt), of the resonance angle (xldot), and the
     * second derivative (xnddt) at the current integrator time. */
    if (s->irez != 2) {
      xndt = s->del1 * sin(xli - fasx2) + s->del2 * sin(2.0 * (xli - fasx4)) +
             s->del3 * sin(3.0 * (xli - fasx6));
      xldot = xni + s->xfact;
      xnddt = s->del1 * cos(xli - fasx2) + 2.0 * s->del2 * cos(2.0 * (xli - fasx4)) +
              3.0 * s->del3 * cos(3.0 * (xli - fasx6));
      xnddt *= xldot;
    } else {
      const double xomi = s->argpo + s->argpdot * atime;
      const double x2omi = xomi + xomi, x2li = xli + xli;
      xndt = s->d2201 * sin(x2omi + xli - g22) + s->d2211 * sin(xli - g22) +
             s->d3210 * sin(xomi + xli - g32) + s->d3222 * sin(-xomi + xli - g32) +
             s->d4410 * sin(x2omi + x2li - g44) + s->d4422 * sin(x2li - g44) +
             s->d5220 * sin(xomi + xli - g52) + s->d5232 * sin(-xomi + xli - g52) +
             s->d5421 * sin(xomi + x2li - g54) + s->d5433 * sin(-xomi + x2li - g54);
      xldot = xni + s->xfact;
      xnddt = s->d2201 * cos(x2omi + xli - g22) + s->d2211 * cos(xli - g22) +
              s->d3210 * cos(xomi + xli - g32) + s->d3222 * cos(-xomi + xli - g32) +
              s->d5220 * cos(xomi + xli - g52) + s->d5232 * cos(-xomi + xli - g52) +
              2.0 * (s->d4410 * cos(x2omi + x2li - g44) + s->d4422 * cos(x2li - g44) +
                     s->d5421 * cos(xomi + x2li - g54) + s->d5433 * cos(-xomi + x2li - g54));
      xnddt *= xldot;
    }
    if (fabs(t - atime) < stepp) {
      ft = t - atime;
      break;
    }
    xli += xldot * delt + xndt * step2;
    xni += xndt * delt + xnddt * step2;
    atime += delt;
  }
  const double nm = xni + xndt * ft + xnddt * ft * ft * 0.5;
  const double xl = xli + xldot * ft + xndt * ft * ft * 0.5;
  if (s->irez != 1)
    m->m = xl - 2.0 * m->node + 2.0 * theta;
  else
    m->m = xl - m->node - m->argp + theta;
  m->n = s->no_unkozai + (nm - s->no_unkozai);
}

/* --- initialisation (the report's SGP4INIT and INITL) ---------------------- */

/* Julian date of a TLE epoch split as the reference does (days2mdhms then
 * jday): whole date + 0.5 and the fraction of the day from h, min, s. */
static void epoch_julian(int year, double days, double *jd, double *jd_frac) {
  static const int month_days[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int dayofyr = (int)floor(days);
  int mon = 1, before = 0;
  /* Every fourth year is a leap year in the TLE's 1957-2056 range. */
  while (mon < 12) {
    const int len = month_days[mon] + (mon == 2 && year % 4 == 0);
    if (dayofyr <= before + len) break;
    before += len;
    mon++;
  }
  const int day = dayofyr - before;
  double temp = (days - dayofyr) * 24.0;
  const int hr = (int)floor(temp);
  temp = (temp - hr) * 60.0;
  const int minute = (int)floor(temp);
  const double sec = (temp - minute) * 60.0;
  *jd = 367.0 * year - floor((7 * (year + floor((mon + 9) / 12.0))) * 0.25) +
        floor(275 * mon / 9.0) + day + 1721013.5;
  *jd_frac = (sec + minute * 60.0 + hr * 3600.0) / 86400.0;
  if (fabs(*jd_frac) > 1.0) {
    const double whole = floor(*jd_frac);
    *jd += whole;
    *jd_frac -= whole;
  }
}

/* Greenwich sidereal angle (rad) at `epoch_1950` days since 1950 Jan 0.0.
 * 'a': the AFSPC formula referred to 1970 with its own constants;
 * 'i': IAU 1982 GMST, as in the revised code. */
static double sidereal_at_epoch(double epoch_1950, char opsmode) {
  double g;
  if (opsmode == 'a') {
    const double ts70 = epoch_1950 - 7305.0; /* days since 1970 Jan 0.0 */
    const double ds70 = floor(ts70 + 1.0e-8);
    const double tfrac = ts70 - ds70;
    const double c1 = 1.72027916940703639e-2;    /* rad/day: sidereal excess */
    const double thgr70 = 1.7321343856509374;    /* GMST at 1970 Jan 0.0 */
    const double fk5r = 5.07551419432269442e-15; /* rad/day²: secular acceleration */
    const double c1p2p = c1 + FAI_TWO_PI;
    g = fmod(thgr70 + c1 * ds70 + c1p2p * tfrac + ts70 * ts70 * fk5r, FAI_TWO_PI);
  } else {
    const double tut1 = (epoch_1950 + JD_1950_JAN_0 - 2451545.0) / 36525.0;
    const double sec = -6.2e-6 * tut1 * tut1 * tut1 + 0.093104 * tut1 * tut1 +
                       (876600.0 * 3600 + 8640184.812866) * tut1 + 67310.54841;
    g = fmod(sec * (FAI_PI / 180.0) / 240.0, FAI_TWO_PI);
  }
  if (g < 0.0) g += FAI_TWO_PI;
  return g;
}

fai_status fai_sgp4_init(const fai_tle *t, fai_sgp4_gravity grav, char opsmode, fai_sgp4 *out,
                         fai_error *err) {
  if (!t || !out) return fai_error_set(err, FAI_EINVAL, "sgp4 init: no element set or output");
  memset(out, 0, sizeof *out);
  out->norad = t->norad;
  if (opsmode != 'a' && opsmode != 'i')
    return fai_error_set(err, FAI_EINVAL,
                         "NORAD %d: SGP4 operation mode '%c' is not 'a' (AFSPC) or 'i' (improved)",
                         t->norad, opsmode ? opsmode : '?');
  if ((int)grav < FAI_GRAV_WGS72 || (int)grav > FAI_GRAV_WGS84)
    return fai_error_set(err, FAI_EINVAL, "NORAD %d: unknown gravity model %d", t->norad,
                         (int)grav);
  fai_sgp4_consts c;
  fai_sgp4_constants(grav, &c);
  out->grav = grav;
  out->opsmode = opsmode;
  out->method = 'n';

  /* Units of the theory: radians, rad/min (n), rad/min² and rad/min³. */
  const double xpdotp = MIN_PER_DAY / FAI_TWO_PI; /* (rev/day) per (rad/min) */
  const double deg2rad = FAI_PI / 180.0;
  out->no_kozai = t->mean_motion_rev_day / xpdotp;
  out->ndot = t->ndot / (xpdotp * MIN_PER_DAY);
  out->nddot = t->nddot / (xpdotp * MIN_PER_DAY * MIN_PER_DAY);
  out->bstar = t->bstar;
  out->ecco = t->eccentricity;
  out->inclo = t->inclination_deg * deg2rad;
  out->nodeo = t->raan_deg * deg2rad;
  out->argpo = t->arg_perigee_deg * deg2rad;
  out->mo = t->mean_anomaly_deg * deg2rad;
  out->epoch_unix = t->epoch_unix;
  epoch_julian(t->epoch_year, t->epoch_day, &out->jdsatepoch, &out->jdsatepochF);
  const double epoch_1950 = out->jdsatepoch + out->jdsatepochF - JD_1950_JAN_0;

  if (!(out->ecco >= 0.0 && out->ecco < 1.0)) {
    out->error = 1;
    return fai_error_set(err, FAI_EINVAL,
                         "NORAD %d: eccentricity %.7g is outside [0, 1) (SGP4 error 1)", t->norad,
                         out->ecco);
  }
  if (!(out->no_kozai > 0.0)) {
    out->error = 1;
    return fai_error_set(err, FAI_EINVAL,
                         "NORAD %d: mean motion %.8g rev/day is not positive (SGP4 error 1)",
                         t->norad, t->mean_motion_rev_day);
  }
  if (!isfinite(out->inclo) || !isfinite(out->nodeo) || !isfinite(out->argpo) ||
      !isfinite(out->mo) || !isfinite(out->bstar) || !isfinite(out->no_kozai)) {
    out->error = 1;
    return fai_error_set(err, FAI_EINVAL, "NORAD %d: non-finite mean element", t->norad);
  }

  /* INITL: epoch quantities and the un-Kozai'd mean motion.  TLE mean
   * motions are Kozai means; Brouwer's mean motion and semi-major axis
   * (earth radii) follow from one correction of the J2 term. */
  const double eccsq = out->ecco * out->ecco;
  const double omeosq = 1.0 - eccsq;
  const double rteosq = sqrt(omeosq);
  const double cosio = cos(out->inclo), cosio2 = cosio * cosio;
  const double ak = pow(c.xke / out->no_kozai, X2O3);
  const double d1 = 0.75 * c.j2 * (3.0 * cosio2 - 1.0) / (rteosq * omeosq);
  double del = d1 / (ak * ak);
  const double adel = ak * (1.0 - del * del - del * (1.0 / 3.0 + 134.0 * del * del / 81.0));
  del = d1 / (adel * adel);
  out->no_unkozai = out->no_kozai / (1.0 + del);
  const double ao = pow(c.xke / out->no_unkozai, X2O3);
  const double sinio = sin(out->inclo);
  const double po = ao * omeosq;
  const double con42 = 1.0 - 5.0 * cosio2;
  out->con41 = -con42 - cosio2 - cosio2; /* 3cos²i − 1 */
  const double posq = po * po;
  const double rp = ao * (1.0 - out->ecco); /* perigee radius (earth radii) */
  out->gsto = sidereal_at_epoch(epoch_1950, opsmode);

  out->a = pow(out->no_unkozai * c.tumin, -X2O3);
  out->alta = out->a * (1.0 + out->ecco) - 1.0;
  out->altp = out->a * (1.0 - out->ecco) - 1.0;

  /* Atmosphere: the density function's s parameter (78 km) and (q0 − s)⁴
   * with q0 = 120 km, both lowered for perigees below 156 km. */
  double sfour = 78.0 / c.radius_km + 1.0;
  const double qz = (120.0 - 78.0) / c.radius_km;
  double qzms24 = qz * qz * qz * qz;
  const double perige = (rp - 1.0) * c.radius_km; /* perigee height (km) */
  out->isimp = rp < 220.0 / c.radius_km + 1.0;
  if (perige < 156.0) {
    sfour = perige < 98.0 ? 20.0 : perige - 78.0;
    const double q = (120.0 - sfour) / c.radius_km;
    qzms24 = q * q * q * q;
    sfour = sfour / c.radius_km + 1.0;
  }
  const double pinvsq = 1.0 / posq;
  const double tsi = 1.0 / (ao - sfour);
  out->eta = ao * out->ecco * tsi;
  const double etasq = out->eta * out->eta;
  const double eeta = out->ecco * out->eta;
  const double psisq = fabs(1.0 - etasq);
  const double coef = qzms24 * pow(tsi, 4.0);
  const double coef1 = coef / pow(psisq, 3.5);
  const double cc2 =
      coef1 * out->no_unkozai *
      (ao * (1.0 + 1.5 * etasq + eeta * (4.0 + etasq)) +
       0.375 * c.j2 * tsi / psisq * out->con41 * (8.0 + 3.0 * etasq * (8.0 + etasq)));
  out->cc1 = out->bstar * cc2;
  double cc3 = 0.0;
  if (out->ecco > 1.0e-4) cc3 = -2.0 * coef * tsi * c.j3oj2 * out->no_unkozai * sinio / out->ecco;
  out->x1mth2 = 1.0 - cosio2;
  out->cc4 =
      2.0 * out->no_unkozai * coef1 * ao * omeosq *
      (out->eta * (2.0 + 0.5 * etasq) + out->ecco * (0.5 + 2.0 * etasq) -
       c.j2 * tsi / (ao * psisq) *
           (-3.0 * out->con41 * (1.0 - 2.0 * eeta + etasq * (1.5 - 0.5 * eeta)) +
            0.75 * out->x1mth2 * (2.0 * etasq - eeta * (1.0 + etasq)) * cos(2.0 * out->argpo)));
  out->cc5 = 2.0 * coef1 * ao * omeosq * (1.0 + 2.75 * (etasq + eeta) + eeta * etasq);

  /* Secular rates of M, ω and Ω from J2 (to second order) and J4. */
  const double cosio4 = cosio2 * cosio2;
  const double temp1 = 1.5 * c.j2 * pinvsq * out->no_unkozai;
  const double temp2 = 0.5 * temp1 * c.j2 * pinvsq;
  const double temp3 = -0.46875 * c.j4 * pinvsq * pinvsq * out->no_unkozai;
  out->mdot = out->no_unkozai + 0.5 * temp1 * rteosq * out->con41 +
              0.0625 * temp2 * rteosq * (13.0 - 78.0 * cosio2 + 137.0 * cosio4);
  out->argpdot = -0.5 * temp1 * con42 + 0.0625 * temp2 * (7.0 - 114.0 * cosio2 + 395.0 * cosio4) +
                 temp3 * (3.0 - 36.0 * cosio2 + 49.0 * cosio4);
  const double xhdot1 = -temp1 * cosio;
  out->nodedot =
      xhdot1 + (0.5 * temp2 * (4.0 - 19.0 * cosio2) + 2.0 * temp3 * (3.0 - 7.0 * cosio2)) * cosio;
  const double xpidot = out->argpdot + out->nodedot;
  out->omgcof = out->bstar * cc3 * cos(out->argpo);
  out->xmcof = out->ecco > 1.0e-4 ? -X2O3 * coef * out->bstar / eeta : 0.0;
  out->nodecf = 3.5 * omeosq * xhdot1 * out->cc1;
  out->t2cof = 1.5 * out->cc1;
  const double den = fabs(cosio + 1.0) > TEMP4 ? 1.0 + cosio : TEMP4;
  out->xlcof = -0.25 * c.j3oj2 * sinio * (3.0 + 5.0 * cosio) / den;
  out->aycof = -0.5 * c.j3oj2 * sinio;
  const double delmotemp = 1.0 + out->eta * cos(out->mo);
  out->delmo = delmotemp * delmotemp * delmotemp;
  out->sinmao = sin(out->mo);
  out->x7thm1 = 7.0 * cosio2 - 1.0;

  /* Deep space: periods of 225 min and more (SDP4). */
  if (FAI_TWO_PI / out->no_unkozai >= 225.0) {
    out->method = 'd';
    out->isimp = 1;
    ls_geom g;
    deep_common(epoch_1950, out, &g);
    deep_init(out, &g, c.xke, xpidot);
  }

  /* Higher-order drag terms, unless simplified (low perigee or deep space). */
  if (!out->isimp) {
    const double cc1sq = out->cc1 * out->cc1;
    out->d2 = 4.0 * ao * tsi * cc1sq;
    const double temp = out->d2 * tsi * out->cc1 / 3.0;
    out->d3 = (17.0 * ao + sfour) * temp;
    out->d4 = 0.5 * temp * ao * tsi * (221.0 * ao + 31.0 * sfour) * out->cc1;
    out->t3cof = out->d2 + 2.0 * cc1sq;
    out->t4cof = 0.25 * (3.0 * out->d3 + out->cc1 * (12.0 * out->d2 + 10.0 * cc1sq));
    out->t5cof = 0.2 * (3.0 * out->d4 + 12.0 * out->cc1 * out->d3 + 6.0 * out->d2 * out->d2 +
                        15.0 * cc1sq * (2.0 * out->d2 + cc1sq));
  }

  /* Like the reference, an element set that cannot be evaluated at its own
   * epoch is rejected. */
  double r[3], v[3];
  out->error = fai_sgp4_propagate(out, 0.0, r, v);
  if (out->error != 0)
    return fai_error_set(err, FAI_EINVAL, "NORAD %d: SGP4 error %d at the element epoch", t->norad,
                         out->error);
  return FAI_OK;
}

/* --- propagation (the report's SGP4) --------------------------------------- */

int fai_sgp4_propagate(const fai_sgp4 *s, double tsince_min, double r_km[3], double v_kms[3]) {
  fai_sgp4_consts c;
  fai_sgp4_constants(s->grav, &c);
  const double vkmpersec = c.radius_km * c.xke / 60.0; /* km/s per earth radius/min */
  const double t = tsince_min;

  /* Secular gravity and atmospheric drag. */
  const double xmdf = s->mo + s->mdot * t;
  const double argpdf = s->argpo + s->argpdot * t;
  const double nodedf = s->nodeo + s->nodedot * t;
  const double t2 = t * t;
  elems m = {s->ecco, s->inclo, nodedf + s->nodecf * t2, argpdf, xmdf, s->no_unkozai};
  double tempa = 1.0 - s->cc1 * t;
  double tempe = s->bstar * s->cc4 * t;
  double templ = s->t2cof * t2;
  if (!s->isimp) {
    const double delomg = s->omgcof * t;
    const double delmtemp = 1.0 + s->eta * cos(xmdf);
    const double delm = s->xmcof * (delmtemp * delmtemp * delmtemp - s->delmo);
    const double temp = delomg + delm;
    m.m = xmdf + temp;
    m.argp = argpdf - temp;
    const double t3 = t2 * t, t4 = t3 * t;
    tempa = tempa - s->d2 * t2 - s->d3 * t3 - s->d4 * t4;
    tempe = tempe + s->bstar * s->cc5 * (sin(m.m) - s->sinmao);
    templ = templ + s->t3cof * t3 + t4 * (s->t4cof + t * s->t5cof);
  }
  if (s->method == 'd') deep_secular(s, t, &m);
  if (m.n <= 0.0) return 2;

  const double am = pow(c.xke / m.n, X2O3) * tempa * tempa; /* semi-major axis (earth radii) */
  const double nm = c.xke / pow(am, 1.5);
  double em = m.e - tempe;
  if (em >= 1.0 || em < -0.001) return 1;
  if (em < 1.0e-6) em = 1.0e-6; /* keeps 1/e finite below */
  m.m += s->no_unkozai * templ;
  double xlm = m.m + m.argp + m.node;
  m.node = fmod(m.node, FAI_TWO_PI);
  m.argp = fmod(m.argp, FAI_TWO_PI);
  xlm = fmod(xlm, FAI_TWO_PI);
  m.m = fmod(xlm - m.argp - m.node, FAI_TWO_PI);

  /* Lunar-solar periodics. */
  elems p = {em, m.i, m.node, m.argp, m.m, nm};
  double sinip = sin(m.i), cosip = cos(m.i);
  double aycof = s->aycof, xlcof = s->xlcof;
  double con41 = s->con41, x1mth2 = s->x1mth2, x7thm1 = s->x7thm1;
  if (s->method == 'd') {
    lunisolar_periodics(s, t, &p);
    if (p.i < 0.0) { /* carry a negative inclination over to the node */
      p.i = -p.i;
      p.node += FAI_PI;
      p.argp -= FAI_PI;
    }
    if (p.e < 0.0 || p.e > 1.0) return 3;
    /* The inclination-dependent coefficients follow the perturbed
     * inclination. */
    sinip = sin(p.i);
    cosip = cos(p.i);
    aycof = -0.5 * c.j3oj2 * sinip;
    const double den = fabs(cosip + 1.0) > TEMP4 ? 1.0 + cosip : TEMP4;
    xlcof = -0.25 * c.j3oj2 * sinip * (3.0 + 5.0 * cosip) / den;
    const double cosisq = cosip * cosip;
    con41 = 3.0 * cosisq - 1.0;
    x1mth2 = 1.0 - cosisq;
    x7thm1 = 7.0 * cosisq - 1.0;
  }

  /* Long-period periodics (J3), in the non-singular elements axn, ayn. */
  const double axnl = p.e * cos(p.argp);
  double temp = 1.0 / (am * (1.0 - p.e * p.e));
  const double aynl = p.e * sin(p.argp) + temp * aycof;
  const double xl = p.m + p.argp + p.node + temp * xlcof * axnl;

  /* Kepler's equation for E + ω, Newton steps bounded to 0.95 rad so that
   * high eccentricities cannot throw the iterate off. */
  const double u = fmod(xl - p.node, FAI_TWO_PI);
  double eo1 = u, tem5 = 9999.9, sineo1 = 0.0, coseo1 = 0.0;
  for (int ktr = 1; fabs(tem5) >= 1.0e-12 && ktr <= 10; ktr++) {
    sineo1 = sin(eo1);
    coseo1 = cos(eo1);
    tem5 = 1.0 - coseo1 * axnl - sineo1 * aynl;
    tem5 = (u - aynl * coseo1 + axnl * sineo1 - eo1) / tem5;
    if (fabs(tem5) >= 0.95) tem5 = tem5 > 0.0 ? 0.95 : -0.95;
    eo1 += tem5;
  }

  /* Short-period preliminaries. */
  const double ecose = axnl * coseo1 + aynl * sineo1;
  const double esine = axnl * sineo1 - aynl * coseo1;
  const double el2 = axnl * axnl + aynl * aynl;
  const double pl = am * (1.0 - el2); /* semi-latus rectum (earth radii) */
  if (pl < 0.0) return 4;
  const double rl = am * (1.0 - ecose);
  const double rdotl = sqrt(am) * esine / rl;
  const double rvdotl = sqrt(pl) / rl;
  const double betal = sqrt(1.0 - el2);
  temp = esine / (1.0 + betal);
  const double sinu = am / rl * (sineo1 - aynl - axnl * temp);
  const double cosu = am / rl * (coseo1 - axnl + aynl * temp);
  double su = atan2(sinu, cosu);
  const double sin2u = (cosu + cosu) * sinu;
  const double cos2u = 1.0 - 2.0 * sinu * sinu;
  temp = 1.0 / pl;
  const double temp1 = 0.5 * c.j2 * temp;
  const double temp2 = temp1 * temp;

  /* Short-period periodics (J2). */
  const double mrt = rl * (1.0 - 1.5 * temp2 * betal * con41) + 0.5 * temp1 * x1mth2 * cos2u;
  su -= 0.25 * temp2 * x7thm1 * sin2u;
  const double xnode = p.node + 1.5 * temp2 * cosip * sin2u;
  const double xinc = p.i + 1.5 * temp2 * cosip * sinip * cos2u;
  const double mvt = rdotl - nm * temp1 * x1mth2 * sin2u / c.xke;
  const double rvdot = rvdotl + nm * temp1 * (x1mth2 * cos2u + 1.5 * con41) / c.xke;

  /* Orientation: U toward the satellite, V along-track. */
  const double sinsu = sin(su), cossu = cos(su);
  const double snod = sin(xnode), cnod = cos(xnode);
  const double sini = sin(xinc), cosi = cos(xinc);
  const double xmx = -snod * cosi, xmy = cnod * cosi;
  const double ux = xmx * sinsu + cnod * cossu;
  const double uy = xmy * sinsu + snod * cossu;
  const double uz = sini * sinsu;
  const double vx = xmx * cossu - cnod * sinsu;
  const double vy = xmy * cossu - snod * sinsu;
  const double vz = sini * cossu;
  r_km[0] = (mrt * ux) * c.radius_km;
  r_km[1] = (mrt * uy) * c.radius_km;
  r_km[2] = (mrt * uz) * c.radius_km;
  v_kms[0] = (mvt * ux + rvdot * vx) * vkmpersec;
  v_kms[1] = (mvt * uy + rvdot * vy) * vkmpersec;
  v_kms[2] = (mvt * uz + rvdot * vz) * vkmpersec;
  /* Below the Earth's surface: decayed (the state is still written). */
  if (mrt < 1.0) return 6;
  return 0;
}

/* --- frames ---------------------------------------------------------------- */

void fai_teme_to_ecef(double unix_s, const double r_teme[3], const double v_teme[3],
                      double r_ecef[3], double v_ecef[3]) {
  /* TEME and the pseudo-Earth-fixed frame share the z axis (the true pole of
   * date); they differ by GMST about it. */
  const double g = fai_gmst_rad(unix_s);
  const double cg = cos(g), sg = sin(g);
  const double x = cg * r_teme[0] + sg * r_teme[1];
  const double y = -sg * r_teme[0] + cg * r_teme[1];
  const double z = r_teme[2];
  if (v_teme && v_ecef) {
    /* v_ecef = R·v − ω × r_ecef with ω = ω_E ẑ (rad/s; lengths keep the
     * caller's unit per second). */
    const double vx = cg * v_teme[0] + sg * v_teme[1];
    const double vy = -sg * v_teme[0] + cg * v_teme[1];
    v_ecef[0] = vx + FAI_OMEGA_EARTH_RAD_S * y;
    v_ecef[1] = vy - FAI_OMEGA_EARTH_RAD_S * x;
    v_ecef[2] = v_teme[2];
  }
  r_ecef[0] = x;
  r_ecef[1] = y;
  r_ecef[2] = z;
}
