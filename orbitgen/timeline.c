/* Timeline construction: scenario → states, ISL graph, visibility, contact
 * windows and path-delay summaries per snapshot.
 *
 * The per-item work (propagation, link rules, visibility, shortest paths)
 * goes through the fai_backend; what stays here is bookkeeping that is cheap
 * or inherently sequential per item: candidate-link lists, CSR assembly,
 * union-find, and contact refinement with direct-trig states (host doubles,
 * so cpu and cuda runs produce the same windows). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "fluidai/elements.h"
#include "fluidai/orbitgen.h"
#include "fluidai/planes.h"
#include "pairs.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void fai_timeline_opts_init(fai_timeline_opts *o) {
  o->paths = 1;
  o->contacts = 1;
  o->snap_chunk = 64;
  o->time_limit_s = 0;
}

void fai_timeline_free(fai_timeline *tl) {
  if (!tl) return;
  free(tl->sgp4);
  if (tl->planes) fai_plane_map_free(tl->planes);
  free(tl->planes);
  free(tl->pos_teme);
  fai_error_list_free(&tl->warnings);
  free(tl->t_s);
  free(tl->pos);
  free(tl->vel);
  free(tl->link_a);
  free(tl->link_b);
  free(tl->link_inter);
  free(tl->link_alive);
  free(tl->link_dist);
  free(tl->st_vis);
  free(tl->user_vis);
  free(tl->contacts);
  free(tl->snap);
  free(tl->pair_delay_mean);
  free(tl->pair_reach);
  memset(tl, 0, sizeof *tl);
}

/* --- candidate links (+Grid) ------------------------------------------------ */

/* +Grid: two intra-plane neighbours (slot ± 1) and two inter-plane neighbours
 * (same slot, plane ± 1); a star shell has no link across its seam unless
 * cross_seam is set.  Links never join different shells. */
static fai_status build_candidates(const fai_scenario *sc, fai__pairs *l, fai_error *err) {
  const fai_constellation *c = &sc->constellation;
  int base = 0;
  for (int s = 0; s < c->n_shells; s++) {
    const fai_shell *sh = &c->shells[s];
    const int P = sh->planes, S = sh->sats_per_plane;
    for (int p = 0; p < P; p++) {
      for (int k = 0; k < S; k++) {
        const int me = base + p * S + k;
        if (S > 1 && fai__pairs_push(l, me, base + p * S + (k + 1) % S, 0, 1)) goto oom;
        if (P > 1) {
          int wrap = (p + 1 == P);
          if (!wrap || sh->pattern == FAI_WALKER_DELTA || sc->isl.cross_seam)
            if (fai__pairs_push(l, me, base + ((p + 1) % P) * S + k, 1, 1)) goto oom;
        }
      }
    }
    base += P * S;
  }
  return FAI_OK;
oom:
  return fai_error_set(err, FAI_ENOMEM, "out of memory building candidate links");
}

/* --- union-find -------------------------------------------------------------- */

