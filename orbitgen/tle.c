/* Two-line element sets: strict parsing, selection, formatting, Walker export.
 *
 * Column layout (1-based, both lines 69 characters, column 69 a checksum):
 *   line 1: 1 line number, 3-7 catalogue number, 8 classification,
 *           10-17 international designator, 19-20 epoch year, 21-32 epoch
 *           day of year, 34-43 ndot, 45-52 nddot (implied decimal and
 *           exponent), 54-61 BSTAR (same form), 63 ephemeris type,
 *           65-68 element set number
 *   line 2: 1 line number, 3-7 catalogue number, 9-16 inclination,
 *           18-25 RAAN, 27-33 eccentricity (implied leading decimal point),
 *           35-42 argument of perigee, 44-51 mean anomaly, 53-63 mean
 *           motion (rev/day), 64-68 revolution number at epoch
 * Checksum: sum of the digits of columns 1-68, each '-' counting 1, mod 10.
 *
 * Every numeric field is read with strtod on its own text (after checking
 * the text character by character), so a value read from a TLE and the same
 * value read from an OMM document are the same double.
 *
 * Warnings (duplicate NORAD ids, old epochs) go into the caller's
 * fai_error_list with code FAI_OK: they describe a usable catalogue, and a
 * caller that turns warnings into errors chooses its own code. */
#include "fluidai/tle.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/orbit.h"
#include "fluidai/orbitgen.h"

#define TLE_COLS 69
#define OLD_EPOCH_DAYS 30.0 /* warn when an epoch is this much older than the newest */

/* Internal helpers shared with omm.c (declared there as well; no private
 * header exists for orbitgen). */
void fai__tle_set_epoch(fai_tle *t, double epoch_unix);
fai_status fai__tle_post_checks(fai_tle_set *s, int first, const char *file, int tle_cols,
                                fai_error_list *warn, fai_error *err);
fai_status fai__read_text_file(const char *path, char **text, size_t *len, fai_error *err);

/* ------------------------------------------------------------------------ */
/* Sets                                                                     */

void fai_tle_set_free(fai_tle_set *s) {
  if (!s) return;
  free(s->v);
  memset(s, 0, sizeof *s);
}

int fai_tle_set_push(fai_tle_set *s, const fai_tle *t) {
  if (s->n == s->cap) {
    int cap = s->cap ? 2 * s->cap : 64;
    fai_tle *v = realloc(s->v, (size_t)cap * sizeof *v);
    if (!v) return -1;
    s->v = v;
    s->cap = cap;
  }
  s->v[s->n++] = *t;
  return 0;
}

/* ------------------------------------------------------------------------ */
/* Time                                                                     */

static int is_leap(int y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Unix time of Jan 1 00:00 UTC of year y (1000 <= y <= 9999). */
static double year_start_unix(int y) {
  char buf[16];
  double u = 0.0;
  snprintf(buf, sizeof buf, "%04d-01-01", y);
  fai_time_parse_iso8601(buf, &u, NULL);
  return u;
}

/* epoch_unix, epoch_year and epoch_day (1.0 = Jan 1 0h) from a unix time. */
void fai__tle_set_epoch(fai_tle *t, double epoch_unix) {
  t->epoch_unix = epoch_unix;
  int y = 1970 + (int)floor(epoch_unix / (365.2425 * 86400.0));
  if (y < 1000) y = 1000;
  if (y > 9999) y = 9999;
  while (y > 1000 && year_start_unix(y) > epoch_unix) y--;
  while (y < 9999 && year_start_unix(y + 1) <= epoch_unix) y++;
  t->epoch_year = y;
  t->epoch_day = 1.0 + (epoch_unix - year_start_unix(y)) / 86400.0;
}

/* ------------------------------------------------------------------------ */
/* Files                                                                    */

fai_status fai__read_text_file(const char *path, char **text, size_t *len, fai_error *err) {
  *text = NULL;
  *len = 0;
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return fai_error_set_at(err, errno == ENOENT ? FAI_ENOENT : FAI_EIO, path, 0, 0, NULL,
                            "cannot open: %s", strerror(errno));
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap + 1);
  while (buf) {
    n += fread(buf + n, 1, cap - n, fp);
    if (n < cap) break;
    char *grown = realloc(buf, 2 * cap + 1);
    if (!grown) {
      free(buf);
      buf = NULL;
      break;
    }
    buf = grown;
    cap *= 2;
  }
  const int bad = ferror(fp);
  fclose(fp);
  if (!buf) return fai_error_set_at(err, FAI_ENOMEM, path, 0, 0, NULL, "out of memory reading");
  if (bad) {
    free(buf);
    return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "read error");
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return FAI_OK;
}

/* ------------------------------------------------------------------------ */
/* Parsing helpers                                                          */

typedef struct tle_field {
  const char *name;
  int c0, c1; /* 1-based inclusive columns */
} tle_field;

static const tle_field F_CATNO = {"catalogue number", 3, 7};
static const tle_field F_CLASS = {"classification", 8, 8};
static const tle_field F_INTL = {"international designator", 10, 17};
static const tle_field F_EPYEAR = {"epoch year", 19, 20};
static const tle_field F_EPDAY = {"epoch day", 21, 32};
static const tle_field F_NDOT = {"first derivative of mean motion", 34, 43};
static const tle_field F_NDDOT = {"second derivative of mean motion", 45, 52};
static const tle_field F_BSTAR = {"BSTAR drag term", 54, 61};
static const tle_field F_EPHEM = {"ephemeris type", 63, 63};
static const tle_field F_ELSET = {"element set number", 65, 68};
static const tle_field F_INCL = {"inclination", 9, 16};
static const tle_field F_RAAN = {"right ascension of the ascending node", 18, 25};
static const tle_field F_ECC = {"eccentricity", 27, 33};
static const tle_field F_ARGP = {"argument of perigee", 35, 42};
static const tle_field F_MA = {"mean anomaly", 44, 51};
static const tle_field F_MM = {"mean motion", 53, 63};
static const tle_field F_REV = {"revolution number", 64, 68};

