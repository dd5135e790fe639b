/* Timeline output: CSV tables and the deterministic timeline.json, written
 * into a temporary directory and moved into place only when complete. */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/io.h"
#include "fluidai/json.h"
#include "fluidai/orbitgen.h"
#include "fluidai/planes.h"
#include "fluidai/tle.h"

void fai_write_opts_init(fai_write_opts *o) {
  o->positions = 1;
  o->geodetic = 0;
  o->binary = 0;
  o->only_tables = 0;
  o->isls = 1;
  o->gsls = 0;
  o->backend_name = "cpu";
  o->threads = 0;
}

/* Append a real in the shortest round-trip form. */
static json_t *jreal(double v) { return json_real(v); }

static json_t *col_int(const fai_timeline *tl, size_t off) {
  json_t *a = json_array();
  for (int t = 0; t < tl->n_snaps; t++)
    json_array_append_new(a, json_integer(*(const int *)((const char *)&tl->snap[t] + off)));
  return a;
}

static json_t *col_real(const fai_timeline *tl, size_t off) {
  json_t *a = json_array();
  for (int t = 0; t < tl->n_snaps; t++)
    json_array_append_new(a, jreal(*(const double *)((const char *)&tl->snap[t] + off)));
  return a;
}

json_t *fai_timeline_to_json(const fai_timeline *tl) {
  const int T = tl->n_snaps, G = tl->n_stations, N = tl->n_sats, W = tl->vis_words;
  json_t *root = json_object();
  json_object_set_new(root, "format", json_string("fluidai-timeline"));
  json_object_set_new(root, "version", json_integer(1));
  json_object_set_new(root, "fluidai_version", json_string(FAI_VERSION_STRING));
  json_t *inputs = json_object();
  json_object_set_new(inputs, "scenario", fai_scenario_to_json(tl->sc));
  json_object_set_new(inputs, "source", json_string(tl->sc->source));
  json_object_set_new(inputs, "source_sha256", json_string(tl->sc->source_sha256));
  json_object_set_new(root, "inputs", inputs);
  json_object_set_new(root, "outcome", json_string(fai_outcome_name(tl->outcome)));

  json_t *counts = json_object();
  json_object_set_new(counts, "satellites", json_integer(N));
  json_object_set_new(counts, "snapshots", json_integer(T));
  json_object_set_new(counts, "stations", json_integer(G));
  json_object_set_new(counts, "users", json_integer(tl->n_users));
  json_object_set_new(counts, "candidate_isls", json_integer(tl->n_links));
  json_object_set_new(counts, "contact_windows", json_integer((json_int_t)tl->n_contacts));
  json_object_set_new(counts, "snapshots_with_paths", json_integer(tl->snaps_done));
  json_object_set_new(root, "counts", counts);

  /* Horizon-wide means, accumulated in snapshot order. */
  double isl = 0, comp = 0, delay = 0;
  long reach = 0, pairs_total = 0;
  int delay_n = 0;
  for (int t = 0; t < T; t++) {
    isl += tl->snap[t].isl_up;
    comp += tl->snap[t].components;
    if (isfinite(tl->snap[t].mean_gs_delay_s)) {
      delay += tl->snap[t].mean_gs_delay_s;
      delay_n++;
    }
    if (t < tl->snaps_done) {
      reach += tl->snap[t].gs_pairs_reachable;
      pairs_total += (long)G * (G - 1) / 2;
    }
  }
  json_t *sum = json_object();
  json_object_set_new(sum, "mean_isls_up", jreal(T ? isl / T : 0));
  json_object_set_new(sum, "mean_components", jreal(T ? comp / T : 0));
  json_object_set_new(sum, "mean_gs_delay_s", jreal(delay_n ? delay / delay_n : NAN));
  json_object_set_new(sum, "gs_pair_reachability",
                      jreal(pairs_total ? (double)reach / (double)pairs_total : NAN));
  json_object_set_new(root, "summary", sum);

  json_t *snaps = json_object();
  json_t *ts = json_array();
  for (int t = 0; t < T; t++) json_array_append_new(ts, jreal(tl->t_s[t]));
  json_object_set_new(snaps, "t_s", ts);
  json_object_set_new(snaps, "isl_up", col_int(tl, offsetof(fai_snapshot_summary, isl_up)));
  json_object_set_new(snaps, "components",
                      col_int(tl, offsetof(fai_snapshot_summary, components)));
  json_object_set_new(snaps, "largest_component",
                      col_int(tl, offsetof(fai_snapshot_summary, largest_component)));
  json_object_set_new(snaps, "gsl_pairs", col_int(tl, offsetof(fai_snapshot_summary, gsl_pairs)));
  json_object_set_new(snaps, "stations_covered",
                      col_int(tl, offsetof(fai_snapshot_summary, stations_covered)));
  if (tl->n_users)
    json_object_set_new(snaps, "users_covered",
                        col_int(tl, offsetof(fai_snapshot_summary, users_covered)));
  json_object_set_new(snaps, "gs_pairs_reachable",
                      col_int(tl, offsetof(fai_snapshot_summary, gs_pairs_reachable)));
  json_object_set_new(snaps, "mean_gs_delay_s",
                      col_real(tl, offsetof(fai_snapshot_summary, mean_gs_delay_s)));
  json_object_set_new(root, "snapshots", snaps);

  json_t *stations = json_array();
  for (int g = 0; g < G; g++) {
    const fai_station *s = &tl->sc->stations.v[g];
    int n = 0;
    double total = 0, best = -FAI_PI / 2;
    for (size_t k = 0; k < tl->n_contacts; k++) {
      const fai_contact *c = &tl->contacts[k];
      if (c->station != g) continue;
      n++;
      total += c->set_s - c->rise_s;
      if (c->max_elev_rad > best) best = c->max_elev_rad;
    }
    int covered = 0;
    for (int t = 0; t < T; t++) {
      const uint32_t *row = tl->st_vis + ((size_t)t * G + g) * W;
      for (int w = 0; w < W; w++)
        if (row[w]) {
          covered++;
          break;
        }
    }
    json_t *o = json_object();
    json_object_set_new(o, "index", json_integer(g));
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "latitude_deg", jreal(s->lat_rad / FAI_DEG));
    json_object_set_new(o, "longitude_deg", jreal(s->lon_rad / FAI_DEG));
    json_object_set_new(o, "min_elevation_deg", jreal(s->min_elev_rad / FAI_DEG));
    json_object_set_new(o, "contact_windows", json_integer(n));
    json_object_set_new(o, "contact_time_s", jreal(total));
    json_object_set_new(o, "mean_window_s", jreal(n ? total / n : NAN));
    json_object_set_new(o, "max_elevation_deg", jreal(n ? best / FAI_DEG : NAN));
    json_object_set_new(o, "covered_fraction", jreal(T ? (double)covered / T : NAN));
    json_array_append_new(stations, o);
  }
  json_object_set_new(root, "stations", stations);

  json_t *pairs = json_array();
  for (int a = 0; a < G; a++)
    for (int b = a + 1; b < G; b++) {
      json_t *o = json_object();
      json_object_set_new(o, "a", json_integer(a));
      json_object_set_new(o, "b", json_integer(b));
      json_object_set_new(o, "mean_delay_s", jreal(tl->pair_delay_mean[(size_t)a * G + b]));
      json_object_set_new(o, "reachable_snapshots",
                          json_integer(tl->pair_reach[(size_t)a * G + b]));
      json_array_append_new(pairs, o);
    }
  json_object_set_new(root, "station_pairs", pairs);

  json_t *warn = json_array();
  for (int k = 0; k < tl->warnings.n; k++) {
    char buf[2 * FAI_ERROR_MSG_MAX];
    fai_error_format(&tl->warnings.v[k], buf, sizeof buf);
    json_array_append_new(warn, json_string(buf));
  }
  json_object_set_new(root, "warnings", warn);
  if (tl->planes) {
    json_t *pl = json_object(), *shells = json_array();
    json_object_set_new(pl, "unplaced_satellites", json_integer(tl->planes->unplaced));
    for (int k = 0; k < tl->planes->n_shells; k++) {
      const fai_inferred_shell *is = &tl->planes->shells[k];
      json_t *o = json_object();
      json_object_set_new(o, "satellites", json_integer(is->n_sats));
      json_object_set_new(o, "planes", json_integer(is->n_planes));
      json_object_set_new(o, "wraps", json_boolean(is->wraps));
      json_object_set_new(o, "inclination_deg",
                          json_pack("{s:f, s:f, s:f, s:f}", "mean", is->incl_mean_deg, "min",
                                    is->incl_min_deg, "max", is->incl_max_deg, "std",
                                    is->incl_std_deg));
      json_object_set_new(o, "altitude_km",
                          json_pack("{s:f, s:f, s:f, s:f}", "mean", is->alt_mean_km, "min",
                                    is->alt_min_km, "max", is->alt_max_km, "std",
                                    is->alt_std_km));
      json_array_append_new(shells, o);
    }
    json_object_set_new(pl, "shells", shells);
    json_object_set_new(root, "inferred_planes", pl);
  }
  return root;
}

