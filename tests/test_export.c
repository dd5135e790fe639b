/* Hypatia export: the files read back and checked against independent
 * oracles — +Grid neighbours in isls.txt, interface numbering, and for every
 * snapshot (full state rebuilt from the fstate deltas) every next-hop chain
 * from every satellite and station reaches its destination station without a
 * loop, with the length Floyd–Warshall finds over the same positions, and -1
 * exactly where no path exists. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fluidai/export.h"
#include "fluidai/orbitgen.h"

/* 4 planes x 12 at 550 km, three stations (one with a 10 degree mask), ten
 * exported snapshots (t < 600 s), and ISL survival draws so that some
 * candidate links are down. */
static const char *SCEN =
    "{\"name\":\"exp\",\"epoch\":\"2026-03-01T12:00:00Z\",\"duration_s\":600,\"step_s\":60,"
    "\"seed\":5,\"constellation\":{\"name\":\"w48\",\"shells\":[{\"walker\":\"53:48/4/1\","
    "\"altitude_km\":550}]},"
    "\"ground_stations\":{\"list\":[{\"name\":\"Zurich, CH\",\"latitude_deg\":47.37,"
    "\"longitude_deg\":8.54,\"altitude_m\":400},"
    "{\"name\":\"Madrid\",\"latitude_deg\":40.4,\"longitude_deg\":-3.7},"
    "{\"name\":\"Quito\",\"latitude_deg\":-0.18,\"longitude_deg\":-78.47,\"altitude_m\":2850,"
    "\"min_elevation_deg\":10}],\"min_elevation_deg\":20},"
    "\"isl\":{\"survival_probability\":0.85}}";

#define P_ 4
#define S_ 12
#define N_ (P_ * S_)
#define G_ 3
#define T_OUT 10

static void setup(fai_scenario *sc, fai_timeline *tl) {
  fai_error err;
  fai_scenario_init(sc);
  cr_assert_eq(fai_scenario_load_string(SCEN, "exp", sc, NULL, &err), FAI_OK, "%s", err.msg);
  fai_backend be;
  cr_assert_eq(fai_backend_select(FAI_BACKEND_CPU, 2, &be, &err), FAI_OK);
  fai_timeline_opts o;
  fai_timeline_opts_init(&o);
  o.contacts = 0;
  o.paths = 0;
  cr_assert_eq(fai_timeline_build(sc, &be, &o, NULL, tl, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(tl->n_sats, N_);
  cr_assert_eq(tl->n_stations, G_);
  cr_assert_eq(tl->n_snaps, T_OUT + 1);
}

static char *slurp(const char *path) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  size_t got = fread(buf, 1, (size_t)n, fp);
  fclose(fp);
  buf[got] = '\0';
  return buf;
}

static char *slurp_in(const char *dir, const char *name) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  char *s = slurp(p);
  cr_assert(s, "%s was not written", p);
  return s;
}

static int count_lines(const char *s) {
  int n = 0;
  for (; *s; s++) n += *s == '\n';
  return n;
}

static void make_tmp(char *dir, size_t n) {
  char base[] = "/tmp/fluidai-export-XXXXXX";
  cr_assert(mkdtemp(base));
  snprintf(dir, n, "%s/hyp", base);
}

static void remove_tree(const char *dir) {
  char cmd[1200];
  char *slash = strrchr(dir, '/');
  snprintf(cmd, sizeof cmd, "rm -rf '%.*s'", (int)(slash - dir), dir);
  cr_expect(system(cmd) == 0);
}

static double d3(const double *a, const double *b) {
  const double dx = a[0] - b[0], dy = a[1] - b[1], dz = a[2] - b[2];
  return sqrt(dx * dx + dy * dy + dz * dz);
}

/* TLE checksum: digits count their value, '-' counts 1, modulo 10. */
static int tle_checksum_ok(const char *line) {
  if (strlen(line) != 69) return 0;
  int s = 0;
  for (int i = 0; i < 68; i++) {
    if (line[i] >= '0' && line[i] <= '9') s += line[i] - '0';
    if (line[i] == '-') s++;
  }
  return line[68] - '0' == s % 10;
}

typedef struct hop {
  int next, my_if, next_if;
} hop;

/* Everything the consistency check needs, from the files and the oracle. */
typedef struct fixture {
  fai_scenario sc;
  fai_timeline tl;
  char dir[512];
  int isl_a[4 * N_], isl_b[4 * N_], n_isl; /* isls.txt */
  int n_if[N_];                            /* ISL interfaces per satellite */
  double gs[G_][3], gsl_max[G_];
} fixture;

