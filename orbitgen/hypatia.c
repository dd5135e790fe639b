/* Hypatia export: a timeline as Hypatia's satellite-network-state directory.
 *
 * Formats follow Hypatia's satgenpy README and the readers of its ns-3 module
 * (TopologySatelliteNetwork, the fstate and gsl_if_bandwidth helpers); the
 * README "fluidai export" section lists every file with its columns.
 *
 * Forwarding state is Hypatia's "shortest path without ground-station
 * relaying" (algorithm_free_one_only_over_isls): satellites relay over live
 * ISLs weighted by distance, a station attaches to every satellite within its
 * maximum GSL length, stations never relay.  One Dijkstra per destination
 * station (be->sssp, the station being the only expanded end point) gives
 * every satellite's and every other station's distance to it; the next hop is
 * then the lowest-numbered neighbour u with dist[u] + w(v, u) == dist[v]
 * exactly (u a satellite or the destination itself), so ties are broken by
 * node id whatever order the search settled them in.  Cost per snapshot:
 * G searches of O((N + G + E) log(N + G)) plus an O(G·E) scan. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fluidai/export.h"
#include "fluidai/io.h"
#include "fluidai/json.h"
#include "fluidai/tle.h"

/* Bound on the dist array of one sssp batch (doubles): ~256 MB. */
#define HYP_BATCH_CELLS (32 * 1024 * 1024)

void fai_hypatia_opts_init(fai_hypatia_opts *o) {
  o->max_gsl_length_m = 0;
  o->max_isl_length_m = 0;
  o->gsl_bandwidth_bps = 1.0; /* Hypatia's convention: a multiplier of ns-3's GSL rate */
  o->gsl_interfaces_per_sat = 1;
  o->full_fstate = 0;
}

/* Slant range from a point on the sphere of radius FAI_R_EARTH_M to an orbit
 * of radius a seen at elevation e: d = sqrt(a² − R²cos²e) − R·sin e. */
static double slant_range_m(double a_m, double elev_rad) {
  const double R = FAI_R_EARTH_M, c = R * cos(elev_rad);
  return sqrt(a_m * a_m - c * c) - R * sin(elev_rad);
}

/* One snapshot-batch of graphs in CSR form with, per edge, the candidate
 * link it stands for (-1 for a ground link). */
typedef struct hyp_graphs {
  int64_t *edge_off; /* [chunk + 1] */
  int *row_ptr;      /* [chunk][n + 1] */
  int *col, *link;   /* [cap] */
  double *w;         /* [cap] metres */
  int64_t cap;
  int *fill; /* [n] scratch */
} hyp_graphs;

static void hyp_graphs_free(hyp_graphs *g) {
  free(g->edge_off);
  free(g->row_ptr);
  free(g->col);
  free(g->link);
  free(g->w);
  free(g->fill);
  memset(g, 0, sizeof *g);
}

static double dist3(const double *a, const double *b) {
  const double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
  return sqrt(dx * dx + dy * dy + dz * dz);
}

/* Graphs of snapshots [t0, t0 + nt): live ISLs (by link index), then for
 * each station the satellites within its GSL length (by satellite index). */