static int uf_find(int *parent, int x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

int fai_components(int n, int n_edges, const int *a, const int *b, const uint8_t *alive,
                   int *largest) {
  int *parent = malloc((size_t)(n > 0 ? n : 1) * 2 * sizeof *parent);
  if (!parent) return -1;
  int *size = parent + n;
  for (int i = 0; i < n; i++) {
    parent[i] = i;
    size[i] = 1;
  }
  int comps = n;
  for (int e = 0; e < n_edges; e++) {
    if (alive && !alive[e]) continue;
    int ra = uf_find(parent, a[e]), rb = uf_find(parent, b[e]);
    if (ra == rb) continue;
    if (size[ra] < size[rb] || (size[ra] == size[rb] && rb < ra)) {
      int t = ra;
      ra = rb;
      rb = t;
    }
    parent[rb] = ra;
    size[ra] += size[rb];
    comps--;
  }
  if (largest) {
    int best = 0;
    for (int i = 0; i < n; i++)
      if (parent[i] == i && size[i] > best) best = size[i];
    *largest = best;
  }
  free(parent);
  return comps;
}

/* --- contact windows --------------------------------------------------------- */

typedef struct contact_vec {
  size_t n, cap;
  fai_contact *v;
} contact_vec;

static int contact_push(contact_vec *cv, const fai_contact *c) {
  if (cv->n == cv->cap) {
    size_t cap = cv->cap ? 2 * cv->cap : 256;
    fai_contact *v = realloc(cv->v, cap * sizeof *v);
    if (!v) return -1;
    cv->v = v;
    cv->cap = cap;
  }
  cv->v[cv->n++] = *c;
  return 0;
}

typedef struct pass_ctx {
  const fai_propagator *prop;
  int sat;
  double site[3], up[3];
  double sin_mask;
} pass_ctx;

/* sin(elevation) − sin(mask) at time t: >= 0 while visible. */
static double pass_f(const pass_ctx *pc, double t) {
  double r[3];
  fai_propagate_sat(pc->prop, pc->sat, t, r, NULL);
  double d[3] = {r[0] - pc->site[0], r[1] - pc->site[1], r[2] - pc->site[2]};
  double n = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  return (pc->up[0] * d[0] + pc->up[1] * d[1] + pc->up[2] * d[2]) / n - pc->sin_mask;
}

/* Crossing of f between lo (f(lo) sign = s_lo) and hi, to 0.1 ms. */
static double bisect(const pass_ctx *pc, double lo, double hi, int rising) {
  while (hi - lo > 1e-4) {
    double mid = 0.5 * (lo + hi);
    int above = pass_f(pc, mid) >= 0;
    if (above == rising)
      hi = mid;
    else
      lo = mid;
  }
  return 0.5 * (lo + hi);
}

/* Golden-section maximum of f on [lo, hi] (f unimodal there), to 1 ms. */
static double golden_max(const pass_ctx *pc, double lo, double hi, double *fmax) {
  const double g = 0.6180339887498949;
  const double lo0 = lo, hi0 = hi;
  double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
  double f1 = pass_f(pc, x1), f2 = pass_f(pc, x2);
  while (hi - lo > 1e-3) {
    if (f1 < f2) {
      lo = x1;
      x1 = x2;
      f1 = f2;
      x2 = lo + g * (hi - lo);
      f2 = pass_f(pc, x2);
    } else {
      hi = x2;
      x2 = x1;
      f2 = f1;
      x1 = hi - g * (hi - lo);
      f1 = pass_f(pc, x1);
    }
  }
  double x = 0.5 * (lo + hi), fx = pass_f(pc, x);
  /* A maximum on the boundary (window clipped by the horizon) is at the end
   * point itself, not 0.5 ms inside it. */
  const double fl = pass_f(pc, lo0), fh = pass_f(pc, hi0);
  if (fl > fx) {
    x = lo0;
    fx = fl;
  }
  if (fh > fx) {
    x = hi0;
    fx = fh;
  }
  *fmax = fx;
  return x;
}

#define MAX_FINE 4096

/* All windows of one (station, satellite) pair inside [lo, hi], found on a
 * fine grid with crossings bisected and sub-grid peaks refined. */
static int refine_interval(const pass_ctx *pc, int station, double lo, double hi,
                           double horizon, double h, contact_vec *out) {
  int m = (int)ceil((hi - lo) / h);
  if (m < 2) m = 2;
  if (m > MAX_FINE - 1) m = MAX_FINE - 1;
  double tau[MAX_FINE], f[MAX_FINE];
  for (int i = 0; i <= m; i++) {
    tau[i] = (i == m) ? hi : lo + (hi - lo) * i / m;
    f[i] = pass_f(pc, tau[i]);
  }
  /* Events: +1 rise, -1 set, in time order. */
  double ev_t[2 * MAX_FINE];
  int ev_k[2 * MAX_FINE], ne = 0;
  if (f[0] >= 0) {
    ev_t[ne] = tau[0];
    ev_k[ne++] = 2; /* window open at the start of the interval */
  }
  for (int i = 0; i < m; i++) {
    if (f[i] < 0 && f[i + 1] >= 0) {
      ev_t[ne] = bisect(pc, tau[i], tau[i + 1], 1);
      ev_k[ne++] = 1;
    } else if (f[i] >= 0 && f[i + 1] < 0) {
      ev_t[ne] = bisect(pc, tau[i], tau[i + 1], 0);
      ev_k[ne++] = -1;
    } else if (i > 0 && f[i] < 0 && f[i] >= f[i - 1] && f[i] >= f[i + 1]) {
      /* A peak between grid points may poke above the mask. */
      double fm, tm = golden_max(pc, tau[i - 1], tau[i + 1], &fm);
      if (fm >= 0) {
        ev_t[ne] = bisect(pc, tau[i - 1], tm, 1);
        ev_k[ne++] = 1;
        ev_t[ne] = bisect(pc, tm, tau[i + 1], 0);
        ev_k[ne++] = -1;
      }
    }
  }
  if (f[m] >= 0) {
    ev_t[ne] = tau[m];
    ev_k[ne++] = -2;
  }
  for (int e = 0; e + 1 < ne; e++) {
    if (ev_k[e] < 0 || ev_k[e + 1] > 0) continue;
    fai_contact c;
    memset(&c, 0, sizeof c);
    c.station = station;
    c.sat = pc->sat;
    c.rise_s = ev_t[e];
    c.set_s = ev_t[e + 1];
    if (ev_k[e] == 2 && c.rise_s <= 0) c.clipped |= 1;
    if (ev_k[e + 1] == -2 && c.set_s >= horizon) c.clipped |= 2;
    /* Maximum: best grid point inside the window, refined around it. */
    int best = -1;
    for (int i = 0; i <= m; i++)
      if (tau[i] >= c.rise_s && tau[i] <= c.set_s && (best < 0 || f[i] > f[best])) best = i;
    double a = c.rise_s, b = c.set_s;
    if (best >= 0) {
      a = fmax(c.rise_s, best > 0 ? tau[best - 1] : tau[0]);
      b = fmin(c.set_s, best < m ? tau[best + 1] : tau[m]);
    }
    double fm;
    c.t_max_s = golden_max(pc, a, b, &fm);
    double s = fm + pc->sin_mask;
    c.max_elev_rad = asin(s > 1 ? 1 : (s < -1 ? -1 : s));
    if (contact_push(out, &c)) return -1;
    e++;
  }
  return 0;
}

/* Orbit classes for the contact candidate mask: radius range and the largest
 * angular rate of the sub-satellite direction (rad/s, before Earth rotation). */
typedef struct orbit_class {
  double r_min, r_max, rate;
} orbit_class;

static int orbit_classes(const fai_scenario *sc, orbit_class **out) {
  int n = sc->elements.enabled ? sc->elements.set->n : sc->constellation.n_shells;
  orbit_class *c = malloc((size_t)(n ? n : 1) * sizeof *c);
  if (!c) return -1;
  for (int k = 0; k < n; k++) {
    if (sc->elements.enabled) {
      const fai_tle *t = &sc->elements.set->v[k];
      const double nn = t->mean_motion_rev_day * FAI_TWO_PI / 86400.0;
      const double a = cbrt(FAI_MU_EARTH_M3_S2 / (nn * nn)), e = t->eccentricity;
      /* Angular rate peaks at perigee: n·(1+e)²/(1−e²)^1.5; 2 % for drag and
       * the Kozai/Brouwer mean-motion difference. */
      c[k].r_min = a * (1 - e) * 0.98;
      c[k].r_max = a * (1 + e) * 1.02;
      c[k].rate = 1.02 * nn * (1 + e) * (1 + e) / pow(1 - e * e, 1.5) +
                  1.5 * nn * FAI_J2 * (FAI_R_EQ_M / a) * (FAI_R_EQ_M / a);
    } else {
      const fai_shell *sh = &sc->constellation.shells[k];
      const double a = FAI_R_EARTH_M + sh->altitude_m;
      double udot, raan_dot;
      fai_j2_rates(a, sh->inclination_rad, sc->j2, &udot, &raan_dot);
      c[k].r_min = c[k].r_max = a;
      c[k].rate = fabs(udot) + fabs(raan_dot);
    }
  }
  *out = c;
  return n;
}

/* Elevation threshold below which a satellite cannot become visible within
 * half a step of a snapshot: the coverage half-angle plus the largest change
 * of central angle in step/2, plus 0.5° for the ellipsoid normal. */
static double candidate_sin_mask(const orbit_class *cls, int n_cls, double step_s,
                                 double ground_radius, double mask) {
  double lowest = FAI_PI / 2;
  for (int k = 0; k < n_cls; k++) {
    const double radii[2] = {cls[k].r_min, cls[k].r_max};
    for (int q = 0; q < 2; q++) {
      const double a = radii[q];
      if (a <= ground_radius) return -1.0; /* below the station: everything is a candidate */
      double ratio = ground_radius * cos(mask) / a;
      if (ratio > 1) ratio = 1;
      const double lambda = acos(ratio) - mask;
      const double dl = (cls[k].rate + FAI_OMEGA_EARTH_RAD_S) * step_s / 2 + 0.5 * FAI_DEG;
      const double lc = lambda + dl;
      double el = -FAI_PI / 2;
      if (lc < FAI_PI) el = atan2(cos(lc) - ground_radius / a, sin(lc));
      if (el < lowest) lowest = el;
    }
  }
  return sin(lowest);
}

static fai_status build_contacts(const fai_scenario *sc, const fai_backend *be,
                                 fai_timeline *tl, const fai_ground_storage *gs,
                                 const fai_progress *prog, fai_error *err) {
  const int G = tl->n_stations, N = tl->n_sats, T = tl->n_snaps, W = tl->vis_words;
  fai_status st = FAI_OK;
  double *sin_cand = malloc((size_t)G * sizeof *sin_cand);
  double *own = NULL;
  uint32_t *cand = malloc((size_t)T * G * W * sizeof *cand);
  contact_vec *per = calloc((size_t)G, sizeof *per);
  if (!sin_cand || !cand || !per) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for contact candidates");
    goto cleanup;
  }
  orbit_class *cls = NULL;
  const int n_cls = orbit_classes(sc, &cls);
  if (n_cls < 0) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for contact candidates");
    goto cleanup;
  }
  /* The kernel flags candidates with one mask per station (the loosest over
   * all orbit classes); each satellite's own, tighter mask then skips runs
   * that its class cannot turn into a pass before any refinement. */
  own = malloc((size_t)G * (n_cls ? n_cls : 1) * sizeof *own);
  if (!own) {
    free(cls);
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for contact candidates");
    goto cleanup;
  }
  for (int g = 0; g < G; g++) {
    const double *r = gs->pos_m + 3 * g;
    const double rg = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]);
    sin_cand[g] =
        candidate_sin_mask(cls, n_cls, sc->step_s, rg, sc->stations.v[g].min_elev_rad);
    for (int c = 0; c < n_cls; c++)
      own[(size_t)g * n_cls + c] =
          candidate_sin_mask(cls + c, 1, sc->step_s, rg, sc->stations.v[g].min_elev_rad);
  }
  free(cls);
  fai_ground_points cgp = gs->gp;
  cgp.sin_min_elev = sin_cand;
  FAI_TRY(be->visibility(be, T, N, tl->pos, &cgp, cand, err));

  const fai_propagator prop = {&sc->constellation, sc->epoch_unix, sc->j2, tl->sgp4};
  const double horizon = tl->t_s[T - 1];
  const double h = fmin(sc->step_s / 4, 10.0);
  int failed = 0, done = 0;
  const int nt = be->threads > 0 ? be->threads : omp_get_max_threads();
