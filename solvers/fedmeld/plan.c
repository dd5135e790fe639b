/* FedMeld planner: timeline → area windows, carries, carry times and
 * staleness, access-link times from link budgets, the SC-MR design, and the
 * timing of the dispersal scheme and of the ground-station and ISL
 * baselines, all from the same timeline (PAPERS §4, §13).
 *
 * Every step is a deterministic function of the timeline (sorted lists,
 * index-order reductions; the per-snapshot ISL aggregation is an OpenMP loop
 * writing disjoint slots), so plans are identical for any thread count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <omp.h>

#include "fluidai/common.h"
#include "fluidai/fedmeld.h"
#include "fluidai/json.h"
#include "fluidai/log.h"
#include "fluidai/mba.h"
#include "fluidai/orbitgen.h"
#include "fluidai/plan.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* CPU time of the whole process (all threads): on a shared machine it shows
 * the work done where wall time shows the waiting too. */
static double cpu_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void fai_fedmeld_plan_params_init(fai_fedmeld_plan_params *p) {
  memset(p, 0, sizeof *p);
  fai_fedmeld_constants_init(&p->k);
  p->model_bits = 6374720;  /* (784·200+200 + 200·200+200 + 200·10+10) float32 parameters */
  p->horizon_s = 0;
  p->fixed_tau = 5;
  p->baseline_tau = 0;
  p->delta_cap = 0;
  p->threads = 0;
  p->max_carries = 0;
}

void fai_fedmeld_plan_result_free(fai_fedmeld_plan_result *r) {
  if (!r) return;
  free(r->win);
  free(r->carry);
  r->win = NULL;
  r->carry = NULL;
  r->n_win = r->n_carry = 0;
}

/* --- small helpers ------------------------------------------------------------------ */

typedef struct ivec {
  double *a;      /* [2n] start, end */
  size_t n, cap;
} ivec;

static int ivec_push(ivec *v, double s, double e) {
  if (v->n == v->cap) {
    size_t cap = v->cap ? 2 * v->cap : 16;
    double *a = realloc(v->a, 2 * cap * sizeof *a);
    if (!a) return -1;
    v->a = a;
    v->cap = cap;
  }
  v->a[2 * v->n] = s;
  v->a[2 * v->n + 1] = e;
  v->n++;
  return 0;
}

static int cmp_double(const void *x, const void *y) {
  const double a = *(const double *)x, b = *(const double *)y;
  return (a > b) - (a < b);
}

static int cmp_interval(const void *x, const void *y) {
  const double *a = x, *b = y;
  if (a[0] != b[0]) return (a[0] > b[0]) - (a[0] < b[0]);
  return (a[1] > b[1]) - (a[1] < b[1]);
}

/* Sort and merge overlapping intervals in place. */
static void ivec_merge(ivec *v) {
  if (v->n == 0) return;
  qsort(v->a, v->n, 2 * sizeof(double), cmp_interval);
  size_t k = 0;
  for (size_t i = 1; i < v->n; i++) {
    if (v->a[2 * i] <= v->a[2 * k + 1]) {
      if (v->a[2 * i + 1] > v->a[2 * k + 1]) v->a[2 * k + 1] = v->a[2 * i + 1];
    } else {
      k++;
      v->a[2 * k] = v->a[2 * i];
      v->a[2 * k + 1] = v->a[2 * i + 1];
    }
  }
  v->n = k + 1;
}

/* Earliest time >= t inside the merged intervals (+inf when none). */
static double ivec_next(const ivec *v, double t) {
  size_t lo = 0, hi = v->n;  /* first interval with end > t ... */
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (v->a[2 * mid + 1] < t) lo = mid + 1;
    else hi = mid;
  }
  if (lo == v->n) return HUGE_VAL;
  return v->a[2 * lo] > t ? v->a[2 * lo] : t;
}

static int cmp_win_area(const void *x, const void *y) {
  const fai_fedmeld_window *a = x, *b = y;
  if (a->area != b->area) return a->area - b->area;
  if (a->rise_s != b->rise_s) return (a->rise_s > b->rise_s) - (a->rise_s < b->rise_s);
  return a->sat - b->sat;
}

static int cmp_win_sat(const void *x, const void *y) {
  const fai_fedmeld_window *a = x, *b = y;
  if (a->sat != b->sat) return a->sat - b->sat;
  if (a->rise_s != b->rise_s) return (a->rise_s > b->rise_s) - (a->rise_s < b->rise_s);
  return a->area - b->area;
}

static int cmp_win_area_sat(const void *x, const void *y) {
  const fai_fedmeld_window *a = x, *b = y;
  if (a->area != b->area) return a->area - b->area;
  if (a->sat != b->sat) return a->sat - b->sat;
  return (a->rise_s > b->rise_s) - (a->rise_s < b->rise_s);
}

static int cmp_carry(const void *x, const void *y) {
  const fai_fedmeld_carry *a = x, *b = y;
  if (a->from != b->from) return a->from - b->from;
  if (a->depart_s != b->depart_s) return (a->depart_s > b->depart_s) - (a->depart_s < b->depart_s);
  return a->sat - b->sat;
}

/* Slant range (m) from the ground to a satellite at orbit radius a_m seen at elevation e. */
static double slant_range(double a_m, double elev_rad) {
  const double R = FAI_R_EARTH_M, c = R * cos(elev_rad);
  return sqrt(a_m * a_m - c * c) - R * sin(elev_rad);
}

/* --- planner state ---------------------------------------------------------------------- */

typedef struct planner {
  const fai_timeline *tl;
  const fai_fedmeld_areas *areas;
  const fai_fedmeld_plan_params *p;
  int N, S, n_gs;
  double D;                 /* timeline duration (s) */
  double T;                 /* budget (s) */
  ivec cover[FAI_FEDMELD_MAX_AREAS];  /* merged coverage per area */
  double max_win[FAI_FEDMELD_MAX_AREAS];
  fai_fedmeld_window *by_as;  /* windows sorted by area, sat, rise */
  size_t *as_off;             /* [N·S + 1] */
  ivec *gs;                   /* [S] merged ground-station contacts per satellite */
  double feeder_s;            /* one model over a feeder link (s) */
  double *client_ecef;        /* [n_clients][3] (m) */
} planner;

static void planner_free(planner *pl) {
  free(pl->client_ecef);
  for (int n = 0; n < FAI_FEDMELD_MAX_AREAS; n++) free(pl->cover[n].a);
  free(pl->by_as);
  free(pl->as_off);
  if (pl->gs)
    for (int s = 0; s < pl->S; s++) free(pl->gs[s].a);
  free(pl->gs);
}

/* Area windows: per satellite, the intersection of the area's clients'
 * contact windows. */
