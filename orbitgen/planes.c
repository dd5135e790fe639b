/* Shell and plane inference for element sets, and +Grid links from it.
 *
 * Each satellite is described at a common reference epoch by its inclination,
 * mean altitude (from the mean motion, over the same R_E = 6371 km as the
 * Walker presets), RAAN and argument of latitude, the last two carried from
 * the element epoch with the secular J2 rates.  Clustering is by gaps in
 * sorted one-dimensional values, so it needs no cluster count and its result
 * does not depend on the input order (ties break by satellite index). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/planes.h"
#include "pairs.h"

void fai_plane_opts_init(fai_plane_opts *o) {
  o->incl_gap_deg = 0.05;
  o->alt_gap_km = 2.0;
  o->raan_gap_deg = 1.5;
  o->min_shell_sats = 10;
  o->min_plane_sats = 3;
}

void fai_plane_map_free(fai_plane_map *m) {
  if (!m) return;
  free(m->shell);
  free(m->plane);
  free(m->slot);
  free(m->gplane);
  free(m->u_rad);
  free(m->shells);
  free(m->plane_shell);
  free(m->plane_off);
  free(m->plane_members);
  memset(m, 0, sizeof *m);
}

typedef struct sat_geo {
  int idx;
  double incl_deg, alt_km, raan, u; /* raan and u in [0, 2π) */
} sat_geo;

static double wrap2pi(double x) {
  x = fmod(x, FAI_TWO_PI);
  return x < 0 ? x + FAI_TWO_PI : x;
}

static int by_incl(const void *pa, const void *pb) {
  const sat_geo *a = pa, *b = pb;
  if (a->incl_deg != b->incl_deg) return a->incl_deg < b->incl_deg ? -1 : 1;
  return a->idx - b->idx;
}
static int by_alt(const void *pa, const void *pb) {
  const sat_geo *a = pa, *b = pb;
  if (a->alt_km != b->alt_km) return a->alt_km < b->alt_km ? -1 : 1;
  return a->idx - b->idx;
}
static int by_raan(const void *pa, const void *pb) {
  const sat_geo *a = pa, *b = pb;
  if (a->raan != b->raan) return a->raan < b->raan ? -1 : 1;
  return a->idx - b->idx;
}
static int by_u(const void *pa, const void *pb) {
  const sat_geo *a = pa, *b = pb;
  if (a->u != b->u) return a->u < b->u ? -1 : 1;
  return a->idx - b->idx;
}

static void geo_of(const fai_tle *t, double epoch_unix, sat_geo *g) {
  const double n = t->mean_motion_rev_day * FAI_TWO_PI / 86400.0; /* rad/s */
  const double a = cbrt(FAI_MU_EARTH_M3_S2 / (n * n));
  const double e = t->eccentricity;
  const double i = t->inclination_deg * FAI_DEG;
  const double p = a * (1 - e * e);
  const double k = FAI_J2 * (FAI_R_EQ_M / p) * (FAI_R_EQ_M / p);
  const double ci = cos(i);
  const double raan_dot = -1.5 * n * k * ci;
  const double argp_dot = 0.75 * n * k * (5 * ci * ci - 1);
  const double dt = epoch_unix - t->epoch_unix;
  g->incl_deg = t->inclination_deg;
  g->alt_km = (a - FAI_R_EARTH_M) / 1e3;
  g->raan = wrap2pi(t->raan_deg * FAI_DEG + raan_dot * dt);
  g->u = wrap2pi((t->arg_perigee_deg + t->mean_anomaly_deg) * FAI_DEG + (argp_dot + n) * dt);
}

/* Planes of one shell (sats[0..n) sorted by RAAN): split at RAAN gaps larger
 * than the threshold, starting after the largest gap so a plane is never cut
 * by the 0/2π seam.  Appends planes to the map. */
typedef struct plane_acc {
  fai_plane_map *m;
  int cap_planes;
  int n_members;
} plane_acc;