#pragma omp parallel for schedule(dynamic, 1) num_threads(nt)
  for (int g = 0; g < G; g++) {
    if (failed || fai_interrupted()) continue;
    pass_ctx pc;
    pc.prop = &prop;
    memcpy(pc.site, gs->pos_m + 3 * g, sizeof pc.site);
    memcpy(pc.up, gs->up + 3 * g, sizeof pc.up);
    pc.sin_mask = sin(sc->stations.v[g].min_elev_rad);
    for (int j = 0; j < N && !failed; j++) {
      pc.sat = j;
      int t = 0;
      while (t < T) {
        if (!((cand[((size_t)t * G + g) * W + j / 32] >> (j % 32)) & 1u)) {
          t++;
          continue;
        }
        int t1 = t;
        while (t1 + 1 < T && ((cand[((size_t)(t1 + 1) * G + g) * W + j / 32] >> (j % 32)) & 1u))
          t1++;
        const int c = sc->elements.enabled ? j : fai_sat_id_of(&sc->constellation, j).shell;
        const double thr = own[(size_t)g * n_cls + c];
        int worth = 0;
        for (int k = t; k <= t1 && !worth; k++) {
          const double *rs = tl->pos + ((size_t)k * N + j) * 3;
          const double d[3] = {rs[0] - pc.site[0], rs[1] - pc.site[1], rs[2] - pc.site[2]};
          const double dn = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
          worth = (pc.up[0] * d[0] + pc.up[1] * d[1] + pc.up[2] * d[2]) >= thr * dn;
        }
        if (!worth) {
          t = t1 + 1;
          continue;
        }
        const double lo = fmax(0.0, tl->t_s[t] - sc->step_s / 2);
        const double hi = fmin(horizon, tl->t_s[t1] + sc->step_s / 2);
        /* Long runs (geostationary-like) are split so the fine grid fits. */
        double a = lo;
        do {
          const double b = fmin(hi, a + h * (MAX_FINE - 2));
          if (refine_interval(&pc, g, a, b, horizon, h, &per[g])) {
#pragma omp atomic write
            failed = 1;
          }
          a = b;
        } while (a < hi);
        t = t1 + 1;
      }
    }
#pragma omp atomic
    done++;
    if (omp_get_thread_num() == 0) fai_progress_report(prog, "contacts", done, G);
  }
  if (failed) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory collecting contact windows");
    goto cleanup;
  }
  if (fai_interrupted()) {
    st = fai_error_set(err, FAI_EINTR, "interrupted while computing contact windows");
    goto cleanup;
  }
  /* Concatenate per-station lists in station order; windows split at run
   * boundaries (adjacent intervals) are merged. */
  size_t total = 0;
  for (int g = 0; g < G; g++) total += per[g].n;
  tl->contacts = malloc((total ? total : 1) * sizeof *tl->contacts);
  if (!tl->contacts) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for contact windows");
    goto cleanup;
  }
  tl->n_contacts = 0;
  for (int g = 0; g < G; g++) {
    for (size_t k = 0; k < per[g].n; k++) {
      const fai_contact *c = &per[g].v[k];
      fai_contact *prev = tl->n_contacts ? &tl->contacts[tl->n_contacts - 1] : NULL;
      if (prev && prev->station == c->station && prev->sat == c->sat &&
          c->rise_s - prev->set_s < 1e-3 && (prev->clipped & 2) == 0) {
        prev->set_s = c->set_s;
        prev->clipped |= c->clipped & 2;
        if (c->max_elev_rad > prev->max_elev_rad) {
          prev->max_elev_rad = c->max_elev_rad;
          prev->t_max_s = c->t_max_s;
        }
        continue;
      }
      tl->contacts[tl->n_contacts++] = *c;
    }
  }