/* Fixed-point with `dec` decimals (dec <= 12), rounded half away from zero
 * from v·10^dec; integer formatting keeps the large tables fast.  Zero is
 * never written with a minus sign, so equal values print equally. */
static void put_fixed(FILE *fp, double v, int dec) {
  static const double scale[] = {1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12};
  const double x = v * scale[dec];
  if (!(fabs(x) < 9e18)) {
    fprintf(fp, "%.*f", dec, v); /* out of int64 range or not finite */
    return;
  }
  long long q = llround(x);
  char buf[48];
  int k = 0;
  const int neg = q < 0;
  unsigned long long u = neg ? (unsigned long long)(-(q + 1)) + 1u : (unsigned long long)q;
  for (int i = 0; i < dec; i++) {
    buf[k++] = (char)('0' + u % 10);
    u /= 10;
  }
  if (dec) buf[k++] = '.';
  do {
    buf[k++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (neg) buf[k++] = '-';
  char out[48];
  for (int i = 0; i < k; i++) out[i] = buf[k - 1 - i];
  fwrite(out, 1, (size_t)k, fp);
}

/* Non-negative integer, fast. */
static void put_int(FILE *fp, long long v) {
  char buf[24];
  int k = 0;
  unsigned long long u = v < 0 ? 0 : (unsigned long long)v;
  do {
    buf[k++] = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  while (k) fputc(buf[--k], fp);
}

static void put_real(FILE *fp, double v) {
  char buf[32];
  fai_json_format_double(v, buf);
  fputs(buf, fp);
}

/* CSV cell with RFC 4180 quoting when needed. */
static void put_cell(FILE *fp, const char *s) {
  if (!strpbrk(s, ",\"\n\r")) {
    fputs(s, fp);
    return;
  }
  fputc('"', fp);
  for (; *s; s++) {
    if (*s == '"') fputc('"', fp);
    fputc(*s, fp);
  }
  fputc('"', fp);
}

typedef fai_status (*table_fn)(const fai_timeline *tl, const fai_write_opts *o, FILE *fp);

/* Walker satellites are named SHELL-PLANE-SLOT and numbered sat + 1 (as in
 * `fluidai export tle`); element sets keep their names and NORAD ids, with
 * inferred shell/plane/slot (-1 where unplaced). */
static fai_status write_satellites(const fai_timeline *tl, const fai_write_opts *o, FILE *fp) {
  const fai_scenario *sc = tl->sc;
  const fai_constellation *c = &sc->constellation;
  fputs("sat,shell,plane,slot,name,norad\n", fp);
  for (int j = 0; j < tl->n_sats; j++) {
    char name[FAI_NAME_MAX + 32];
    int shell, plane, slot, norad;
    if (sc->elements.enabled) {
      const fai_tle *t = &sc->elements.set->v[j];
      snprintf(name, sizeof name, "%s", t->name);
      norad = t->norad;
      shell = tl->planes ? tl->planes->shell[j] : -1;
      plane = tl->planes ? tl->planes->plane[j] : -1;
      slot = tl->planes ? tl->planes->slot[j] : -1;
    } else {
      fai_sat_id id = fai_sat_id_of(c, j);
      snprintf(name, sizeof name, "%s-%d-%d", c->shells[id.shell].name, id.plane, id.slot);
      norad = j + 1;
      shell = id.shell;
      plane = id.plane;
      slot = id.slot;
    }
    fprintf(fp, "%d,%d,%d,%d,", j, shell, plane, slot);
    put_cell(fp, name);
    fprintf(fp, ",%d\n", norad);
  }
  return FAI_OK;
}

static fai_status write_positions(const fai_timeline *tl, const fai_write_opts *o, FILE *fp) {
  fputs(o->geodetic ? "t_s,sat,x_m,y_m,z_m,lat_deg,lon_deg,alt_m\n" : "t_s,sat,x_m,y_m,z_m\n", fp);
  const int N = tl->n_sats;
  const double *base = tl->pos_teme ? tl->pos_teme : tl->pos; /* frame chosen by the scenario */
  for (int t = 0; t < tl->n_snaps; t++) {
    char ts[32];
    fai_json_format_double(tl->t_s[t], ts);
    const double *p = base + (size_t)t * N * 3;
    for (int j = 0; j < N; j++) {
      fputs(ts, fp);
      fputc(',', fp);
      put_int(fp, j);
      fputc(',', fp);
      put_fixed(fp, p[3 * j], 3);
      fputc(',', fp);
      put_fixed(fp, p[3 * j + 1], 3);
      fputc(',', fp);
      put_fixed(fp, p[3 * j + 2], 3);
      if (o->geodetic) {
        double lat, lon, alt;
        fai_ecef_to_geodetic(tl->pos + ((size_t)t * N + j) * 3, &lat, &lon, &alt);
        fputc(',', fp);
        put_fixed(fp, lat / FAI_DEG, 7);
        fputc(',', fp);
        put_fixed(fp, lon / FAI_DEG, 7);
        fputc(',', fp);
        put_fixed(fp, alt, 3);
      }
      fputc('\n', fp);
    }
    if (fai_interrupted()) return FAI_EINTR;
  }
  return FAI_OK;
}

static fai_status write_isls(const fai_timeline *tl, const fai_write_opts *o, FILE *fp) {
  fputs("t_s,a,b,distance_m,delay_s,capacity_bps\n", fp);
  const int L = tl->n_links;
  char cap[32];
  fai_json_format_double(tl->sc->isl.rate_bps, cap);
  for (int t = 0; t < tl->n_snaps; t++) {
    char ts[32];
    fai_json_format_double(tl->t_s[t], ts);
    for (int l = 0; l < L; l++) {
      if (!tl->link_alive[(size_t)t * L + l]) continue;
      const double d = tl->link_dist[(size_t)t * L + l];
      fputs(ts, fp);
      fputc(',', fp);
      put_int(fp, tl->link_a[l]);
      fputc(',', fp);
      put_int(fp, tl->link_b[l]);
      fputc(',', fp);
      put_fixed(fp, d, 3);
      fputc(',', fp);
      put_fixed(fp, d / FAI_C_M_S, 12);
      fputc(',', fp);
      fputs(cap, fp);
      fputc('\n', fp);
    }
    if (fai_interrupted()) return FAI_EINTR;
  }
  return FAI_OK;
}

/* Visible ground-satellite links with range, elevation, delay and the
 * Shannon rate of the scenario's gsl_radio. */
static fai_status write_gsls(const fai_timeline *tl, const fai_write_opts *o, FILE *fp) {
  fputs("t_s,station,sat,range_m,elevation_deg,delay_s,rate_bps\n", fp);
  const int G = tl->n_stations, N = tl->n_sats, W = tl->vis_words;
  double *site = malloc((size_t)G * 3 * sizeof *site);
  if (!site) return FAI_ENOMEM;
  for (int g = 0; g < G; g++) {
    const fai_station *s = &tl->sc->stations.v[g];
    fai_geodetic_to_ecef(s->lat_rad, s->lon_rad, s->alt_m, site + 3 * g);
  }
  for (int t = 0; t < tl->n_snaps; t++) {
    char ts[32];
    fai_json_format_double(tl->t_s[t], ts);
    for (int g = 0; g < G; g++) {
      const fai_station *s = &tl->sc->stations.v[g];
      const uint32_t *row = tl->st_vis + ((size_t)t * G + g) * W;
      for (int w = 0; w < W; w++) {
        uint32_t bits = row[w];
        while (bits) {
          const int j = w * 32 + __builtin_ctz(bits);
          bits &= bits - 1;
          const double *r = tl->pos + ((size_t)t * N + j) * 3;
          const double *q = site + 3 * g;
          const double d = sqrt((r[0] - q[0]) * (r[0] - q[0]) + (r[1] - q[1]) * (r[1] - q[1]) +
                                (r[2] - q[2]) * (r[2] - q[2]));
          fputs(ts, fp);
          fputc(',', fp);
          put_int(fp, g);
          fputc(',', fp);
          put_int(fp, j);
          fputc(',', fp);
          put_fixed(fp, d, 3);
          fputc(',', fp);
          put_fixed(fp, fai_elevation_rad(q, s->lat_rad, s->lon_rad, r) / FAI_DEG, 4);
          fputc(',', fp);
          put_fixed(fp, d / FAI_C_M_S, 12);
          fputc(',', fp);
          put_fixed(fp, fai_radio_rate_bps(&tl->sc->gsl_radio, d), 0);
          fputc('\n', fp);
        }
      }
    }
    if (fai_interrupted()) {
      free(site);
      return FAI_EINTR;
    }
  }
  free(site);
  return FAI_OK;
}

static fai_status write_contacts(const fai_timeline *tl, const fai_write_opts *o, FILE *fp) {
  fputs("station,sat,rise_s,set_s,max_elevation_deg\n", fp);
  for (size_t k = 0; k < tl->n_contacts; k++) {
    const fai_contact *c = &tl->contacts[k];
    fprintf(fp, "%d,%d,", c->station, c->sat);
    put_fixed(fp, c->rise_s, 4);
    fputc(',', fp);
    put_fixed(fp, c->set_s, 4);
    fputc(',', fp);
    put_fixed(fp, c->max_elev_rad / FAI_DEG, 4);
    fputc('\n', fp);
  }
  return FAI_OK;
}

static fai_status write_stations(const fai_timeline *tl, const fai_write_opts *o, FILE *fp) {
  fputs("station,name,latitude_deg,longitude_deg,altitude_m,min_elevation_deg\n", fp);
  for (int g = 0; g < tl->n_stations; g++) {
    const fai_station *s = &tl->sc->stations.v[g];
    fprintf(fp, "%d,", g);
    put_cell(fp, s->name);
    fputc(',', fp);
    put_real(fp, s->lat_rad / FAI_DEG);
    fputc(',', fp);
    put_real(fp, s->lon_rad / FAI_DEG);
    fputc(',', fp);
    put_real(fp, s->alt_m);
    fputc(',', fp);
    put_real(fp, s->min_elev_rad / FAI_DEG);
    fputc('\n', fp);
  }
  return FAI_OK;
}

static fai_status write_table(fai_outdir *od, const char *name, table_fn fn,
                              const fai_timeline *tl, const fai_write_opts *o, fai_error *err) {
  char path[FAI_ERROR_FILE_MAX + 160];
  fai_status st = fai_outdir_path(od, name, path, sizeof path, err);
  if (st != FAI_OK) return st;
  FILE *fp = fopen(path, "w");
  if (!fp) return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "cannot create file");
  setvbuf(fp, NULL, _IOFBF, 1 << 20);
  st = fn(tl, o, fp);
  int bad = ferror(fp);
  if (fclose(fp) != 0 || bad) {
    if (st == FAI_OK) st = fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "write failed");
  } else if (st == FAI_EINTR) {
    fai_error_set(err, FAI_EINTR, "interrupted while writing %s", name);
  } else if (st != FAI_OK && err && !err->msg[0]) {
    fai_error_set(err, st, "writing %s failed", name);
  }
  return st;
}

fai_status fai_timeline_write(const fai_timeline *tl, const char *dir, const fai_write_opts *o_in,
                              fai_error *err) {
  fai_write_opts o;
  if (o_in)
    o = *o_in;
  else
    fai_write_opts_init(&o);
  fai_outdir od;
  fai_status st = fai_outdir_begin(&od, dir, err);
  if (st != FAI_OK) return st;
  json_t *doc = NULL, *run = NULL;
  char path[FAI_ERROR_FILE_MAX + 160];
  if (o.positions) FAI_TRY(write_table(&od, "positions.csv", write_positions, tl, &o, err));
  if (o.isls) FAI_TRY(write_table(&od, "isls.csv", write_isls, tl, &o, err));
  if (o.gsls) FAI_TRY(write_table(&od, "gsls.csv", write_gsls, tl, &o, err));
  if (o.only_tables) {
    FAI_TRY(fai_outdir_commit(&od, err));
    return FAI_OK;
  }
  FAI_TRY(write_table(&od, "satellites.csv", write_satellites, tl, &o, err));
  FAI_TRY(write_table(&od, "stations.csv", write_stations, tl, &o, err));
  if (o.binary) {
    FAI_TRY(fai_outdir_path(&od, "timeline.bin", path, sizeof path, err));
    FAI_TRY(fai_timeline_save_binary(tl, path, err));
  }
  FAI_TRY(write_table(&od, "contacts.csv", write_contacts, tl, &o, err));
  doc = fai_timeline_to_json(tl);
  if (!doc) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory building timeline.json");
    goto cleanup;
  }
  /* The resolved scenario, loadable as it is: `fluidai orbitgen DIR/scenario.json`
   * rebuilds this timeline, and `fluidai export` starts from it. */
  if (tl->sc->elements.enabled) /* fai_scenario_save writes it beside scenario.json */
    FAI_TRY(fai_outdir_path(&od, "elements.tle", path, sizeof path, err));
  FAI_TRY(fai_outdir_path(&od, "scenario.json", path, sizeof path, err));
  FAI_TRY(fai_scenario_save(tl->sc, path, err));
  FAI_TRY(fai_outdir_path(&od, "timeline.json", path, sizeof path, err));
  FAI_TRY(fai_json_write_file(doc, path, err));
  /* Run facts that legitimately differ between equivalent runs live apart
   * from timeline.json, which stays byte-identical across threads/backends. */
  run = json_pack("{s:s, s:s, s:s, s:i, s:{s:f, s:f, s:f, s:f, s:f, s:f}}", "format",
                  "fluidai-run", "command", "orbitgen", "backend", o.backend_name, "threads",
                  o.threads, "timings_s", "propagate", tl->timing_s[0], "links",
                  tl->timing_s[1], "visibility", tl->timing_s[2], "contacts", tl->timing_s[3],
                  "paths", tl->timing_s[4], "total", tl->timing_s[5]);
  if (!run) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory building run.json");
    goto cleanup;
  }
  FAI_TRY(fai_outdir_path(&od, "run.json", path, sizeof path, err));
  FAI_TRY(fai_json_write_file(run, path, err));
  FAI_TRY(fai_outdir_commit(&od, err));
cleanup:
  if (st != FAI_OK) fai_outdir_abort(&od);
  json_decref(doc);
  json_decref(run);
  return st;
}