static int push_plane(plane_acc *pa, int shell, const sat_geo *mem, int k) {
  fai_plane_map *m = pa->m;
  if (m->n_planes + 1 >= pa->cap_planes) {
    int cap = pa->cap_planes ? 2 * pa->cap_planes : 64;
    int *ps = realloc(m->plane_shell, (size_t)cap * sizeof *ps);
    if (!ps) return -1;
    m->plane_shell = ps;
    int *po = realloc(m->plane_off, (size_t)(cap + 1) * sizeof *po);
    if (!po) return -1;
    m->plane_off = po;
    pa->cap_planes = cap;
  }
  const int gp = m->n_planes++;
  m->plane_shell[gp] = shell;
  m->plane_off[gp] = pa->n_members;
  for (int j = 0; j < k; j++) {
    const int s = mem[j].idx;
    m->plane_members[pa->n_members++] = s;
    m->gplane[s] = gp;
    m->slot[s] = j;
  }
  m->plane_off[gp + 1] = pa->n_members;
  return 0;
}

fai_status fai_planes_infer(const fai_tle_set *set, double epoch_unix, const fai_plane_opts *o_in,
                            fai_plane_map *m, fai_error *err) {
  fai_plane_opts o;
  if (o_in)
    o = *o_in;
  else
    fai_plane_opts_init(&o);
  memset(m, 0, sizeof *m);
  const int N = set->n;
  m->n_sats = N;
  sat_geo *g = malloc((size_t)(N ? N : 1) * sizeof *g);
  sat_geo *tmp = malloc((size_t)(N ? N : 1) * sizeof *tmp);
  m->shell = malloc((size_t)(N ? N : 1) * sizeof *m->shell);
  m->plane = malloc((size_t)(N ? N : 1) * sizeof *m->plane);
  m->slot = malloc((size_t)(N ? N : 1) * sizeof *m->slot);
  m->gplane = malloc((size_t)(N ? N : 1) * sizeof *m->gplane);
  m->u_rad = malloc((size_t)(N ? N : 1) * sizeof *m->u_rad);
  m->plane_members = malloc((size_t)(N ? N : 1) * sizeof *m->plane_members);
  m->plane_off = malloc(sizeof *m->plane_off);
  plane_acc pa = {m, 0, 0};
  int shells_cap = 0;
  if (!g || !tmp || !m->shell || !m->plane || !m->slot || !m->gplane || !m->u_rad ||
      !m->plane_members || !m->plane_off)
    goto oom;
  m->plane_off[0] = 0;
  for (int s = 0; s < N; s++) {
    g[s].idx = s;
    geo_of(&set->v[s], epoch_unix, &g[s]);
    m->u_rad[s] = g[s].u;
    m->shell[s] = m->plane[s] = m->slot[s] = m->gplane[s] = -1;
  }
  /* Operational shells are tight (real Starlink shells: ±0.5 km, ±0.02°)
   * while satellites raising or lowering their orbits spread thinly between
   * them; only satellites with at least min_shell_sats neighbours within the
   * gap thresholds take part in the clustering, so transit satellites cannot
   * bridge two shells. */
  qsort(g, (size_t)N, sizeof *g, by_alt);
  int kept = 0;
  for (int s = 0, lo = 0; s < N; s++) {
    while (g[lo].alt_km < g[s].alt_km - o.alt_gap_km) lo++;
    int dense = 0;
    for (int q = lo; q < N && g[q].alt_km <= g[s].alt_km + o.alt_gap_km; q++)
      dense += fabs(g[q].incl_deg - g[s].incl_deg) <= o.incl_gap_deg;
    if (dense >= o.min_shell_sats) tmp[kept++] = g[s];
  }
  memcpy(g, tmp, (size_t)kept * sizeof *g);
  const int NK = kept;
  qsort(g, (size_t)NK, sizeof *g, by_incl);
  for (int i0 = 0; i0 < NK;) {
    int i1 = i0 + 1;
    while (i1 < NK && g[i1].incl_deg - g[i1 - 1].incl_deg <= o.incl_gap_deg) i1++;
    /* Inclination group [i0, i1): split by altitude. */
    qsort(g + i0, (size_t)(i1 - i0), sizeof *g, by_alt);
    for (int a0 = i0; a0 < i1;) {
      int a1 = a0 + 1;
      while (a1 < i1 && g[a1].alt_km - g[a1 - 1].alt_km <= o.alt_gap_km) a1++;
      const int k = a1 - a0;
      if (k >= o.min_shell_sats) {
        /* A shell: planes by RAAN. */
        const int sh = m->n_shells;
        memcpy(tmp, g + a0, (size_t)k * sizeof *tmp);
        qsort(tmp, (size_t)k, sizeof *tmp, by_raan);
        int start = 0;
        double big = -1;
        for (int j = 0; j < k; j++) {
          const double gap = wrap2pi(tmp[j].raan - tmp[(j + k - 1) % k].raan);
          const double gg = (k == 1) ? FAI_TWO_PI : gap;
          if (gg > big) {
            big = gg;
            start = j;
          }
        }
        const int planes_before = m->n_planes;
        int placed = 0;
        for (int j0 = 0; j0 < k;) {
          int j1 = j0 + 1;
          while (j1 < k && wrap2pi(tmp[(start + j1) % k].raan - tmp[(start + j1 - 1) % k].raan) <=
                               o.raan_gap_deg * FAI_DEG)
            j1++;
          const int pk = j1 - j0;
          if (pk >= o.min_plane_sats) {
            sat_geo *mem = malloc((size_t)pk * sizeof *mem);
            if (!mem) goto oom;
            for (int j = 0; j < pk; j++) mem[j] = tmp[(start + j0 + j) % k];
            qsort(mem, (size_t)pk, sizeof *mem, by_u);
            int rc = push_plane(&pa, sh, mem, pk);
            for (int j = 0; j < pk; j++) {
              m->shell[mem[j].idx] = sh;
              m->plane[mem[j].idx] = m->n_planes - 1 - planes_before;
            }
            free(mem);
            if (rc) goto oom;
            placed += pk;
          }
          j0 = j1;
        }
        if (placed > 0) {
          if (m->n_shells == shells_cap) {
            shells_cap = shells_cap ? 2 * shells_cap : 8;
            fai_inferred_shell *ns = realloc(m->shells, (size_t)shells_cap * sizeof *ns);
            if (!ns) goto oom;
            m->shells = ns;
          }
          fai_inferred_shell *is = &m->shells[m->n_shells++];
          memset(is, 0, sizeof *is);
          is->n_planes = m->n_planes - planes_before;
          is->incl_min_deg = is->alt_min_km = INFINITY;
          is->incl_max_deg = is->alt_max_km = -INFINITY;
          double si = 0, si2 = 0, sa = 0, sa2 = 0;
          for (int j = 0; j < k; j++) {
            if (m->shell[tmp[j].idx] != sh) continue;
            const double inc = tmp[j].incl_deg, alt = tmp[j].alt_km;
            is->n_sats++;
            si += inc;
            si2 += inc * inc;
            sa += alt;
            sa2 += alt * alt;
            is->incl_min_deg = fmin(is->incl_min_deg, inc);
            is->incl_max_deg = fmax(is->incl_max_deg, inc);
            is->alt_min_km = fmin(is->alt_min_km, alt);
            is->alt_max_km = fmax(is->alt_max_km, alt);
          }
          const double nn = is->n_sats;
          is->incl_mean_deg = si / nn;
          is->alt_mean_km = sa / nn;
          is->incl_std_deg = sqrt(fmax(0, si2 / nn - is->incl_mean_deg * is->incl_mean_deg));
          is->alt_std_km = sqrt(fmax(0, sa2 / nn - is->alt_mean_km * is->alt_mean_km));
          /* Wrap when the gap from the last plane back to the first is not
           * much larger than the typical gap between planes. */
          if (is->n_planes >= 3) {
            double *cen = malloc((size_t)is->n_planes * sizeof *cen);
            if (!cen) goto oom;
            for (int p = 0; p < is->n_planes; p++) {
              const int gp = planes_before + p;
              double cx = 0, cy = 0;
              for (int q = m->plane_off[gp]; q < m->plane_off[gp + 1]; q++) {
                const int s = m->plane_members[q];
                double r = 0;
                for (int j = 0; j < k; j++)
                  if (tmp[j].idx == s) r = tmp[j].raan;
                cx += cos(r);
                cy += sin(r);
              }
              cen[p] = wrap2pi(atan2(cy, cx));
            }
            double gaps_sum = 0;
            for (int p = 1; p < is->n_planes; p++) gaps_sum += wrap2pi(cen[p] - cen[p - 1]);
            const double mean_gap = gaps_sum / (is->n_planes - 1);
            const double wrap_gap = wrap2pi(cen[0] - cen[is->n_planes - 1]);
            is->wraps = wrap_gap <= 1.5 * mean_gap;
            free(cen);
          }
        }
      }
      a0 = a1;
    }
    i0 = i1;
  }
  m->unplaced = 0;
  for (int s = 0; s < N; s++) m->unplaced += m->shell[s] < 0;
  free(g);
  free(tmp);
  return FAI_OK;
oom:
  free(g);
  free(tmp);
  fai_plane_map_free(m);
  return fai_error_set(err, FAI_ENOMEM, "out of memory inferring planes");
}

