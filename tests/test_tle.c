/* Element sets: TLE parsing (real catalogues, every malformed-input case with
 * its location), format/parse round trips, selection, OMM JSON, and the
 * Walker export. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fluidai/orbit.h"
#include "fluidai/orbitgen.h"
#include "fluidai/tle.h"

/* The first two entries of the CelesTrak Starlink catalogue of 2025-01-23. */
#define S1008_L1 "1 44714U 19074B   25023.74741757 -.00000020  00000+0  17545-4 0  9993"
#define S1008_L2 "2 44714  53.0539 226.9173 0001685  88.5176 271.6006 15.06394136287133"
#define S1009_L1 "1 44715U 19074C   25023.66667824  .00166838  00000+0  85608-3 0  9990"
#define S1009_L2 "2 44715  53.0491 199.3916 0002003 320.5862  85.8507 15.80262338  6056"

#define UNIX_2025 1735689600.0 /* 2025-01-01T00:00:00Z */

/* Checksum computed here, independently of the library: digits summed,
 * '-' counts 1, mod 10, over columns 1-68. */
static void fix_checksum(char *line) {
  int sum = 0;
  for (int i = 0; i < 68; i++) {
    if (line[i] >= '0' && line[i] <= '9') sum += line[i] - '0';
    if (line[i] == '-') sum += 1;
  }
  line[68] = (char)('0' + sum % 10);
}

/* Copy of `line` with columns c0.. replaced by text, checksum recomputed. */
static void edited(const char *line, int c0, const char *text, char out[80]) {
  snprintf(out, 80, "%s", line);
  memcpy(out + c0 - 1, text, strlen(text));
  fix_checksum(out);
}

static fai_status parse(const char *text, fai_tle_set *set, fai_error_list *warn, fai_error *err) {
  fai_error_clear(err);
  return fai_tle_parse(text, "t.tle", set, warn, err);
}

/* Parsing `text` fails with FAI_EPARSE at t.tle:line:col with `fragment` in
 * the message, and leaves the set empty. */
static void expect_parse_error(const char *text, int line, int col, const char *fragment) {
  fai_tle_set set = {0};
  fai_error err;
  cr_assert_eq(parse(text, &set, NULL, &err), FAI_EPARSE, "parsed:\n%s", text);
  cr_expect_str_eq(err.file, "t.tle");
  cr_expect_eq(err.line, line, "line %d, expected %d (%s)", err.line, line, err.msg);
  cr_expect_eq(err.col, col, "col %d, expected %d (%s)", err.col, col, err.msg);
  cr_expect(strstr(err.msg, fragment) != NULL, "message \"%s\" lacks \"%s\"", err.msg, fragment);
  cr_expect_eq(set.n, 0);
  fai_tle_set_free(&set);
}

static double starlink_1008_epoch(void) {
  /* Day 23.74741757: 22 whole days, then 0.74741757 · 86400 s = 64576.878048 s. */
  return (UNIX_2025 + 22 * 86400.0 + 64576.0) + 878048.0 / 1e6;
}

static void expect_starlink_1008(const fai_tle *t) {
  cr_expect_str_eq(t->name, "STARLINK-1008");
  cr_expect_eq(t->norad, 44714);
  cr_expect_eq(t->classification, 'U');
  cr_expect_str_eq(t->intl_designator, "19074B");
  cr_expect_eq(t->epoch_year, 2025);
  cr_expect_eq(t->epoch_day, 23.74741757);
  cr_expect_eq(t->epoch_unix, starlink_1008_epoch(), "epoch %.6f", t->epoch_unix);
  cr_expect_eq(t->ndot, -2.0e-7);
  cr_expect_eq(t->nddot, 0.0);
  cr_expect_eq(t->bstar, 1.7545e-5);
  cr_expect_eq(t->ephemeris_type, 0);
  cr_expect_eq(t->element_number, 999);
  cr_expect_eq(t->inclination_deg, 53.0539);
  cr_expect_eq(t->raan_deg, 226.9173);
  cr_expect_eq(t->eccentricity, 0.0001685);
  cr_expect_eq(t->arg_perigee_deg, 88.5176);
  cr_expect_eq(t->mean_anomaly_deg, 271.6006);
  cr_expect_eq(t->mean_motion_rev_day, 15.06394136);
  cr_expect_eq(t->revolution, 28713);
}

/* ---- real catalogues ----------------------------------------------------- */

Test(tle_parse, real_catalogues_give_expected_counts_and_first_starlink_entry) {
  static const struct {
    const char *path;
    int count;
    int three_line_lines;
  } files[] = {{"../shared/data/tle/starlink-20250123.tle", 6909, 20727},
               {"../shared/data/tle/oneweb-20250123.tle", 651, 1953},
               {"../shared/data/tle/iridium-next-20250123.tle", 80, 240}};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
    if (access(files[i].path, R_OK) != 0) cr_skip_test("%s is absent", files[i].path);
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    fai_tle_set set = {0};
    fai_error_list warn = {0};
    fai_error err;
    fai_error_clear(&err);
    fai_status st = fai_tle_load(files[i].path, &set, &warn, &err);
    char msg[2048];
    fai_error_format(&err, msg, sizeof msg);
    cr_assert_eq(st, FAI_OK, "%s", msg);
    cr_expect_eq(set.n, files[i].count, "%s: %d element sets", files[i].path, set.n);
    cr_expect_eq(warn.n, 0, "%s: %d warnings, first: %s", files[i].path, warn.n,
                 warn.n ? warn.v[0].msg : "");
    /* 3-line form throughout: line 1 of the last set is two lines before the end. */
    cr_expect_eq(set.v[set.n - 1].line, files[i].three_line_lines - 1);
    if (i == 0) {
      expect_starlink_1008(&set.v[0]);
      cr_expect_eq(set.v[0].line, 2);
      cr_expect_str_eq(set.v[1].name, "STARLINK-1009");
      cr_expect_eq(set.v[1].revolution, 605); /* columns 64-68 of "...15.80262338  6056" */
    }
    fai_error_list_free(&warn);
    fai_tle_set_free(&set);
  }
}