typedef struct pctx {
  const char *file; /* name used in messages */
  fai_error *err;
} pctx;

/* The field's text (NUL-terminated copy) from a line known to be >= 69 long. */
static void field_text(const char *line, const tle_field *f, char *buf) {
  const int w = f->c1 - f->c0 + 1;
  memcpy(buf, line + f->c0 - 1, (size_t)w);
  buf[w] = '\0';
}

/* Copy of s[0..n) for messages, non-printable bytes shown as '?'. */
static void printable(const char *s, size_t n, char *buf, size_t cap) {
  size_t k = 0;
  for (size_t i = 0; i < n && k + 1 < cap; i++)
    buf[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
  buf[k] = '\0';
}

static fai_status bad_field(const pctx *c, int no, const tle_field *f, const char *text,
                            const char *why) {
  char shown[32];
  printable(text, strlen(text), shown, sizeof shown);
  if (f->c0 == f->c1)
    return fai_error_set_at(c->err, FAI_EPARSE, c->file, no, f->c0, NULL,
                            "%s (column %d): \"%s\" %s", f->name, f->c0, shown, why);
  return fai_error_set_at(c->err, FAI_EPARSE, c->file, no, f->c0, NULL,
                          "%s (columns %d-%d): \"%s\" %s", f->name, f->c0, f->c1, shown, why);
}

/* Strict decimal: spaces, optional sign, digits with at most one '.', at
 * least one digit, nothing after.  Returns 1 and the value when valid. */
static int read_decimal(const char *s, double *out) {
  const char *p = s;
  while (*p == ' ') p++;
  const char *start = p;
  if (*p == '+' || *p == '-') p++;
  int digits = 0, dots = 0;
  for (; *p; p++) {
    if (*p >= '0' && *p <= '9')
      digits++;
    else if (*p == '.' && dots == 0)
      dots++;
    else
      return 0;
  }
  if (digits == 0) return 0;
  *out = strtod(start, NULL);
  return 1;
}

/* Strict non-negative integer: spaces then digits; all blank gives `blank`
 * when blank >= 0.  Returns 1 when valid. */
static int read_uint(const char *s, long blank, long *out) {
  const char *p = s;
  while (*p == ' ') p++;
  if (!*p) {
    if (blank < 0) return 0;
    *out = blank;
    return 1;
  }
  long v = 0;
  for (; *p; p++) {
    if (*p < '0' || *p > '9') return 0;
    v = v * 10 + (*p - '0');
  }
  *out = v;
  return 1;
}

/* Implied-decimal exponent form "SMMMMMEX" (8 columns): sign (' ', '+' or
 * '-'), five mantissa digits after an implied "0.", exponent sign and digit:
 * " 17545-4" = 0.17545e-4. */
static int read_exp_field(const char *s, double *out) {
  if (strlen(s) != 8) return 0;
  if (s[0] != ' ' && s[0] != '+' && s[0] != '-') return 0;
  for (int i = 1; i <= 5; i++)
    if (s[i] < '0' || s[i] > '9') return 0;
  if (s[6] != '+' && s[6] != '-') return 0;
  if (s[7] < '0' || s[7] > '9') return 0;
  char buf[16];
  snprintf(buf, sizeof buf, "%c0.%.5se%c%c", s[0] == '-' ? '-' : '+', s + 1, s[6], s[7]);
  *out = strtod(buf, NULL);
  return 1;
}

/* Catalogue number field (5 columns): digits (leading spaces allowed) or
 * Alpha-5, a letter A-Z other than I and O followed by four digits:
 * A0000 = 100000 ... Z9999 = 339999.  Returns 1 when valid. */
static int read_catno(const char *s, int *out) {
  const char c0 = s[0];
  if (c0 >= 'A' && c0 <= 'Z') {
    if (c0 == 'I' || c0 == 'O') return 0;
    long rest = 0;
    for (int i = 1; i < 5; i++)
      if (s[i] < '0' || s[i] > '9') return 0;
    read_uint(s + 1, -1, &rest);
    const int letter = 10 + (c0 - 'A') - (c0 > 'I') - (c0 > 'O');
    *out = letter * 10000 + (int)rest;
    return 1;
  }
  long v;
  if (!read_uint(s, -1, &v)) return 0;
  *out = (int)v;
  return 1;
}

static int tle_checksum(const char *line) {
  int sum = 0;
  for (int i = 0; i < TLE_COLS - 1; i++) {
    if (line[i] >= '0' && line[i] <= '9')
      sum += line[i] - '0';
    else if (line[i] == '-')
      sum += 1;
  }
  return sum % 10;
}

/* One source line: text (not NUL-terminated), length without "\r\n". */
typedef struct src_line {
  const char *s;
  int len;
  int no; /* 1-based */
} src_line;

/* Length and shape checks shared by both lines: 69 columns (trailing blanks
 * beyond are fine), column 1 the line number, checksum in column 69.  Copies
 * the 69 columns into buf. */
static fai_status check_line(const pctx *c, const src_line *l, int which, char buf[TLE_COLS + 1]) {
  int len = l->len;
  while (len > TLE_COLS && (l->s[len - 1] == ' ' || l->s[len - 1] == '\t')) len--;
  if (len < TLE_COLS)
    return fai_error_set_at(c->err, FAI_EPARSE, c->file, l->no, len + 1, NULL,
                            "line %d is %d characters; expected %d", which, len, TLE_COLS);
  if (len > TLE_COLS) {
    char extra[24];
    printable(l->s + TLE_COLS, (size_t)(len - TLE_COLS), extra, sizeof extra);
    return fai_error_set_at(c->err, FAI_EPARSE, c->file, l->no, TLE_COLS + 1, NULL,
                            "line %d is %d characters; expected %d (extra text \"%s\")", which, len,
                            TLE_COLS, extra);
  }
  memcpy(buf, l->s, TLE_COLS);
  buf[TLE_COLS] = '\0';
  if (buf[0] != '0' + which) {
    char shown[4];
    printable(buf, 1, shown, sizeof shown);
    return fai_error_set_at(c->err, FAI_EPARSE, c->file, l->no, 1, NULL,
                            "line number (column 1): expected '%d', found '%s'", which, shown);
  }
  return FAI_OK;
}

static fai_status check_checksum(const pctx *c, const src_line *l, int which, const char *buf) {
  const int want = tle_checksum(buf);
  const char found = buf[TLE_COLS - 1];
  if (found < '0' || found > '9') {
    char shown[4];
    printable(&found, 1, shown, sizeof shown);
    return fai_error_set_at(c->err, FAI_EPARSE, c->file, l->no, TLE_COLS, NULL,
                            "checksum (column 69) of line %d: \"%s\" is not a digit; expected %d",
                            which, shown, want);
  }
  if (found - '0' != want)
    return fai_error_set_at(c->err, FAI_EPARSE, c->file, l->no, TLE_COLS, NULL,
                            "checksum mismatch on line %d: expected %d, found %c", which, want,
                            found);
  return FAI_OK;
}

/* Decimal angle field in [lo, hi] (hi_open: [lo, hi)). */
static fai_status angle_field(const pctx *c, int no, const char *buf, const tle_field *f, double lo,
                              double hi, int hi_open, double *out) {
  char t[16];
  field_text(buf, f, t);
  if (!read_decimal(t, out)) return bad_field(c, no, f, t, "is not a decimal number");
  if (!(*out >= lo && (hi_open ? *out < hi : *out <= hi))) {
    char why[64];
    snprintf(why, sizeof why, "is out of range; expected [%g, %g%c degrees", lo, hi,
             hi_open ? ')' : ']');
    return bad_field(c, no, f, t, why);
  }
  return FAI_OK;
}

static fai_status parse_line1(const pctx *c, const src_line *l, fai_tle *t) {
  char buf[TLE_COLS + 1], tx[16];
  fai_status st = check_line(c, l, 1, buf);
  if (st != FAI_OK) return st;
  const int no = l->no;

  field_text(buf, &F_CATNO, tx);
  if (!read_catno(tx, &t->norad))
    return bad_field(c, no, &F_CATNO, tx,
                     "is not a catalogue number (5 digits, or Alpha-5: a letter other than I "
                     "and O followed by 4 digits)");

  field_text(buf, &F_CLASS, tx);
  if (tx[0] != 'U' && tx[0] != 'C' && tx[0] != 'S')
    return bad_field(c, no, &F_CLASS, tx, "is not a classification; expected U, C or S");
  t->classification = tx[0];

  field_text(buf, &F_INTL, tx);
  {
    int a = 0, b = (int)strlen(tx);
    while (a < b && tx[a] == ' ') a++;
    while (b > a && tx[b - 1] == ' ') b--;
    for (int i = a; i < b; i++)
      if (!isdigit((unsigned char)tx[i]) && !isupper((unsigned char)tx[i]))
        return bad_field(c, no, &F_INTL, tx, "contains a character other than A-Z and 0-9");
    memcpy(t->intl_designator, tx + a, (size_t)(b - a));
    t->intl_designator[b - a] = '\0';
  }

  field_text(buf, &F_EPYEAR, tx);
  if (!isdigit((unsigned char)tx[0]) || !isdigit((unsigned char)tx[1]))
    return bad_field(c, no, &F_EPYEAR, tx, "is not a two-digit year");
  {
    const int yy = (tx[0] - '0') * 10 + (tx[1] - '0');
    t->epoch_year = yy >= 57 ? 1900 + yy : 2000 + yy; /* the first satellite flew in 1957 */
  }

  /* Epoch day "DDD.DDDDDDDD": the whole day and the fraction's digits are
   * read as integers so the epoch in seconds is exact up to one rounding. */
  field_text(buf, &F_EPDAY, tx);
  {
    const char *p = tx;
    while (*p == ' ') p++;
    long day = 0, frac = 0, scale = 1;
    int nd = 0, nf = 0, ok = 1;
    for (; *p >= '0' && *p <= '9'; p++, nd++) day = day * 10 + (*p - '0');
    if (*p == '.') {
      for (p++; *p >= '0' && *p <= '9'; p++, nf++) {
        frac = frac * 10 + (*p - '0');
        scale *= 10;
      }
    }
    if (*p != '\0' || nd == 0) ok = 0;
    if (!ok) return bad_field(c, no, &F_EPDAY, tx, "is not a day of year (DDD.DDDDDDDD)");
    const int ndays = is_leap(t->epoch_year) ? 366 : 365;
    if (day < 1 || day > ndays) {
      char why[64];
      snprintf(why, sizeof why, "is out of range; expected a day in 1..%d of %d", ndays,
               t->epoch_year);
      return bad_field(c, no, &F_EPDAY, tx, why);
    }
    t->epoch_day = strtod(tx, NULL);
    const long long units = (long long)frac * 86400LL; /* scale-ths of a second */
    const long long secs = units / scale, rem = units % scale;
    t->epoch_unix = year_start_unix(t->epoch_year) +
                    (double)((long long)(day - 1) * 86400LL + secs) + (double)rem / (double)scale;
    /* year_start_unix is an integer, so the sum above has one rounding. */
  }

  field_text(buf, &F_NDOT, tx);
  if (!read_decimal(tx, &t->ndot)) return bad_field(c, no, &F_NDOT, tx, "is not a decimal number");
  field_text(buf, &F_NDDOT, tx);
  if (!read_exp_field(tx, &t->nddot))
    return bad_field(c, no, &F_NDDOT, tx,
                     "is not in implied-decimal exponent form (e.g. \" 12345-5\")");
  field_text(buf, &F_BSTAR, tx);
  if (!read_exp_field(tx, &t->bstar))
    return bad_field(c, no, &F_BSTAR, tx,
                     "is not in implied-decimal exponent form (e.g. \" 17545-4\")");

  long v;
  field_text(buf, &F_EPHEM, tx);
  if (!read_uint(tx, 0, &v)) return bad_field(c, no, &F_EPHEM, tx, "is not a digit");
  t->ephemeris_type = (int)v;
  field_text(buf, &F_ELSET, tx);
  if (!read_uint(tx, 0, &v)) return bad_field(c, no, &F_ELSET, tx, "is not an integer");
  t->element_number = (int)v;

  return check_checksum(c, l, 1, buf);
}

static fai_status parse_line2(const pctx *c, const src_line *l, int line1_no, fai_tle *t) {
  char buf[TLE_COLS + 1], tx[16];
  fai_status st = check_line(c, l, 2, buf);
  if (st != FAI_OK) return st;
  const int no = l->no;

  int norad2;
  field_text(buf, &F_CATNO, tx);
  if (!read_catno(tx, &norad2))
    return bad_field(c, no, &F_CATNO, tx,
                     "is not a catalogue number (5 digits, or Alpha-5: a letter other than I "
                     "and O followed by 4 digits)");
  if (norad2 != t->norad)
    return fai_error_set_at(c->err, FAI_EPARSE, c->file, no, F_CATNO.c0, NULL,
                            "catalogue number (columns 3-7) \"%s\" = %d on line 2 does not match "
                            "%d on line 1 (line %d)",
                            tx, norad2, t->norad, line1_no);

  if ((st = angle_field(c, no, buf, &F_INCL, 0.0, 180.0, 0, &t->inclination_deg)) != FAI_OK ||
      (st = angle_field(c, no, buf, &F_RAAN, 0.0, 360.0, 1, &t->raan_deg)) != FAI_OK)
    return st;

  field_text(buf, &F_ECC, tx);
  for (int i = 0; i < 7; i++)
    if (tx[i] < '0' || tx[i] > '9')
      return bad_field(c, no, &F_ECC, tx,
                       "is not 7 digits with an implied leading decimal point (no sign, no "
                       "spaces)");
  {
    char e[24];
    snprintf(e, sizeof e, "0.%s", tx);
    t->eccentricity = strtod(e, NULL); /* < 1 by construction */
  }

  if ((st = angle_field(c, no, buf, &F_ARGP, 0.0, 360.0, 1, &t->arg_perigee_deg)) != FAI_OK ||
      (st = angle_field(c, no, buf, &F_MA, 0.0, 360.0, 1, &t->mean_anomaly_deg)) != FAI_OK)
    return st;

  field_text(buf, &F_MM, tx);
  if (!read_decimal(tx, &t->mean_motion_rev_day))
    return bad_field(c, no, &F_MM, tx, "is not a decimal number");
  if (!(t->mean_motion_rev_day > 0.0))
    return bad_field(c, no, &F_MM, tx, "is out of range; expected > 0 rev/day");

  long v;
  field_text(buf, &F_REV, tx);
  if (!read_uint(tx, 0, &v)) return bad_field(c, no, &F_REV, tx, "is not an integer");
  t->revolution = v;

  return check_checksum(c, l, 2, buf);
}

/* ------------------------------------------------------------------------ */
/* Duplicates and old epochs                                                */

/* Drop duplicate NORAD ids among s->v[first..n) (also against the entries
 * before `first`), keeping the element set with the newer epoch (the later
 * one on a tie) in the slot of the first occurrence, so the order of the
 * set is the order in which ids first appear.  Then warn about epochs more
 * than OLD_EPOCH_DAYS older than the newest among s->v[first..n).
 * Warnings carry FAI_OK; tle_cols != 0 points them at the catalogue-number
 * and epoch columns of a TLE. */
fai_status fai__tle_post_checks(fai_tle_set *s, int first, const char *file, int tle_cols,
                                fai_error_list *warn, fai_error *err) {
  size_t cap = 16;
  while (cap < 2 * (size_t)s->n + 1) cap *= 2;
  int *slot = malloc(cap * sizeof *slot); /* open addressing: index into s->v or -1 */
  if (!slot) return fai_error_set(err, FAI_ENOMEM, "out of memory checking duplicates");
  for (size_t i = 0; i < cap; i++) slot[i] = -1;

  int w = 0;
  for (int i = 0; i < s->n; i++) {
    const fai_tle *t = &s->v[i];
    size_t h = ((size_t)(unsigned)t->norad * 2654435761u) & (cap - 1);
    while (slot[h] >= 0 && s->v[slot[h]].norad != t->norad) h = (h + 1) & (cap - 1);
    if (slot[h] < 0 || i < first) { /* entries before `first` were checked already */
      if (slot[h] < 0) slot[h] = w;
      s->v[w++] = *t;
      continue;
    }
    fai_tle *kept = &s->v[slot[h]];
    const int newer = t->epoch_unix >= kept->epoch_unix;
    if (warn) {
      fai_error e;
      fai_error_clear(&e);
      char ea[40], eb[40];
      fai_time_format_iso8601(kept->epoch_unix, ea);
      fai_time_format_iso8601(t->epoch_unix, eb);
      fai_error_set_at(&e, FAI_OK, file, t->line, tle_cols ? F_CATNO.c0 : 0, NULL,
                       "duplicate NORAD id %d (lines %d and %d): keeping line %d (epoch %s), "
                       "dropping line %d (epoch %s)",
                       t->norad, kept->line, t->line, newer ? t->line : kept->line, newer ? eb : ea,
                       newer ? kept->line : t->line, newer ? ea : eb);
      fai_error_list_push(warn, &e);
    }
    if (newer) *kept = *t;
  }
  s->n = w;
  free(slot);

  if (warn && first < s->n) {
    double newest = -INFINITY;
    for (int i = first; i < s->n; i++)
      if (s->v[i].epoch_unix > newest) newest = s->v[i].epoch_unix;
    char en[40];
    fai_time_format_iso8601(newest, en);
    for (int i = first; i < s->n; i++) {
      const fai_tle *t = &s->v[i];
      const double age_d = (newest - t->epoch_unix) / 86400.0;
      if (age_d <= OLD_EPOCH_DAYS) continue;
      fai_error e;
      fai_error_clear(&e);
      char et[40];
      fai_time_format_iso8601(t->epoch_unix, et);
      char who[FAI_NAME_MAX + 24];
      if (strncmp(t->name, "NORAD ", 6) == 0)
        snprintf(who, sizeof who, "NORAD %d", t->norad);
      else
        snprintf(who, sizeof who, "NORAD %d (%s)", t->norad, t->name);
      fai_error_set_at(&e, FAI_OK, file, t->line, tle_cols ? F_EPYEAR.c0 : 0, NULL,
                       "%s: epoch %s is %.1f days older than the newest epoch in the file (%s)",
                       who, et, age_d, en);
      fai_error_list_push(warn, &e);
    }
  }
  return FAI_OK;
}

/* ------------------------------------------------------------------------ */
/* Catalogue parsing                                                        */

static int is_blank(const src_line *l) {
  for (int i = 0; i < l->len; i++)
    if (l->s[i] != ' ' && l->s[i] != '\t') return 0;
  return 1;
}

static int is_skipped(const src_line *l) {
  return is_blank(l) || l->s[0] == '#';
}

/* A TLE line of the given number: that digit then a space in column 2. */
static int looks_like(const src_line *l, char digit) {
  return l->len >= 2 && l->s[0] == digit && l->s[1] == ' ';
}

/* Line reader over text[0..n). */
typedef struct line_iter {
  const char *p, *end;
  int no;
} line_iter;

static int next_line(line_iter *it, src_line *l) {
  if (it->p >= it->end) return 0;
  const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
  const char *e = nl ? nl : it->end;
  l->s = it->p;
  l->len = (int)(e - it->p);
  if (l->len > 0 && l->s[l->len - 1] == '\r') l->len--;
  l->no = ++it->no;
  it->p = nl ? nl + 1 : it->end;
  if (l->no == 1 && l->len >= 3 && memcmp(l->s, "\xEF\xBB\xBF", 3) == 0) { /* UTF-8 BOM */
    l->s += 3;
    l->len -= 3;
  }
  return 1;
}

/* Name line: without a leading "0 " (3LE catalogues) and surrounding blanks,
 * cut to FAI_NAME_MAX - 1 bytes. */
static void name_from_line(const src_line *l, char name[FAI_NAME_MAX]) {
  int a = 0, b = l->len;
  if (b >= 2 && l->s[0] == '0' && l->s[1] == ' ') a = 2;
  while (a < b && (l->s[a] == ' ' || l->s[a] == '\t')) a++;
  while (b > a && (l->s[b - 1] == ' ' || l->s[b - 1] == '\t')) b--;
  int n = b - a;
  if (n > FAI_NAME_MAX - 1) n = FAI_NAME_MAX - 1;
  memcpy(name, l->s + a, (size_t)n);
  name[n] = '\0';
}

/* Element sets are appended to `out` (so several catalogues can be read into
 * one set; duplicates are dropped across all of them).  A name line is any
 * line that is not skipped and does not start with "1 " or "2 "; a line 1
 * must follow it, and a line 2 must follow line 1 directly.  On error `out`
 * is left as it was. */
static fai_status parse_text(const char *text, size_t n, const char *file, fai_tle_set *out,
                             fai_error_list *warn, fai_error *err) {
  const pctx c = {file, err};
  const int first = out->n;
  fai_status st = FAI_OK;
  line_iter it = {text, text + n, 0};
  src_line l;
  while (next_line(&it, &l)) {
    if (is_skipped(&l)) continue;
    fai_tle t;
    memset(&t, 0, sizeof t);
    int have_name = 0;
    if (looks_like(&l, '2')) {
      st = fai_error_set_at(err, FAI_EPARSE, file, l.no, 1, NULL,
                            "line 2 without a line 1 before it");
      goto cleanup;
    }
    if (!looks_like(&l, '1')) { /* 3-line form: a name line first */
      name_from_line(&l, t.name);
      have_name = 1;
      const int name_no = l.no;
      if (!next_line(&it, &l)) {
        st = fai_error_set_at(err, FAI_EPARSE, file, name_no, 1, NULL,
                              "truncated element set: name line at %d has no line 1", name_no);
        goto cleanup;
      }
      if (!looks_like(&l, '1')) {
        char shown[40];
        printable(l.s, (size_t)(l.len < 32 ? l.len : 32), shown, sizeof shown);
        st = fai_error_set_at(err, FAI_EPARSE, file, l.no, 1, NULL,
                              "expected line 1 of an element set after the name line at %d "
                              "(\"1 \" in columns 1-2), found \"%s\"",
                              name_no, shown);
        goto cleanup;
      }
    }
    t.line = l.no;
    FAI_TRY(parse_line1(&c, &l, &t));
    const int l1 = l.no;
    /* Line 2 must follow immediately: a blank, a comment, a name or another
     * line 1 there means line 2 is missing.  A full-length line with another
     * line number is a wrong line 2 (reported by check_line). */
    if (!next_line(&it, &l) || is_skipped(&l) || looks_like(&l, '1') ||
        (!looks_like(&l, '2') && l.len < TLE_COLS)) {
      st = fai_error_set_at(err, FAI_EPARSE, file, l1, 1, NULL,
                            "truncated element set: line 1 at %d has no line 2", l1);
      goto cleanup;
    }
    FAI_TRY(parse_line2(&c, &l, l1, &t));
    if (!have_name) snprintf(t.name, sizeof t.name, "NORAD %d", t.norad);
    if (fai_tle_set_push(out, &t) != 0) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory reading element sets");
      goto cleanup;
    }
  }
  st = fai__tle_post_checks(out, first, file, 1, warn, err);
cleanup:
  if (st != FAI_OK) out->n = first; /* leave the set as it was */
  return st;
}