static fai_status build_batch(const fai_timeline *tl, const double *gs_pos, const double *gsl_max,
                              int t0, int nt, hyp_graphs *gr, fai_error *err) {
  const int N = tl->n_sats, G = tl->n_stations, L = tl->n_links, n = N + G;
  int64_t total = 0;
  gr->edge_off[0] = 0;
  for (int k = 0; k < nt; k++) {
    const int t = t0 + k;
    const double *pos = tl->pos + (size_t)t * N * 3;
    const uint8_t *alive = tl->link_alive + (size_t)t * L;
    int *deg = gr->fill;
    memset(deg, 0, (size_t)n * sizeof *deg);
    for (int l = 0; l < L; l++)
      if (alive[l]) {
        deg[tl->link_a[l]]++;
        deg[tl->link_b[l]]++;
      }
    for (int g = 0; g < G; g++)
      for (int j = 0; j < N; j++)
        if (dist3(pos + 3 * (size_t)j, gs_pos + 3 * g) <= gsl_max[g]) {
          deg[j]++;
          deg[N + g]++;
        }
    int *rp = gr->row_ptr + (size_t)k * (n + 1);
    rp[0] = 0;
    for (int v = 0; v < n; v++) rp[v + 1] = rp[v] + deg[v];
    const int64_t ne = rp[n];
    if (total + ne > gr->cap) {
      const int64_t cap = 2 * (total + ne);
      int *col = realloc(gr->col, (size_t)cap * sizeof *col);
      if (col) gr->col = col;
      int *lk = realloc(gr->link, (size_t)cap * sizeof *lk);
      if (lk) gr->link = lk;
      double *w = realloc(gr->w, (size_t)cap * sizeof *w);
      if (w) gr->w = w;
      if (!col || !lk || !w)
        return fai_error_set(err, FAI_ENOMEM, "out of memory for the Hypatia export graphs");
      gr->cap = cap;
    }
    int *col = gr->col + total, *lk = gr->link + total;
    double *wt = gr->w + total;
    memcpy(deg, rp, (size_t)n * sizeof *deg);
    for (int l = 0; l < L; l++) {
      if (!alive[l]) continue;
      const int a = tl->link_a[l], b = tl->link_b[l];
      const double d = tl->link_dist[(size_t)t * L + l];
      col[deg[a]] = b;
      lk[deg[a]] = l;
      wt[deg[a]++] = d;
      col[deg[b]] = a;
      lk[deg[b]] = l;
      wt[deg[b]++] = d;
    }
    for (int g = 0; g < G; g++)
      for (int j = 0; j < N; j++) {
        const double d = dist3(pos + 3 * (size_t)j, gs_pos + 3 * g);
        if (!(d <= gsl_max[g])) continue;
        col[deg[j]] = N + g;
        lk[deg[j]] = -1;
        wt[deg[j]++] = d;
        col[deg[N + g]] = j;
        lk[deg[N + g]] = -1;
        wt[deg[N + g]++] = d;
      }
    total += ne;
    gr->edge_off[k + 1] = total;
  }
  return FAI_OK;
}

/* A forwarding decision: next hop, my interface, next hop's interface. */
typedef struct hyp_hop {
  int next, my_if, next_if;
} hyp_hop;

static const hyp_hop NO_HOP = {-1, -1, -1};

/* The station name as one Hypatia column: commas (the separator) become
 * ';', control characters become ' '. */
static void put_gs_name(FILE *fp, const char *s) {
  for (; *s; s++) {
    const unsigned char c = (unsigned char)*s;
    fputc(c == ',' ? ';' : (c < 0x20 || c == 0x7f) ? ' ' : c, fp);
  }
}

/* --- the static files ------------------------------------------------------------ */

typedef struct hyp_ctx {
  const fai_timeline *tl;
  const fai_hypatia_opts *o;
  int N, G;
  int *n_isl_if;    /* [N] ISL interfaces per satellite */
  int *if_a, *if_b; /* [L] interface of link l on link_a[l] / link_b[l] */
  double *gs_pos;   /* [G][3] ECEF */
  double *gsl_max;  /* [G] metres */
  double desc_gsl_m, desc_isl_m;
} hyp_ctx;

static fai_status open_in(fai_outdir *od, const char *name, FILE **fp, fai_error *err) {
  char path[FAI_ERROR_FILE_MAX + 160];
  fai_status st = fai_outdir_path(od, name, path, sizeof path, err);
  if (st != FAI_OK) return st;
  *fp = fopen(path, "w");
  if (!*fp)
    return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "cannot create file: %s",
                            strerror(errno));
  setvbuf(*fp, NULL, _IOFBF, 1 << 20);
  return FAI_OK;
}

static fai_status close_file(FILE *fp, const char *name, fai_error *err) {
  const int bad = ferror(fp);
  if (fclose(fp) != 0 || bad) return fai_error_set(err, FAI_EIO, "writing %s failed", name);
  return FAI_OK;
}