cleanup:
  free(own);
  if (per)
    for (int g = 0; g < G; g++) free(per[g].v);
  free(per);
  free(cand);
  free(sin_cand);
  return st;
}

/* --- station-to-station paths ------------------------------------------------ */

/* CSR graphs of snapshots [t0, t0 + nt): satellites 0..N-1 relay; station g
 * is node N + g and only ends paths.  Edge weights are one-way delays (s). */
typedef struct graph_buf {
  int64_t *edge_off;
  int *row_ptr, *col;
  double *w;
  int64_t cap_e;
  int *deg;
} graph_buf;

static void graph_buf_free(graph_buf *g) {
  free(g->edge_off);
  free(g->row_ptr);
  free(g->col);
  free(g->w);
  free(g->deg);
  memset(g, 0, sizeof *g);
}

static fai_status build_graphs(const fai_timeline *tl, const fai_ground_storage *gs, int t0,
                               int nt, graph_buf *gb, fai_error *err) {
  const int N = tl->n_sats, G = tl->n_stations, L = tl->n_links, W = tl->vis_words;
  const int n = N + G;
  int64_t total = 0;
  gb->edge_off[0] = 0;
  for (int k = 0; k < nt; k++) {
    const int t = t0 + k;
    int *deg = gb->deg;
    memset(deg, 0, (size_t)n * sizeof *deg);
    for (int l = 0; l < L; l++)
      if (tl->link_alive[(size_t)t * L + l]) {
        deg[tl->link_a[l]]++;
        deg[tl->link_b[l]]++;
      }
    for (int g = 0; g < G; g++) {
      const uint32_t *row = tl->st_vis + ((size_t)t * G + g) * W;
      for (int w = 0; w < W; w++) {
        uint32_t bits = row[w];
        while (bits) {
          int j = w * 32 + __builtin_ctz(bits);
          bits &= bits - 1;
          deg[j]++;
          deg[N + g]++;
        }
      }
    }
    int *rp = gb->row_ptr + (size_t)k * (n + 1);
    rp[0] = 0;
    for (int v = 0; v < n; v++) rp[v + 1] = rp[v] + deg[v];
    const int64_t ne = rp[n];
    if (total + ne > gb->cap_e) {
      int64_t cap = (total + ne) * 2;
      int *col = realloc(gb->col, (size_t)cap * sizeof *col);
      if (!col) return fai_error_set(err, FAI_ENOMEM, "out of memory for path graphs");
      gb->col = col;
      double *w = realloc(gb->w, (size_t)cap * sizeof *w);
      if (!w) return fai_error_set(err, FAI_ENOMEM, "out of memory for path graphs");
      gb->w = w;
      gb->cap_e = cap;
    }
    int *col = gb->col + total;
    double *wt = gb->w + total;
    /* Fill in a fixed order (links by index, then stations by index), so the
     * adjacency order, and hence every tie, is the same on every run. */
    memcpy(deg, rp, (size_t)n * sizeof *deg);
    const double *pos = tl->pos + (size_t)t * N * 3;
    for (int l = 0; l < L; l++) {
      if (!tl->link_alive[(size_t)t * L + l]) continue;
      const double d = tl->link_dist[(size_t)t * L + l] / FAI_C_M_S;
      const int a = tl->link_a[l], b = tl->link_b[l];
      col[deg[a]] = b;
      wt[deg[a]++] = d;
      col[deg[b]] = a;
      wt[deg[b]++] = d;
    }
    for (int g = 0; g < G; g++) {
      const uint32_t *row = tl->st_vis + ((size_t)t * G + g) * W;
      const double *site = gs->pos_m + 3 * g;
      for (int w = 0; w < W; w++) {
        uint32_t bits = row[w];
        while (bits) {
          int j = w * 32 + __builtin_ctz(bits);
          bits &= bits - 1;
          const double *r = pos + 3 * (size_t)j;
          const double dx = r[0] - site[0], dy = r[1] - site[1], dz = r[2] - site[2];
          const double d = sqrt(dx * dx + dy * dy + dz * dz) / FAI_C_M_S;
          col[deg[j]] = N + g;
          wt[deg[j]++] = d;
          col[deg[N + g]] = j;
          wt[deg[N + g]++] = d;
        }
      }
    }
    total += ne;
    gb->edge_off[k + 1] = total;
  }
  return FAI_OK;
}

