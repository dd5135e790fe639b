/* Earth-fixed frames on the WGS-84 ellipsoid: geodetic <-> ECEF, the local
 * vertical and topocentric elevation.  Lengths in metres, angles in radians. */
#include <math.h>

#include "fluidai/orbit.h"

/* First eccentricity squared e² = f·(2 − f). */
#define WGS84_E2 (FAI_WGS84_F * (2.0 - FAI_WGS84_F))

void fai_geodetic_to_ecef(double lat_rad, double lon_rad, double alt_m, double out[3]) {
  const double sl = sin(lat_rad), cl = cos(lat_rad);
  /* Prime-vertical radius of curvature. */
  const double N = FAI_R_EQ_M / sqrt(1.0 - WGS84_E2 * sl * sl);
  out[0] = (N + alt_m) * cl * cos(lon_rad);
  out[1] = (N + alt_m) * cl * sin(lon_rad);
  out[2] = (N * (1.0 - WGS84_E2) + alt_m) * sl;
}

/* Fixed-point iteration on tan φ = (z + e²·N(φ)·sin φ) / p, which contracts by
 * about e²·N/(N+h) ≈ 0.007 per step, so six steps reach 1e-15 rad from the
 * spherical guess; the height formula h = p·cos φ + z·sin φ − a·sqrt(1 − e²sin²φ)
 * has no 1/cos φ and stays exact at the poles. */
void fai_ecef_to_geodetic(const double r[3], double *lat_rad, double *lon_rad, double *alt_m) {
  const double x = r[0], y = r[1], z = r[2];
  const double p = hypot(x, y);
  const double lon = (p > 0.0) ? atan2(y, x) : 0.0;
  double lat = atan2(z, p * (1.0 - WGS84_E2));
  if (p == 0.0 && z == 0.0) lat = 0.0; /* Earth's centre: any latitude will do */
  for (int it = 0; it < 50; it++) {
    const double sl = sin(lat);
    const double N = FAI_R_EQ_M / sqrt(1.0 - WGS84_E2 * sl * sl);
    const double next = atan2(z + WGS84_E2 * N * sl, p);
    const double change = fabs(next - lat);
    lat = next;
    if (change < 1e-15) break;
  }
  const double sl = sin(lat), cl = cos(lat);
  const double h = p * cl + z * sl - FAI_R_EQ_M * sqrt(1.0 - WGS84_E2 * sl * sl);
  if (lat_rad) *lat_rad = lat;
  if (lon_rad) *lon_rad = lon;
  if (alt_m) *alt_m = h;
}

void fai_geodetic_up(double lat_rad, double lon_rad, double out[3]) {
  const double cl = cos(lat_rad);
  out[0] = cl * cos(lon_rad);
  out[1] = cl * sin(lon_rad);
  out[2] = sin(lat_rad);
}

/* Components of the line of sight in the local east-north-up frame; the
 * elevation is the angle above the east-north (tangent) plane. */
double fai_elevation_rad(const double site[3], double lat_rad, double lon_rad,
                         const double target[3]) {
  const double d[3] = {target[0] - site[0], target[1] - site[1], target[2] - site[2]};
  const double sl = sin(lat_rad), cl = cos(lat_rad);
  const double so = sin(lon_rad), co = cos(lon_rad);
  const double e = -so * d[0] + co * d[1];
  const double n = -sl * co * d[0] - sl * so * d[1] + cl * d[2];
  const double u = cl * co * d[0] + cl * so * d[1] + sl * d[2];
  return atan2(u, hypot(e, n));
}