static void read_isls(fixture *f) {
  char *s = slurp_in(f->dir, "isls.txt");
  f->n_isl = 0;
  memset(f->n_if, 0, sizeof f->n_if);
  char *save = NULL;
  for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    int a, b;
    cr_assert_eq(sscanf(line, "%d %d", &a, &b), 2, "isls.txt line \"%s\"", line);
    cr_assert(a >= 0 && a < b && b < N_, "isls.txt: %d %d", a, b);
    f->isl_a[f->n_isl] = a;
    f->isl_b[f->n_isl++] = b;
    f->n_if[a]++;
    f->n_if[b]++;
  }
  free(s);
}

/* Interface of `v` on the ISL to `u` in isls.txt order; -1 when none. */
static int isl_if(const fixture *f, int v, int u, int *link) {
  int k = 0;
  for (int l = 0; l < f->n_isl; l++) {
    if (f->isl_a[l] != v && f->isl_b[l] != v) continue;
    if (f->isl_a[l] == u || f->isl_b[l] == u) {
      if (link) *link = l;
      return k;
    }
    k++;
  }
  return -1;
}

static void setup_fixture(fixture *f, const fai_hypatia_opts *o) {
  memset(f, 0, sizeof *f);
  setup(&f->sc, &f->tl);
  make_tmp(f->dir, sizeof f->dir);
  fai_error err;
  cr_assert_eq(fai_export_hypatia(&f->tl, o, f->dir, NULL, &err), FAI_OK, "%s", err.msg);
  read_isls(f);
  for (int g = 0; g < G_; g++) {
    const fai_station *s = &f->sc.stations.v[g];
    fai_geodetic_to_ecef(s->lat_rad, s->lon_rad, s->alt_m, f->gs[g]);
    if (o && o->max_gsl_length_m > 0) {
      f->gsl_max[g] = o->max_gsl_length_m;
    } else {
      /* Law of cosines in the triangle Earth centre, station, satellite:
       * a² = R² + d² + 2·R·d·sin(e), solved for d. */
      const double R = FAI_R_EARTH_M, a = R + 550e3, e = s->min_elev_rad;
      const double b = 2 * R * sin(e), c = R * R - a * a;
      f->gsl_max[g] = (-b + sqrt(b * b - 4 * c)) / 2;
    }
  }
}

static void free_fixture(fixture *f) {
  remove_tree(f->dir);
  fai_timeline_free(&f->tl);
  fai_scenario_free(&f->sc);
}

/* Apply one fstate file to the state table [N + G][G]. */
static int apply_fstate(const char *text, hop state[][G_]) {
  int n = 0;
  char *s = strdup(text), *save = NULL;
  for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
    int cur, dst;
    hop h;
    cr_assert_eq(sscanf(line, "%d,%d,%d,%d,%d", &cur, &dst, &h.next, &h.my_if, &h.next_if), 5,
                 "fstate line \"%s\"", line);
    cr_assert(cur >= 0 && cur < N_ + G_ && dst >= N_ && dst < N_ + G_ && cur != dst,
              "fstate line \"%s\"", line);
    state[cur][dst - N_] = h;
    n++;
  }
  free(s);
  return n;
}

/* Check snapshot t's full state against Floyd–Warshall over the same
 * positions; `multi`: one GSL interface per station on every satellite. */