static fai_status build_paths(const fai_backend *be, fai_timeline *tl,
                              const fai_ground_storage *gs, int chunk, double deadline,
                              const fai_progress *prog, fai_error *err) {
  const int N = tl->n_sats, G = tl->n_stations, T = tl->n_snaps;
  const int n = N + G;
  fai_status st = FAI_OK;
  graph_buf gb;
  memset(&gb, 0, sizeof gb);
  int *src = malloc((size_t)G * sizeof *src);
  double *dist = malloc((size_t)chunk * G * n * sizeof *dist);
  /* Predecessors toward each station = every satellite's next hop to it (the
   * forwarding state); computed even when only delays are summarised, so the
   * stage costs what a forwarding-state export will cost. */
  int *pred = malloc((size_t)chunk * G * n * sizeof *pred);
  double *sum = calloc((size_t)G * G, sizeof *sum);
  gb.edge_off = malloc((size_t)(chunk + 1) * sizeof *gb.edge_off);
  gb.row_ptr = malloc((size_t)chunk * (n + 1) * sizeof *gb.row_ptr);
  gb.deg = malloc((size_t)n * sizeof *gb.deg);
  if (!src || !dist || !pred || !sum || !gb.edge_off || !gb.row_ptr || !gb.deg) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for shortest paths");
    goto cleanup;
  }
  for (int g = 0; g < G; g++) src[g] = N + g;
  for (int t0 = 0; t0 < T; t0 += chunk) {
    if (fai_interrupted()) {
      st = fai_error_set(err, FAI_EINTR, "interrupted after %d of %d snapshots", t0, T);
      goto cleanup;
    }
    if (deadline > 0 && now_s() > deadline) {
      fai_warn("time limit reached: path summaries cover %d of %d snapshots", t0, T);
      tl->outcome = FAI_OUTCOME_TIME_LIMIT;
      break;
    }
    const int nt = (T - t0 < chunk) ? T - t0 : chunk;
    FAI_TRY(build_graphs(tl, gs, t0, nt, &gb, err));
    fai_graph_batch batch = {nt, n, N, gb.edge_off, gb.row_ptr, gb.col, gb.w};
    FAI_TRY(be->sssp(be, &batch, G, src, dist, pred, NULL, err));
    for (int k = 0; k < nt; k++) {
      fai_snapshot_summary *s = &tl->snap[t0 + k];
      double acc = 0;
      int reach = 0;
      for (int g1 = 0; g1 < G; g1++) {
        const double *d = dist + ((size_t)k * G + g1) * n;
        for (int g2 = g1 + 1; g2 < G; g2++) {
          const double v = d[N + g2];
          if (!isfinite(v)) continue;
          acc += v;
          reach++;
          sum[(size_t)g1 * G + g2] += v;
          tl->pair_reach[(size_t)g1 * G + g2]++;
        }
      }
      s->gs_pairs_reachable = reach;
      s->mean_gs_delay_s = reach ? acc / reach : NAN;
    }
    tl->snaps_done = t0 + nt;
    fai_progress_report(prog, "paths", t0 + nt, T);
  }
  for (int g1 = 0; g1 < G; g1++)
    for (int g2 = 0; g2 < G; g2++) {
      const int a = g1 < g2 ? g1 : g2, b = g1 < g2 ? g2 : g1;
      const int r = tl->pair_reach[(size_t)a * G + b];
      tl->pair_delay_mean[(size_t)g1 * G + g2] =
          (g1 == g2) ? 0.0 : (r ? sum[(size_t)a * G + b] / r : NAN);
    }
  for (int g1 = 0; g1 < G; g1++)
    for (int g2 = 0; g2 < g1; g2++)
      tl->pair_reach[(size_t)g1 * G + g2] = tl->pair_reach[(size_t)g2 * G + g1];
