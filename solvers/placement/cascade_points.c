/* Cascade points: the five links of every (snapshot, user) pair, tabulated
 * on the host from a timeline (all trigonometry, logarithms and searches
 * happen here; the evaluation core only adds and compares).
 *
 * Definitions [P] (README "fluidai place cascade"):
 *  - serving satellite S1: the visible satellite with the highest elevation
 *    at the request's snapshot (ties to the lowest index);
 *  - its window W1: until it drops below the user's mask; the set time is
 *    interpolated linearly in sin(elevation) between the last snapshot it is
 *    seen and the first it is not; past the horizon it is open-ended;
 *  - next satellite S2: the highest-elevation satellite at the first
 *    snapshot after S1 has set (the handover) that shows any satellite, or,
 *    when S1 outlasts the horizon, the best other satellite at the last
 *    snapshot; its window to the user is the visibility run containing that
 *    snapshot (it may open after the request: hops wait for it);
 *  - ISL S1 <-> S2: the least-propagation path of at most max_isl_hops live
 *    ISLs of the request's snapshot; per-bit cost hops / isl.rate_bps;
 *  - ground through S1: the station contact of S1 that covers the request
 *    and sets last; through S2: S2's first contact that has not set yet;
 *    the gateway rate comes from the scenario's gsl_radio at the snapshot's
 *    range, plus ground_delay_s of backhaul each way.
 * Ranges (and so rates and propagation delays) are those of one snapshot:
 * a request lasts far less than a step. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/cascade.h"

static void set_link(double *lk, double prop, double spb_fwd, double spb_rev, double lo,
                     double hi) {
  lk[FAI_CASCADE_F_PROP] = prop;
  lk[FAI_CASCADE_F_SPB_FWD] = spb_fwd;
  lk[FAI_CASCADE_F_SPB_REV] = spb_rev;
  lk[FAI_CASCADE_F_LO] = lo;
  lk[FAI_CASCADE_F_HI] = hi;
}

fai_status fai_cascade_points_alloc(int n_snaps, int n_users, fai_cascade_points *pts,
                                    fai_error *err) {
  memset(pts, 0, sizeof *pts);
  if (n_snaps < 1 || n_users < 1)
    return fai_error_set(err, FAI_EINVAL, "cascade points: %d snapshots × %d users (need >= 1 each)",
                         n_snaps, n_users);
  const int64_t P = (int64_t)n_snaps * n_users;
  const size_t nl = (size_t)P * FAI_CASCADE_LINKS * FAI_CASCADE_LINK_FIELDS;
  pts->n_snaps = n_snaps;
  pts->n_users = n_users;
  pts->n_points = P;
  pts->t_s = calloc((size_t)n_snaps, sizeof *pts->t_s);
  pts->links = malloc(nl * sizeof *pts->links);
  pts->serving = malloc((size_t)P * sizeof *pts->serving);
  pts->next = malloc((size_t)P * sizeof *pts->next);
  pts->window_s = calloc((size_t)P, sizeof *pts->window_s);
  if (!pts->t_s || !pts->links || !pts->serving || !pts->next || !pts->window_s) {
    fai_cascade_points_free(pts);
    return fai_error_set(err, FAI_ENOMEM, "out of memory for %lld cascade points", (long long)P);
  }
  for (int64_t p = 0; p < P; p++) {
    pts->serving[p] = pts->next[p] = -1;
    for (int l = 0; l < FAI_CASCADE_LINKS; l++)
      set_link(pts->links + ((size_t)p * FAI_CASCADE_LINKS + (size_t)l) * FAI_CASCADE_LINK_FIELDS,
               0, 0, 0, FAI_CASCADE_NEVER, FAI_CASCADE_NEVER);
  }
  return FAI_OK;
}

void fai_cascade_points_free(fai_cascade_points *pts) {
  if (!pts) return;
  free(pts->t_s);
  free(pts->links);
  free(pts->serving);
  free(pts->next);
  free(pts->window_s);
  memset(pts, 0, sizeof *pts);
}

/* --- geometry helpers ------------------------------------------------------- */