static fai_status build_windows(planner *pl, fai_fedmeld_plan_result *r, fai_error *err) {
  const fai_timeline *tl = pl->tl;
  const int G = tl->n_stations, S = pl->S;
  fai_status st = FAI_OK;
  /* first contact of each (station, satellite); contacts are sorted by station, sat, rise */
  size_t *first = malloc(((size_t)G * S + 1) * sizeof *first);
  ivec cur = {0}, nxt = {0};
  size_t cap = 0;
  if (!first) return fai_error_set(err, FAI_ENOMEM, "out of memory (contact index)");
  {
    size_t c = 0;
    for (size_t gs = 0; gs < (size_t)G * S; gs++) {
      const int g = (int)(gs / S), s = (int)(gs % S);
      while (c < tl->n_contacts && (tl->contacts[c].station < g ||
                                    (tl->contacts[c].station == g && tl->contacts[c].sat < s)))
        c++;
      first[gs] = c;
    }
    first[(size_t)G * S] = tl->n_contacts;
  }
#define CEND(g, s) (first[(size_t)(g) * S + (s) + 1])
  const double t0 = tl->t_s[0], t1 = tl->t_s[tl->n_snaps - 1];
  for (int n = 0; n < pl->N; n++) {
    const fai_fedmeld_area *ar = &pl->areas->v[n];
    /* the area's points: its clients, or its site alone (coverage "site") */
    const int g0 = pl->n_gs + (pl->areas->coverage_site ? n : ar->client_off);
    const int npts = pl->areas->coverage_site ? 1 : ar->n_clients;
    for (int s = 0; s < S; s++) {
      cur.n = 0;
      for (size_t c = first[(size_t)g0 * S + s]; c < CEND(g0, s); c++)
        if (ivec_push(&cur, tl->contacts[c].rise_s, tl->contacts[c].set_s)) goto oom;
      for (int j = 1; j < npts && cur.n; j++) {
        const int g = g0 + j;
        nxt.n = 0;
        size_t i = 0, c = first[(size_t)g * S + s];
        while (i < cur.n && c < CEND(g, s)) {
          const double a0 = cur.a[2 * i], a1 = cur.a[2 * i + 1];
          const double b0 = tl->contacts[c].rise_s, b1 = tl->contacts[c].set_s;
          const double lo = a0 > b0 ? a0 : b0, hi = a1 < b1 ? a1 : b1;
          if (hi > lo && ivec_push(&nxt, lo, hi)) goto oom;
          if (a1 < b1) i++;
          else c++;
        }
        ivec tmp = cur;
        cur = nxt;
        nxt = tmp;
      }
      for (size_t i = 0; i < cur.n; i++) {
        if (!(cur.a[2 * i + 1] > cur.a[2 * i])) continue;
        if (r->n_win == cap) {
          cap = cap ? 2 * cap : 1024;
          fai_fedmeld_window *w = realloc(r->win, cap * sizeof *w);
          if (!w) goto oom;
          r->win = w;
        }
        fai_fedmeld_window *w = &r->win[r->n_win++];
        w->area = n;
        w->sat = s;
        w->rise_s = cur.a[2 * i];
        w->set_s = cur.a[2 * i + 1];
        w->clipped = (w->rise_s <= t0 + 1e-6 ? 1 : 0) | (w->set_s >= t1 - 1e-6 ? 2 : 0);
      }
    }
  }
#undef CEND
  if (r->n_win) qsort(r->win, r->n_win, sizeof *r->win, cmp_win_area);
  goto done;
oom:
  st = fai_error_set(err, FAI_ENOMEM, "out of memory (area windows)");
done:
  free(first);
  free(cur.a);
  free(nxt.a);
  return st;
}

/* Coverage statistics; uncovered areas are an input error naming them. */
static fai_status area_stats(planner *pl, fai_fedmeld_plan_result *r, fai_error *err) {
  char names[FAI_ERROR_MSG_MAX / 2] = "";
  int missing = 0;
  size_t w = 0;
  for (int n = 0; n < pl->N; n++) {
    fai_fedmeld_area_stats *as = &r->area[n];
    ivec *cv = &pl->cover[n];
    double len = 0;
    as->first_cover_s = HUGE_VAL;
    for (; w < r->n_win && r->win[w].area == n; w++) {
      const fai_fedmeld_window *x = &r->win[w];
      as->windows++;
      len += x->set_s - x->rise_s;
      if (x->set_s - x->rise_s > pl->max_win[n]) pl->max_win[n] = x->set_s - x->rise_s;
      if (x->rise_s < as->first_cover_s) as->first_cover_s = x->rise_s;
      if (ivec_push(cv, x->rise_s, x->set_s))
        return fai_error_set(err, FAI_ENOMEM, "out of memory (coverage)");
    }
    if (!as->windows) {
      size_t l = strlen(names);
      snprintf(names + l, sizeof names - l, "%s\"%s\"", missing ? ", " : "",
               pl->areas->v[n].name);
      missing++;
      continue;
    }
    as->mean_window_s = len / as->windows;
    ivec_merge(cv);
    double covered = 0, gap = cv->a[0] - pl->tl->t_s[0], prev = cv->a[1];
    for (size_t i = 0; i < cv->n; i++) {
      covered += cv->a[2 * i + 1] - cv->a[2 * i];
      if (i && cv->a[2 * i] - prev > gap) gap = cv->a[2 * i] - prev;
      prev = cv->a[2 * i + 1];
    }
    if (pl->tl->t_s[pl->tl->n_snaps - 1] - prev > gap) gap = pl->tl->t_s[pl->tl->n_snaps - 1] - prev;
    as->coverage = pl->D > 0 ? covered / pl->D : 1;
    as->max_gap_s = gap;
  }
  if (missing)
    return fai_error_set_at(err, FAI_EINVAL, pl->areas->source, 0, 0, NULL,
                            "%d area%s never covered within the %g s timeline (no satellite seen "
                            "by %s at elevation >= %g°): %s",
                            missing, missing > 1 ? "s" : "", pl->D,
                            pl->areas->coverage_site ? "the area's site" : "all of the area's clients",
                            pl->areas->min_elev_deg, names);
  return FAI_OK;
}

