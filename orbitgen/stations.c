/* Ground points: station lists from CSV, regular user grids, and their ECEF
 * form for the kernels.
 *
 * The CSV reader follows RFC 4180 (quoted cells with "" escapes, commas and
 * line breaks inside quotes, CRLF or LF records) and accepts a UTF-8 byte
 * order mark.  Error columns count UTF-8 characters from 1, so they match
 * what an editor shows for names such as "Camaçari, BR". */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/log.h"
#include "fluidai/orbit.h"

#define MAX_GRID_POINTS 10000000 /* 10 M cells: ~1 GB of tables downstream */

/* --- CSV records -------------------------------------------------------------- */

typedef struct csv_cell {
  size_t off;   /* start of the cell's NUL-terminated text in csv_reader.buf */
  int line;     /* 1-based line of the cell's first character */
  int col;      /* 1-based column (UTF-8 characters) */
  int quoted;   /* written in double quotes: text is kept verbatim */
} csv_cell;

typedef struct csv_reader {
  const char *p;     /* next unread byte */
  const char *file;  /* for messages */
  int line, col;     /* position of *p */
  char *buf;         /* cell texts of the current record */
  size_t buf_len, buf_cap;
  csv_cell *cells;
  int n_cells, cells_cap;
  int rec_line;      /* line where the current record starts */
} csv_reader;

static void advance(csv_reader *r) {
  const unsigned char ch = (unsigned char)*r->p++;
  if (ch == '\n') {
    r->line++;
    r->col = 1;
  } else if ((ch & 0xC0) != 0x80) {
    r->col++; /* continuation bytes do not start a new character */
  }
}

static int buf_put(csv_reader *r, char ch) {
  if (r->buf_len + 1 >= r->buf_cap) {
    size_t cap = r->buf_cap ? 2 * r->buf_cap : 256;
    char *nb = realloc(r->buf, cap);
    if (!nb) return -1;
    r->buf = nb;
    r->buf_cap = cap;
  }
  r->buf[r->buf_len++] = ch;
  return 0;
}

static int cell_begin(csv_reader *r, int quoted) {
  if (r->n_cells == r->cells_cap) {
    int cap = r->cells_cap ? 2 * r->cells_cap : 16;
    csv_cell *nc = realloc(r->cells, (size_t)cap * sizeof *nc);
    if (!nc) return -1;
    r->cells = nc;
    r->cells_cap = cap;
  }
  csv_cell *c = &r->cells[r->n_cells++];
  c->off = r->buf_len;
  c->line = r->line;
  c->col = r->col;
  c->quoted = quoted;
  return 0;
}

static fai_status oom(fai_error *err) {
  return fai_error_set(err, FAI_ENOMEM, "out of memory while reading a station list");
}

/* Reads one record into r->cells; *got = 0 at end of input. */
static fai_status read_record(csv_reader *r, int *got, fai_error *err) {
  r->n_cells = 0;
  r->buf_len = 0;
  *got = 0;
  if (*r->p == '\0') return FAI_OK;
  r->rec_line = r->line;
  for (;;) {
    if (cell_begin(r, *r->p == '"') != 0) return oom(err);
    csv_cell *c = &r->cells[r->n_cells - 1];
    if (c->quoted) {
      advance(r);
      for (;;) {
        if (*r->p == '\0')
          return fai_error_set_at(err, FAI_EPARSE, r->file, c->line, c->col, NULL,
                                  "quoted cell never closed; expected a closing '\"'");
        if (*r->p == '"') {
          if (r->p[1] == '"') { /* "" is an escaped quote */
            if (buf_put(r, '"') != 0) return oom(err);
            advance(r);
            advance(r);
            continue;
          }
          advance(r);
          break;
        }
        if (buf_put(r, *r->p) != 0) return oom(err);
        advance(r);
      }
      if (*r->p != ',' && *r->p != '\n' && *r->p != '\r' && *r->p != '\0')
        return fai_error_set_at(err, FAI_EPARSE, r->file, r->line, r->col, NULL,
                                "unexpected '%c' after a closing quote; expected ',' or the "
                                "end of the line",
                                *r->p);
    } else {
      while (*r->p != ',' && *r->p != '\n' && *r->p != '\r' && *r->p != '\0') {
        if (*r->p == '"')
          return fai_error_set_at(err, FAI_EPARSE, r->file, r->line, r->col, NULL,
                                  "'\"' inside an unquoted cell; quote the whole cell and "
                                  "double the inner quotes");
        if (buf_put(r, *r->p) != 0) return oom(err);
        advance(r);
      }
    }
    if (buf_put(r, '\0') != 0) return oom(err);
    if (*r->p == ',') {
      advance(r);
      continue;
    }
    /* End of record: CRLF, LF, lone CR or end of input. */
    if (*r->p == '\r') {
      r->p++;
      if (*r->p == '\n') {
        advance(r);
      } else {
        r->line++;
        r->col = 1;
      }
    } else if (*r->p == '\n') {
      advance(r);
    }
    *got = 1;
    return FAI_OK;
  }
}