typedef struct pctx {
  const fai_timeline *tl;
  const fai_cascade_params *prm;
  fai_ground_storage users, stations;
  int *adj_off, *adj_nb, *adj_link;  /* CSR of candidate ISLs per satellite */
  int *csat_off, *csat;              /* contacts per satellite, by rise */
} pctx;

static double dist3(const double *a, const double *b) {
  const double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
  return sqrt(dx * dx + dy * dy + dz * dz);
}

static const double *sat_pos(const pctx *c, int t, int s) {
  return c->tl->pos + ((size_t)t * (size_t)c->tl->n_sats + (size_t)s) * 3;
}

/* sin(elevation) − sin(mask) of satellite s from user u at snapshot t (>= 0: visible). */
static double elev_margin(const pctx *c, int t, int u, int s) {
  const double *g = c->users.pos_m + 3 * (size_t)u, *up = c->users.up + 3 * (size_t)u;
  const double *r = sat_pos(c, t, s);
  const double d[3] = {r[0] - g[0], r[1] - g[1], r[2] - g[2]};
  const double n = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  return (up[0] * d[0] + up[1] * d[1] + up[2] * d[2]) / n - c->users.sin_min_elev[u];
}

static int visible(const pctx *c, int t, int u, int s) {
  const fai_timeline *tl = c->tl;
  const uint32_t *w = tl->user_vis + ((size_t)t * (size_t)tl->n_users + (size_t)u) * tl->vis_words;
  return (int)((w[s >> 5] >> (s & 31)) & 1u);
}

/* Highest-elevation visible satellite other than `skip`, or -1. */
static int best_sat(const pctx *c, int t, int u, int skip) {
  const fai_timeline *tl = c->tl;
  const uint32_t *w = tl->user_vis + ((size_t)t * (size_t)tl->n_users + (size_t)u) * tl->vis_words;
  int best = -1;
  double be = -INFINITY;
  for (int j = 0; j < tl->vis_words; j++) {
    uint32_t word = w[j];
    while (word) {
      const int b = __builtin_ctz(word);
      const int s = j * 32 + b;
      word &= word - 1;
      if (s == skip) continue;
      const double e = elev_margin(c, t, u, s);
      if (e > be) {
        be = e;
        best = s;
      }
    }
  }
  return best;
}

/* s visible at snapshot t0: time (s after the epoch) it sets, interpolated,
 * or INFINITY when it is still visible at the last snapshot; *last = the
 * last snapshot it is seen. */
static double set_time(const pctx *c, int t0, int u, int s, int *last) {
  const fai_timeline *tl = c->tl;
  int e = t0;
  while (e + 1 < tl->n_snaps && visible(c, e + 1, u, s)) e++;
  if (last) *last = e;
  if (e + 1 >= tl->n_snaps) return INFINITY;
  const double ga = elev_margin(c, e, u, s), gb = elev_margin(c, e + 1, u, s);
  const double f = ga > 0 && ga - gb > 0 ? ga / (ga - gb) : 0.0;
  return tl->t_s[e] + fmin(1.0, fmax(0.0, f)) * (tl->t_s[e + 1] - tl->t_s[e]);
}

/* s visible at snapshot h >= t: time it rose, interpolated, not before t_s[t]. */
static double rise_time(const pctx *c, int t, int h, int u, int s) {
  const fai_timeline *tl = c->tl;
  int r = h;
  while (r > t && visible(c, r - 1, u, s)) r--;
  if (r == t) return tl->t_s[t];
  const double ga = elev_margin(c, r - 1, u, s), gb = elev_margin(c, r, u, s);
  const double f = gb - ga > 0 ? -ga / (gb - ga) : 1.0;
  return tl->t_s[r - 1] + fmin(1.0, fmax(0.0, f)) * (tl->t_s[r] - tl->t_s[r - 1]);
}