/* Carries and their statistics per ring pair. */
static fai_status carries(planner *pl, fai_fedmeld_plan_result *r, fai_error *err) {
  const int N = pl->N;
  fai_fedmeld_window *bs = malloc((r->n_win ? r->n_win : 1) * sizeof *bs);
  if (!bs) return fai_error_set(err, FAI_ENOMEM, "out of memory (carries)");
  memcpy(bs, r->win, r->n_win * sizeof *bs);
  qsort(bs, r->n_win, sizeof *bs, cmp_win_sat);
  size_t cap = 0;
  for (size_t i = 0; i + 1 < r->n_win; i++) {
    const fai_fedmeld_window *a = &bs[i], *b = &bs[i + 1];
    if (a->sat != b->sat || b->area != (a->area + 1) % N) continue;
    if ((a->clipped & 1) || (b->clipped & 2)) continue;  /* a clipped window has no true middle */
    if (r->n_carry == cap) {
      cap = cap ? 2 * cap : 1024;
      fai_fedmeld_carry *c = realloc(r->carry, cap * sizeof *c);
      if (!c) {
        free(bs);
        return fai_error_set(err, FAI_ENOMEM, "out of memory (carries)");
      }
      r->carry = c;
    }
    fai_fedmeld_carry *c = &r->carry[r->n_carry++];
    c->sat = a->sat;
    c->from = a->area;
    c->to = b->area;
    c->depart_s = a->set_s;
    c->arrive_s = b->rise_s > a->set_s ? b->rise_s : a->set_s;
    c->carry_s = 0.5 * (b->rise_s + b->set_s) - 0.5 * (a->rise_s + a->set_s);
  }
  free(bs);
  if (r->n_carry) qsort(r->carry, r->n_carry, sizeof *r->carry, cmp_carry);
  /* per-pair statistics */
  double *buf = malloc((r->n_carry ? r->n_carry : 1) * 2 * sizeof *buf);
  if (!buf) return fai_error_set(err, FAI_ENOMEM, "out of memory (carries)");
  char names[FAI_ERROR_MSG_MAX / 2] = "";
  int missing = 0;
  size_t c = 0;
  r->t_travel_s = 0;
  for (int n = 0; n < N; n++) {
    fai_fedmeld_pair_stats *ps = &r->pair[n];
    size_t k = 0;
    double sum = 0;
    const size_t c0 = c;
    for (; c < r->n_carry && r->carry[c].from == n; c++) {
      buf[k++] = r->carry[c].carry_s;
      sum += r->carry[c].carry_s;
    }
    ps->carries = (int)k;
    if (!k) {
      size_t l = strlen(names);
      snprintf(names + l, sizeof names - l, "%s\"%s\" → \"%s\"", missing ? ", " : "",
               pl->areas->v[n].name, pl->areas->v[(n + 1) % N].name);
      missing++;
      continue;
    }
    qsort(buf, k, sizeof *buf, cmp_double);
    ps->travel_min_s = buf[0];
    ps->travel_max_s = buf[k - 1];
    ps->travel_median_s = (k & 1) ? buf[k / 2] : 0.5 * (buf[k / 2 - 1] + buf[k / 2]);
    ps->travel_mean_s = sum / (double)k;
    /* age of the freshest carried model at the receiving area, time-averaged
     * from the first arrival to the end of the timeline */
    for (size_t i = 0; i < k; i++) {
      buf[2 * i] = r->carry[c0 + i].arrive_s;
      buf[2 * i + 1] = r->carry[c0 + i].depart_s;
    }
    qsort(buf, k, 2 * sizeof *buf, cmp_interval);
    const double end = pl->tl->t_s[pl->tl->n_snaps - 1];
    double fresh = -HUGE_VAL, area_int = 0, span = 0;
    for (size_t i = 0; i < k; i++) {
      if (buf[2 * i + 1] > fresh) fresh = buf[2 * i + 1];
      const double a = buf[2 * i], b = i + 1 < k ? buf[2 * i + 2] : end;
      if (b > a) {
        area_int += 0.5 * (b - a) * (a + b) - fresh * (b - a);
        span += b - a;
      }
    }
    ps->aoi_mean_s = span > 0 ? area_int / span : ps->travel_median_s;
    if (ps->travel_median_s > r->t_travel_s) r->t_travel_s = ps->travel_median_s;
  }
  free(buf);
  if (missing)
    return fai_error_set_at(err, FAI_EINVAL, pl->areas->source, 0, 0, NULL,
                            "no satellite carries a model along %d ring pair%s within the %g s "
                            "timeline: %s (areas must be listed in ground-track order)",
                            missing, missing > 1 ? "s" : "", pl->D, names);
  return FAI_OK;
}

/* --- access links ----------------------------------------------------------------------- */

typedef struct access_cost {
  double t_up, t_down, e_up, e_down, min_gain;
} access_cost;

/* Upload (FDMA or TDMA) and multicast download for one area with the
 * satellite at ECEF position pos. */
static fai_status access_at(const planner *pl, int n, const double pos[3], access_cost *out,
                            fai_error *err) {
  const fai_fedmeld_radio *rd = &pl->areas->radio;
  const fai_fedmeld_area *ar = &pl->areas->v[n];
  const int K = ar->n_clients;
  double gains[FAI_FEDMELD_MAX_CLIENTS];
  const double n0 = pow(10.0, (rd->noise_dbm_hz - 30) / 10);
  const double bits = pl->p->model_bits;
  double t_up = 0, e_up = 0, gmin = HUGE_VAL;
  for (int j = 0; j < K; j++) {
    const double *site = pl->client_ecef + 3 * (size_t)(ar->client_off + j);
    const double d = sqrt((pos[0] - site[0]) * (pos[0] - site[0]) +
                          (pos[1] - site[1]) * (pos[1] - site[1]) +
                          (pos[2] - site[2]) * (pos[2] - site[2]));
    const double g_db = rd->sat_gain_dbi + rd->client_gain_dbi - fai_fspl_db(d, rd->frequency_hz) -
                        rd->losses_db;
    gains[j] = pow(10.0, g_db / 10);
    if (gains[j] < gmin) gmin = gains[j];
    const double B = rd->uplink_tdma ? rd->ul_bandwidth_hz : rd->ul_bandwidth_hz / K;
    const double rate = B * log2(1 + rd->client_power_w * gains[j] / (B * n0));
    const double t = bits / rate;
    if (rd->uplink_tdma) t_up += t;
    else if (t > t_up) t_up = t;
    e_up += rd->client_power_w * t;
  }
  fai_multicast mc;
  fai_status st = fai_multicast_solve(bits, gains, K, rd->dl_bandwidth_hz, n0, rd->dl_energy_j,
                                      rd->sat_power_w, &mc, err);
  if (st != FAI_OK) return st;
  if (!mc.feasible)
    return fai_error_set_at(err, FAI_EINVAL, pl->areas->source, 0, 0, "$.radio.dl_energy_j",
                            "the downlink energy budget %g J is below what one broadcast to area "
                            "\"%s\" needs", rd->dl_energy_j, ar->name);
  out->t_up = t_up;
  out->e_up = e_up;
  out->t_down = mc.duration_s;
  out->e_down = mc.energy_j;
  out->min_gain = gmin;
  return FAI_OK;
}

static int cmp_cost(const void *x, const void *y) {
  const access_cost *a = x, *b = y;
  const double u = a->t_up + a->t_down, v = b->t_up + b->t_down;
  return (u > v) - (u < v);
}

/* Per area: for every window the worst of {rise, middle, set} (the clients at
 * the window's edge see the satellite at the mask), then the median window. */