static int cmp_pair(const void *pa, const void *pb) {
  const int *x = pa, *y = pb;
  if (x[0] != y[0]) return x[0] - y[0];
  if (x[1] != y[1]) return x[1] - y[1];
  return x[2] - y[2];
}

fai_status fai_planes_links(const fai_plane_map *m, int *n_links, int **a_out, int **b_out,
                            uint8_t **inter_out, fai_error *err) {
  fai__pairs l = {0, 0, NULL, NULL, NULL};
  int *trip = NULL;
  for (int gp = 0; gp < m->n_planes; gp++) {
    const int o0 = m->plane_off[gp], o1 = m->plane_off[gp + 1], k = o1 - o0;
    for (int j = 0; j + 1 < k || (k > 2 && j + 1 == k); j++)
      if (fai__pairs_push(&l, m->plane_members[o0 + j], m->plane_members[o0 + (j + 1) % k], 0, 0)) goto oom;
    /* Next plane of the same shell (or the first one when the shell wraps). */
    const int sh = m->plane_shell[gp];
    int next = -1;
    if (gp + 1 < m->n_planes && m->plane_shell[gp + 1] == sh) {
      next = gp + 1;
    } else if (m->shells[sh].wraps) {
      next = gp;
      while (next > 0 && m->plane_shell[next - 1] == sh) next--;
      if (next == gp) next = -1;
    }
    if (next < 0) continue;
    const int q0 = m->plane_off[next], q1 = m->plane_off[next + 1];
    for (int j = o0; j < o1; j++) {
      const int s = m->plane_members[j];
      int best = -1;
      double bd = INFINITY;
      for (int q = q0; q < q1; q++) {
        const int t = m->plane_members[q];
        double d = fabs(m->u_rad[s] - m->u_rad[t]);
        if (d > FAI_PI) d = FAI_TWO_PI - d;
        if (d < bd || (d == bd && t < best)) {
          bd = d;
          best = t;
        }
      }
      if (best >= 0 && fai__pairs_push(&l, s, best, 1, 0)) goto oom;
    }
  }
  /* Sort and drop repeats (small planes add the same pair twice). */
  trip = malloc((size_t)(l.n ? l.n : 1) * 3 * sizeof *trip);
  if (!trip) goto oom;
  for (int i = 0; i < l.n; i++) {
    trip[3 * i] = l.a[i];
    trip[3 * i + 1] = l.b[i];
    trip[3 * i + 2] = l.inter[i];
  }
  qsort(trip, (size_t)l.n, 3 * sizeof *trip, cmp_pair);
  int n = 0;
  for (int i = 0; i < l.n; i++) {
    if (n > 0 && l.a[n - 1] == trip[3 * i] && l.b[n - 1] == trip[3 * i + 1]) continue;
    l.a[n] = trip[3 * i];
    l.b[n] = trip[3 * i + 1];
    l.inter[n] = (uint8_t)trip[3 * i + 2];
    n++;
  }
  free(trip);
  *n_links = n;
  *a_out = l.a;
  *b_out = l.b;
  *inter_out = l.inter;
  return FAI_OK;
oom:
  free(trip);
  fai__pairs_free(&l);
  return fai_error_set(err, FAI_ENOMEM, "out of memory building links from planes");
}