Test(tle_parse, two_and_three_line_forms_mix_with_comments_and_blank_lines) {
  const char *text =
      "# a comment\n"
      "\n"
      "0 STARLINK-1008   \r\n" S1008_L1 "\r\n" S1008_L2
      "  \r\n"
      "   \n" S1009_L1 "\n" S1009_L2
      "\n"
      "# done\n";
  fai_tle_set set = {0};
  fai_error err;
  cr_assert_eq(parse(text, &set, NULL, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(set.n, 2);
  expect_starlink_1008(&set.v[0]);
  cr_expect_eq(set.v[0].line, 4);
  cr_expect_str_eq(set.v[1].name, "NORAD 44715");
  cr_expect_eq(set.v[1].line, 7);
  cr_expect_eq(set.v[1].ndot, 0.00166838);
  cr_expect_eq(set.v[1].bstar, 0.85608e-3);
  fai_tle_set_free(&set);
}

Test(tle_parse, epoch_years_57_to_99_are_1900s_and_00_to_56_are_2000s) {
  char l1[80], text[256];
  static const struct {
    const char *yy;
    int year;
  } cases[] = {{"57", 1957}, {"99", 1999}, {"00", 2000}, {"56", 2056}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    edited(S1008_L1, 19, cases[i].yy, l1);
    snprintf(text, sizeof text, "%s\n%s\n", l1, S1008_L2);
    fai_tle_set set = {0};
    fai_error err;
    cr_assert_eq(parse(text, &set, NULL, &err), FAI_OK, "%s", err.msg);
    cr_expect_eq(set.v[0].epoch_year, cases[i].year);
    fai_tle_set_free(&set);
  }
}

Test(tle_parse, epoch_day_one_is_january_first_midnight) {
  char l1[80], text[256];
  edited(S1008_L1, 19, "24001.00000000", l1);
  snprintf(text, sizeof text, "%s\n%s\n", l1, S1008_L2);
  fai_tle_set set = {0};
  fai_error err;
  cr_assert_eq(parse(text, &set, NULL, &err), FAI_OK, "%s", err.msg);
  cr_expect_eq(set.v[0].epoch_unix, 1704067200.0); /* 2024-01-01T00:00:00Z */
  fai_tle_set_free(&set);
  /* Day 366 exists in 2024, not in 2025. */
  edited(S1008_L1, 19, "24366.50000000", l1);
  snprintf(text, sizeof text, "%s\n%s\n", l1, S1008_L2);
  cr_assert_eq(parse(text, &set, NULL, &err), FAI_OK, "%s", err.msg);
  cr_expect_eq(set.v[0].epoch_unix, 1704067200.0 + 365.5 * 86400.0);
  fai_tle_set_free(&set);
  edited(S1008_L1, 19, "25366.50000000", l1);
  snprintf(text, sizeof text, "%s\n%s\n", l1, S1008_L2);
  expect_parse_error(text, 1, 21, "epoch day (columns 21-32)");
}

/* ---- malformed input: location and message -------------------------------- */

Test(tle_errors, short_line_names_its_length) {
  char text[256];
  snprintf(text, sizeof text, "STARLINK-1008\n%.52s\n%s\n", S1008_L1, S1008_L2);
  expect_parse_error(text, 2, 53, "line 1 is 52 characters; expected 69");
  snprintf(text, sizeof text, "%s\n%.60s\n", S1008_L1, S1008_L2);
  expect_parse_error(text, 2, 61, "line 2 is 60 characters; expected 69");
}

Test(tle_errors, extra_text_after_column_69_is_an_error) {
  char text[256];
  snprintf(text, sizeof text, "%s x\n%s\n", S1008_L1, S1008_L2);
  expect_parse_error(text, 1, 70, "line 1 is 71 characters; expected 69");
}

Test(tle_errors, wrong_checksum_names_expected_and_found_digits) {
  char l1[80], text[256];
  snprintf(l1, sizeof l1, "%s", S1008_L1);
  l1[68] = '4';
  snprintf(text, sizeof text, "STARLINK-1008\n%s\n%s\n", l1, S1008_L2);
  expect_parse_error(text, 2, 69, "checksum mismatch on line 1: expected 3, found 4");
}

Test(tle_errors, non_numeric_field_names_field_columns_and_text) {
  char l2[80], text[256];
  edited(S1008_L2, 9, " 53.05x9", l2);
  snprintf(text, sizeof text, "STARLINK-1008\n%s\n%s\n", S1008_L1, l2);
  expect_parse_error(text, 3, 9,
                     "inclination (columns 9-16): \" 53.05x9\" is not a decimal number");
  edited(S1008_L2, 53, "15.0639413a", l2);
  snprintf(text, sizeof text, "STARLINK-1008\n%s\n%s\n", S1008_L1, l2);
  expect_parse_error(text, 3, 53, "mean motion (columns 53-63): \"15.0639413a\"");
  char l1[80];
  edited(S1008_L1, 54, " 1754x-4", l1);
  snprintf(text, sizeof text, "%s\n%s\n", l1, S1008_L2);
  expect_parse_error(text, 1, 54, "BSTAR drag term (columns 54-61): \" 1754x-4\"");
  edited(S1008_L1, 34, "-.0000002a", l1);
  snprintf(text, sizeof text, "%s\n%s\n", l1, S1008_L2);
  expect_parse_error(text, 1, 34, "first derivative of mean motion (columns 34-43)");
}

Test(tle_errors, out_of_range_values_are_rejected) {
  char l2[80], text[256];
  edited(S1008_L2, 9, "180.0001", l2);
  snprintf(text, sizeof text, "%s\n%s\n", S1008_L1, l2);
  expect_parse_error(text, 2, 9, "inclination (columns 9-16): \"180.0001\" is out of range");
  edited(S1008_L2, 18, "360.0000", l2);
  snprintf(text, sizeof text, "%s\n%s\n", S1008_L1, l2);
  expect_parse_error(text, 2, 18, "right ascension of the ascending node (columns 18-25)");
  edited(S1008_L2, 53, " 0.00000000", l2);
  snprintf(text, sizeof text, "%s\n%s\n", S1008_L1, l2);
  expect_parse_error(text, 2, 53, "expected > 0 rev/day");
}

Test(tle_errors, line_1_without_line_2_is_a_truncated_set) {
  char text[512];
  /* At the end of the file ... */
  snprintf(text, sizeof text, "# header\nSTARLINK-1009\n%s\n%s\n\nSTARLINK-1008\n%s\n", S1009_L1,
           S1009_L2, S1008_L1);
  expect_parse_error(text, 7, 1, "truncated element set: line 1 at 7 has no line 2");
  /* ... or followed by the next set's name or line 1. */
  snprintf(text, sizeof text, "%s\nSTARLINK-1009\n%s\n%s\n", S1008_L1, S1009_L1, S1009_L2);
  expect_parse_error(text, 1, 1, "truncated element set: line 1 at 1 has no line 2");
  snprintf(text, sizeof text, "%s\n%s\n%s\n", S1008_L1, S1009_L1, S1009_L2);
  expect_parse_error(text, 1, 1, "truncated element set: line 1 at 1 has no line 2");
}

Test(tle_errors, name_line_without_line_1_and_stray_line_2) {
  char text[256];
  snprintf(text, sizeof text, "STARLINK-1008\n%s\n", S1008_L2);
  expect_parse_error(text, 2, 1, "expected line 1 of an element set after the name line at 1");
  snprintf(text, sizeof text, "%s\n", S1008_L2);
  expect_parse_error(text, 1, 1, "line 2 without a line 1");
  expect_parse_error("STARLINK-1008\n", 1, 1,
                     "truncated element set: name line at 1 has no line 1");
}

Test(tle_errors, wrong_line_number_in_column_1_of_line_2) {
  char l2[80], text[256];
  edited(S1008_L2, 1, "3", l2);
  snprintf(text, sizeof text, "%s\n%s\n", S1008_L1, l2);
  expect_parse_error(text, 2, 1, "line number (column 1): expected '2', found '3'");
}

Test(tle_errors, mismatched_catalogue_numbers) {
  char l2[80], text[256];
  edited(S1008_L2, 3, "44715", l2);
  snprintf(text, sizeof text, "STARLINK-1008\n%s\n%s\n", S1008_L1, l2);
  expect_parse_error(text, 3, 3, "= 44715 on line 2 does not match 44714 on line 1");
}

Test(tle_errors, eccentricity_with_a_sign_is_rejected) {
  char l2[80], text[256];
  edited(S1008_L2, 27, "-001685", l2);
  snprintf(text, sizeof text, "STARLINK-1008\n%s\n%s\n", S1008_L1, l2);
  expect_parse_error(text, 3, 27, "eccentricity (columns 27-33): \"-001685\"");
  edited(S1008_L2, 27, " 001685", l2);
  snprintf(text, sizeof text, "STARLINK-1008\n%s\n%s\n", S1008_L1, l2);
  expect_parse_error(text, 3, 27, "eccentricity (columns 27-33): \" 001685\"");
}

Test(tle_errors, bad_classification_and_alpha5_letters_i_and_o) {
  char l1[80], l2[80], text[256];
  edited(S1008_L1, 8, "X", l1);
  snprintf(text, sizeof text, "%s\n%s\n", l1, S1008_L2);
  expect_parse_error(text, 1, 8, "classification (column 8): \"X\"");
  edited(S1008_L1, 3, "I0001", l1);
  edited(S1008_L2, 3, "I0001", l2);
  snprintf(text, sizeof text, "%s\n%s\n", l1, l2);
  expect_parse_error(text, 1, 3, "catalogue number (columns 3-7): \"I0001\"");
}

/* ---- warnings ------------------------------------------------------------- */

Test(tle_warnings, duplicate_norad_id_keeps_the_newer_epoch_and_warns) {
  char l1[80], text[512];
  edited(S1008_L1, 19, "25020.00000000", l1); /* older copy, listed second */
  snprintf(text, sizeof text, "A\n%s\n%s\nB\n%s\n%s\nC\n%s\n%s\n", S1008_L1, S1008_L2, S1009_L1,
           S1009_L2, l1, S1008_L2);
  fai_tle_set set = {0};
  fai_error_list warn = {0};
  fai_error err;
  cr_assert_eq(parse(text, &set, &warn, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(set.n, 2);
  cr_expect_str_eq(set.v[0].name, "A"); /* newer epoch kept, in the first occurrence's place */
  cr_expect_eq(set.v[0].epoch_unix, starlink_1008_epoch());
  cr_expect_str_eq(set.v[1].name, "B");
  cr_assert_eq(warn.n, 1);
  cr_expect_eq(warn.v[0].code, FAI_OK);
  cr_expect_str_eq(warn.v[0].file, "t.tle");
  cr_expect_eq(warn.v[0].line, 8);
  cr_expect_eq(warn.v[0].col, 3);
  cr_expect(
      strstr(warn.v[0].msg, "duplicate NORAD id 44714 (lines 2 and 8): keeping line 2") != NULL,
      "%s", warn.v[0].msg);
  fai_error_list_free(&warn);
  fai_tle_set_free(&set);

  /* The newer copy listed second replaces the first. */
  edited(S1008_L1, 19, "25030.00000000", l1);
  snprintf(text, sizeof text, "A\n%s\n%s\nC\n%s\n%s\n", S1008_L1, S1008_L2, l1, S1008_L2);
  cr_assert_eq(parse(text, &set, &warn, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(set.n, 1);
  cr_expect_str_eq(set.v[0].name, "C");
  cr_expect_eq(warn.n, 1);
  fai_error_list_free(&warn);
  fai_tle_set_free(&set);
  /* Without a warning list the duplicate is still dropped. */
  cr_assert_eq(parse(text, &set, NULL, &err), FAI_OK, "%s", err.msg);
  cr_expect_eq(set.n, 1);
  fai_tle_set_free(&set);
}

Test(tle_warnings, epoch_older_than_30_days_before_the_newest_warns) {
  char l1[80], text[512];
  edited(S1009_L1, 19, "24350.00000000", l1); /* 2024-12-15T00:00Z, 39.7 days before 25023.747 */
  snprintf(text, sizeof text, "%s\n%s\n%s\n%s\n", S1008_L1, S1008_L2, l1, S1009_L2);
  fai_tle_set set = {0};
  fai_error_list warn = {0};
  fai_error err;
  cr_assert_eq(parse(text, &set, &warn, &err), FAI_OK, "%s", err.msg);
  cr_expect_eq(set.n, 2);
  cr_assert_eq(warn.n, 1);
  cr_expect_eq(warn.v[0].line, 3);
  cr_expect(strstr(warn.v[0].msg, "NORAD 44715") && strstr(warn.v[0].msg, "39.7 days older"), "%s",
            warn.v[0].msg);
  fai_error_list_free(&warn);
  fai_tle_set_free(&set);
}

/* ---- Alpha-5 ------------------------------------------------------------- */

Test(tle_parse, alpha5_catalogue_numbers_decode_and_format_back) {
  static const struct {
    const char *field;
    int norad;
  } cases[] = {{"A0000", 100000}, {"A0001", 100001}, {"H9999", 179999},
               {"J0000", 180000}, {"P1234", 231234}, {"Z9999", 339999}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char l1[80], l2[80], text[256];
    edited(S1008_L1, 3, cases[i].field, l1);
    edited(S1008_L2, 3, cases[i].field, l2);
    snprintf(text, sizeof text, "%s\n%s\n", l1, l2);
    fai_tle_set set = {0};
    fai_error err;
    cr_assert_eq(parse(text, &set, NULL, &err), FAI_OK, "%s: %s", cases[i].field, err.msg);
    cr_expect_eq(set.v[0].norad, cases[i].norad, "%s -> %d", cases[i].field, set.v[0].norad);
    char f1[70], f2[70];
    fai_tle_format(&set.v[0], f1, f2);
    cr_expect_str_eq(f1, l1);
    cr_expect_str_eq(f2, l2);
    fai_tle_set_free(&set);
  }
}

/* ---- format / parse round trip ------------------------------------------- */

Test(tle_format, real_lines_format_back_byte_for_byte) {
  const char *text = "STARLINK-1008\n" S1008_L1 "\n" S1008_L2 "\n" S1009_L1 "\n" S1009_L2 "\n";
  fai_tle_set set = {0};
  fai_error err;
  cr_assert_eq(parse(text, &set, NULL, &err), FAI_OK, "%s", err.msg);
  char l1[70], l2[70];
  fai_tle_format(&set.v[0], l1, l2);
  cr_expect_str_eq(l1, S1008_L1);
  cr_expect_str_eq(l2, S1008_L2);
  fai_tle_format(&set.v[1], l1, l2);
  cr_expect_str_eq(l1, S1009_L1);
  cr_expect_str_eq(l2, S1009_L2);
  fai_tle_set_free(&set);
}

/* splitmix64: a fixed-seed generator private to this test. */
static uint64_t rng_state;
static uint64_t next_u64(void) {
  uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}
static double uniform(double lo, double hi) {
  return lo + (hi - lo) * (double)(next_u64() >> 11) * (1.0 / 9007199254740992.0);
}
static int uniform_int(int lo, int hi) {
  return lo + (int)(next_u64() % (uint64_t)(hi - lo + 1));
}

static double angle_diff(double a, double b) {
  double d = fmod(fabs(a - b), 360.0);
  return d > 180.0 ? 360.0 - d : d;
}

Test(tle_format, format_then_parse_recovers_1000_random_sets_to_printed_precision) {
  rng_state = 20250123;
  const double eps = 1e-12;
  for (int k = 0; k < 1000; k++) {
    fai_tle t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "SAT-%d", k);
    t.norad = uniform_int(0, 339999);
    t.classification = "UCS"[uniform_int(0, 2)];
    snprintf(t.intl_designator, sizeof t.intl_designator, "%02d%03d%c", uniform_int(0, 99),
             uniform_int(1, 999), 'A' + uniform_int(0, 25));
    t.epoch_year = uniform_int(1957, 2056);
    const int ndays = (t.epoch_year % 4 == 0 && t.epoch_year % 100 != 0) ? 366 : 365;
    t.epoch_day = uniform(1.0, ndays + 0.999999);
    t.ndot = uniform(-0.5, 0.5);
    t.nddot = (uniform_int(0, 1) ? -1 : 1) * pow(10.0, uniform(-9.0, -1.0));
    t.bstar = (uniform_int(0, 1) ? -1 : 1) * pow(10.0, uniform(-9.0, 0.0));
    t.ephemeris_type = uniform_int(0, 9);
    t.element_number = uniform_int(0, 9999);
    t.inclination_deg = uniform(0.0, 180.0);
    t.raan_deg = uniform(0.0, 360.0);
    t.eccentricity = uniform(0.0, 0.99);
    t.arg_perigee_deg = uniform(0.0, 360.0);
    t.mean_anomaly_deg = uniform(0.0, 360.0);
    t.mean_motion_rev_day = uniform(0.5, 17.0);
    t.revolution = uniform_int(0, 99999);

    char l1[70], l2[70], text[256];
    fai_tle_format(&t, l1, l2);
    cr_assert_eq(strlen(l1), 69);
    cr_assert_eq(strlen(l2), 69);
    snprintf(text, sizeof text, "%s\n%s\n%s\n", t.name, l1, l2);
    fai_tle_set set = {0};
    fai_error err;
    cr_assert_eq(parse(text, &set, NULL, &err), FAI_OK, "set %d: %s\n%s\n%s", k, err.msg, l1, l2);
    const fai_tle *p = &set.v[0];
    cr_assert_str_eq(p->name, t.name);
    cr_assert_eq(p->norad, t.norad);
    cr_assert_eq(p->classification, t.classification);
    cr_assert_str_eq(p->intl_designator, t.intl_designator);
    /* A day rounding up to the next year is the only way the year changes. */
    cr_assert(p->epoch_year == t.epoch_year ||
                  (p->epoch_year == t.epoch_year + 1 && p->epoch_day < 1.0 + 1e-8),
              "set %d: year %d vs %d", k, p->epoch_year, t.epoch_year);
    if (p->epoch_year == t.epoch_year)
      cr_assert_leq(fabs(p->epoch_day - t.epoch_day), 0.5e-8 + eps, "set %d: day", k);
    cr_assert_leq(fabs(p->ndot - t.ndot), 0.5e-8 + eps, "set %d: ndot %.10f vs %.10f", k, p->ndot,
                  t.ndot);
    cr_assert_leq(fabs(p->nddot - t.nddot), 5e-5 * fabs(t.nddot) + 1e-20, "set %d: nddot %g vs %g",
                  k, p->nddot, t.nddot);
    cr_assert_leq(fabs(p->bstar - t.bstar), 5e-5 * fabs(t.bstar) + 1e-20, "set %d: bstar %g vs %g",
                  k, p->bstar, t.bstar);
    cr_assert_eq(p->ephemeris_type, t.ephemeris_type);
    cr_assert_eq(p->element_number, t.element_number);
    cr_assert_leq(fabs(p->inclination_deg - t.inclination_deg), 0.5e-4 + eps, "set %d: incl", k);
    cr_assert_leq(angle_diff(p->raan_deg, t.raan_deg), 0.5e-4 + eps, "set %d: raan", k);
    cr_assert_leq(fabs(p->eccentricity - t.eccentricity), 0.5e-7 + eps, "set %d: ecc", k);
    cr_assert_leq(angle_diff(p->arg_perigee_deg, t.arg_perigee_deg), 0.5e-4 + eps, "set %d", k);
    cr_assert_leq(angle_diff(p->mean_anomaly_deg, t.mean_anomaly_deg), 0.5e-4 + eps, "set %d", k);
    cr_assert_leq(fabs(p->mean_motion_rev_day - t.mean_motion_rev_day), 0.5e-8 + eps, "set %d", k);
    cr_assert_eq(p->revolution, t.revolution);
    /* Formatting what was parsed gives the same lines (idempotence). */
    char m1[70], m2[70];
    fai_tle_format(p, m1, m2);
    cr_assert_str_eq(m1, l1);
    cr_assert_str_eq(m2, l2);
    fai_tle_set_free(&set);
  }
}

/* ---- selection ------------------------------------------------------------ */

/* Five sets: names, ids and epochs chosen for the selection tests. */
static void make_set(fai_tle_set *set) {
  static const struct {
    const char *name;
    int norad;
    double day;
  } rows[] = {{"STARLINK-1008", 44714, 23.5},
              {"Starlink-1009", 44715, 20.5},
              {"ONEWEB-0012", 44057, 5.5},
              {"IRIDIUM 106", 41917, 23.0},
              {"NORAD 60000", 60000, 10.0}};
  memset(set, 0, sizeof *set);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    fai_tle t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "%s", rows[i].name);
    t.norad = rows[i].norad;
    t.epoch_year = 2025;
    t.epoch_day = rows[i].day;
    t.epoch_unix = UNIX_2025 + (rows[i].day - 1.0) * 86400.0;
    t.mean_motion_rev_day = 15.0;
    cr_assert_eq(fai_tle_set_push(set, &t), 0);
  }
}

static int select_count(const char *spec, double ref, fai_status want) {
  fai_tle_set set;
  make_set(&set);
  fai_error err;
  fai_error_clear(&err);
  fai_status st = fai_tle_select(&set, spec, ref, &err);
  cr_expect_eq(st, want, "%s: %s", spec, err.msg);
  const int n = set.n;
  fai_tle_set_free(&set);
  return n;
}

Test(tle_select, by_glob_norad_range_and_age) {
  const double ref = UNIX_2025 + 23.0 * 86400.0;            /* day 24.0 */
  cr_expect_eq(select_count("starlink-*", ref, FAI_OK), 2); /* case-insensitive */
  cr_expect_eq(select_count("name:*-100?", ref, FAI_OK), 2);
  cr_expect_eq(select_count("name:ONEWEB*,name:IRIDIUM*", ref, FAI_OK), 2);
  cr_expect_eq(select_count("norad:44700-44800", ref, FAI_OK), 2);
  cr_expect_eq(select_count("norad:44714", ref, FAI_OK), 1);
  cr_expect_eq(select_count("norad:41917,44057,60000-60010", ref, FAI_OK), 3);
  cr_expect_eq(select_count("age:2", ref, FAI_OK), 2);  /* days 23.5 and 23.0 */
  cr_expect_eq(select_count("age:0", ref, FAI_OK), 5);  /* disabled */
  cr_expect_eq(select_count("age:15", ref, FAI_OK), 4); /* not day 5.5, 18.5 days old */
  cr_expect_eq(select_count("STARLINK*, age:1", ref, FAI_OK), 1);
  cr_expect_eq(select_count("", ref, FAI_OK), 5);

  fai_tle_set set;
  make_set(&set);
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_tle_select(&set, "norad:44700-44800", ref, &err), FAI_OK);
  cr_expect_str_eq(set.v[0].name, "STARLINK-1008");
  cr_expect_str_eq(set.v[1].name, "Starlink-1009");
  fai_tle_set_free(&set);
}

Test(tle_select, unknown_term_and_empty_result_are_errors_that_keep_the_set) {
  fai_tle_set set;
  make_set(&set);
  fai_error err;
  fai_error_clear(&err);
  cr_expect_eq(fai_tle_select(&set, "STARLINK*,shape:round", 0, &err), FAI_EINVAL);
  cr_expect(strstr(err.msg, "unknown term \"shape:round\"") != NULL, "%s", err.msg);
  cr_expect_eq(set.n, 5);
  fai_error_clear(&err);
  cr_expect_eq(fai_tle_select(&set, "norad:1", 0, &err), FAI_EINVAL);
  cr_expect_str_eq(err.msg, "selection \"norad:1\" matched none of 5 element sets");
  cr_expect_eq(set.n, 5);
  fai_error_clear(&err);
  cr_expect_eq(fai_tle_select(&set, "norad:9-1", 0, &err), FAI_EINVAL);
  cr_expect_eq(fai_tle_select(&set, "age:soon", 0, &err), FAI_EINVAL);
  cr_expect(strstr(err.msg, "age \"soon\"") != NULL, "%s", err.msg);
  cr_expect_eq(set.n, 5);
  fai_tle_set_free(&set);
}

Test(tle_select, real_catalogue_by_norad_id) {
  const char *path = "../shared/data/tle/starlink-20250123.tle";
  if (access(path, R_OK) != 0) cr_skip_test("%s is absent", path);
  fai_tle_set set = {0};
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_tle_load(path, &set, NULL, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(fai_tle_select(&set, "norad:44714", 0, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(set.n, 1);
  expect_starlink_1008(&set.v[0]);
  fai_tle_set_free(&set);
}

/* ---- OMM ------------------------------------------------------------------ */

/* The two Starlink entries above as CelesTrak publishes them in OMM JSON. */
static const char *const OMM_TWO =
    "[{\"OBJECT_NAME\": \"STARLINK-1008\", \"OBJECT_ID\": \"2019-074B\",\n"
    "  \"CCSDS_OMM_VERS\": \"2.0\", \"COMMENT\": \"GENERATED VIA SPACE-TRACK.ORG API\",\n"
    "  \"CREATION_DATE\": \"2025-01-23T20:36:17\", \"ORIGINATOR\": \"18 SPCS\",\n"
    "  \"CENTER_NAME\": \"EARTH\", \"REF_FRAME\": \"TEME\", \"TIME_SYSTEM\": \"UTC\",\n"
    "  \"MEAN_ELEMENT_THEORY\": \"SGP4\",\n"
    "  \"EPOCH\": \"2025-01-23T17:56:16.878048\", \"MEAN_MOTION\": 15.06394136,\n"
    "  \"ECCENTRICITY\": 0.0001685, \"INCLINATION\": 53.0539, \"RA_OF_ASC_NODE\": 226.9173,\n"
    "  \"ARG_OF_PERICENTER\": 88.5176, \"MEAN_ANOMALY\": 271.6006, \"EPHEMERIS_TYPE\": 0,\n"
    "  \"CLASSIFICATION_TYPE\": \"U\", \"NORAD_CAT_ID\": 44714, \"ELEMENT_SET_NO\": 999,\n"
    "  \"REV_AT_EPOCH\": 28713, \"BSTAR\": 1.7545e-5, \"MEAN_MOTION_DOT\": -2e-7,\n"
    "  \"MEAN_MOTION_DDOT\": 0},\n"
    " {\"OBJECT_NAME\": \"STARLINK-1009\", \"OBJECT_ID\": \"2019-074C\",\n"
    "  \"EPOCH\": \"2025-01-23T16:00:00.999936\", \"MEAN_MOTION\": \"15.80262338\",\n"
    "  \"ECCENTRICITY\": \"0.0002003\", \"INCLINATION\": \"53.0491\", \"RA_OF_ASC_NODE\": "
    "\"199.3916\",\n"
    "  \"ARG_OF_PERICENTER\": \"320.5862\", \"MEAN_ANOMALY\": \"85.8507\", \"EPHEMERIS_TYPE\": "
    "\"0\",\n"
    "  \"CLASSIFICATION_TYPE\": \"U\", \"NORAD_CAT_ID\": \"44715\", \"ELEMENT_SET_NO\": \"999\",\n"
    "  \"REV_AT_EPOCH\": \"605\", \"BSTAR\": \"0.85608e-3\", \"MEAN_MOTION_DOT\": \".00166838\",\n"
    "  \"MEAN_MOTION_DDOT\": \"0\"}]\n";

static void expect_same_elements(const fai_tle *a, const fai_tle *b) {
  cr_expect_str_eq(a->name, b->name);
  cr_expect_eq(a->norad, b->norad);
  cr_expect_eq(a->classification, b->classification);
  cr_expect_str_eq(a->intl_designator, b->intl_designator);
  cr_expect_eq(a->epoch_year, b->epoch_year);
  cr_expect_leq(fabs(a->epoch_day - b->epoch_day), 1e-9, "day %.10f vs %.10f", a->epoch_day,
                b->epoch_day);
  cr_expect_eq(a->epoch_unix, b->epoch_unix, "epoch %.7f vs %.7f", a->epoch_unix, b->epoch_unix);
  cr_expect_eq(a->ndot, b->ndot);
  cr_expect_eq(a->nddot, b->nddot);
  cr_expect_eq(a->bstar, b->bstar);
  cr_expect_eq(a->ephemeris_type, b->ephemeris_type);
  cr_expect_eq(a->element_number, b->element_number);
  cr_expect_eq(a->inclination_deg, b->inclination_deg);
  cr_expect_eq(a->raan_deg, b->raan_deg);
  cr_expect_eq(a->eccentricity, b->eccentricity);
  cr_expect_eq(a->arg_perigee_deg, b->arg_perigee_deg);
  cr_expect_eq(a->mean_anomaly_deg, b->mean_anomaly_deg);
  cr_expect_eq(a->mean_motion_rev_day, b->mean_motion_rev_day);
  cr_expect_eq(a->revolution, b->revolution);
}

Test(omm, json_array_gives_the_same_elements_as_the_tle_with_numbers_or_strings) {
  const char *text =
      "STARLINK-1008\n" S1008_L1 "\n" S1008_L2 "\nSTARLINK-1009\n" S1009_L1 "\n" S1009_L2 "\n";
  fai_tle_set tle = {0}, omm = {0};
  fai_error err;
  cr_assert_eq(parse(text, &tle, NULL, &err), FAI_OK, "%s", err.msg);
  fai_error_clear(&err);
  fai_status st = fai_omm_parse(OMM_TWO, "t.json", &omm, NULL, &err);
  char msg[2048];
  fai_error_format(&err, msg, sizeof msg);
  cr_assert_eq(st, FAI_OK, "%s", msg);
  cr_assert_eq(omm.n, 2);
  expect_same_elements(&omm.v[0], &tle.v[0]);
  expect_same_elements(&omm.v[1], &tle.v[1]);
  cr_expect_eq(omm.v[0].line, 1);
  cr_expect_eq(omm.v[1].line, 12);
  /* And what the OMM gave formats to the catalogue's lines. */
  char l1[70], l2[70];
  fai_tle_format(&omm.v[0], l1, l2);
  cr_expect_str_eq(l1, S1008_L1);
  cr_expect_str_eq(l2, S1008_L2);
  fai_tle_set_free(&tle);
  fai_tle_set_free(&omm);
}

Test(omm, single_object_is_accepted) {
  const char *text =
      "{\"OBJECT_NAME\": \"X\", \"NORAD_CAT_ID\": 1, \"EPOCH\": \"2025-01-01T00:00:00\",\n"
      " \"MEAN_MOTION\": 15, \"ECCENTRICITY\": 0, \"INCLINATION\": 53, \"RA_OF_ASC_NODE\": 0,\n"
      " \"ARG_OF_PERICENTER\": 0, \"MEAN_ANOMALY\": 0, \"BSTAR\": 0}";
  fai_tle_set set = {0};
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_omm_parse(text, "t.json", &set, NULL, &err), FAI_OK, "%s", err.msg);
  cr_assert_eq(set.n, 1);
  cr_expect_eq(set.v[0].epoch_unix, UNIX_2025);
  cr_expect_eq(set.v[0].epoch_year, 2025);
  cr_expect_eq(set.v[0].epoch_day, 1.0);
  cr_expect_eq(set.v[0].classification, 'U');
  fai_tle_set_free(&set);
}

#define OMM_OBJ(mm)                                                                       \
  "{\"OBJECT_NAME\": \"X\", \"NORAD_CAT_ID\": 1, \"EPOCH\": \"2025-01-01T00:00:00\", " mm \
  "\"ECCENTRICITY\": 0, \"INCLINATION\": 53, \"RA_OF_ASC_NODE\": 0, "                     \
  "\"ARG_OF_PERICENTER\": 0, \"MEAN_ANOMALY\": 0, \"BSTAR\": 0}"

Test(omm, missing_field_names_the_path_and_the_objects_location) {
  const char *text = "[\n  " OMM_OBJ("\"MEAN_MOTION\": 15, ") ",\n  " OMM_OBJ(
      "\"MEAN_MOTION\": 15, ") ",\n  " OMM_OBJ("\"MEAN_MOTION\": 15, ") ",\n  " OMM_OBJ("") "\n]\n";
  fai_tle_set set = {0};
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_omm_parse(text, "t.json", &set, NULL, &err), FAI_EINVAL);
  cr_expect_str_eq(err.path, "$[3].MEAN_MOTION");
  cr_expect_str_eq(err.msg, "missing required field");
  cr_expect_str_eq(err.file, "t.json");
  cr_expect_eq(err.line, 5);
  cr_expect_eq(err.col, 3);
  cr_expect_eq(set.n, 0);
  fai_tle_set_free(&set);
}

Test(omm, bad_values_and_reference_frames_name_the_path) {
  static const struct {
    const char *extra;
    const char *path;
    const char *fragment;
  } cases[] = {
      {"\"MEAN_MOTION\": \"fast\", ", "$.MEAN_MOTION", "\"fast\" is not a number"},
      {"\"MEAN_MOTION\": true, ", "$.MEAN_MOTION", "expected a number"},
      {"\"MEAN_MOTION\": -1, ", "$.MEAN_MOTION", "expected > 0"},
      {"\"MEAN_MOTION\": 15, \"REF_FRAME\": \"GCRF\", ", "$.REF_FRAME",
       "\"GCRF\" is not supported"},
      {"\"MEAN_MOTION\": 15, \"MEAN_ELEMENT_THEORY\": \"SGP4-XP\", ", "$.MEAN_ELEMENT_THEORY",
       "expected \"SGP4\""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[1024];
    snprintf(text, sizeof text,
             "{\"OBJECT_NAME\": \"X\", \"NORAD_CAT_ID\": 1, \"EPOCH\": \"2025-01-01T00:00:00\", "
             "%s\"ECCENTRICITY\": 0, \"INCLINATION\": 53, \"RA_OF_ASC_NODE\": 0, "
             "\"ARG_OF_PERICENTER\": 0, \"MEAN_ANOMALY\": 0, \"BSTAR\": 0}",
             cases[i].extra);
    fai_tle_set set = {0};
    fai_error err;
    fai_error_clear(&err);
    cr_expect_eq(fai_omm_parse(text, "t.json", &set, NULL, &err), FAI_EINVAL, "case %zu", i);
    cr_expect_str_eq(err.path, cases[i].path, "case %zu", i);
    cr_expect(strstr(err.msg, cases[i].fragment) != NULL, "case %zu: %s", i, err.msg);
    cr_expect_eq(err.line, 1, "case %zu", i);
    cr_expect_gt(err.col, 1, "case %zu", i);
    fai_tle_set_free(&set);
  }
}

/* ---- Walker export -------------------------------------------------------- */

Test(tle_walker, starlink_shell1_satellites_round_trip_through_tle_text) {
  fai_constellation c;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_preset_find("starlink-gen1-shell1", &c, &err), FAI_OK, "%s", err.msg);
  const double epoch = starlink_1008_epoch();
  const double a = 6371000.0 + 550000.0;
  const double mm_expected = sqrt(3.986004418e14 / (a * a * a)) * 86400.0 / (2.0 * M_PI);
  cr_expect(mm_expected > 15.0 && mm_expected < 15.1, "%.8f rev/day", mm_expected);
  static const struct {
    int sat;
    const char *name;
  } sats[] = {{0, "shell1-0-0"}, {1583, "shell1-71-21"}};
  for (size_t i = 0; i < 2; i++) {
    fai_tle t;
    fai_tle_from_walker(&c, sats[i].sat, epoch, 90000 + (int)i, &t);
    cr_expect_str_eq(t.name, sats[i].name);
    cr_expect_eq(t.norad, 90000 + (int)i);
    cr_expect_eq(t.epoch_unix, epoch);
    cr_expect_eq(t.epoch_year, 2025);
    cr_expect_leq(fabs(t.epoch_day - 23.74741757), 1e-9, "%.10f", t.epoch_day);
    cr_expect_leq(fabs(t.inclination_deg - 53.0), 1e-12);
    cr_expect_eq(t.eccentricity, 0.0);
    cr_expect_eq(t.arg_perigee_deg, 0.0);
    cr_expect_eq(t.bstar, 0.0);
    cr_expect_leq(fabs(t.mean_motion_rev_day - mm_expected), 1e-12 * mm_expected);
    double raan0, u0;
    fai_sat_elements(&c, sats[i].sat, &raan0, &u0);
    cr_expect_leq(angle_diff(t.raan_deg, raan0 * 180.0 / M_PI), 1e-9);
    cr_expect_leq(angle_diff(t.mean_anomaly_deg, u0 * 180.0 / M_PI), 1e-9);

    char l1[70], l2[70], text[256];
    fai_tle_format(&t, l1, l2);
    snprintf(text, sizeof text, "%s\n%s\n%s\n", t.name, l1, l2);
    fai_tle_set set = {0};
    cr_assert_eq(parse(text, &set, NULL, &err), FAI_OK, "%s\n%s\n%s", err.msg, l1, l2);
    const fai_tle *p = &set.v[0];
    cr_expect_str_eq(p->name, t.name);
    cr_expect_eq(p->norad, t.norad);
    cr_expect_eq(p->epoch_year, 2025);
    cr_expect_leq(fabs(p->epoch_unix - epoch), 0.5e-8 * 86400.0 + 1e-6);
    cr_expect_leq(fabs(p->inclination_deg - 53.0), 0.5e-4);
    cr_expect_leq(angle_diff(p->raan_deg, t.raan_deg), 0.5e-4 + 1e-12);
    cr_expect_leq(angle_diff(p->mean_anomaly_deg, t.mean_anomaly_deg), 0.5e-4 + 1e-12);
    cr_expect_eq(p->eccentricity, 0.0);
    cr_expect_leq(fabs(p->mean_motion_rev_day - mm_expected), 0.5e-8 + 1e-12);
    fai_tle_set_free(&set);
  }
}