fai_status fai_tle_parse(const char *text, const char *file, fai_tle_set *out, fai_error_list *warn,
                         fai_error *err) {
  if (!out) return fai_error_set(err, FAI_EINVAL, "fai_tle_parse: no output set");
  if (text) return parse_text(text, strlen(text), file ? file : "<string>", out, warn, err);
  if (!file) return fai_error_set(err, FAI_EINVAL, "fai_tle_parse: neither text nor file given");
  char *buf;
  size_t n;
  fai_status st = fai__read_text_file(file, &buf, &n, err);
  if (st != FAI_OK) return st;
  st = parse_text(buf, n, file, out, warn, err);
  free(buf);
  return st;
}

fai_status fai_tle_load(const char *file, fai_tle_set *out, fai_error_list *warn, fai_error *err) {
  return fai_tle_parse(NULL, file, out, warn, err);
}

/* ------------------------------------------------------------------------ */
/* Selection                                                                */

typedef struct norad_range {
  long lo, hi;
} norad_range;

/* "44714" or "44700-44800"; returns 1 when valid. */
static int parse_norad_item(const char *s, norad_range *r) {
  const char *dash = strchr(s, '-');
  char a[24], b[24];
  if (dash) {
    const size_t na = (size_t)(dash - s);
    if (na == 0 || na >= sizeof a || strlen(dash + 1) >= sizeof b) return 0;
    memcpy(a, s, na);
    a[na] = '\0';
    snprintf(b, sizeof b, "%s", dash + 1);
  } else {
    if (strlen(s) >= sizeof a) return 0;
    snprintf(a, sizeof a, "%s", s);
    snprintf(b, sizeof b, "%s", s);
  }
  if (!a[0] || !b[0] || a[0] == ' ' || b[0] == ' ') return 0;
  if (!read_uint(a, -1, &r->lo) || !read_uint(b, -1, &r->hi)) return 0;
  if (strlen(a) > 9 || strlen(b) > 9) return 0;
  return r->lo <= r->hi;
}

