/* Definitions shared by host C code and by nvcc (public).
 *
 * FAI_HD marks the per-item arithmetic in the kernels/NAME_core.h headers that both the
 * OpenMP loops and the CUDA kernels call.  Everything in a header that nvcc
 * sees stays in the common subset of C11 and C++17: no VLAs, compound
 * literals, restrict or typeof. */
#ifndef FLUIDAI_COMMON_H
#define FLUIDAI_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(__CUDACC__)
#define FAI_HD __host__ __device__ static inline
#else
#define FAI_HD static inline
#endif

#define FAI_VERSION_MAJOR 0
#define FAI_VERSION_MINOR 1
#define FAI_VERSION_PATCH 0
#define FAI_VERSION_STRING "0.1.0"

/* Physical constants (SI). */
#define FAI_PI 3.14159265358979323846
#define FAI_TWO_PI 6.28318530717958647692
#define FAI_DEG (FAI_PI / 180.0)                 /* radians per degree */
#define FAI_C_M_S 299792458.0                    /* speed of light */
#define FAI_MU_EARTH_M3_S2 3.986004418e14        /* Earth's gravitational parameter */
#define FAI_R_EARTH_M 6371000.0                  /* mean radius: orbit altitude reference (PAPERS §0.4) */
#define FAI_R_EQ_M 6378137.0                     /* WGS-84 equatorial radius: J2 and geodesy */
#define FAI_WGS84_F (1.0 / 298.257223563)        /* WGS-84 flattening */
#define FAI_J2 1.08262668e-3                     /* Earth's second zonal harmonic */
#define FAI_OMEGA_EARTH_RAD_S 7.2921159e-5       /* Earth rotation rate */
#define FAI_BOLTZMANN_DBW_HZ_K (-228.5991672)    /* 10·log10(k_B) */

#endif