/* Least-propagation ISL path from a to b of at most `left` hops (depth-first;
 * O(deg^hops)). */
static void isl_search(const pctx *c, int t, int a, int b, int left, double d, int hops,
                       int *on_path, double *best_d, int *best_hops) {
  const fai_timeline *tl = c->tl;
  if (a == b) {
    if (d < *best_d || (d == *best_d && hops < *best_hops)) {
      *best_d = d;
      *best_hops = hops;
    }
    return;
  }
  if (left == 0 || d >= *best_d) return;
  on_path[a] = 1;
  for (int k = c->adj_off[a]; k < c->adj_off[a + 1]; k++) {
    const int l = c->adj_link[k], nb = c->adj_nb[k];
    const size_t i = (size_t)t * (size_t)tl->n_links + (size_t)l;
    if (!tl->link_alive[i] || on_path[nb]) continue;
    isl_search(c, t, nb, b, left - 1, d + tl->link_dist[i], hops + 1, on_path, best_d, best_hops);
  }
  on_path[a] = 0;
}

typedef struct csort {
  int sat, idx;
  double rise_s;
} csort;

static int cmp_contact_sat(const void *x, const void *y) {
  const csort *a = x, *b = y;
  if (a->sat != b->sat) return a->sat < b->sat ? -1 : 1;
  if (a->rise_s != b->rise_s) return a->rise_s < b->rise_s ? -1 : 1;
  return a->idx < b->idx ? -1 : (a->idx > b->idx);
}