/* tles.txt: "<orbits> <satellites per orbit>", then per satellite the name
 * line "<constellation> <id>" (Hypatia's reader takes the second word as the
 * id and requires 0, 1, 2, ...) and the two element lines.  Walker
 * satellites get NORAD = id + 1 as Hypatia numbers them; element-set
 * scenarios keep their own sets. */
static fai_status write_tles(const hyp_ctx *x, fai_outdir *od, fai_error *err) {
  const fai_scenario *sc = x->tl->sc;
  const fai_constellation *c = &sc->constellation;
  const int from_sets = sc->elements.enabled && sc->elements.set;
  FILE *fp;
  fai_status st = open_in(od, "tles.txt", &fp, err);
  if (st != FAI_OK) return st;
  /* Hypatia assumes one shell of P × S; ns-3 only checks that the product is
   * the number of satellites.  Shells with equal S keep "P_total S". */
  int same_s = !from_sets && c->n_shells > 0;
  for (int s = 1; same_s && s < c->n_shells; s++)
    if (c->shells[s].sats_per_plane != c->shells[0].sats_per_plane) same_s = 0;
  if (same_s)
    fprintf(fp, "%d %d\n", fai_constellation_plane_count(c), c->shells[0].sats_per_plane);
  else
    fprintf(fp, "1 %d\n", x->N);
  char token[FAI_NAME_MAX];
  int k = 0;
  for (const char *p = from_sets || !c->name[0] ? sc->name : c->name; *p && k < FAI_NAME_MAX - 1;
       p++)
    token[k++] = (*p <= ' ' || *p == 0x7f) ? '_' : *p;
  token[k] = '\0';
  if (!k) snprintf(token, sizeof token, "fluidai");
  for (int j = 0; j < x->N; j++) {
    fai_tle t;
    char l1[70], l2[70];
    if (from_sets)
      t = sc->elements.set->v[j];
    else
      fai_tle_from_walker(c, j, sc->epoch_unix, j + 1, &t);
    fai_tle_format(&t, l1, l2);
    fprintf(fp, "%s %d\n%s\n%s\n", token, j, l1, l2);
  }
  return close_file(fp, "tles.txt", err);
}

/* isls.txt: "a b" (a < b) per candidate ISL, in the timeline's link order,
 * which is also the order that numbers each satellite's ISL interfaces. */
static fai_status write_isls(const hyp_ctx *x, fai_outdir *od, fai_error *err) {
  FILE *fp;
  fai_status st = open_in(od, "isls.txt", &fp, err);
  if (st != FAI_OK) return st;
  for (int l = 0; l < x->tl->n_links; l++)
    fprintf(fp, "%d %d\n", x->tl->link_a[l], x->tl->link_b[l]);
  return close_file(fp, "isls.txt", err);
}

/* ground_stations.txt (the name Hypatia's satgenpy and ns-3 read) and the
 * same content as ground_stations_extended.txt:
 * gid,name,latitude_deg,longitude_deg,elevation_m,x_m,y_m,z_m. */
static fai_status write_stations(const hyp_ctx *x, fai_outdir *od, const char *name,
                                 fai_error *err) {
  FILE *fp;
  fai_status st = open_in(od, name, &fp, err);
  if (st != FAI_OK) return st;
  for (int g = 0; g < x->G; g++) {
    const fai_station *s = &x->tl->sc->stations.v[g];
    const double *p = x->gs_pos + 3 * g;
    fprintf(fp, "%d,", g);
    put_gs_name(fp, s->name);
    fprintf(fp, ",%.12g,%.12g,%f,%f,%f,%f\n", s->lat_rad / FAI_DEG, s->lon_rad / FAI_DEG, s->alt_m,
            p[0], p[1], p[2]);
  }
  return close_file(fp, name, err);
}

/* gsl_interfaces_info.txt: node,interfaces,aggregate bandwidth for every
 * satellite then every station. */