/* A bare term made of digits and at most one '-' continues a norad: list
 * ("norad:1,2,5-9" splits into "norad:1", "2", "5-9"). */
static int looks_numeric(const char *s) {
  int digits = 0, dashes = 0;
  for (; *s; s++) {
    if (*s >= '0' && *s <= '9')
      digits++;
    else if (*s == '-')
      dashes++;
    else
      return 0;
  }
  return digits > 0 && dashes <= 1;
}

/* ASCII lower-case copy (may be in place): glob matching is case-insensitive
 * by matching lower-cased pattern and name (FNM_CASEFOLD is a GNU extension). */
static void lower_copy(const char *s, char *out, size_t cap) {
  size_t i = 0;
  for (; s[i] && i + 1 < cap; i++) out[i] = (char)tolower((unsigned char)s[i]);
  out[i] = '\0';
}

static char *trim(char *s) {
  while (*s == ' ' || *s == '\t') s++;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
  return s;
}

fai_status fai_tle_select(fai_tle_set *set, const char *spec, double ref_unix, fai_error *err) {
  if (!set || !spec || !*spec) return FAI_OK;
  fai_status st = FAI_OK;
  const size_t len = strlen(spec);
  char *copy = malloc(len + 1);
  const char **globs = calloc(len + 1, sizeof *globs);
  norad_range *ranges = calloc(len + 1, sizeof *ranges);
  unsigned char *keep = calloc((size_t)set->n + 1, 1);
  if (!copy || !globs || !ranges || !keep) {
    st = fai_error_set(err, FAI_ENOMEM, "out of memory applying selection");
    goto cleanup;
  }
  memcpy(copy, spec, len + 1);
  int n_globs = 0, n_ranges = 0, last_norad = 0;
  double max_age_days = 0.0;

  char *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *term = trim(tok);
    if (!*term) continue; /* "a,,b" and a trailing comma are harmless */
    char *colon = strchr(term, ':');
    const char *key = NULL, *val = term;
    if (colon) {
      *colon = '\0';
      key = trim(term);
      val = trim(colon + 1);
    }
    if (!key && last_norad && looks_numeric(val)) key = "norad";
    if (!key || strcmp(key, "name") == 0) {
      if (!*val) {
        st = fai_error_set(err, FAI_EINVAL, "selection \"%s\": empty name glob", spec);
        goto cleanup;
      }
      lower_copy(val, (char *)val, strlen(val) + 1); /* val lies in `copy`, ours to change */
      globs[n_globs++] = val;
      last_norad = 0;
    } else if (strcmp(key, "norad") == 0) {
      if (!parse_norad_item(val, &ranges[n_ranges])) {
        st = fai_error_set(err, FAI_EINVAL,
                           "selection \"%s\": \"%s\" is not a NORAD id or range (e.g. 44714 or "
                           "44700-44800)",
                           spec, val);
        goto cleanup;
      }
      n_ranges++;
      last_norad = 1;
    } else if (strcmp(key, "age") == 0) {
      char *end = NULL;
      const double d = strtod(val, &end);
      if (!*val || end == val || *end || !isfinite(d)) {
        st = fai_error_set(err, FAI_EINVAL, "selection \"%s\": age \"%s\" is not a number of days",
                           spec, val);
        goto cleanup;
      }
      max_age_days = d;
      last_norad = 0;
    } else {
      st = fai_error_set(err, FAI_EINVAL,
                         "selection \"%s\": unknown term \"%s:%s\"; expected name:GLOB, "
                         "norad:LIST, age:DAYS or a bare name glob",
                         spec, key, val);
      goto cleanup;
    }
  }

  int kept = 0;
  for (int i = 0; i < set->n; i++) {
    const fai_tle *t = &set->v[i];
    int ok = 1;
    if (n_globs) {
      ok = 0;
      char lname[FAI_NAME_MAX];
      lower_copy(t->name, lname, sizeof lname);
      for (int g = 0; g < n_globs && !ok; g++) ok = fnmatch(globs[g], lname, 0) == 0;
    }
    if (ok && n_ranges) {
      ok = 0;
      for (int r = 0; r < n_ranges && !ok; r++)
        ok = t->norad >= ranges[r].lo && t->norad <= ranges[r].hi;
    }
    /* "Within max_age_days of ref_unix" either way: an epoch far in the
     * future of the reference is as unusable as an old one. */
    if (ok && max_age_days > 0.0) ok = fabs(ref_unix - t->epoch_unix) <= max_age_days * 86400.0;
    keep[i] = (unsigned char)ok;
    kept += ok;
  }
  if (kept == 0) {
    st = fai_error_set(err, FAI_EINVAL, "selection \"%s\" matched none of %d element sets", spec,
                       set->n);
    goto cleanup;
  }
  int w = 0;
  for (int i = 0; i < set->n; i++)
    if (keep[i]) set->v[w++] = set->v[i];
  set->n = w;