static fai_status access_links(planner *pl, fai_fedmeld_plan_result *r, fai_error *err) {
  const fai_timeline *tl = pl->tl;
  const fai_scenario *sc = tl->sc;
  fai_propagator prop = {&sc->constellation, sc->epoch_unix, sc->j2, tl->sgp4};
  const long long nw = (long long)r->n_win;
  access_cost *cost = malloc((nw ? (size_t)nw : 1) * sizeof *cost);
  int *bad = calloc((nw ? (size_t)nw : 1), sizeof *bad);
  if (!cost || !bad) {
    free(cost);
    free(bad);
    return fai_error_set(err, FAI_ENOMEM, "out of memory (access links)");
  }
  fai_status st = FAI_OK;
  /* Each window independently (disjoint slots, so any thread count gives the
   * same numbers): the worse of the two window edges, where the limiting
   * client sees the satellite at the mask (the middle is the best case). */
#pragma omp parallel for schedule(dynamic, 256) \
    num_threads(pl->p->threads > 0 ? pl->p->threads : omp_get_max_threads())
  for (long long w = 0; w < nw; w++) {
    const fai_fedmeld_window *x = &r->win[w];
    const double ts[2] = {x->rise_s, x->set_s};
    access_cost best = {0, 0, 0, 0, 0};
    for (int i = 0; i < 2; i++) {
      double pos[3], vel[3];
      fai_propagate_sat(&prop, x->sat, ts[i], pos, vel);
      access_cost ac = {0, 0, 0, 0, 0};
      if (access_at(pl, x->area, pos, &ac, NULL) != FAI_OK) {
        bad[w] = 1;
        break;
      }
      if (i == 0 || ac.t_up + ac.t_down > best.t_up + best.t_down) best = ac;
    }
    cost[w] = best;
  }
  for (long long w = 0; w < nw; w++)
    if (bad[w]) {  /* the first failure again, for its message */
      double pos[3], vel[3];
      access_cost ac;
      fai_propagate_sat(&prop, r->win[w].sat, r->win[w].rise_s, pos, vel);
      st = access_at(pl, r->win[w].area, pos, &ac, err);
      if (st == FAI_OK) {
        fai_propagate_sat(&prop, r->win[w].sat, r->win[w].set_s, pos, vel);
        st = access_at(pl, r->win[w].area, pos, &ac, err);
      }
      if (st == FAI_OK) st = fai_error_set(err, FAI_EINTERNAL, "access link evaluation failed");
      goto done;
    }
  {
    size_t w = 0;
    double worst = -1;
    r->energy_round_j = 0;
    for (int n = 0; n < pl->N; n++) {
      const size_t w0 = w;
      while (w < r->n_win && r->win[w].area == n) w++;
      const size_t k = w - w0;
      qsort(cost + w0, k, sizeof *cost, cmp_cost);
      const access_cost *m = &cost[w0 + k / 2];
      fai_fedmeld_area_stats *as = &r->area[n];
      as->t_up_s = m->t_up;
      as->t_down_s = m->t_down;
      as->up_energy_j = m->e_up;
      as->down_energy_j = m->e_down;
      as->min_gain_db = 10 * log10(m->min_gain);
      r->energy_round_j += m->e_up + m->e_down;
      if (m->t_up + m->t_down > worst) {
        worst = m->t_up + m->t_down;
        r->t_up_s = m->t_up;
        r->t_down_s = m->t_down;
      }
    }
    r->t_com_s = r->t_up_s + r->t_down_s;
  }
done:
  free(cost);
  free(bad);
  return st;
}

/* --- schemes' round timing -------------------------------------------------------------- */

/* The satellite serving area n from time t: among windows covering t the one
 * that stays longest, else the first window starting after t.  *at = when
 * service starts (t or a later rise); -1 when none is left. */
static int serve(const planner *pl, const fai_fedmeld_plan_result *r, int n, double t, double *at) {
  /* windows of area n occupy a contiguous block sorted by rise */
  size_t lo = 0, hi = r->n_win;
  while (lo < hi) {  /* first window of area >= n */
    size_t mid = (lo + hi) / 2;
    if (r->win[mid].area < n) lo = mid + 1;
    else hi = mid;
  }
  const size_t b0 = lo;
  hi = r->n_win;
  while (lo < hi) {  /* first window of area n with rise > t (or of a later area) */
    size_t mid = (lo + hi) / 2;
    if (r->win[mid].area < n || (r->win[mid].area == n && r->win[mid].rise_s <= t)) lo = mid + 1;
    else hi = mid;
  }
  int best = -1;
  double best_set = t;
  for (size_t i = lo; i > b0; i--) {
    const fai_fedmeld_window *x = &r->win[i - 1];
    if (x->rise_s < t - pl->max_win[n]) break;
    if (x->set_s > best_set) {
      best_set = x->set_s;
      best = x->sat;
    }
  }
  if (best >= 0) {
    *at = t;
    return best;
  }
  if (lo < r->n_win && r->win[lo].area == n) {
    *at = r->win[lo].rise_s;
    return r->win[lo].sat;
  }
  *at = HUGE_VAL;
  return -1;
}

/* FedMeld rounds of interval T_I: every area computes τ steps, then its
 * communication phase needs coverage (waiting for the next window if none). */
static void sim_dispersal(const planner *pl, const fai_fedmeld_plan_result *r, int tau,
                          fai_fedmeld_baseline *out) {
  const double tc = tau * pl->p->k.t_cmp_s;
  double t = 0;
  long long rounds = 0;
  memset(out, 0, sizeof *out);
  out->first_round_at_s = HUGE_VAL;
  double waited = 0;
  for (;;) {
    double end = t;
    for (int n = 0; n < pl->N; n++) {
      const double c = ivec_next(&pl->cover[n], t + tc);
      if (c + r->t_com_s > end) end = c + r->t_com_s;
    }
    if (!(end <= pl->T)) break;
    waited += end - t - tc - r->t_com_s;
    if (!rounds) out->first_round_at_s = end;
    rounds++;
    t = end;
    if (fai_interrupted()) break;
  }
  out->rounds = rounds;
  out->mean_round_s = rounds ? t / (double)rounds : HUGE_VAL;
  out->mean_wait_s = rounds ? waited / (double)rounds : 0;
}

/* Earliest time >= t that satellite s is in contact with a ground station. */
static double gs_next(const planner *pl, int s, double t) { return ivec_next(&pl->gs[s], t); }

/* First time >= t that satellite s covers area n (+inf when never). */
static double area_sat_next(const planner *pl, int n, int s, double t) {
  const size_t b = pl->as_off[(size_t)n * pl->S + s], e = pl->as_off[(size_t)n * pl->S + s + 1];
  for (size_t i = b; i < e; i++)
    if (pl->by_as[i].set_s > t) return pl->by_as[i].rise_s > t ? pl->by_as[i].rise_s : t;
  return HUGE_VAL;
}

/* When area n's model, uploaded from time x on, is at a ground station: the
 * clients upload to whichever satellite covering the area (then, or the first
 * to rise after x when none does) reaches a ground station first. */
static double gs_upload_ready(const planner *pl, const fai_fedmeld_plan_result *r, int n,
                              double x) {
  size_t lo = 0, hi = r->n_win;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (r->win[mid].area < n || (r->win[mid].area == n && r->win[mid].rise_s <= x)) lo = mid + 1;
    else hi = mid;
  }
  double best = HUGE_VAL;
  for (size_t i = lo; i > 0; i--) {
    const fai_fedmeld_window *w = &r->win[i - 1];
    if (w->area != n || w->rise_s < x - pl->max_win[n]) break;
    if (w->set_s < x + r->t_up_s) continue;
    const double g = gs_next(pl, w->sat, x + r->t_up_s) + pl->feeder_s;
    if (g < best) best = g;
  }
  if (best < HUGE_VAL) return best;
  if (lo < r->n_win && r->win[lo].area == n)
    return gs_next(pl, r->win[lo].sat, r->win[lo].rise_s + r->t_up_s) + pl->feeder_s;
  return HUGE_VAL;
}