/* A record holding nothing but one empty unquoted cell is a blank line. */
static int record_blank(const csv_reader *r) {
  return r->n_cells == 1 && !r->cells[0].quoted && r->buf[r->cells[0].off] == '\0';
}

/* Unquoted cells lose surrounding blanks; quoted ones are kept verbatim. */
static char *cell_text(csv_reader *r, int i) {
  char *s = r->buf + r->cells[i].off;
  if (r->cells[i].quoted) return s;
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  return s;
}

/* Strict decimal number: digits, sign, point and exponent only (no hex,
 * inf or nan), consumed entirely.  Returns 0 on success. */
static int parse_number(const char *s, double *out) {
  if (!*s) return -1;
  for (const char *q = s; *q; q++)
    if (!isdigit((unsigned char)*q) && !strchr("+-.eE", *q)) return -1;
  char *end;
  errno = 0;
  const double v = strtod(s, &end);
  if (*end != '\0' || end == s || errno == ERANGE || !isfinite(v)) return -1;
  *out = v;
  return 0;
}

/* Returns the byte offset of the first invalid UTF-8 sequence, or -1. */
static long utf8_invalid_at(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    int len;
    unsigned cp;
    if (*p < 0x80) {
      p++;
      continue;
    } else if ((*p & 0xE0) == 0xC0) {
      len = 2;
      cp = *p & 0x1F;
    } else if ((*p & 0xF0) == 0xE0) {
      len = 3;
      cp = *p & 0x0F;
    } else if ((*p & 0xF8) == 0xF0) {
      len = 4;
      cp = *p & 0x07;
    } else {
      return (long)(p - (const unsigned char *)s);
    }
    for (int k = 1; k < len; k++) {
      if ((p[k] & 0xC0) != 0x80) return (long)(p - (const unsigned char *)s);
      cp = (cp << 6) | (p[k] & 0x3F);
    }
    const unsigned min_cp = len == 2 ? 0x80 : len == 3 ? 0x800 : 0x10000;
    if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return (long)(p - (const unsigned char *)s);
    p += len;
  }
  return -1;
}

/* --- station list --------------------------------------------------------------- */

enum { COL_NAME, COL_LAT, COL_LON, COL_ALT, COL_MASK, N_KNOWN_COLS };
static const char *const known_cols[N_KNOWN_COLS] = {"name", "latitude_deg", "longitude_deg",
                                                     "altitude_m", "min_elevation_deg"};

static int ascii_casecmp(const char *a, const char *b) {
  for (; *a && *b; a++, b++) {
    const int ca = tolower((unsigned char)*a), cb = tolower((unsigned char)*b);
    if (ca != cb) return ca - cb;
  }
  return (unsigned char)*a - (unsigned char)*b;
}

typedef struct name_ref {
  const char *name;
  int line;
} name_ref;

static int name_ref_cmp(const void *a, const void *b) {
  const name_ref *x = a, *y = b;
  const int c = strcmp(x->name, y->name);
  return c ? c : (x->line > y->line) - (x->line < y->line);
}

/* Duplicate names are legal (one site, several antenna groups) but usually a
 * mistake in hand-written lists: one warning with a count and an example. */
static void warn_duplicates(const fai_station_set *s, const int *lines, const char *file) {
  name_ref *refs = malloc((size_t)s->n * sizeof *refs);
  if (!refs) return; /* the warning is advisory; skip it rather than fail */
  for (int i = 0; i < s->n; i++) {
    refs[i].name = s->v[i].name;
    refs[i].line = lines[i];
  }
  qsort(refs, (size_t)s->n, sizeof *refs, name_ref_cmp);
  int dups = 0, first = -1;
  for (int i = 1; i < s->n; i++) {
    if (strcmp(refs[i].name, refs[i - 1].name) == 0) {
      dups++;
      if (first < 0) first = i;
    }
  }
  if (dups > 0)
    fai_warn("%s: %d station row%s repeat an earlier name (e.g. \"%s\" on lines %d and %d); "
             "all rows are kept",
             file, dups, dups == 1 ? "" : "s", refs[first].name, refs[first - 1].line,
             refs[first].line);
  free(refs);
}

