/* UTC epochs: strict ISO 8601 parsing and formatting, Julian dates, GMST.
 *
 * Times are seconds since 1970-01-01T00:00:00 UTC with leap seconds ignored
 * (POSIX time), on the proleptic Gregorian calendar.  UT1 is taken equal to
 * UTC (|UT1 − UTC| < 0.9 s, i.e. < 7 arc-seconds of Earth rotation). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fluidai/orbit.h"

#define EXPECTED_FORM "YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM|-HH:MM]"
#define UNIX_J2000_S 946728000.0 /* 2000-01-01T12:00:00 UTC = JD 2451545.0 */
#define JD_UNIX_EPOCH 2440587.5  /* Julian date of 1970-01-01T00:00:00 */

/* Days since 1970-01-01 of a proleptic Gregorian date (any year; m in 1..12). */
static long long days_from_civil(long long y, int m, int d) {
  y -= m <= 2;
  const long long era = (y >= 0 ? y : y - 399) / 400;
  const long long yoe = y - era * 400;                              /* [0, 399] */
  const long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1; /* [0, 365] */
  const long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;      /* [0, 146096] */
  return era * 146097 + doe - 719468;
}

/* Inverse of days_from_civil. */
static void civil_from_days(long long z, long long *y, int *m, int *d) {
  z += 719468;
  const long long era = (z >= 0 ? z : z - 146096) / 146097;
  const long long doe = z - era * 146097;
  const long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const long long mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(long long y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int days_in_month(long long y, int m) {
  static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dm[m - 1];
}

/* Reads exactly n decimal digits at *p; returns -1 if any is missing. */
static int read_digits(const char **p, int n) {
  int v = 0;
  for (int i = 0; i < n; i++) {
    const char ch = (*p)[i];
    if (ch < '0' || ch > '9') return -1;
    v = v * 10 + (ch - '0');
  }
  *p += n;
  return v;
}

/* Error for text `s`, naming what was wrong and the accepted form. */
#define BAD(...)                                                                         \
  do {                                                                                   \
    char why_[256];                                                                      \
    snprintf(why_, sizeof why_, __VA_ARGS__);                                            \
    return fai_error_set(err, FAI_EINVAL, "invalid time \"%s\": %s; expected " EXPECTED_FORM, \
                         s, why_);                                                       \
  } while (0)

fai_status fai_time_parse_iso8601(const char *s, double *unix_s, fai_error *err) {
  if (!s) return fai_error_set(err, FAI_EINVAL, "no time given; expected " EXPECTED_FORM);
  const char *p = s;
  const int year = read_digits(&p, 4);
  if (year < 0) BAD("the year must be 4 digits");
  if (*p++ != '-') BAD("expected '-' after the year");
  const int month = read_digits(&p, 2);
  if (month < 0) BAD("the month must be 2 digits");
  if (*p++ != '-') BAD("expected '-' after the month");
  const int day = read_digits(&p, 2);
  if (day < 0) BAD("the day must be 2 digits");
  if (month < 1 || month > 12) BAD("month %02d is not in 01..12", month);
  if (day < 1 || day > days_in_month(year, month))
    BAD("day %02d is not in 01..%02d for %04d-%02d", day, days_in_month(year, month), year,
        month);

  int hour = 0, minute = 0, second = 0, offset_min = 0;
  double frac = 0.0;
  if (*p == 'T') {
    p++;
    hour = read_digits(&p, 2);
    if (hour < 0) BAD("the hour must be 2 digits");
    if (*p++ != ':') BAD("expected ':' after the hour");
    minute = read_digits(&p, 2);
    if (minute < 0) BAD("the minutes must be 2 digits");
    if (*p == ':') {
      p++;
      second = read_digits(&p, 2);
      if (second < 0) BAD("the seconds must be 2 digits");
      if (*p == '.') {
        p++;
        /* Integer mantissa then one division: exact for up to 15 digits. */
        long long mant = 0, den = 1;
        int nd = 0;
        for (; *p >= '0' && *p <= '9'; p++, nd++) {
          if (nd < 15) {
            mant = mant * 10 + (*p - '0');
            den *= 10;
          }
        }
        if (nd == 0) BAD("expected digits after the decimal point");
        frac = (double)mant / (double)den;
      }
    }
    if (hour > 23) BAD("hour %02d is not in 00..23", hour);
    if (minute > 59) BAD("minute %02d is not in 00..59", minute);
    if (second > 59) BAD("second %02d is not in 00..59 (leap seconds are not represented)", second);
    if (*p == 'Z') {
      p++;
    } else if (*p == '+' || *p == '-') {
      const int sign = *p == '-' ? -1 : 1;
      p++;
      const int oh = read_digits(&p, 2);
      if (oh < 0 || *p++ != ':') BAD("the zone offset must be +HH:MM or -HH:MM");
      const int om = read_digits(&p, 2);
      if (om < 0) BAD("the zone offset must be +HH:MM or -HH:MM");
      if (oh > 23 || om > 59) BAD("zone offset %02d:%02d is out of range", oh, om);
      offset_min = sign * (oh * 60 + om);
    }
  }
  if (*p != '\0') BAD("unexpected text \"%.32s\" at position %d", p, (int)(p - s) + 1);

  const long long days = days_from_civil(year, month, day);
  /* Local time minus the offset is UTC. */
  const long long whole =
      days * 86400LL + hour * 3600LL + minute * 60LL + second - offset_min * 60LL;
  if (unix_s) *unix_s = (double)whole + frac;
  return FAI_OK;
}
#undef BAD

void fai_time_format_iso8601(double unix_s, char buf[40]) {
  if (!isfinite(unix_s) || fabs(unix_s) > 2.5e11) { /* beyond year ±9999 */
    snprintf(buf, 40, "invalid-time");
    return;
  }
  /* Round once to whole milliseconds so 59.9996 s carries into the minute. */
  const long long ms = llround(unix_s * 1000.0);
  long long secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
  const int milli = (int)(ms - secs * 1000);
  long long days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  const long long sod = secs - days * 86400;
  long long y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  snprintf(buf, 40, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, (int)(sod / 3600),
           (int)(sod / 60 % 60), (int)(sod % 60), milli);
}

double fai_unix_to_jd(double unix_s) { return JD_UNIX_EPOCH + unix_s / 86400.0; }

/* IAU 1982 (Aoki et al.) GMST in seconds of time:
 *   θ = 67310.54841 + (876600·3600 + 8640184.812866)·T + 0.093104·T² − 6.2e-6·T³
 * with T the UT1 Julian centuries since J2000.0.  876600·3600·T = 86400·d
 * (d = days since J2000.0) is a whole turn per day plus the fraction of the
 * day, so only fraction(d) is kept: that keeps full precision for any epoch. */
double fai_gmst_rad(double unix_s) {
  const double d = (unix_s - UNIX_J2000_S) / 86400.0;
  const double T = d / 36525.0;
  const double day_frac = d - floor(d);
  const double theta_s = 67310.54841 + 86400.0 * day_frac + 8640184.812866 * T +
                         0.093104 * T * T - 6.2e-6 * T * T * T;
  double g = fmod(theta_s * (FAI_TWO_PI / 86400.0), FAI_TWO_PI);
  if (g < 0.0) g += FAI_TWO_PI;
  if (g >= FAI_TWO_PI) g = 0.0; /* fmod of a value a hair below 2π after the add */
  return g;
}