cleanup:
  free(copy);
  free(globs);
  free(ranges);
  free(keep);
  return st;
}

/* ------------------------------------------------------------------------ */
/* Formatting                                                               */

/* Catalogue field: 5 digits, or Alpha-5 for 100000..339999.  Other ids
 * cannot be written; the field becomes "*****" so the line fails to parse
 * rather than naming another object. */
static void format_catno(int norad, char out[6]) {
  static const char letters[] = "ABCDEFGHJKLMNPQRSTUVWXYZ"; /* no I, no O */
  if (norad >= 0 && norad < 100000)
    snprintf(out, 6, "%05d", norad);
  else if (norad >= 100000 && norad < 340000)
    snprintf(out, 6, "%c%04d", letters[norad / 10000 - 10], norad % 10000);
  else
    memcpy(out, "*****", 6);
}

/* Implied-decimal exponent form of v (8 characters); magnitudes below
 * 0.1e-9 are written as zero and those that would round past 0.99999e+9 are clamped
 * to it (neither is representable in the field). */
static void format_exp(double v, char out[40]) {
  const char sign = v < 0 ? '-' : ' ';
  const double m = fabs(v);
  if (isnan(m) || m < 1e-10) {
    memcpy(out, " 00000+0", 9);
    return;
  }
  if (m >= 0.999995e9) { /* would round to 0.10000e+10 */
    snprintf(out, 40, "%c99999+9", sign);
    return;
  }
  char e[32];
  snprintf(e, sizeof e, "%.4e", m); /* "1.7545e-05": digits 17545, exponent -5 + 1 */
  const int ex = atoi(e + 7) + 1;   /* in [-9, 9] given the bounds above */
  const char out_[9] = {
      sign, e[0], e[2], e[3], e[4], e[5], ex < 0 ? '-' : '+', (char)('0' + (ex < 0 ? -ex : ex)),
      '\0'};
  memcpy(out, out_, sizeof out_);
}