/* Ground-station-assisted hierarchical FL: per round, every area's model goes
 * up to a satellite overhead, which carries it until it sees a ground
 * station (feeder link down); the global FedAvg waits for all areas; the
 * global model goes up to satellites at ground-station contact, and the first
 * of them to reach each area broadcasts it there. */
static void sim_gs(const planner *pl, const fai_fedmeld_plan_result *r, int tau,
                   fai_fedmeld_baseline *out) {
  const double tc = tau * pl->p->k.t_cmp_s;
  const double bits = pl->p->model_bits;
  double t = 0, waited = 0;
  long long rounds = 0;
  memset(out, 0, sizeof *out);
  out->first_round_at_s = HUGE_VAL;
  for (;;) {
    double tg = t;
    for (int n = 0; n < pl->N && tg < HUGE_VAL; n++) {
      const double ready = gs_upload_ready(pl, r, n, t + tc);
      if (ready > tg) tg = ready;
    }
    double end = tg;
    for (int n = 0; n < pl->N && end < HUGE_VAL; n++) {
      double arr = HUGE_VAL;
      for (int s = 0; s < pl->S; s++) {
        const double g = gs_next(pl, s, tg);
        if (!(g < arr)) continue;
        const double a = area_sat_next(pl, n, s, g + pl->feeder_s);
        if (a < arr) arr = a;
      }
      if (arr + r->t_down_s > end) end = arr + r->t_down_s;
    }
    if (!(end <= pl->T)) break;
    waited += end - t - tc - r->t_up_s - r->t_down_s - 2 * pl->feeder_s;
    if (!rounds) out->first_round_at_s = end;
    rounds++;
    t = end;
    if (fai_interrupted()) break;
  }
  const int K = pl->areas->v[0].n_clients;
  out->rounds = rounds;
  out->mean_round_s = rounds ? t / (double)rounds : HUGE_VAL;
  out->mean_wait_s = rounds ? waited / (double)rounds : 0;
  out->access_bits_round = 0;
  for (int n = 0; n < pl->N; n++) out->access_bits_round += (pl->areas->v[n].n_clients + 1) * bits;
  (void)K;
  out->feeder_bits_round = 2.0 * pl->N * bits;
  out->isl_bits_round = 0;
}

/* ISL aggregation per snapshot: the areas' serving satellites reduce to the
 * root that minimises the largest hop count (ties: lowest satellite id) along
 * BFS shortest paths of the alive ISL graph, then the root broadcasts back.
 * time = 2 · max over areas (hops·bits/rate + propagation); bits = 2·Σ hops·bits. */
typedef struct isl_snap {
  double agg_s;     /* +inf when an area is uncovered or unreachable at the snapshot */
  double hops_sum;
  int hops_max;
} isl_snap;

static fai_status isl_table(const planner *pl, const fai_fedmeld_plan_result *r, isl_snap *tab,
                            fai_error *err) {
  const fai_timeline *tl = pl->tl;
  const int S = pl->S, L = tl->n_links, T = tl->n_snaps, N = pl->N;
  const double rate = tl->sc->isl.rate_bps > 0 ? tl->sc->isl.rate_bps : 100e9;
  const double hop_s = pl->p->model_bits / rate;
  int fail = 0;
  /* CSR adjacency of all candidate links; per-snapshot aliveness is checked in the BFS */
  int *deg = calloc((size_t)S + 1, sizeof *deg);
  int *adj = malloc((size_t)(2 * L + 1) * sizeof *adj);
  int *adj_l = malloc((size_t)(2 * L + 1) * sizeof *adj_l);
  if (!deg || !adj || !adj_l) {
    free(deg), free(adj), free(adj_l);
    return fai_error_set(err, FAI_ENOMEM, "out of memory (ISL graph)");
  }
  for (int l = 0; l < L; l++) deg[tl->link_a[l] + 1]++, deg[tl->link_b[l] + 1]++;
  for (int s = 0; s < S; s++) deg[s + 1] += deg[s];
  {
    int *fill = malloc((size_t)S * sizeof *fill);
    if (!fill) {
      free(deg), free(adj), free(adj_l);
      return fai_error_set(err, FAI_ENOMEM, "out of memory (ISL graph)");
    }
    memcpy(fill, deg, (size_t)S * sizeof *fill);
    for (int l = 0; l < L; l++) {
      adj[fill[tl->link_a[l]]] = tl->link_b[l];
      adj_l[fill[tl->link_a[l]]++] = l;
      adj[fill[tl->link_b[l]]] = tl->link_a[l];
      adj_l[fill[tl->link_b[l]]++] = l;
    }
    free(fill);
  }
#pragma omp parallel num_threads(pl->p->threads > 0 ? pl->p->threads : omp_get_max_threads())
  {
    int *hop = malloc((size_t)S * sizeof *hop);
    int *stamp = malloc((size_t)S * sizeof *stamp);
    double *prop = malloc((size_t)S * sizeof *prop);
    int *queue = malloc((size_t)S * sizeof *queue);
    int *row = malloc(((size_t)S + 1) * sizeof *row);     /* this snapshot's alive links (CSR) */
    int *col = malloc((size_t)(2 * L + 1) * sizeof *col);
    double *wgt = malloc((size_t)(2 * L + 1) * sizeof *wgt);
    int hops[FAI_FEDMELD_MAX_AREAS][FAI_FEDMELD_MAX_AREAS];
    double props[FAI_FEDMELD_MAX_AREAS][FAI_FEDMELD_MAX_AREAS];
    int bfs_id = 0;
    if (!hop || !stamp || !prop || !queue || !row || !col || !wgt) {
#pragma omp atomic write
      fail = 1;
    } else {
      for (int s = 0; s < S; s++) stamp[s] = -1;
    }
#pragma omp for schedule(static)
    for (int k = 0; k < T; k++) {
      isl_snap *o = &tab[k];
      o->agg_s = HUGE_VAL;
      o->hops_sum = 0;
      o->hops_max = 0;
      if (!hop || !stamp || !prop || !queue || !row || !col || !wgt) continue;
      int src[FAI_FEDMELD_MAX_AREAS];
      int ok = 1;
      for (int n = 0; n < N && ok; n++) {
        double at;
        src[n] = serve(pl, r, n, tl->t_s[k], &at);
        if (src[n] < 0 || at > tl->t_s[k]) ok = 0;
      }
      if (!ok) continue;
      const uint8_t *alive = tl->link_alive + (size_t)k * L;
      const double *dist = tl->link_dist + (size_t)k * L;
      int e2 = 0;
      for (int u = 0; u < S; u++) {
        row[u] = e2;
        for (int e = deg[u]; e < deg[u + 1]; e++)
          if (alive[adj_l[e]]) {
            col[e2] = adj[e];
            wgt[e2++] = dist[adj_l[e]] / FAI_C_M_S;
          }
      }
      row[S] = e2;
      for (int n = 0; n < N && ok; n++) {
        const int id = bfs_id++;
        int qh = 0, qt = 0;
        stamp[src[n]] = id;
        hop[src[n]] = 0;
        prop[src[n]] = 0;
        queue[qt++] = src[n];
        /* stop once every area's satellite is reached (BFS levels are final) */
        int left = 0;
        for (int m = 0; m < N; m++) {
          int dup = src[m] == src[n];
          for (int q = 0; q < m && !dup; q++) dup = src[q] == src[m];
          left += !dup;
        }
        while (qh < qt && left > 0) {
          const int u = queue[qh++];
          for (int e = row[u]; e < row[u + 1]; e++) {
            const int v = col[e];
            if (stamp[v] == id) continue;
            stamp[v] = id;
            hop[v] = hop[u] + 1;
            prop[v] = prop[u] + wgt[e];
            queue[qt++] = v;
            for (int m = 0; m < N; m++)
              if (src[m] == v) {
                left--;
                break;
              }
          }
        }
        for (int m = 0; m < N; m++) {
          const int reached = stamp[src[m]] == id;
          hops[n][m] = reached ? hop[src[m]] : -1;
          props[n][m] = reached ? prop[src[m]] : 0;
          if (!reached) ok = 0;
        }
      }
      if (!ok) continue;
      int best = -1, best_max = 0;
      for (int n = 0; n < N; n++) {
        int mx = 0;
        for (int m = 0; m < N; m++)
          if (hops[n][m] > mx) mx = hops[n][m];
        if (best < 0 || mx < best_max || (mx == best_max && src[n] < src[best])) {
          best = n;
          best_max = mx;
        }
      }
      double worst = 0, sum = 0;
      for (int m = 0; m < N; m++) {
        const double t = hops[best][m] * hop_s + props[best][m];
        if (t > worst) worst = t;
        sum += hops[best][m];
      }
      o->agg_s = 2 * worst;
      o->hops_sum = sum;
      o->hops_max = best_max;
    }
    free(stamp);
    free(row);
    free(col);
    free(wgt);
    free(hop);
    free(prop);
    free(queue);
  }
  free(deg);
  free(adj);
  free(adj_l);
  if (fail) return fai_error_set(err, FAI_ENOMEM, "out of memory (ISL search)");
  return FAI_OK;
}