static fai_status write_gsl_info(const hyp_ctx *x, fai_outdir *od, fai_error *err) {
  FILE *fp;
  fai_status st = open_in(od, "gsl_interfaces_info.txt", &fp, err);
  if (st != FAI_OK) return st;
  const int k = x->o->gsl_interfaces_per_sat;
  const double bw = x->o->gsl_bandwidth_bps;
  for (int j = 0; j < x->N; j++) fprintf(fp, "%d,%d,%f\n", j, k, k * bw);
  for (int g = 0; g < x->G; g++) fprintf(fp, "%d,%d,%f\n", x->N + g, 1, bw);
  return close_file(fp, "gsl_interfaces_info.txt", err);
}

static fai_status write_description(const hyp_ctx *x, fai_outdir *od, fai_error *err) {
  FILE *fp;
  fai_status st = open_in(od, "description.txt", &fp, err);
  if (st != FAI_OK) return st;
  fprintf(fp, "max_gsl_length_m=%.10f\nmax_isl_length_m=%.10f\n", x->desc_gsl_m, x->desc_isl_m);
  return close_file(fp, "description.txt", err);
}

/* --- forwarding state ------------------------------------------------------------- */

/* Decisions of one snapshot k of the batch: [N][G] satellite → station, then
 * [G][G] station → station (diagonal unused). */
static fai_status decide(const hyp_ctx *x, const hyp_graphs *gr, int k, const double *dist,
                         hyp_hop *sat_gs, hyp_hop *gs_gs, fai_error *err) {
  const int N = x->N, G = x->G, n = N + G;
  const int multi = x->o->gsl_interfaces_per_sat > 1;
  const int64_t e0 = gr->edge_off[k];
  const int *rp = gr->row_ptr + (size_t)k * (n + 1);
  const int *col = gr->col + e0, *lk = gr->link + e0;
  const double *w = gr->w + e0;
  for (int g = 0; g < G; g++) {
    const double *d = dist + ((size_t)k * G + g) * n;
    const int dst = N + g;
    for (int v = 0; v < N; v++) {
      hyp_hop h = NO_HOP;
      if (isfinite(d[v])) {
        int best = -1, best_e = -1;
        for (int e = rp[v]; e < rp[v + 1]; e++) {
          const int u = col[e];
          if (u >= N && u != dst) continue; /* other stations do not relay */
          if (d[u] < d[v] && d[u] + w[e] == d[v] && (best < 0 || u < best)) {
            best = u;
            best_e = e;
          }
        }
        if (best < 0)
          return fai_error_set(err, FAI_EINTERNAL,
                               "hypatia: no next hop for satellite %d toward station %d", v, g);
        if (best == dst) {
          h.next = dst;
          h.my_if = x->n_isl_if[v] + (multi ? g : 0);
          h.next_if = 0;
        } else {
          const int l = lk[best_e];
          const int v_is_a = x->tl->link_a[l] == v;
          h.next = best;
          h.my_if = v_is_a ? x->if_a[l] : x->if_b[l];
          h.next_if = v_is_a ? x->if_b[l] : x->if_a[l];
        }
      }
      sat_gs[(size_t)v * G + g] = h;
    }
    for (int s = 0; s < G; s++) {
      if (s == g) continue;
      const int v = N + s;
      hyp_hop h = NO_HOP;
      if (isfinite(d[v])) {
        int best = -1;
        for (int e = rp[v]; e < rp[v + 1]; e++) {
          const int u = col[e];
          if (u < N && d[u] < d[v] && d[u] + w[e] == d[v] && (best < 0 || u < best)) best = u;
        }
        if (best < 0)
          return fai_error_set(err, FAI_EINTERNAL,
                               "hypatia: no first hop from station %d toward station %d", s, g);
        h.next = best;
        h.my_if = 0;
        h.next_if = x->n_isl_if[best] + (multi ? s : 0);
      }
      gs_gs[(size_t)s * G + g] = h;
    }
  }
  return FAI_OK;
}

static int hop_eq(const hyp_hop *a, const hyp_hop *b) {
  return a->next == b->next && a->my_if == b->my_if && a->next_if == b->next_if;
}