fai_status fai_stations_parse_csv(const char *text, const char *file, double default_min_elev_rad,
                                  fai_station_set *out, fai_error *err) {
  if (!out) return fai_error_set(err, FAI_EINVAL, "no output station set given");
  out->n = 0;
  out->v = NULL;
  if (!text) {
    if (!file) return fai_error_set(err, FAI_EINVAL, "neither CSV text nor a file name given");
    return fai_stations_load_csv(file, default_min_elev_rad, out, err);
  }
  const char *fname = file ? file : "<string>";
  fai_status st = FAI_OK;
  csv_reader r;
  memset(&r, 0, sizeof r);
  r.p = text;
  r.file = fname;
  r.line = 1;
  r.col = 1;
  if ((unsigned char)r.p[0] == 0xEF && (unsigned char)r.p[1] == 0xBB &&
      (unsigned char)r.p[2] == 0xBF)
    r.p += 3; /* UTF-8 byte order mark */
  fai_station *v = NULL;
  int *lines = NULL;
  int n = 0, cap = 0;
  int col_of[N_KNOWN_COLS];
  int n_header = 0, got = 0;

  /* Header: the first non-blank record. */
  do {
    FAI_TRY(read_record(&r, &got, err));
  } while (got && record_blank(&r));
  if (!got) {
    st = fai_error_set_at(err, FAI_EPARSE, fname, 0, 0, NULL,
                          "empty file; expected a header row with at least name, "
                          "latitude_deg, longitude_deg");
    goto cleanup;
  }
  n_header = r.n_cells;
  for (int k = 0; k < N_KNOWN_COLS; k++) col_of[k] = -1;
  for (int i = 0; i < n_header; i++) {
    const char *h = cell_text(&r, i);
    for (int k = 0; k < N_KNOWN_COLS; k++) {
      if (ascii_casecmp(h, known_cols[k]) != 0) continue;
      if (col_of[k] >= 0) {
        st = fai_error_set_at(err, FAI_EPARSE, fname, r.cells[i].line, r.cells[i].col, NULL,
                              "header column \"%s\" appears twice (columns %d and %d)", h,
                              col_of[k] + 1, i + 1);
        goto cleanup;
      }
      col_of[k] = i;
    }
  }
  for (int k = COL_NAME; k <= COL_LON; k++) {
    if (col_of[k] < 0) {
      st = fai_error_set_at(err, FAI_EPARSE, fname, r.rec_line, 0, NULL,
                            "header has no \"%s\" column; expected at least name, "
                            "latitude_deg, longitude_deg (optional: altitude_m, "
                            "min_elevation_deg)",
                            known_cols[k]);
      goto cleanup;
    }
  }

  /* Data rows. */
  for (;;) {
    FAI_TRY(read_record(&r, &got, err));
    if (!got) break;
    if (record_blank(&r)) continue;
    if (r.n_cells != n_header) {
      const csv_cell *c = &r.cells[r.n_cells < n_header ? r.n_cells - 1 : n_header];
      st = fai_error_set_at(err, FAI_EPARSE, fname, c->line, c->col, NULL,
                            "row has %d cells; expected %d as in the header", r.n_cells,
                            n_header);
      goto cleanup;
    }
    if (n == cap) {
      const int ncap = cap ? 2 * cap : 64;
      fai_station *nv = realloc(v, (size_t)ncap * sizeof *nv);
      if (!nv) {
        st = oom(err);
        goto cleanup;
      }
      v = nv;
      int *nl = realloc(lines, (size_t)ncap * sizeof *nl);
      if (!nl) {
        st = oom(err);
        goto cleanup;
      }
      lines = nl;
      cap = ncap;
    }
    fai_station *s = &v[n];
    memset(s, 0, sizeof *s);
    lines[n] = r.rec_line;

    const csv_cell *nc = &r.cells[col_of[COL_NAME]];
    const char *name = cell_text(&r, col_of[COL_NAME]);
    const long bad = utf8_invalid_at(name);
    if (bad >= 0) {
      st = fai_error_set_at(err, FAI_EPARSE, fname, nc->line, nc->col, NULL,
                            "station name is not valid UTF-8 (byte %ld of the cell)", bad + 1);
      goto cleanup;
    }
    if (name[0] == '\0') {
      st = fai_error_set_at(err, FAI_EINVAL, fname, nc->line, nc->col, NULL,
                            "empty station name; expected a non-empty name");
      goto cleanup;
    }
    if (strlen(name) >= FAI_NAME_MAX) {
      st = fai_error_set_at(err, FAI_EINVAL, fname, nc->line, nc->col, NULL,
                            "station name \"%.40s...\" is %zu bytes; expected at most %d",
                            name, strlen(name), FAI_NAME_MAX - 1);
      goto cleanup;
    }
    memcpy(s->name, name, strlen(name) + 1);

    /* Numeric cells: {column, lower, upper, required, unit text}. */
    const struct {
      int k;
      double lo, hi;
      int required;
      const char *what;
    } num[4] = {
        {COL_LAT, -90.0, 90.0, 1, "decimal degrees in [-90, 90]"},
        {COL_LON, -180.0, 180.0, 1, "decimal degrees in [-180, 180]"},
        {COL_ALT, -12000.0, 100000.0, 0, "metres in [-12000, 100000]"},
        {COL_MASK, -90.0, 90.0, 0, "degrees in [-90, 90]"},
    };
    double val[4] = {0.0, 0.0, 0.0, default_min_elev_rad / FAI_DEG};
    for (int q = 0; q < 4; q++) {
      const int ci = col_of[num[q].k];
      if (ci < 0) continue;
      const csv_cell *c = &r.cells[ci];
      const char *txt = cell_text(&r, ci);
      if (txt[0] == '\0' && !num[q].required) continue; /* empty optional cell: default */
      double x;
      if (parse_number(txt, &x) != 0) {
        st = fai_error_set_at(err, FAI_EPARSE, fname, c->line, c->col, NULL,
                              "%s \"%s\" is not a number; expected %s", known_cols[num[q].k],
                              txt, num[q].what);
        goto cleanup;
      }
      if (!(x >= num[q].lo && x <= num[q].hi)) {
        st = fai_error_set_at(err, FAI_EINVAL, fname, c->line, c->col, NULL,
                              "%s \"%s\" is out of range; expected %s", known_cols[num[q].k],
                              txt, num[q].what);
        goto cleanup;
      }
      val[q] = x;
    }
    s->lat_rad = val[0] * FAI_DEG;
    s->lon_rad = val[1] * FAI_DEG;
    s->alt_m = val[2];
    s->min_elev_rad = col_of[COL_MASK] >= 0 && cell_text(&r, col_of[COL_MASK])[0] != '\0'
                          ? val[3] * FAI_DEG
                          : default_min_elev_rad;
    n++;
  }
  if (n == 0) {
    st = fai_error_set_at(err, FAI_EPARSE, fname, r.line, 0, NULL,
                          "no station rows after the header; expected at least one");
    goto cleanup;
  }
  out->n = n;
  out->v = v;
  v = NULL;
  warn_duplicates(out, lines, fname);

cleanup:
  free(v);
  free(lines);
  free(r.buf);
  free(r.cells);
  return st;
}