static void sim_isl(const planner *pl, const fai_fedmeld_plan_result *r, const isl_snap *tab,
                    int tau, fai_fedmeld_baseline *out) {
  const fai_timeline *tl = pl->tl;
  const double tc = tau * pl->p->k.t_cmp_s;
  const double step = tl->n_snaps > 1 ? tl->t_s[1] - tl->t_s[0] : 1;
  double t = 0, waited = 0, hop_total = 0;
  long long rounds = 0;
  memset(out, 0, sizeof *out);
  out->first_round_at_s = HUGE_VAL;
  for (;;) {
    double tx = t + tc;
    for (int n = 0; n < pl->N && tx < HUGE_VAL; n++) {
      const double at = ivec_next(&pl->cover[n], t + tc);
      if (at + r->t_up_s > tx) tx = at + r->t_up_s;
    }
    if (!(tx <= pl->T)) break;
    /* the snapshot in force at tx, or the next one whose aggregation is possible */
    long k = (long)floor((tx - tl->t_s[0]) / step);
    if (k < 0) k = 0;
    double start = tx;
    while (k < tl->n_snaps && !(tab[k].agg_s < HUGE_VAL)) {
      k++;
      if (k < tl->n_snaps) start = tl->t_s[k] > tx ? tl->t_s[k] : tx;
    }
    if (k >= tl->n_snaps) break;
    const double end = start + tab[k].agg_s + r->t_down_s;
    if (!(end <= pl->T)) break;
    waited += end - t - tc - r->t_up_s - r->t_down_s - tab[k].agg_s;
    hop_total += tab[k].hops_sum;
    if (tab[k].hops_max > out->max_hops) out->max_hops = tab[k].hops_max;
    if (!rounds) out->first_round_at_s = end;
    rounds++;
    t = end;
    if (fai_interrupted()) break;
  }
  out->rounds = rounds;
  out->mean_round_s = rounds ? t / (double)rounds : HUGE_VAL;
  out->mean_wait_s = rounds ? waited / (double)rounds : 0;
  out->access_bits_round = 0;
  for (int n = 0; n < pl->N; n++)
    out->access_bits_round += (pl->areas->v[n].n_clients + 1) * pl->p->model_bits;
  out->feeder_bits_round = 0;
  out->isl_bits_round = rounds ? 2 * pl->p->model_bits * hop_total / (double)rounds : 0;
}

/* --- driver ------------------------------------------------------------------------------ */

static void set_scheme(fai_fedmeld_scheme *s, const char *name, fai_fl_scheme_kind kind, int tau,
                       double alpha, int delta, const fai_fedmeld_baseline *b) {
  memset(s, 0, sizeof *s);
  snprintf(s->name, sizeof s->name, "%s", name);
  s->kind = kind;
  s->tau = tau;
  s->alpha = alpha;
  s->delta = delta;
  s->round_s = b->mean_round_s;
  s->first_round_at_s = b->first_round_at_s;
  s->access_bits_round = b->access_bits_round;
  s->feeder_bits_round = b->feeder_bits_round;
  s->isl_bits_round = b->isl_bits_round;
}

fai_status fai_fedmeld_plan_from_timeline(const fai_timeline *tl, int n_gs,
                                          const fai_fedmeld_areas *areas,
                                          const fai_fedmeld_plan_params *p,
                                          fai_fedmeld_plan_result *r, fai_error *err) {
  const double t_start = now_s(), c_start = cpu_s();
  fai_status st = FAI_OK;
  planner pl;
  memset(&pl, 0, sizeof pl);
  isl_snap *tab = NULL;
  memset(r, 0, sizeof *r);
  if ((st = fai_fedmeld_constants_check(&p->k, err)) != FAI_OK) return st;
  if (!(p->model_bits > 0) || !isfinite(p->model_bits))
    return fai_error_set(err, FAI_EINVAL, "model size %g bits; expected a positive number",
                         p->model_bits);
  if (areas->n < 2) return fai_error_set(err, FAI_EINVAL, "%d areas; expected at least 2", areas->n);
  const int n_pts = areas->coverage_site ? areas->n : areas->n_clients;
  if (tl->n_stations != n_gs + n_pts || !tl->contacts)
    return fai_error_set(err, FAI_EINTERNAL,
                         "timeline has %d stations and %s contacts; expected %d ground stations + "
                         "%d area points with contact windows", tl->n_stations,
                         tl->contacts ? "with" : "no", n_gs, n_pts);
  pl.tl = tl;
  pl.areas = areas;
  pl.p = p;
  pl.N = areas->n;
  pl.S = tl->n_sats;
  pl.n_gs = n_gs;
  pl.D = tl->t_s[tl->n_snaps - 1] - tl->t_s[0];
  pl.T = p->horizon_s > 0 ? p->horizon_s : pl.D;
  if (pl.T > pl.D + 1e-9) {
    st = fai_error_set(err, FAI_EINVAL,
                       "time budget %g s is longer than the timeline (%g s); shorten --horizon or "
                       "lengthen the scenario's duration", pl.T, pl.D);
    goto cleanup;
  }
  pl.client_ecef = malloc(3 * (size_t)(areas->n_clients ? areas->n_clients : 1) * sizeof(double));
  if (!pl.client_ecef) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory (clients)");
    goto cleanup;
  }
  for (int c = 0; c < areas->n_clients; c++)
    fai_geodetic_to_ecef(areas->client_lat_deg[c] * FAI_DEG, areas->client_lon_deg[c] * FAI_DEG, 0,
                         pl.client_ecef + 3 * (size_t)c);
  r->n_areas = pl.N;
  r->n_sats = pl.S;
  r->horizon_s = pl.T;
  double ts = now_s();