static void put_line(FILE *fp, int cur, int dst, const hyp_hop *h) {
  fprintf(fp, "%d,%d,%d,%d,%d\n", cur, dst, h->next, h->my_if, h->next_if);
}

/* fstate_<t_ns>.txt: every entry (first snapshot, or full) or only those
 * that changed, satellites first, then station pairs, as Hypatia orders them. */
static fai_status write_fstate(const hyp_ctx *x, const char *path, int all, const hyp_hop *sat_gs,
                               const hyp_hop *gs_gs, const hyp_hop *prev_sg, const hyp_hop *prev_gg,
                               fai_error *err) {
  const int N = x->N, G = x->G;
  FILE *fp = fopen(path, "w");
  if (!fp)
    return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "cannot create file: %s",
                            strerror(errno));
  setvbuf(fp, NULL, _IOFBF, 1 << 20);
  for (size_t i = 0; i < (size_t)N * G; i++)
    if (all || !hop_eq(&sat_gs[i], &prev_sg[i]))
      put_line(fp, (int)(i / G), N + (int)(i % G), &sat_gs[i]);
  for (int s = 0; s < G; s++)
    for (int g = 0; g < G; g++) {
      const size_t i = (size_t)s * G + g;
      if (s != g && (all || !hop_eq(&gs_gs[i], &prev_gg[i]))) put_line(fp, N + s, N + g, &gs_gs[i]);
    }
  const int bad = ferror(fp);
  if (fclose(fp) != 0 || bad)
    return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "write failed");
  return FAI_OK;
}

/* gsl_if_bandwidth_<t_ns>.txt: node,interface,bandwidth for every GSL
 * interface at t = 0; empty afterwards (bandwidths never change), as
 * Hypatia writes it. */
static fai_status write_bandwidth(const hyp_ctx *x, const char *path, int first, fai_error *err) {
  FILE *fp = fopen(path, "w");
  if (!fp)
    return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "cannot create file: %s",
                            strerror(errno));
  if (first) {
    const int k = x->o->gsl_interfaces_per_sat;
    const double bw = x->o->gsl_bandwidth_bps;
    for (int j = 0; j < x->N; j++)
      for (int i = 0; i < k; i++) fprintf(fp, "%d,%d,%f\n", j, x->n_isl_if[j] + i, bw);
    for (int g = 0; g < x->G; g++) fprintf(fp, "%d,%d,%f\n", x->N + g, 0, bw);
  }
  const int bad = ferror(fp);
  if (fclose(fp) != 0 || bad)
    return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "write failed");
  return FAI_OK;
}

/* "60000", "0.5": values within 1e-9 relative of an integer as that integer
 * (0.1 s · 1000 is 100 ms), others in their shortest form. */
static void format_number(double v, char buf[32]) {
  const double r = nearbyint(v);
  if (fabs(v - r) <= 1e-9 * fabs(v) && fabs(r) < 1e15)
    snprintf(buf, 32, "%lld", (long long)r);
  else
    fai_json_format_double(v, buf);
}

static long long to_ns(double s) {
  return llround(s * 1e9);
}

/* --- the whole export ---------------------------------------------------------------- */