fai_status fai_stations_load_csv(const char *file, double default_min_elev_rad,
                                 fai_station_set *out, fai_error *err) {
  if (out) {
    out->n = 0;
    out->v = NULL;
  }
  if (!file) return fai_error_set(err, FAI_EINVAL, "no station file name given");
  FILE *f = fopen(file, "rb");
  if (!f) {
    const int e = errno;
    return fai_error_set_at(err, e == ENOENT ? FAI_ENOENT : FAI_EIO, file, 0, 0, NULL,
                            "cannot open station list: %s", strerror(e));
  }
  fai_status st = FAI_OK;
  char *text = NULL;
  size_t len = 0, cap = 0;
  for (;;) {
    if (cap - len < 4096) {
      const size_t ncap = cap ? 2 * cap : 65536;
      char *nt = realloc(text, ncap + 1);
      if (!nt) {
        st = oom(err);
        goto cleanup;
      }
      text = nt;
      cap = ncap;
    }
    const size_t k = fread(text + len, 1, cap - len, f);
    len += k;
    if (k == 0) break;
  }
  if (ferror(f)) {
    st = fai_error_set_at(err, FAI_EIO, file, 0, 0, NULL, "read error: %s", strerror(errno));
    goto cleanup;
  }
  text[len] = '\0';
  if (strlen(text) != len) {
    st = fai_error_set_at(err, FAI_EPARSE, file, 0, 0, NULL,
                          "NUL byte at offset %zu; expected a text (CSV) file", strlen(text));
    goto cleanup;
  }
  st = fai_stations_parse_csv(text, file, default_min_elev_rad, out, err);

cleanup:
  fclose(f);
  free(text);
  return st;
}