/* "%8.4f" of an angle in [0, 360): 359.99996 would print as 360.0000, which
 * the parser rejects, so it wraps to 0.0000. */
static void format_angle360(double deg, char out[40]) {
  snprintf(out, 40, "%8.4f", deg);
  if (strcmp(out, "360.0000") == 0) snprintf(out, 40, "%8.4f", 0.0);
}

static double clampd(double x, double lo, double hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

/* Write text into columns f->c0..f->c1 of line (the text is exactly that
 * wide by construction of the callers). */
static void put(char *line, const tle_field *f, const char *text) {
  const size_t w = (size_t)(f->c1 - f->c0 + 1), n = strlen(text);
  memcpy(line + f->c0 - 1, text, n < w ? n : w);
}

void fai_tle_format(const fai_tle *t, char line1[70], char line2[70]) {
  char cat[8], tx[40];
  format_catno(t->norad, cat);

  memset(line1, ' ', TLE_COLS);
  line1[TLE_COLS] = '\0';
  line1[0] = '1';
  put(line1, &F_CATNO, cat);
  tx[0] = (t->classification == 'C' || t->classification == 'S') ? t->classification : 'U';
  tx[1] = '\0';
  put(line1, &F_CLASS, tx);
  snprintf(tx, sizeof tx, "%-8.8s", t->intl_designator);
  put(line1, &F_INTL, tx);

  /* Epoch from epoch_year and epoch_day; a day that rounds past the year's
   * last day carries into the next year. */
  int year = t->epoch_year;
  snprintf(tx, sizeof tx, "%012.8f", clampd(t->epoch_day, 1.0, 999.0));
  if (strtod(tx, NULL) >= (is_leap(year) ? 367.0 : 366.0)) {
    const double d = strtod(tx, NULL) - (is_leap(year) ? 366.0 : 365.0);
    year++;
    snprintf(tx, sizeof tx, "%012.8f", d);
  }
  put(line1, &F_EPDAY, tx);
  snprintf(tx, sizeof tx, "%02d", ((year % 100) + 100) % 100);
  put(line1, &F_EPYEAR, tx);

  /* ndot: sign then ".dddddddd" (|ndot| < 1). */
  {
    char a[24];
    snprintf(a, sizeof a, "%.8f", clampd(fabs(t->ndot), 0.0, 0.99999999)); /* "0.00000020" */
    if (a[0] != '0') snprintf(a, sizeof a, "0.99999999");
    snprintf(tx, sizeof tx, "%c%s", t->ndot < 0 && strcmp(a, "0.00000000") != 0 ? '-' : ' ', a + 1);
    put(line1, &F_NDOT, tx);
  }
  format_exp(t->nddot, tx);
  put(line1, &F_NDDOT, tx);
  format_exp(t->bstar, tx);
  put(line1, &F_BSTAR, tx);
  tx[0] = (char)('0' + (t->ephemeris_type >= 0 && t->ephemeris_type <= 9 ? t->ephemeris_type : 0));
  tx[1] = '\0';
  put(line1, &F_EPHEM, tx);
  snprintf(tx, sizeof tx, "%4d",
           t->element_number < 0 ? 0 : (t->element_number > 9999 ? 9999 : t->element_number));
  put(line1, &F_ELSET, tx);
  line1[TLE_COLS - 1] = (char)('0' + tle_checksum(line1));

  memset(line2, ' ', TLE_COLS);
  line2[TLE_COLS] = '\0';
  line2[0] = '2';
  put(line2, &F_CATNO, cat);
  snprintf(tx, sizeof tx, "%8.4f", clampd(t->inclination_deg, 0.0, 180.0));
  put(line2, &F_INCL, tx);
  format_angle360(clampd(t->raan_deg, 0.0, 360.0), tx);
  put(line2, &F_RAAN, tx);
  long ecc = lround(clampd(t->eccentricity, 0.0, 1.0) * 1e7);
  snprintf(tx, sizeof tx, "%07ld", ecc > 9999999 ? 9999999L : ecc);
  put(line2, &F_ECC, tx);
  format_angle360(clampd(t->arg_perigee_deg, 0.0, 360.0), tx);
  put(line2, &F_ARGP, tx);
  format_angle360(clampd(t->mean_anomaly_deg, 0.0, 360.0), tx);
  put(line2, &F_MA, tx);
  snprintf(tx, sizeof tx, "%11.8f", clampd(t->mean_motion_rev_day, 0.0, 99.99999999));
  put(line2, &F_MM, tx);
  snprintf(tx, sizeof tx, "%5ld", t->revolution >= 0 ? t->revolution % 100000 : 0L); /* wraps */
  put(line2, &F_REV, tx);
  line2[TLE_COLS - 1] = (char)('0' + tle_checksum(line2));
}

/* ------------------------------------------------------------------------ */
/* Walker export                                                            */

/* The mean motion written is the Keplerian n = sqrt(μ/a³) of the circular
 * radius a = R_E + h (R_E = 6371 km, PAPERS §0.4).  SGP4 reads it as a Kozai
 * mean motion, so another tool propagating these elements places the
 * satellite a few hundred metres from our circular model after J2 terms;
 * that is fine for exporting a constellation layout to other tools, not for
 * comparing positions to the metre. */
void fai_tle_from_walker(const fai_constellation *c, int sat, double epoch_unix, int norad,
                         fai_tle *out) {
  memset(out, 0, sizeof *out);
  out->norad = norad;
  out->classification = 'U';
  fai__tle_set_epoch(out, epoch_unix);
  const fai_sat_id id = fai_sat_id_of(c, sat);
  if (id.shell < 0) { /* no such satellite: a named, element-less set */
    snprintf(out->name, sizeof out->name, "NORAD %d", norad);
    return;
  }
  const fai_shell *s = &c->shells[id.shell];
  snprintf(out->name, sizeof out->name, "%.*s-%d-%d", FAI_NAME_MAX - 32, s->name, id.plane,
           id.slot);
  double raan, u;
  fai_sat_elements(c, sat, &raan, &u);
  double u_deg = fmod(u / FAI_DEG, 360.0);
  if (u_deg < 0) u_deg += 360.0;
  double raan_deg = fmod(raan / FAI_DEG, 360.0);
  if (raan_deg < 0) raan_deg += 360.0;
  out->inclination_deg = s->inclination_rad / FAI_DEG;
  out->raan_deg = raan_deg;
  out->eccentricity = 0.0;
  out->arg_perigee_deg = 0.0; /* circular: perigee at the node, so M = u */
  out->mean_anomaly_deg = u_deg;
  out->mean_motion_rev_day = fai_mean_motion(FAI_R_EARTH_M + s->altitude_m) * 86400.0 / FAI_TWO_PI;
  out->line = 0;
}