fai_status fai_export_hypatia(const fai_timeline *tl, const fai_hypatia_opts *o_in, const char *dir,
                              const fai_progress *prog, fai_error *err) {
  fai_hypatia_opts o;
  if (o_in)
    o = *o_in;
  else
    fai_hypatia_opts_init(&o);
  fai_status st = FAI_OK;
  hyp_ctx x;
  memset(&x, 0, sizeof x);
  hyp_graphs gr;
  memset(&gr, 0, sizeof gr);
  fai_outdir od;
  memset(&od, 0, sizeof od);
  int od_open = 0, dyn_made = 0, n_written = 0;
  char dyn_name[128], dyn_path[FAI_ERROR_FILE_MAX + 160], tmp_dir[FAI_ERROR_FILE_MAX] = "";
  int *src = NULL;
  double *dist = NULL;
  hyp_hop *cur_sg = NULL, *cur_gg = NULL, *prev_sg = NULL, *prev_gg = NULL;
  long long *t_ns = NULL;

  if (!tl || !tl->sc || tl->n_sats <= 0 || tl->n_snaps <= 0 || !tl->pos)
    return fai_error_set(err, FAI_EINVAL, "hypatia: empty timeline");
  const fai_scenario *sc = tl->sc;
  const int N = tl->n_sats, G = tl->n_stations, T = tl->n_snaps, n = N + G;
  if (!(o.gsl_bandwidth_bps > 0) || !isfinite(o.gsl_bandwidth_bps))
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "gsl_bandwidth_bps",
                            "%g; expected a positive number of bits per second",
                            o.gsl_bandwidth_bps);
  if (!isfinite(o.max_gsl_length_m) || !isfinite(o.max_isl_length_m))
    return fai_error_set(err, FAI_EINVAL, "hypatia: maximum GSL/ISL lengths must be finite");
  if (o.gsl_interfaces_per_sat < 1 ||
      (o.gsl_interfaces_per_sat > 1 && o.gsl_interfaces_per_sat != G))
    return fai_error_set_at(err, FAI_EINVAL, NULL, 0, 0, "gsl_interfaces_per_sat",
                            "%d; expected 1 (one shared GSL interface) or the number of stations "
                            "(%d: one interface per station, Hypatia's \"sat many\" layout)",
                            o.gsl_interfaces_per_sat, G);
  x.tl = tl;
  x.o = &o;
  x.N = N;
  x.G = G;

  /* Snapshots Hypatia's grid holds: t < duration (ns-3 reads state for
   * [0, end)), so the timeline's final snapshot at t = duration is left out;
   * a zero-length horizon keeps its one snapshot. */
  t_ns = malloc((size_t)T * sizeof *t_ns);
  if (!t_ns) return fai_error_set(err, FAI_ENOMEM, "out of memory");
  const long long dur_ns = to_ns(sc->duration_s);
  int T_out = 0;
  for (int t = 0; t < T; t++) {
    t_ns[t] = to_ns(tl->t_s[t]);
    if (t_ns[t] < dur_ns) T_out = t + 1;
  }
  if (T_out == 0) T_out = 1;
  char step_ms[32], dur_s[32];
  format_number(sc->step_s * 1e3, step_ms);
  format_number(sc->duration_s, dur_s);
  snprintf(dyn_name, sizeof dyn_name, "dynamic_state_%sms_for_%ss", step_ms, dur_s);

  /* Interfaces: each satellite's ISLs in isls.txt order, then its GSL(s). */
  const int L = tl->n_links;
  x.n_isl_if = calloc((size_t)N, sizeof *x.n_isl_if);
  x.if_a = malloc((size_t)(L ? L : 1) * sizeof *x.if_a);
  x.if_b = malloc((size_t)(L ? L : 1) * sizeof *x.if_b);
  x.gs_pos = malloc((size_t)(G ? G : 1) * 3 * sizeof *x.gs_pos);
  x.gsl_max = malloc((size_t)(G ? G : 1) * sizeof *x.gsl_max);
  if (!x.n_isl_if || !x.if_a || !x.if_b || !x.gs_pos || !x.gsl_max) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory");
    goto cleanup;
  }
  for (int l = 0; l < L; l++) {
    x.if_a[l] = x.n_isl_if[tl->link_a[l]]++;
    x.if_b[l] = x.n_isl_if[tl->link_b[l]]++;
  }

  /* Lengths.  GSL: per station, the slant range at its mask to the lowest
   * shell over a sphere of radius R_E (Hypatia tests distance, not
   * elevation); description.txt gives the largest.  ISL: the line of sight
   * over R_E + atmosphere margin between two satellites of the highest
   * shell, or the scenario's range limit when shorter. */
  const fai_constellation *c = &sc->constellation;
  double h_min = INFINITY, h_max = 0;
  if (!sc->elements.enabled && c->n_shells > 0) {
    for (int s = 0; s < c->n_shells; s++) {
      if (c->shells[s].altitude_m < h_min) h_min = c->shells[s].altitude_m;
      if (c->shells[s].altitude_m > h_max) h_max = c->shells[s].altitude_m;
    }
  } else { /* element sets: the satellites' heights over R_E at the first snapshot */
    for (int j = 0; j < N; j++) {
      const double *r = tl->pos + 3 * (size_t)j;
      const double h = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]) - FAI_R_EARTH_M;
      if (h < h_min) h_min = h;
      if (h > h_max) h_max = h;
    }
  }
  x.desc_gsl_m = 0;
  for (int g = 0; g < G; g++) {
    const fai_station *s = &sc->stations.v[g];
    fai_geodetic_to_ecef(s->lat_rad, s->lon_rad, s->alt_m, x.gs_pos + 3 * g);
    x.gsl_max[g] = o.max_gsl_length_m > 0 ? o.max_gsl_length_m
                                          : slant_range_m(FAI_R_EARTH_M + h_min, s->min_elev_rad);
    if (x.gsl_max[g] > x.desc_gsl_m) x.desc_gsl_m = x.gsl_max[g];
  }
  if (o.max_gsl_length_m > 0) x.desc_gsl_m = o.max_gsl_length_m;
  if (G == 0 && o.max_gsl_length_m <= 0) x.desc_gsl_m = slant_range_m(FAI_R_EARTH_M + h_min, 0);
  if (o.max_isl_length_m > 0) {
    x.desc_isl_m = o.max_isl_length_m;
  } else {
    const double a = FAI_R_EARTH_M + h_max, rb = FAI_R_EARTH_M + sc->isl.atmosphere_margin_m;
    x.desc_isl_m = a > rb ? 2 * sqrt(a * a - rb * rb) : 0;
    if (sc->isl.max_range_m > 0 && sc->isl.max_range_m < x.desc_isl_m)
      x.desc_isl_m = sc->isl.max_range_m;
  }

  FAI_TRY(fai_outdir_begin(&od, dir, err));
  od_open = 1;
  if (!od.created_dir) {
    char old[FAI_ERROR_FILE_MAX + 160];
    struct stat sb;
    snprintf(old, sizeof old, "%s/%s", od.dir, dyn_name);
    if (stat(old, &sb) == 0) {
      st = fai_error_set_at(err, FAI_EINVAL, old, 0, 0, NULL,
                            "already exists; remove it or export into another directory");
      goto cleanup;
    }
  }
  FAI_TRY(write_tles(&x, &od, err));
  FAI_TRY(write_isls(&x, &od, err));
  FAI_TRY(write_stations(&x, &od, "ground_stations.txt", err));
  FAI_TRY(write_stations(&x, &od, "ground_stations_extended.txt", err));
  FAI_TRY(write_gsl_info(&x, &od, err));
  FAI_TRY(write_description(&x, &od, err));
  FAI_TRY(fai_outdir_path(&od, dyn_name, dyn_path, sizeof dyn_path, err));
  if (mkdir(dyn_path, 0777) != 0) {
    st = fai_error_set_at(err, FAI_EIO, dyn_path, 0, 0, NULL, "cannot create directory: %s",
                          strerror(errno));
    goto cleanup;
  }
  dyn_made = 1;

  /* Batches of snapshots: G searches each, dist bounded by HYP_BATCH_CELLS. */
  int chunk = 64;
  if (G > 0) {
    const int64_t per = (int64_t)G * n;
    if ((int64_t)chunk * per > HYP_BATCH_CELLS) chunk = (int)(HYP_BATCH_CELLS / per);
    if (chunk < 1) chunk = 1;
  }
  const size_t M = (size_t)(G ? G : 1);
  src = malloc(M * sizeof *src);
  dist = malloc((size_t)chunk * M * (size_t)n * sizeof *dist);
  cur_sg = malloc((size_t)N * M * sizeof *cur_sg);
  prev_sg = malloc((size_t)N * M * sizeof *prev_sg);
  cur_gg = malloc(M * M * sizeof *cur_gg);
  prev_gg = malloc(M * M * sizeof *prev_gg);
  gr.edge_off = malloc((size_t)(chunk + 1) * sizeof *gr.edge_off);
  gr.row_ptr = malloc((size_t)chunk * (n + 1) * sizeof *gr.row_ptr);
  gr.fill = malloc((size_t)n * sizeof *gr.fill);
  if (!src || !dist || !cur_sg || !prev_sg || !cur_gg || !prev_gg || !gr.edge_off || !gr.row_ptr ||
      !gr.fill) {
    st = fai_error_set(err, FAI_ENOMEM,
                       "out of memory for the forwarding state of %d satellites x %d stations", N,
                       G);
    goto cleanup;
  }
  for (int g = 0; g < G; g++) src[g] = N + g;
  /* The contract takes no backend: the searches run on the cpu backend with
   * the OpenMP default thread count (the CLI sets it from --threads); the
   * result does not depend on it. */
  fai_backend be;
  FAI_TRY(fai_backend_select(FAI_BACKEND_CPU, 0, &be, err));
  for (int t0 = 0; t0 < T_out; t0 += chunk) {
    if (fai_interrupted()) {
      st = fai_error_set(err, FAI_EINTR, "interrupted after %d of %d snapshots", t0, T_out);
      goto cleanup;
    }
    const int nt = T_out - t0 < chunk ? T_out - t0 : chunk;
    FAI_TRY(build_batch(tl, x.gs_pos, x.gsl_max, t0, nt, &gr, err));
    const fai_graph_batch batch = {nt, n, N, gr.edge_off, gr.row_ptr, gr.col, gr.w};
    if (G > 0) FAI_TRY(be.sssp(&be, &batch, G, src, dist, NULL, NULL, err));
    for (int k = 0; k < nt; k++) {
      const int t = t0 + k;
      char path[FAI_ERROR_FILE_MAX + 256];
      FAI_TRY(decide(&x, &gr, k, dist, cur_sg, cur_gg, err));
      snprintf(path, sizeof path, "%s/fstate_%lld.txt", dyn_path, t_ns[t]);
      n_written = 2 * t + 1;
      FAI_TRY(
          write_fstate(&x, path, t == 0 || o.full_fstate, cur_sg, cur_gg, prev_sg, prev_gg, err));
      snprintf(path, sizeof path, "%s/gsl_if_bandwidth_%lld.txt", dyn_path, t_ns[t]);
      n_written = 2 * t + 2;
      FAI_TRY(write_bandwidth(&x, path, t == 0, err));
      hyp_hop *swap = prev_sg;
      prev_sg = cur_sg;
      cur_sg = swap;
      swap = prev_gg;
      prev_gg = cur_gg;
      cur_gg = swap;
      fai_progress_report(prog, "hypatia", t + 1, T_out);
    }
  }
  snprintf(tmp_dir, sizeof tmp_dir, "%s", od.tmp);
  FAI_TRY(fai_outdir_commit(&od, err));
  od_open = 0;

cleanup:
  if (st != FAI_OK && od_open) {
    /* fai_outdir_abort removes files, not folders: empty ours first. */
    if (dyn_made) {
      char path[FAI_ERROR_FILE_MAX + 256];
      for (int i = 0; i < n_written; i++) {
        snprintf(path, sizeof path, "%s/%s_%lld.txt", dyn_path,
                 i % 2 ? "gsl_if_bandwidth" : "fstate", t_ns[i / 2]);
        unlink(path);
      }
      rmdir(dyn_path);
    }
    fai_outdir_abort(&od);
    if (tmp_dir[0]) rmdir(tmp_dir); /* a failed commit already aborted, minus our folder */
  }
  hyp_graphs_free(&gr);
  free(x.n_isl_if);
  free(x.if_a);
  free(x.if_b);
  free(x.gs_pos);
  free(x.gsl_max);
  free(src);
  free(dist);
  free(cur_sg);
  free(prev_sg);
  free(cur_gg);
  free(prev_gg);
  free(t_ns);
  return st;
}