static void check_snapshot(const fixture *f, int t, hop state[][G_], int multi) {
  const fai_timeline *tl = &f->tl;
  const double *pos = tl->pos + (size_t)t * N_ * 3;
  static double D[N_][N_];
  for (int i = 0; i < N_; i++)
    for (int j = 0; j < N_; j++) D[i][j] = i == j ? 0 : INFINITY;
  static int up[N_][N_];
  memset(up, 0, sizeof up);
  for (int l = 0; l < tl->n_links; l++) {
    if (!tl->link_alive[(size_t)t * tl->n_links + l]) continue;
    const int a = tl->link_a[l], b = tl->link_b[l];
    D[a][b] = D[b][a] = d3(pos + 3 * a, pos + 3 * b);
    up[a][b] = up[b][a] = 1;
  }
  for (int k = 0; k < N_; k++)
    for (int i = 0; i < N_; i++)
      for (int j = 0; j < N_; j++)
        if (D[i][k] + D[k][j] < D[i][j]) D[i][j] = D[i][k] + D[k][j];
  double gsl[G_][N_];
  for (int g = 0; g < G_; g++)
    for (int j = 0; j < N_; j++) {
      const double d = d3(pos + 3 * j, f->gs[g]);
      gsl[g][j] = d <= f->gsl_max[g] ? d : INFINITY;
    }
  /* Satellite → station and station → station distances. */
  double to_gs[N_][G_], gs_gs[G_][G_];
  for (int g = 0; g < G_; g++)
    for (int v = 0; v < N_; v++) {
      to_gs[v][g] = INFINITY;
      for (int j = 0; j < N_; j++)
        if (D[v][j] + gsl[g][j] < to_gs[v][g]) to_gs[v][g] = D[v][j] + gsl[g][j];
    }
  for (int s = 0; s < G_; s++)
    for (int g = 0; g < G_; g++) {
      gs_gs[s][g] = INFINITY;
      for (int j = 0; j < N_; j++)
        if (gsl[s][j] + to_gs[j][g] < gs_gs[s][g]) gs_gs[s][g] = gsl[s][j] + to_gs[j][g];
    }

  int reachable = 0;
  for (int g = 0; g < G_; g++) {
    const int dst = N_ + g;
    for (int start = 0; start < N_ + G_; start++) {
      if (start == dst) continue;
      const hop *h = &state[start][g];
      const double want = start < N_ ? to_gs[start][g] : gs_gs[start - N_][g];
      if (!isfinite(want)) {
        cr_expect(h->next == -1 && h->my_if == -1 && h->next_if == -1,
                  "t=%d %d->%d: unreachable but next hop %d", t, start, dst, h->next);
        continue;
      }
      cr_assert_neq(h->next, -1, "t=%d %d->%d: reachable (%.0f m) but -1", t, start, dst, want);
      reachable++;
      double len = 0;
      int cur = start, steps = 0;
      while (cur != dst) {
        cr_assert_lt(steps++, N_ + 2, "t=%d %d->%d: loop", t, start, dst);
        const hop *e = &state[cur][g];
        cr_assert_neq(e->next, -1, "t=%d %d->%d: dead end at %d", t, start, dst, cur);
        const int nx = e->next;
        if (cur >= N_) { /* station → its first satellite */
          cr_assert(cur == start && nx < N_, "t=%d: station %d relays", t, cur);
          cr_assert(isfinite(gsl[cur - N_][nx]), "t=%d: %d does not see %d", t, cur, nx);
          cr_expect_eq(e->my_if, 0);
          cr_expect_eq(e->next_if, f->n_if[nx] + (multi ? cur - N_ : 0));
          len += gsl[cur - N_][nx];
        } else if (nx >= N_) { /* last hop down */
          cr_assert_eq(nx, dst, "t=%d: satellite %d hands over to station %d, not %d", t, cur, nx,
                       dst);
          cr_assert(isfinite(gsl[g][cur]), "t=%d: %d does not see %d", t, dst, cur);
          cr_expect_eq(e->my_if, f->n_if[cur] + (multi ? g : 0));
          cr_expect_eq(e->next_if, 0);
          len += gsl[g][cur];
        } else { /* ISL hop: a live link, interfaces in isls.txt order */
          cr_assert(up[cur][nx], "t=%d: %d->%d is not a live ISL", t, cur, nx);
          cr_expect_eq(e->my_if, isl_if(f, cur, nx, NULL));
          cr_expect_eq(e->next_if, isl_if(f, nx, cur, NULL));
          len += D[cur][nx];
        }
        cur = nx;
      }
      cr_expect_leq(fabs(len - want), 1e-6 * want, "t=%d %d->%d: path %.3f m, shortest %.3f m", t,
                    start, dst, len, want);
    }
  }
  cr_expect_gt(reachable, 0, "t=%d: nothing reachable; the test would prove little", t);
}