#define STAGE(i)                        \
  do {                                  \
    const double now = now_s();         \
    r->stage_s[i] = now - ts;           \
    ts = now;                           \
  } while (0)
  FAI_TRY(build_windows(&pl, r, err));
  FAI_TRY(area_stats(&pl, r, err));
  STAGE(0);
  FAI_TRY(carries(&pl, r, err));
  STAGE(1);
  FAI_TRY(access_links(&pl, r, err));
  STAGE(2);
  FAI_TRY(fai_fedmeld_design_solve(&p->k, pl.N, pl.T, r->t_com_s, r->t_travel_s, p->delta_cap,
                                   &r->design, err));
  {
    /* ablations */
    const fai_fedmeld_design *d = &r->design;
    r->half_alpha_bound =
        fai_fedmeld_bound(&p->k, pl.N, pl.T, r->t_com_s, d->delta, d->tau, 0.5);
    fai_fedmeld_design *f = &r->fixed;
    *f = *d;
    const double tm = floor((pl.T - r->t_com_s) / p->k.t_cmp_s);
    f->tau = p->fixed_tau < tm ? p->fixed_tau : (int)tm;
    if (f->tau < 1) f->tau = 1;
    f->tau_cont = f->tau;
    f->round_s = f->tau * p->k.t_cmp_s + r->t_com_s;
    f->delta = fai_fedmeld_delta_of(r->t_travel_s, f->round_s);
    f->alpha = fai_fedmeld_alpha_bisect(&p->k, pl.N, f->delta);
    FAI_TRY(fai_fedmeld_alpha_nlopt(&p->k, pl.N, f->delta, &f->alpha_nlopt, err));
    f->bound = fai_fedmeld_bound(&p->k, pl.N, pl.T, r->t_com_s, f->delta, f->tau, f->alpha);
    f->rounds = (long long)floor(pl.T / f->round_s);
    r->fixed_tau_bound = f->bound;
  }
  STAGE(3);
  /* schemes' timing over the timeline */
  {
    const int S = pl.S;
    pl.by_as = malloc((r->n_win ? r->n_win : 1) * sizeof *pl.by_as);
    pl.as_off = calloc((size_t)pl.N * S + 1, sizeof *pl.as_off);
    pl.gs = calloc((size_t)S, sizeof *pl.gs);
    if (!pl.by_as || !pl.as_off || !pl.gs) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory (schedules)");
      goto cleanup;
    }
    memcpy(pl.by_as, r->win, r->n_win * sizeof *pl.by_as);
    qsort(pl.by_as, r->n_win, sizeof *pl.by_as, cmp_win_area_sat);
    for (size_t i = 0; i < r->n_win; i++)
      pl.as_off[(size_t)pl.by_as[i].area * S + pl.by_as[i].sat + 1]++;
    for (size_t i = 0; i < (size_t)pl.N * S; i++) pl.as_off[i + 1] += pl.as_off[i];
    for (size_t c = 0; c < tl->n_contacts; c++) {
      const fai_contact *x = &tl->contacts[c];
      if (x->station >= n_gs) break;  /* ground stations come first */
      if (ivec_push(&pl.gs[x->sat], x->rise_s, x->set_s)) {
        st = fai_error_set(err, FAI_ENOMEM, "out of memory (ground contacts)");
        goto cleanup;
      }
    }
    for (int s = 0; s < S; s++) ivec_merge(&pl.gs[s]);
    /* feeder link: one model at the slant range of the ground stations' mask */
    double a_m = FAI_R_EARTH_M + 550e3, mask = 25 * FAI_DEG;
    if (tl->n_snaps > 0 && S > 0) a_m = sqrt(tl->pos[0] * tl->pos[0] + tl->pos[1] * tl->pos[1] +
                                             tl->pos[2] * tl->pos[2]);
    if (n_gs > 0) mask = tl->sc->stations.v[0].min_elev_rad;
    const double feeder_bps = fai_radio_rate_bps(&tl->sc->gsl_radio, slant_range(a_m, mask));
    pl.feeder_s = feeder_bps > 0 ? p->model_bits / feeder_bps : HUGE_VAL;
    r->design.rounds = (long long)floor(pl.T / r->design.round_s);
    sim_dispersal(&pl, r, r->design.tau, &r->dispersal);
    fai_fedmeld_baseline fixed_sim;
    sim_dispersal(&pl, r, r->fixed.tau, &fixed_sim);
    STAGE(4);
    const int btau = p->baseline_tau > 0 ? p->baseline_tau : r->design.tau;
    if (n_gs > 0) sim_gs(&pl, r, btau, &r->gs);
    else {
      memset(&r->gs, 0, sizeof r->gs);
      r->gs.mean_round_s = r->gs.first_round_at_s = HUGE_VAL;
    }
    STAGE(5);
    tab = malloc((size_t)tl->n_snaps * sizeof *tab);
    if (!tab) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory (ISL table)");
      goto cleanup;
    }
    if (tl->n_links > 0) {
      FAI_TRY(isl_table(&pl, r, tab, err));
      sim_isl(&pl, r, tab, btau, &r->isl);
    } else {
      memset(&r->isl, 0, sizeof r->isl);
      r->isl.mean_round_s = r->isl.first_round_at_s = HUGE_VAL;
    }
    STAGE(6);
#undef STAGE
    double acc = 0;
    for (int n = 0; n < pl.N; n++) acc += (areas->v[n].n_clients + 1) * p->model_bits;
    r->dispersal.access_bits_round = fixed_sim.access_bits_round = acc;
    fai_fedmeld_timing *tm = &r->timing;
    memset(tm, 0, sizeof *tm);
    tm->n_areas = pl.N;
    tm->clients_per_area = areas->v[0].n_clients;
    for (int n = 1; n < pl.N; n++)
      if (areas->v[n].n_clients > tm->clients_per_area) tm->clients_per_area = areas->v[n].n_clients;
    tm->horizon_s = pl.T;
    tm->t_cmp_s = p->k.t_cmp_s;
    tm->t_com_s = r->t_com_s;
    tm->t_travel_s = r->t_travel_s;
    tm->model_bits = p->model_bits;
    const fai_fedmeld_design *d = &r->design;
    if (!(r->dispersal.rounds > 0) || !(fixed_sim.rounds > 0)) {
      st = fai_error_set(err, FAI_EINVAL,
                         "FedMeld completes no round within the %g s budget: an area is not "
                         "covered again in time", pl.T);
      goto cleanup;
    }
    /* The contract lists the schemes that complete a round; a baseline that
     * cannot (no ground-station contact in time, areas never connected over
     * ISLs) is left out with a warning and reported with rounds 0. */
    tm->n_schemes = 0;
    set_scheme(&tm->schemes[tm->n_schemes++], "fedmeld", FAI_FL_DISPERSAL, d->tau, d->alpha,
               d->delta, &r->dispersal);
    set_scheme(&tm->schemes[tm->n_schemes++], "fedmeld-half-alpha", FAI_FL_DISPERSAL, d->tau, 0.5,
               d->delta, &r->dispersal);
    set_scheme(&tm->schemes[tm->n_schemes++], "fedmeld-fixed-tau", FAI_FL_DISPERSAL, r->fixed.tau,
               r->fixed.alpha, r->fixed.delta, &fixed_sim);
    if (r->gs.rounds > 0)
      set_scheme(&tm->schemes[tm->n_schemes++], "gs", FAI_FL_GS, btau, 0, 0, &r->gs);
    else
      fai_warn("fedmeld plan: the ground-station baseline completes no round within %g s "
               "(no ground-station contact carries every area's model in time); left out of "
               "the timing", pl.T);
    if (r->isl.rounds > 0)
      set_scheme(&tm->schemes[tm->n_schemes++], "isl", FAI_FL_ISL, btau, 0, 0, &r->isl);
    else
      fai_warn("fedmeld plan: the ISL baseline completes no round within %g s (the areas' "
               "serving satellites are never all covered and connected over ISLs at once); "
               "left out of the timing", pl.T);
  }
  if (fai_interrupted()) st = fai_error_set(err, FAI_EINTR, "interrupted");