/* Nearest snapshot at or before time ts (clamped). */
static int snap_at(const fai_timeline *tl, double ts) {
  int lo = 0, hi = tl->n_snaps - 1;
  while (lo < hi) {
    const int mid = (lo + hi + 1) / 2;
    if (tl->t_s[mid] <= ts) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/* Gateway link of satellite s at snapshot t through station g. */
static void gateway_link(const pctx *c, int t, int s, int g, double lo, double hi, double *lk) {
  const double r = dist3(sat_pos(c, t, s), c->stations.pos_m + 3 * (size_t)g);
  const double rate = fai_radio_rate_bps(&c->tl->sc->gsl_radio, r);
  const double spb = rate > 0 ? 1.0 / rate : FAI_CASCADE_NEVER;
  set_link(lk, r / FAI_C_M_S + c->prm->ground_delay_s, spb, spb, lo, hi);
}

static void build_point(const pctx *c, int t, int u, fai_cascade_points *pts, int *on_path) {
  const fai_timeline *tl = c->tl;
  const fai_cascade_params *prm = c->prm;
  const int64_t p = (int64_t)t * tl->n_users + u;
  double *lk = pts->links + (size_t)p * FAI_CASCADE_LINKS * FAI_CASCADE_LINK_FIELDS;
  const double t0 = tl->t_s[t];
  const double *ug = c->users.pos_m + 3 * (size_t)u;
#define LK(l) (lk + (l) * FAI_CASCADE_LINK_FIELDS)
  const int s1 = best_sat(c, t, u, -1);
  if (s1 < 0) return;
  pts->serving[p] = s1;
  /* user <-> serving */
  int last1 = t;
  const double set1 = set_time(c, t, u, s1, &last1);
  const double w1 = isinf(set1) ? FAI_CASCADE_NEVER : set1 - t0;
  pts->window_s[p] = w1;
  {
    const double r = dist3(sat_pos(c, t, s1), ug);
    const double ru = fai_radio_rate_bps(&prm->uplink, r), rd = fai_radio_rate_bps(&prm->downlink, r);
    set_link(LK(FAI_CASCADE_L_UP1), r / FAI_C_M_S, ru > 0 ? 1 / ru : FAI_CASCADE_NEVER,
             rd > 0 ? 1 / rd : FAI_CASCADE_NEVER, 0.0, w1);
  }
  /* serving <-> ground: the contact covering t0 that sets last */
  {
    int best = -1;
    for (int k = c->csat_off[s1]; k < c->csat_off[s1 + 1]; k++) {
      const fai_contact *ct = &tl->contacts[c->csat[k]];
      if (ct->rise_s > t0) break;
      if (ct->set_s > t0 && (best < 0 || ct->set_s > tl->contacts[best].set_s)) best = c->csat[k];
    }
    if (best >= 0) {
      const fai_contact *ct = &tl->contacts[best];
      gateway_link(c, t, s1, ct->station, 0.0, ct->set_s - t0, LK(FAI_CASCADE_L_GS1));
    }
  }
  /* next satellite */
  int h = -1, s2 = -1;
  if (isinf(set1)) {
    h = tl->n_snaps - 1;
    s2 = best_sat(c, h, u, s1);
  } else {
    for (h = last1 + 1; h < tl->n_snaps && s2 < 0; h++) s2 = best_sat(c, h, u, s1);
    h--;
  }
  if (s2 < 0) return;
  pts->next[p] = s2;
  {
    const double rise = rise_time(c, t, h, u, s2), set2 = set_time(c, h, u, s2, NULL);
    const double r = dist3(sat_pos(c, h, s2), ug);
    const double ru = fai_radio_rate_bps(&prm->uplink, r), rd = fai_radio_rate_bps(&prm->downlink, r);
    set_link(LK(FAI_CASCADE_L_UP2), r / FAI_C_M_S, ru > 0 ? 1 / ru : FAI_CASCADE_NEVER,
             rd > 0 ? 1 / rd : FAI_CASCADE_NEVER, rise - t0,
             isinf(set2) ? FAI_CASCADE_NEVER : set2 - t0);
  }
  /* serving <-> next over the snapshot's live ISLs */
  {
    double bd = INFINITY;
    int bh = 0;
    isl_search(c, t, s1, s2, prm->max_isl_hops, 0.0, 0, on_path, &bd, &bh);
    if (isfinite(bd) && tl->sc->isl.rate_bps > 0) {
      const double spb = (double)bh / tl->sc->isl.rate_bps;
      set_link(LK(FAI_CASCADE_L_ISL), bd / FAI_C_M_S, spb, spb, 0.0, FAI_CASCADE_NEVER);
    }
  }
  /* next <-> ground: S2's first contact that has not set yet */
  {
    int best = -1;
    double bstart = INFINITY;
    for (int k = c->csat_off[s2]; k < c->csat_off[s2 + 1]; k++) {
      const fai_contact *ct = &tl->contacts[c->csat[k]];
      if (ct->set_s <= t0) continue;
      const double start = fmax(ct->rise_s, t0);
      if (start < bstart || (start == bstart && ct->set_s > tl->contacts[best].set_s)) {
        best = c->csat[k];
        bstart = start;
      }
    }
    if (best >= 0) {
      const fai_contact *ct = &tl->contacts[best];
      gateway_link(c, snap_at(tl, bstart), s2, ct->station, bstart - t0, ct->set_s - t0,
                   LK(FAI_CASCADE_L_GS2));
    }
  }
#undef LK
}

fai_status fai_cascade_points_build(const fai_timeline *tl, const fai_cascade_params *prm,
                                    fai_cascade_points *pts, fai_error *err) {
  const fai_scenario *sc = tl->sc;
  fai_status st = FAI_OK;
  pctx c;
  int *on_path = NULL;
  memset(&c, 0, sizeof c);
  memset(pts, 0, sizeof *pts);
  if (tl->n_users < 1 || !tl->user_vis)
    return fai_error_set(err, FAI_EINVAL, "cascade: the timeline has no users (a ground grid)");
  if (prm->max_isl_hops < 0 || prm->max_isl_hops > 8)
    return fai_error_set(err, FAI_EINVAL, "cascade: max_isl_hops %d; expected 0..8",
                         prm->max_isl_hops);
  FAI_TRY(fai_cascade_points_alloc(tl->n_snaps, tl->n_users, pts, err));
  memcpy(pts->t_s, tl->t_s, (size_t)tl->n_snaps * sizeof *tl->t_s);
  c.tl = tl;
  c.prm = prm;
  FAI_TRY(fai_ground_build(&sc->users, &c.users, err));
  FAI_TRY(fai_ground_build(&sc->stations, &c.stations, err));
  const int N = tl->n_sats;
  c.adj_off = calloc((size_t)N + 1, sizeof *c.adj_off);
  c.adj_nb = malloc(((size_t)tl->n_links * 2 + 1) * sizeof *c.adj_nb);
  c.adj_link = malloc(((size_t)tl->n_links * 2 + 1) * sizeof *c.adj_link);
  c.csat_off = calloc((size_t)N + 1, sizeof *c.csat_off);
  c.csat = malloc((tl->n_contacts + 1) * sizeof *c.csat);
  on_path = calloc((size_t)N, sizeof *on_path);
  if (!c.adj_off || !c.adj_nb || !c.adj_link || !c.csat_off || !c.csat || !on_path) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory for cascade link tables");
    goto cleanup;
  }
  for (int l = 0; l < tl->n_links; l++) {
    c.adj_off[tl->link_a[l] + 1]++;
    c.adj_off[tl->link_b[l] + 1]++;
  }
  for (int s = 0; s < N; s++) c.adj_off[s + 1] += c.adj_off[s];
  {
    int *fill = calloc((size_t)N, sizeof *fill);
    if (!fill) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory for cascade link tables");
      goto cleanup;
    }
    for (int l = 0; l < tl->n_links; l++) {
      const int a = tl->link_a[l], b = tl->link_b[l];
      c.adj_nb[c.adj_off[a] + fill[a]] = b;
      c.adj_link[c.adj_off[a] + fill[a]++] = l;
      c.adj_nb[c.adj_off[b] + fill[b]] = a;
      c.adj_link[c.adj_off[b] + fill[b]++] = l;
    }
    free(fill);
  }
  {
    csort *cs = malloc((tl->n_contacts + 1) * sizeof *cs);
    if (!cs) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory for cascade contact index");
      goto cleanup;
    }
    for (size_t k = 0; k < tl->n_contacts; k++) {
      cs[k].sat = tl->contacts[k].sat;
      cs[k].idx = (int)k;
      cs[k].rise_s = tl->contacts[k].rise_s;
      c.csat_off[tl->contacts[k].sat + 1]++;
    }
    qsort(cs, tl->n_contacts, sizeof *cs, cmp_contact_sat);
    for (size_t k = 0; k < tl->n_contacts; k++) c.csat[k] = cs[k].idx;
    free(cs);
  }
  for (int s = 0; s < N; s++) c.csat_off[s + 1] += c.csat_off[s];

  for (int t = 0; t < tl->n_snaps; t++)
    for (int u = 0; u < tl->n_users; u++) build_point(&c, t, u, pts, on_path);
  for (int64_t p = 0; p < pts->n_points; p++) {
    const double *lk = pts->links + (size_t)p * FAI_CASCADE_LINKS * FAI_CASCADE_LINK_FIELDS;
    pts->covered += pts->serving[p] >= 0;
    pts->with_station += lk[FAI_CASCADE_L_GS1 * FAI_CASCADE_LINK_FIELDS + FAI_CASCADE_F_LO] <
                         FAI_CASCADE_NEVER;
    pts->with_isl += lk[FAI_CASCADE_L_ISL * FAI_CASCADE_LINK_FIELDS + FAI_CASCADE_F_LO] <
                     FAI_CASCADE_NEVER;
  }
cleanup:
  fai_ground_free(&c.users);
  fai_ground_free(&c.stations);
  free(c.adj_off);
  free(c.adj_nb);
  free(c.adj_link);
  free(c.csat_off);
  free(c.csat);
  free(on_path);
  if (st != FAI_OK) fai_cascade_points_free(pts);
  return st;
}