static void check_all_snapshots(const fai_hypatia_opts *o) {
  fixture f;
  setup_fixture(&f, o);
  const int multi = o && o->gsl_interfaces_per_sat > 1;
  const int full = o && o->full_fstate;
  char dyn[700];
  snprintf(dyn, sizeof dyn, "%s/dynamic_state_60000ms_for_600s", f.dir);
  static hop state[N_ + G_][G_];
  for (int i = 0; i < N_ + G_; i++)
    for (int g = 0; g < G_; g++) state[i][g] = (hop){-2, -2, -2};
  int changed_total = 0;
  for (int t = 0; t < T_OUT; t++) {
    char name[64];
    snprintf(name, sizeof name, "fstate_%lld.txt", (long long)t * 60000000000LL);
    char *text = slurp_in(dyn, name);
    const int n = apply_fstate(text, state);
    free(text);
    if (t == 0 || full)
      cr_assert_eq(n, N_ * G_ + G_ * (G_ - 1), "t=%d: %d entries", t, n);
    else
      changed_total += n;
    for (int i = 0; i < N_ + G_; i++)
      for (int g = 0; g < G_; g++)
        if (i != N_ + g) cr_assert_neq(state[i][g].next, -2, "entry %d->%d never written", i, g);
    check_snapshot(&f, t, state, multi);
    snprintf(name, sizeof name, "gsl_if_bandwidth_%lld.txt", (long long)t * 60000000000LL);
    text = slurp_in(dyn, name);
    const int lines = count_lines(text);
    cr_expect_eq(lines, t == 0 ? N_ * (multi ? G_ : 1) + G_ : 0, "t=%d: %d bandwidth lines", t,
                 lines);
    free(text);
  }
  if (!full) cr_expect_gt(changed_total, 0, "no forwarding change in ten minutes");
  /* Hypatia's grid stops before the horizon's end: no state at t = 600 s. */
  char p[800];
  snprintf(p, sizeof p, "%s/fstate_600000000000.txt", dyn);
  cr_expect_neq(access(p, F_OK), 0);
  free_fixture(&f);
}

Test(export, hypatia_forwarding_state_follows_shortest_paths, .timeout = 60) {
  check_all_snapshots(NULL);
}

Test(export, hypatia_full_fstate_and_per_station_interfaces, .timeout = 60) {
  fai_hypatia_opts o;
  fai_hypatia_opts_init(&o);
  o.full_fstate = 1;
  o.gsl_interfaces_per_sat = G_;
  o.max_gsl_length_m = 2.2e6;
  check_all_snapshots(&o);
}