fai_status fai_stations_grid(double lat_min, double lat_max, double lat_step, double lon_min,
                             double lon_max, double lon_step, double min_elev_rad,
                             fai_station_set *out, fai_error *err) {
  if (!out) return fai_error_set(err, FAI_EINVAL, "no output station set given");
  out->n = 0;
  out->v = NULL;
  if (!(lat_step > 0.0) || !isfinite(lat_step) || !(lon_step > 0.0) || !isfinite(lon_step))
    return fai_error_set(err, FAI_EINVAL,
                         "grid steps must be > 0 degrees (latitude step %g, longitude step %g)",
                         lat_step, lon_step);
  if (!(lat_min >= -90.0 && lat_max <= 90.0 && lat_min <= lat_max))
    return fai_error_set(err, FAI_EINVAL,
                         "grid latitudes [%g, %g] must satisfy -90 <= min <= max <= 90", lat_min,
                         lat_max);
  if (!(lon_min >= -180.0 && lon_max <= 180.0 && lon_min <= lon_max))
    return fai_error_set(err, FAI_EINVAL,
                         "grid longitudes [%g, %g] must satisfy -180 <= min <= max <= 180",
                         lon_min, lon_max);
  if (!(fabs(min_elev_rad) <= FAI_PI / 2))
    return fai_error_set(err, FAI_EINVAL, "grid elevation mask %g deg must be in [-90, 90]",
                         min_elev_rad / FAI_DEG);
  /* Points min + k·step up to max inclusive; the 1e-9 slack keeps max when
   * (max − min)/step is an integer spoilt by rounding. */
  const double nlat_d = floor((lat_max - lat_min) / lat_step + 1e-9) + 1.0;
  const double nlon_d = floor((lon_max - lon_min) / lon_step + 1e-9) + 1.0;
  if (nlat_d * nlon_d > MAX_GRID_POINTS)
    return fai_error_set(err, FAI_EINVAL,
                         "grid of %.0f x %.0f points exceeds the limit of %d points; use "
                         "larger steps",
                         nlat_d, nlon_d, MAX_GRID_POINTS);
  const int nlat = (int)nlat_d, nlon = (int)nlon_d;
  fai_station *v = malloc((size_t)nlat * (size_t)nlon * sizeof *v);
  if (!v) return fai_error_set(err, FAI_ENOMEM, "out of memory for %d grid points", nlat * nlon);
  int k = 0;
  for (int i = 0; i < nlat; i++) {
    const double lat = lat_min + i * lat_step;
    for (int j = 0; j < nlon; j++, k++) {
      const double lon = lon_min + j * lon_step;
      fai_station *s = &v[k];
      memset(s, 0, sizeof *s);
      snprintf(s->name, sizeof s->name, "cell(%.4f,%.4f)", lat, lon);
      s->lat_rad = lat * FAI_DEG;
      s->lon_rad = lon * FAI_DEG;
      s->alt_m = 0.0;
      s->min_elev_rad = min_elev_rad;
    }
  }
  out->n = k;
  out->v = v;
  return FAI_OK;
}

void fai_station_set_free(fai_station_set *s) {
  if (!s) return;
  free(s->v);
  s->v = NULL;
  s->n = 0;
}

fai_status fai_ground_build(const fai_station_set *s, fai_ground_storage *out, fai_error *err) {
  if (!out) return fai_error_set(err, FAI_EINVAL, "no output ground points given");
  memset(out, 0, sizeof *out);
  if (!s || s->n < 0 || (s->n > 0 && !s->v))
    return fai_error_set(err, FAI_EINVAL, "no station set given");
  const size_t n = (size_t)s->n;
  if (n > 0) {
    out->pos_m = malloc(3 * n * sizeof(double));
    out->up = malloc(3 * n * sizeof(double));
    out->sin_min_elev = malloc(n * sizeof(double));
    if (!out->pos_m || !out->up || !out->sin_min_elev) {
      fai_ground_free(out);
      return fai_error_set(err, FAI_ENOMEM, "out of memory for %d ground points", s->n);
    }
  }
  for (size_t i = 0; i < n; i++) {
    const fai_station *st = &s->v[i];
    fai_geodetic_to_ecef(st->lat_rad, st->lon_rad, st->alt_m, out->pos_m + 3 * i);
    fai_geodetic_up(st->lat_rad, st->lon_rad, out->up + 3 * i);
    out->sin_min_elev[i] = sin(st->min_elev_rad);
  }
  out->gp.n = s->n;
  out->gp.pos_m = out->pos_m;
  out->gp.up = out->up;
  out->gp.sin_min_elev = out->sin_min_elev;
  return FAI_OK;
}

void fai_ground_free(fai_ground_storage *g) {
  if (!g) return;
  free(g->pos_m);
  free(g->up);
  free(g->sin_min_elev);
  memset(g, 0, sizeof *g);
}