cleanup:
  graph_buf_free(&gb);
  free(src);
  free(dist);
  free(pred);
  free(sum);
  return st;
}

/* --- the whole timeline -------------------------------------------------------- */

static int count_bits(const uint32_t *w, int n) {
  int c = 0;
  for (int i = 0; i < n; i++) c += __builtin_popcount(w[i]);
  return c;
}

fai_status fai_timeline_build(const fai_scenario *sc, const fai_backend *be,
                              const fai_timeline_opts *opts_in, const fai_progress *prog,
                              fai_timeline *tl, fai_error *err) {
  fai_status st = FAI_OK;
  fai_timeline_opts opts;
  if (opts_in)
    opts = *opts_in;
  else
    fai_timeline_opts_init(&opts);
  if (opts.snap_chunk < 1) opts.snap_chunk = 64;
  memset(tl, 0, sizeof *tl);
  fai_prop_storage ps;
  memset(&ps, 0, sizeof ps);
  fai_ground_storage gs, us;
  memset(&gs, 0, sizeof gs);
  memset(&us, 0, sizeof us);
  fai__pairs ll;
  memset(&ll, 0, sizeof ll);
  const double t_start = now_s();

  FAI_TRY(fai_scenario_check(sc, err));
  tl->sc = sc;
  tl->outcome = FAI_OUTCOME_NOT_RUN;
  const int T = fai_scenario_snapshots(sc);
  const int N = fai_scenario_sat_count(sc);
  const int G = sc->stations.n, U = sc->users.n;
  const int W = (N + 31) / 32;
  tl->n_snaps = T;
  tl->n_sats = N;
  tl->n_stations = G;
  tl->n_users = U;
  tl->vis_words = W;
  const size_t TN3 = (size_t)T * N * 3;
  tl->t_s = malloc((size_t)T * sizeof *tl->t_s);
  tl->pos = malloc(TN3 * sizeof *tl->pos);
  tl->vel = malloc(TN3 * sizeof *tl->vel);
  tl->st_vis = malloc((size_t)T * G * W * sizeof *tl->st_vis);
  tl->snap = calloc((size_t)T, sizeof *tl->snap);
  tl->pair_delay_mean = calloc((size_t)G * G, sizeof *tl->pair_delay_mean);
  tl->pair_reach = calloc((size_t)G * G, sizeof *tl->pair_reach);
  if (U) tl->user_vis = malloc((size_t)T * U * W * sizeof *tl->user_vis);
  if (!tl->t_s || !tl->pos || !tl->vel || !tl->st_vis || !tl->snap || !tl->pair_delay_mean ||
      !tl->pair_reach || (U && !tl->user_vis)) {
    st = fai_error_set(err, FAI_ENOMEM,
                       "out of memory for a timeline of %d satellites x %d snapshots", N, T);
    goto cleanup;
  }
  for (int t = 0; t < T; t++) tl->t_s[t] = t * sc->step_s;

  /* Propagation. */
  double t0 = now_s();
  fai_progress_report(prog, "propagate", 0, 1);
  if (sc->elements.enabled) {
    /* Element sets: near-Earth SGP4 on the backend, deep space on the host,
     * TEME rotated to ECEF per snapshot. */
    for (int k = 0; k < sc->warnings.n; k++) fai_error_list_push(&tl->warnings, &sc->warnings.v[k]);
    FAI_TRY(fai_elements_init_sgp4(&sc->elements, &tl->sgp4, &tl->warnings, err));
    if (!strcmp(sc->frame, "teme")) {
      tl->pos_teme = malloc(TN3 * sizeof *tl->pos_teme);
      if (!tl->pos_teme) {
        st = fai_error_set(err, FAI_ENOMEM, "out of memory for TEME positions");
        goto cleanup;
      }
    }
    FAI_TRY(fai_elements_propagate(be, tl->sgp4, N, sc->epoch_unix, tl->t_s, T, tl->pos,
                                   tl->vel, tl->pos_teme, &tl->warnings, err));
  } else {
    const fai_propagator prop = {&sc->constellation, sc->epoch_unix, sc->j2, NULL};
    FAI_TRY(fai_prop_tables_build(&prop, tl->t_s, T, &ps, err));
    FAI_TRY(be->propagate(be, &ps.tab, tl->pos, tl->vel, err));
  }
  fai_progress_report(prog, "propagate", 1, 1);
  tl->timing_s[0] = now_s() - t0;

  /* ISLs. */
  t0 = now_s();
  if (sc->isl.enabled && sc->elements.enabled) {
    tl->planes = calloc(1, sizeof *tl->planes);
    if (!tl->planes) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory for planes");
      goto cleanup;
    }
    FAI_TRY(fai_planes_infer(sc->elements.set, sc->epoch_unix, NULL, tl->planes, err));
    FAI_TRY(fai_planes_links(tl->planes, &tl->n_links, &tl->link_a, &tl->link_b,
                             &tl->link_inter, err));
    if (tl->planes->unplaced)
      fai_info("%d of %d satellites could not be placed in a plane (no ISLs for them)",
               tl->planes->unplaced, N);
  } else {
    if (sc->isl.enabled) FAI_TRY(build_candidates(sc, &ll, err));
    tl->n_links = ll.n;
    tl->link_a = ll.a;
    tl->link_b = ll.b;
    tl->link_inter = ll.inter;
    memset(&ll, 0, sizeof ll);
  }
  const int L = tl->n_links;
  tl->link_alive = malloc((size_t)T * (L ? L : 1));
  tl->link_dist = malloc((size_t)T * (L ? L : 1) * sizeof *tl->link_dist);
  if (!tl->link_alive || !tl->link_dist) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for %d links x %d snapshots", L, T);
    goto cleanup;
  }
  if (L) {
    fai_link_rules rules;
    memset(&rules, 0, sizeof rules);
    rules.block_radius_m = FAI_R_EARTH_M + sc->isl.atmosphere_margin_m;
    rules.max_range_m = sc->isl.max_range_m;
    rules.max_rate_rad_s = sc->isl.max_pointing_rate_rad_s;
    rules.polar_sin_lat = sc->isl.polar_cutoff_rad > 0 ? sin(sc->isl.polar_cutoff_rad) : 2.0;
    rules.survival_p = sc->isl.survival_p;
    rules.seed = sc->seed;
    rules.draw = 0;
    FAI_TRY(be->links(be, T, N, tl->pos, tl->vel, L, tl->link_a, tl->link_b, tl->link_inter,
                      &rules, tl->link_alive, tl->link_dist, err));
  }
  fai_progress_report(prog, "links", 1, 1);
  tl->timing_s[1] = now_s() - t0;

  /* Visibility. */
  t0 = now_s();
  FAI_TRY(fai_ground_build(&sc->stations, &gs, err));
  FAI_TRY(be->visibility(be, T, N, tl->pos, &gs.gp, tl->st_vis, err));
  if (U) {
    FAI_TRY(fai_ground_build(&sc->users, &us, err));
    FAI_TRY(be->visibility(be, T, N, tl->pos, &us.gp, tl->user_vis, err));
  }
  fai_progress_report(prog, "visibility", 1, 1);
  for (int t = 0; t < T; t++) {
    fai_snapshot_summary *s = &tl->snap[t];
    s->t_s = tl->t_s[t];
    s->mean_gs_delay_s = NAN;
    int up = 0;
    for (int l = 0; l < L; l++) up += tl->link_alive[(size_t)t * L + l];
    s->isl_up = up;
    s->components =
        fai_components(N, L, tl->link_a, tl->link_b, tl->link_alive + (size_t)t * L,
                       &s->largest_component);
    if (s->components < 0) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory for connected components");
      goto cleanup;
    }
    for (int g = 0; g < G; g++) {
      int c = count_bits(tl->st_vis + ((size_t)t * G + g) * W, W);
      s->gsl_pairs += c;
      s->stations_covered += c > 0;
    }
    for (int u = 0; u < U; u++)
      s->users_covered += count_bits(tl->user_vis + ((size_t)t * U + u) * W, W) > 0;
  }
  tl->timing_s[2] = now_s() - t0;

  /* Contact windows. */
  t0 = now_s();
  if (opts.contacts) FAI_TRY(build_contacts(sc, be, tl, &gs, prog, err));
  tl->timing_s[3] = now_s() - t0;

  /* Shortest paths between stations, snapshot by snapshot. */
  t0 = now_s();
  tl->outcome = FAI_OUTCOME_COMPLETE;
  tl->snaps_done = T;
  if (opts.paths && G > 1) tl->snaps_done = 0;
  if (opts.paths && G > 1) {
    st = build_paths(be, tl, &gs, opts.snap_chunk,
                     opts.time_limit_s > 0 ? t_start + opts.time_limit_s : 0, prog, err);
    if (st == FAI_EINTR) {
      /* Keep what was summarised; the caller writes it with outcome "interrupted". */
      tl->outcome = FAI_OUTCOME_INTERRUPTED;
    } else if (st != FAI_OK) {
      goto cleanup;
    }
  }
  tl->timing_s[4] = now_s() - t0;
  tl->timing_s[5] = now_s() - t_start;

cleanup:
  fai__pairs_free(&ll);
  fai_prop_tables_free(&ps);
  fai_ground_free(&gs);
  fai_ground_free(&us);
  if (st != FAI_OK && st != FAI_EINTR) fai_timeline_free(tl);
  if (st == FAI_EINTR && tl->outcome != FAI_OUTCOME_INTERRUPTED) fai_timeline_free(tl);
  return st;
}