Test(export, hypatia_static_files_match_the_timeline) {
  fixture f;
  setup_fixture(&f, NULL);
  /* isls.txt: the candidate links in order, each satellite with its four
   * +Grid neighbours (delta pattern: wraps in slot and plane). */
  cr_assert_eq(f.n_isl, f.tl.n_links);
  cr_assert_eq(f.n_isl, 2 * N_);
  for (int l = 0; l < f.n_isl; l++) {
    cr_expect_eq(f.isl_a[l], f.tl.link_a[l]);
    cr_expect_eq(f.isl_b[l], f.tl.link_b[l]);
  }
  for (int p = 0; p < P_; p++)
    for (int s = 0; s < S_; s++) {
      const int v = p * S_ + s;
      const int nb[4] = {p * S_ + (s + 1) % S_, p * S_ + (s + S_ - 1) % S_, ((p + 1) % P_) * S_ + s,
                         ((p + P_ - 1) % P_) * S_ + s};
      for (int k = 0; k < 4; k++)
        cr_expect_geq(isl_if(&f, v, nb[k], NULL), 0, "satellite %d lacks neighbour %d", v, nb[k]);
      cr_expect_eq(f.n_if[v], 4);
    }

  /* gsl_interfaces_info.txt: N + G lines, node ids in order. */
  char *s = slurp_in(f.dir, "gsl_interfaces_info.txt");
  cr_assert_eq(count_lines(s), N_ + G_);
  char *save = NULL;
  int id = 0;
  for (char *line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save), id++) {
    int node, nif;
    double bw;
    cr_assert_eq(sscanf(line, "%d,%d,%lf", &node, &nif, &bw), 3);
    cr_expect_eq(node, id);
    cr_expect_eq(nif, 1);
    cr_expect_eq(bw, 1.0);
  }
  free(s);

  /* tles.txt: "P S", then name "<constellation> <id>" and two checksummed lines. */
  s = slurp_in(f.dir, "tles.txt");
  cr_assert_eq(count_lines(s), 1 + 3 * N_);
  save = NULL;
  char *line = strtok_r(s, "\n", &save);
  cr_expect_str_eq(line, "4 12");
  for (int j = 0; j < N_; j++) {
    char want[32];
    snprintf(want, sizeof want, "w48 %d", j);
    line = strtok_r(NULL, "\n", &save);
    cr_expect_str_eq(line, want);
    for (int k = 1; k <= 2; k++) {
      line = strtok_r(NULL, "\n", &save);
      cr_expect(tle_checksum_ok(line), "bad TLE line \"%s\"", line);
      cr_expect_eq(line[0], '0' + k);
      cr_expect_eq(atoi(line + 2), j + 1, "NORAD id of satellite %d", j);
    }
  }
  free(s);

  /* Ground stations: 8 comma-separated columns, the comma in a name replaced. */
  for (int k = 0; k < 2; k++) {
    s = slurp_in(f.dir, k ? "ground_stations_extended.txt" : "ground_stations.txt");
    cr_assert_eq(count_lines(s), G_);
    save = NULL;
    int g = 0;
    for (line = strtok_r(s, "\n", &save); line; line = strtok_r(NULL, "\n", &save), g++) {
      int commas = 0;
      for (const char *c = line; *c; c++) commas += *c == ',';
      cr_expect_eq(commas, 7, "\"%s\"", line);
      int gid;
      double lat, lon, alt, x, y, z;
      char name[64];
      cr_assert_eq(sscanf(line, "%d,%63[^,],%lf,%lf,%lf,%lf,%lf,%lf", &gid, name, &lat, &lon, &alt,
                          &x, &y, &z),
                   8);
      cr_expect_eq(gid, g);
      if (g == 0) cr_expect_str_eq(name, "Zurich; CH");
      cr_expect_leq(fabs(x - f.gs[g][0]) + fabs(y - f.gs[g][1]) + fabs(z - f.gs[g][2]), 1e-5);
      cr_expect_leq(fabs(lat - f.sc.stations.v[g].lat_rad / FAI_DEG), 1e-9);
    }
    free(s);
  }

  /* description.txt: the largest per-station GSL length. */
  s = slurp_in(f.dir, "description.txt");
  double gsl, isl;
  cr_assert_eq(sscanf(s, "max_gsl_length_m=%lf\nmax_isl_length_m=%lf", &gsl, &isl), 2, "%s", s);
  double want = 0;
  for (int g = 0; g < G_; g++) want = f.gsl_max[g] > want ? f.gsl_max[g] : want;
  cr_expect_leq(fabs(gsl - want), 1e-3, "max_gsl_length_m %.4f, expected %.4f", gsl, want);
  const double a = FAI_R_EARTH_M + 550e3, rb = FAI_R_EARTH_M + 80e3;
  cr_expect_leq(fabs(isl - 2 * sqrt(a * a - rb * rb)), 1e-3);
  free(s);
  free_fixture(&f);
}

Test(export, hypatia_is_deterministic_and_refuses_to_mix_dynamic_states) {
  fai_scenario sc;
  fai_timeline tl;
  setup(&sc, &tl);
  char d1[512], d2[512];
  make_tmp(d1, sizeof d1);
  make_tmp(d2, sizeof d2);
  fai_error err;
  cr_assert_eq(fai_export_hypatia(&tl, NULL, d1, NULL, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(fai_export_hypatia(&tl, NULL, d2, NULL, &err), FAI_OK, "%s", err.msg);
  char cmd[2400];
  snprintf(cmd, sizeof cmd, "diff -r '%s' '%s' >/dev/null", d1, d2);
  cr_expect_eq(system(cmd), 0, "two exports differ");
  /* A second export into the same directory would mix two dynamic states. */
  fai_status st = fai_export_hypatia(&tl, NULL, d1, NULL, &err);
  cr_expect_eq(st, FAI_EINVAL);
  cr_expect(strstr(err.file, "dynamic_state_60000ms_for_600s") != NULL, "%s", err.file);
  snprintf(cmd, sizeof cmd, "diff -r '%s' '%s' >/dev/null && ! ls -a '%s' | grep -q tmp", d1, d2,
           d1);
  cr_expect_eq(system(cmd), 0, "the refused export changed the directory");
  /* Bad options are refused before anything is written. */
  fai_hypatia_opts o;
  fai_hypatia_opts_init(&o);
  o.gsl_interfaces_per_sat = 2;
  char d3s[600];
  snprintf(d3s, sizeof d3s, "%s-other", d1);
  cr_expect_eq(fai_export_hypatia(&tl, &o, d3s, NULL, &err), FAI_EINVAL);
  cr_expect_neq(access(d3s, F_OK), 0);
  remove_tree(d1);
  remove_tree(d2);
  fai_timeline_free(&tl);
  fai_scenario_free(&sc);
}