cleanup:
  free(tab);
  planner_free(&pl);
  r->plan_s = now_s() - t_start;
  r->plan_cpu_s = cpu_s() - c_start;
  if (st != FAI_OK) {
    fai_fedmeld_plan_result_free(r);
  }
  return st;
}

fai_status fai_fedmeld_plan_run(const fai_scenario *sc, const fai_fedmeld_areas *areas,
                                const fai_fedmeld_plan_params *p, const fai_backend *be,
                                fai_fedmeld_plan_result *res, fai_error *err) {
  fai_status st = FAI_OK;
  fai_scenario sc2 = *sc;
  fai_timeline tl;
  memset(&tl, 0, sizeof tl);
  const int n_gs = sc->stations.n;
  if (p->horizon_s > sc->duration_s)
    return fai_error_set(err, FAI_EINVAL,
                         "time budget %g s is longer than the timeline (%g s); shorten --horizon "
                         "or lengthen the scenario's duration", p->horizon_s, sc->duration_s);
  fai_station_set merged = {0, NULL};
  merged.n = n_gs + (areas->coverage_site ? areas->n : areas->n_clients);
  merged.v = calloc((size_t)merged.n, sizeof *merged.v);
  if (!merged.v) return fai_error_set(err, FAI_ENOMEM, "out of memory (stations)");
  if (n_gs) memcpy(merged.v, sc->stations.v, (size_t)n_gs * sizeof *merged.v);
  for (int n = 0; n < areas->n; n++) {
    const fai_fedmeld_area *ar = &areas->v[n];
    if (areas->coverage_site) {
      fai_station *x = &merged.v[n_gs + n];
      snprintf(x->name, sizeof x->name, "%s/site", ar->name);
      x->lat_rad = ar->site_lat_deg * FAI_DEG;
      x->lon_rad = ar->site_lon_deg * FAI_DEG;
      x->alt_m = 0;
      x->min_elev_rad = areas->min_elev_deg * FAI_DEG;
      continue;
    }
    for (int j = 0; j < ar->n_clients; j++) {
      fai_station *x = &merged.v[n_gs + ar->client_off + j];
      snprintf(x->name, sizeof x->name, "%s/c%d", ar->name, j);
      x->lat_rad = areas->client_lat_deg[ar->client_off + j] * FAI_DEG;
      x->lon_rad = areas->client_lon_deg[ar->client_off + j] * FAI_DEG;
      x->alt_m = 0;
      x->min_elev_rad = areas->min_elev_deg * FAI_DEG;
    }
  }
  sc2.stations = merged;
  sc2.users.n = 0;
  sc2.users.v = NULL;
  fai_timeline_opts o;
  fai_timeline_opts_init(&o);
  o.paths = 0;
  o.contacts = 1;
  const double t0 = now_s(), c0 = cpu_s();
  FAI_TRY(fai_timeline_build(&sc2, be, &o, p->progress, &tl, err));
  const double timeline_s = now_s() - t0, timeline_cpu_s = cpu_s() - c0;
  fai_info("fedmeld plan: timeline of %d satellites x %d snapshots, %d stations: %.2f s "
           "(propagate %.2f, links %.2f, visibility %.2f, contacts %.2f)",
           tl.n_sats, tl.n_snaps, tl.n_stations, timeline_s, tl.timing_s[0], tl.timing_s[1],
           tl.timing_s[2], tl.timing_s[3]);
  st = fai_fedmeld_plan_from_timeline(&tl, n_gs, areas, p, res, err);
  res->timeline_s = timeline_s;
  res->timeline_cpu_s = timeline_cpu_s;
cleanup:
  fai_timeline_free(&tl);
  free(merged.v);
  return st;
}

fai_status fai_fedmeld_plan_default_timing(uint64_t seed, double horizon_s, fai_fedmeld_timing *out,
                                           fai_error *err) {
  fai_status st = FAI_OK;
  fai_scenario sc;
  fai_scenario_init(&sc);
  fai_fedmeld_areas areas;
  fai_fedmeld_areas_init(&areas);
  fai_fedmeld_plan_result res;
  memset(&res, 0, sizeof res);
  fai_backend be;
  if (!(horizon_s > 0) || !isfinite(horizon_s)) {
    st = fai_error_set(err, FAI_EINVAL, "time budget %g s; expected a positive number", horizon_s);
    goto cleanup;
  }
  FAI_TRY(fai_scenario_load_default(&sc, err));
  sc.seed = seed;
  sc.duration_s = horizon_s > 10800 ? horizon_s : 10800;
  FAI_TRY(fai_scenario_check(&sc, err));
  const fai_shell *sh = &sc.constellation.shells[0];
  FAI_TRY(fai_fedmeld_areas_default(8, 5, 53, sh->inclination_rad / FAI_DEG, sh->altitude_m, seed,
                                    &areas, err));
  fai_fedmeld_plan_params p;
  fai_fedmeld_plan_params_init(&p);
  p.horizon_s = horizon_s;
  /* The deployed model's clock (fedmeld.h), not the stand-in's: with the
   * planner's CLI defaults (0.05 s steps of a 6.4 Mbit MLP) communication is
   * negligible and the design has τ* = 1 and a staleness of thousands of
   * rounds, which the simulator cannot replay. */
  p.k.t_cmp_s = FAI_FEDMELD_DEVICE_T_CMP_S;
  p.model_bits = FAI_FEDMELD_DEVICE_MODEL_BITS;
  FAI_TRY(fai_backend_select(FAI_BACKEND_CPU, 0, &be, err));
  FAI_TRY(fai_fedmeld_plan_run(&sc, &areas, &p, &be, &res, err));
  *out = res.timing;
cleanup:
  fai_fedmeld_plan_result_free(&res);
  fai_fedmeld_areas_free(&areas);
  fai_scenario_free(&sc);
  return st;
}
