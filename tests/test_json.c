/* JSON reading (positions, checked accessors), deterministic writing, atomic
 * output files and SHA-256. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fluidai/json.h"

/* Parse `text` as document "t.json"; the test fails if it does not parse. */
static fai_json_doc *load_ok(const char *text) {
  fai_json_doc *doc = NULL;
  fai_error err;
  fai_error_clear(&err);
  fai_status st = fai_json_load_string(text, "t.json", &doc, &err);
  cr_assert_eq(st, FAI_OK, "parse failed: %s", err.msg);
  return doc;
}

static void formatted(const fai_error *err, char *buf, size_t n) {
  fai_error_format(err, buf, n);
}

/* ---- reading: positions and parse errors -------------------------------- */

Test(json_read, unknown_key_points_at_the_key_and_lists_allowed_keys) {
  fai_json_doc *doc = load_ok(
      "{\n  \"constellation\": {\n    \"preset\": \"x\",\n"
      "    \"altitud_km\": 550\n  }\n}\n");
  fai_jv root = fai_jv_root(doc), c;
  cr_assert(fai_jv_member(&root, "constellation", &c));
  static const char *const allowed[] = {"preset", "shells", NULL};
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_jv_expect_object(&c, allowed, &err), FAI_EINVAL);
  cr_assert_eq(err.line, 4);
  cr_assert_eq(err.col, 5);
  cr_assert_str_eq(err.path, "$.constellation");
  char buf[2048];
  formatted(&err, buf, sizeof buf);
  cr_assert_str_eq(buf,
                   "t.json:4:5: $.constellation: unknown key \"altitud_km\"; expected one "
                   "of: preset, shells");
  fai_json_doc_free(doc);
}

Test(json_read, duplicate_key_is_a_parse_error_at_the_second_key) {
  fai_json_doc *doc = NULL;
  fai_error err;
  fai_error_clear(&err);
  fai_status st = fai_json_load_string("{\"a\": {\"b\": 1,\n   \"b\": 2}}", "d.json", &doc, &err);
  cr_assert_eq(st, FAI_EPARSE);
  cr_assert_null(doc);
  cr_assert_str_eq(err.file, "d.json");
  cr_assert_eq(err.line, 2);
  cr_assert_eq(err.col, 4);
  cr_assert_str_eq(err.path, "$.a");
  cr_assert(strstr(err.msg, "duplicate key \"b\"") != NULL, "%s", err.msg);
}

Test(json_read, syntax_error_reports_line_and_column) {
  fai_json_doc *doc = NULL;
  fai_error err;
  fai_error_clear(&err);
  fai_status st = fai_json_load_string("{\n  \"a\": 1,\n  \"b\": }\n", "s.json", &doc, &err);
  cr_assert_eq(st, FAI_EPARSE);
  cr_assert_null(doc);
  cr_assert_str_eq(err.file, "s.json");
  cr_assert_eq(err.line, 3);
  cr_assert_eq(err.col, 8);
}

Test(json_read, missing_file_is_enoent_naming_the_file) {
  fai_json_doc *doc = NULL;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_json_load_file("/nonexistent/dir/x.json", &doc, &err), FAI_ENOENT);
  cr_assert_null(doc);
  cr_assert_str_eq(err.file, "/nonexistent/dir/x.json");
  cr_assert(strstr(err.msg, "/nonexistent/dir/x.json") != NULL);
}

Test(json_read, location_of_nested_values_odd_keys_and_multibyte_columns) {
  fai_json_doc *doc = load_ok(
      "{\"shells\": [\n  {\"altitude_km\": 550},\n"
      "  {\"altitude_km\": 1200, \"odd key\": [true, null]}\n],\n"
      " \"\xc3\xa9\": 7}");
  fai_jv root = fai_jv_root(doc), shells, s1, alt, odd, e1, acc;
  int line, col;
  fai_jv_location(&root, &line, &col);
  cr_assert(line == 1 && col == 1);
  cr_assert(fai_jv_member(&root, "shells", &shells));
  s1 = fai_jv_index(&shells, 1);
  cr_assert_str_eq(s1.path, "$.shells[1]");
  fai_jv_location(&s1, &line, &col);
  cr_assert(line == 3 && col == 3, "%d:%d", line, col);
  cr_assert(fai_jv_member(&s1, "altitude_km", &alt));
  cr_assert_str_eq(alt.path, "$.shells[1].altitude_km");
  fai_jv_location(&alt, &line, &col);
  cr_assert(line == 3 && col == 19, "%d:%d", line, col);
  cr_assert(fai_jv_member(&s1, "odd key", &odd));
  cr_assert_str_eq(odd.path, "$.shells[1][\"odd key\"]");
  e1 = fai_jv_index(&odd, 1);
  fai_jv_location(&e1, &line, &col);
  cr_assert(line == 3 && col == 43, "%d:%d", line, col);
  /* "é" is one column, as in jansson's own error positions. */
  cr_assert(fai_jv_member(&root, "\xc3\xa9", &acc));
  fai_jv_location(&acc, &line, &col);
  cr_assert(line == 5 && col == 7, "%d:%d", line, col);
  fai_jv absent;
  cr_assert_not(fai_jv_member(&root, "nope", &absent));
  cr_assert_null(absent.v);
  fai_jv_location(&absent, &line, &col);
  cr_assert(line == 0 && col == 0);
  fai_json_doc_free(doc);
}

Test(json_read, escaped_keys_index_under_their_decoded_name) {
  fai_json_doc *doc = load_ok("{\"a\\u0062\": {\"x\\\"y\": 1}}");
  fai_jv root = fai_jv_root(doc), ab, xy;
  cr_assert(fai_jv_member(&root, "ab", &ab));
  cr_assert(fai_jv_member(&ab, "x\"y", &xy));
  cr_assert_str_eq(xy.path, "$.ab[\"x\\\"y\"]");
  int line, col;
  fai_jv_location(&xy, &line, &col);
  cr_assert(line == 1 && col == 22, "%d:%d", line, col);
  fai_json_doc_free(doc);
}

/* ---- checked accessors ---------------------------------------------------- */

Test(json_access, string_where_number_expected_names_path_location_and_value) {
  fai_json_doc *doc = load_ok("{\n  \"seed\": \"abc\",\n  \"isl\": {\"max_range_km\": \"far\"}\n}");
  fai_jv root = fai_jv_root(doc), isl;
  fai_error err;
  fai_error_clear(&err);
  long long seed;
  cr_assert_eq(fai_jv_int(&root, "seed", 1, 0, 0, 100, &seed, &err), FAI_EINVAL);
  char buf[2048];
  formatted(&err, buf, sizeof buf);
  cr_assert_str_eq(buf, "t.json:2:11: $.seed: expected an integer, got string \"abc\"");
  fai_jv_member(&root, "isl", &isl);
  double r;
  cr_assert_eq(fai_jv_number(&isl, "max_range_km", 1, 0, 0, 1e8, &r, &err), FAI_EINVAL);
  cr_assert_eq(err.line, 3);
  cr_assert_eq(err.col, 27);
  cr_assert_str_eq(err.path, "$.isl.max_range_km");
  cr_assert_str_eq(err.msg, "expected a number, got string \"far\"");
  fai_json_doc_free(doc);
}

Test(json_access, out_of_range_number_reports_value_and_range) {
  fai_json_doc *doc = load_ok("{\"isl\": {\"max_range_km\": -5}}");
  fai_jv root = fai_jv_root(doc), isl;
  fai_jv_member(&root, "isl", &isl);
  fai_error err;
  fai_error_clear(&err);
  double r = 42;
  cr_assert_eq(fai_jv_number(&isl, "max_range_km", 1, 0, 0, 1e8, &r, &err), FAI_EINVAL);
  cr_assert_eq(r, 42);
  char buf[2048];
  formatted(&err, buf, sizeof buf);
  cr_assert_str_eq(buf,
                   "t.json:1:26: $.isl.max_range_km: value -5 is out of range; expected a "
                   "number in [0, 1e+08]");
  fai_json_doc_free(doc);
}

Test(json_access, numbers_accept_integers_and_reals) {
  fai_json_doc *doc = load_ok("{\"a\": 3, \"b\": 2.5}");
  fai_jv root = fai_jv_root(doc);
  double a, b, c;
  cr_assert_eq(fai_jv_number(&root, "a", 1, 0, -10, 10, &a, NULL), FAI_OK);
  cr_assert_eq(fai_jv_number(&root, "b", 1, 0, -10, 10, &b, NULL), FAI_OK);
  cr_assert_eq(fai_jv_number(&root, "c", 0, 7.5, -10, 10, &c, NULL), FAI_OK);
  cr_assert(a == 3 && b == 2.5 && c == 7.5);
  fai_json_doc_free(doc);
}

Test(json_access, int_rejects_fraction_but_accepts_integral_real) {
  fai_json_doc *doc = load_ok("{\"n\": 2.5, \"m\": 3.0, \"k\": 7}");
  fai_jv root = fai_jv_root(doc);
  fai_error err;
  fai_error_clear(&err);
  long long x = -1;
  cr_assert_eq(fai_jv_int(&root, "n", 1, 0, 0, 10, &x, &err), FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.n");
  cr_assert_str_eq(err.msg, "expected an integer, got number 2.5");
  cr_assert_eq(x, -1);
  cr_assert_eq(fai_jv_int(&root, "m", 1, 0, 0, 10, &x, &err), FAI_OK);
  cr_assert_eq(x, 3);
  cr_assert_eq(fai_jv_int(&root, "k", 1, 0, 0, 5, &x, &err), FAI_EINVAL);
  cr_assert_str_eq(err.msg, "value 7 is out of range; expected an integer in [0, 5]");
  fai_json_doc_free(doc);
}

Test(json_access, enum_with_bad_choice_lists_the_choices) {
  fai_json_doc *doc = load_ok("{\"mode\": \"fastest\", \"ok\": \"greedy\"}");
  fai_jv root = fai_jv_root(doc);
  static const char *const choices[] = {"greedy", "milp", "lagrangian", NULL};
  fai_error err;
  fai_error_clear(&err);
  int idx = -1;
  cr_assert_eq(fai_jv_enum(&root, "mode", 1, 0, choices, &idx, &err), FAI_EINVAL);
  cr_assert_eq(err.line, 1);
  cr_assert_eq(err.col, 10);
  cr_assert_str_eq(err.path, "$.mode");
  cr_assert_str_eq(err.msg,
                   "value \"fastest\" is not allowed; expected one of: greedy, milp, lagrangian");
  cr_assert_eq(fai_jv_enum(&root, "ok", 1, 0, choices, &idx, &err), FAI_OK);
  cr_assert_eq(idx, 0);
  cr_assert_eq(fai_jv_enum(&root, "absent", 0, 2, choices, &idx, &err), FAI_OK);
  cr_assert_eq(idx, 2);
  fai_json_doc_free(doc);
}

Test(json_access, missing_required_key_names_key_and_object) {
  fai_json_doc *doc = load_ok("{\"run\":\n  {\"other\": 1}}");
  fai_jv root = fai_jv_root(doc), run;
  fai_jv_member(&root, "run", &run);
  fai_error err;
  fai_error_clear(&err);
  long long seed;
  cr_assert_eq(fai_jv_int(&run, "seed", 1, 0, 0, 100, &seed, &err), FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.run");
  cr_assert_eq(err.line, 2);
  cr_assert_eq(err.col, 3);
  cr_assert_str_eq(err.msg, "missing required key \"seed\"; expected an integer in [0, 100]");
  cr_assert_eq(fai_jv_int(&run, "seed", 0, 9, 0, 100, &seed, &err), FAI_OK);
  cr_assert_eq(seed, 9);
  fai_json_doc_free(doc);
}

Test(json_access, bool_string_and_array_checks) {
  fai_json_doc *doc = load_ok("{\"b\": \"yes\", \"s\": \"hi\", \"t\": true, \"a\": [1]}");
  fai_jv root = fai_jv_root(doc), a;
  fai_error err;
  fai_error_clear(&err);
  int b;
  cr_assert_eq(fai_jv_bool(&root, "b", 1, 0, &b, &err), FAI_EINVAL);
  cr_assert_str_eq(err.msg, "expected true or false, got string \"yes\"");
  cr_assert_eq(fai_jv_bool(&root, "t", 1, 0, &b, &err), FAI_OK);
  cr_assert_eq(b, 1);
  const char *s;
  cr_assert_eq(fai_jv_string(&root, "s", 1, NULL, &s, &err), FAI_OK);
  cr_assert_str_eq(s, "hi");
  cr_assert_eq(fai_jv_string(&root, "t", 1, NULL, &s, &err), FAI_EINVAL);
  cr_assert_str_eq(err.msg, "expected a string, got boolean true");
  fai_jv_member(&root, "a", &a);
  cr_assert_eq(fai_jv_expect_array(&a, 1, &err), FAI_OK);
  cr_assert_eq(fai_jv_expect_array(&a, 2, &err), FAI_EINVAL);
  cr_assert_str_eq(err.path, "$.a");
  cr_assert_eq(fai_jv_expect_array(&root, 0, &err), FAI_EINVAL);
  cr_assert_str_eq(err.msg, "expected an array, got object");
  fai_json_doc_free(doc);
}

Test(json_access, jv_error_uses_the_value_location) {
  fai_json_doc *doc = load_ok("[0,\n 10]");
  fai_jv root = fai_jv_root(doc);
  fai_jv e = fai_jv_index(&root, 1);
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_jv_error(&e, FAI_EINVAL, &err, "bad %d", 10), FAI_EINVAL);
  char buf[512];
  formatted(&err, buf, sizeof buf);
  cr_assert_str_eq(buf, "t.json:2:2: $[1]: bad 10");
  fai_json_doc_free(doc);
}

/* ---- writing ---------------------------------------------------------------- */

Test(json_write, dumps_sorts_keys_and_matches_exact_text) {
  json_t *o = json_pack("{s:i, s:f, s:[i,i,i], s:{s:s, s:b}, s:n, s:[], s:{}, s:[{s:i}]}", "zeta",
                        1, "alpha", 0.1, "list", 1, 2, 3, "mid", "y", "q\"\n\x01", "x", 1, "nul",
                        "ea", "eo", "objs", "k", 5);
  cr_assert_not_null(o);
  char *s = fai_json_dumps(o);
  const char *expected =
      "{\n"
      "  \"alpha\": 0.1,\n"
      "  \"ea\": [],\n"
      "  \"eo\": {},\n"
      "  \"list\": [1, 2, 3],\n"
      "  \"mid\": {\n"
      "    \"x\": true,\n"
      "    \"y\": \"q\\\"\\n\\u0001\"\n"
      "  },\n"
      "  \"nul\": null,\n"
      "  \"objs\": [\n"
      "    {\n"
      "      \"k\": 5\n"
      "    }\n"
      "  ],\n"
      "  \"zeta\": 1\n"
      "}\n";
  cr_assert_str_eq(s, expected);
  free(s);
  json_decref(o);
}

Test(json_write, dumps_is_independent_of_insertion_order) {
  json_t *a = json_pack("{s:i, s:i, s:i}", "b", 1, "a", 2, "c", 3);
  json_t *b = json_pack("{s:i, s:i, s:i}", "c", 3, "b", 1, "a", 2);
  char *sa = fai_json_dumps(a), *sb = fai_json_dumps(b);
  cr_assert_str_eq(sa, sb);
  free(sa);
  free(sb);
  json_decref(a);
  json_decref(b);
}

Test(json_write, dumps_output_parses_back_to_an_equal_tree) {
  const char *text = "{\"b\": [1.5, -2, \"\xc3\xa9\\t\", {\"x\": null}], \"a\": 1e-300}";
  fai_json_doc *doc = load_ok(text);
  char *s = fai_json_dumps(fai_json_doc_root(doc));
  fai_json_doc *doc2 = load_ok(s);
  cr_assert(json_equal(fai_json_doc_root(doc), fai_json_doc_root(doc2)));
  free(s);
  fai_json_doc_free(doc);
  fai_json_doc_free(doc2);
}

static void assert_roundtrip(double d) {
  char buf[32];
  fai_json_format_double(d, buf);
  double back = strtod(buf, NULL);
  cr_assert(memcmp(&back, &d, sizeof d) == 0, "%.17g -> \"%s\" -> %.17g", d, buf, back);
}

Test(json_write, format_double_round_trips_special_values_and_is_shortest) {
  const double v[] = {0.1, 1e-300, 5e-324, 1.7976931348623157e308,  -0.0,     123456789012345678.0,
                      0.0, 1.0,    -1.5,   2.2250738585072014e-308, 1.0 / 3.0};
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) assert_roundtrip(v[i]);
  char buf[32];
  fai_json_format_double(0.1, buf);
  cr_assert_str_eq(buf, "0.1");
  fai_json_format_double(3.0, buf);
  cr_assert_str_eq(buf, "3");
  fai_json_format_double(1e300, buf);
  cr_assert_str_eq(buf, "1e+300");
  fai_json_format_double(1e8, buf);
  cr_assert_str_eq(buf, "1e+08");
  fai_json_format_double(100.0, buf);
  cr_assert_str_eq(buf, "100");
  fai_json_format_double(-0.0, buf);
  cr_assert_str_eq(buf, "-0");
  fai_json_format_double(5e-324, buf);
  cr_assert_str_eq(buf, "5e-324");
}

Test(json_write, format_double_round_trips_random_bit_patterns) {
  uint64_t s = 0x9E3779B97F4A7C15ull;
  int done = 0;
  while (done < 10000) {
    /* splitmix64 */
    s += 0x9E3779B97F4A7C15ull;
    uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    double d;
    memcpy(&d, &z, sizeof d);
    if (!isfinite(d)) continue;
    assert_roundtrip(d);
    done++;
  }
}

Test(json_write, non_finite_reals_are_written_as_null) {
  /* json_real refuses non-finite values, so only the formatter sees them. */
  char buf[32];
  fai_json_format_double(INFINITY, buf);
  cr_assert_str_eq(buf, "inf");
  json_t *a = json_pack("[f, f]", 1.0, 0.5);
  char *s = fai_json_dumps(a);
  cr_assert_str_eq(s, "[1, 0.5]\n");
  free(s);
  json_decref(a);
}

/* A fresh empty directory under /tmp. */
static void make_tmpdir(char *dir, size_t n) {
  snprintf(dir, n, "/tmp/fai-json-test-XXXXXX");
  cr_assert_not_null(mkdtemp(dir));
}

static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  cr_assert_not_null(d);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
  closedir(d);
  return n;
}

static void read_all(const char *path, char *buf, size_t n) {
  FILE *fp = fopen(path, "rb");
  cr_assert_not_null(fp);
  size_t got = fread(buf, 1, n - 1, fp);
  buf[got] = '\0';
  fclose(fp);
}

static void remove_tree(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  char p[1024];
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    unlink(p);
  }
  closedir(d);
  rmdir(dir);
}

Test(json_write, write_file_replaces_existing_file_and_leaves_no_temporary) {
  char dir[64], path[128], buf[256];
  make_tmpdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/out.json", dir);
  FILE *fp = fopen(path, "w");
  fputs("old contents that are longer than the new ones\n", fp);
  fclose(fp);
  json_t *o = json_pack("{s:i}", "a", 1);
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_json_write_file(o, path, &err), FAI_OK, "%s", err.msg);
  read_all(path, buf, sizeof buf);
  cr_assert_str_eq(buf, "{\n  \"a\": 1\n}\n");
  cr_assert_eq(count_entries(dir), 1);
  fai_json_doc *doc = NULL;
  cr_assert_eq(fai_json_load_file(path, &doc, &err), FAI_OK);
  cr_assert_str_eq(fai_json_doc_name(doc), path);
  cr_assert(json_equal(fai_json_doc_root(doc), o));
  fai_json_doc_free(doc);
  json_decref(o);
  remove_tree(dir);
}

Test(json_write, outfile_abort_leaves_nothing) {
  char dir[64], path[128];
  make_tmpdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/never.json", dir);
  fai_outfile of;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_outfile_open(&of, path, &err), FAI_OK);
  fputs("partial", of.fp);
  cr_assert_eq(count_entries(dir), 1); /* the temporary */
  fai_outfile_abort(&of);
  cr_assert_eq(count_entries(dir), 0);
  cr_assert_eq(access(path, F_OK), -1);
  remove_tree(dir);
}

Test(json_write, outfile_in_missing_directory_is_eio_naming_the_path) {
  fai_outfile of;
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_outfile_open(&of, "/nonexistent/dir/out.json", &err), FAI_EIO);
  cr_assert_str_eq(err.file, "/nonexistent/dir/out.json");
  cr_assert(strstr(err.msg, "No such file or directory") != NULL, "%s", err.msg);
}

/* ---- SHA-256 ------------------------------------------------------------------- */

Test(sha256, matches_fips_180_examples) {
  char h[65];
  fai_sha256_hex("", 0, h);
  cr_assert_str_eq(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  fai_sha256_hex("abc", 3, h);
  cr_assert_str_eq(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  fai_sha256_hex(m, strlen(m), h);
  cr_assert_str_eq(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

Test(sha256, file_digest_matches_buffer_digest_across_block_boundaries) {
  char dir[64], path[128], hf[65], hb[65];
  make_tmpdir(dir, sizeof dir);
  snprintf(path, sizeof path, "%s/data.bin", dir);
  static unsigned char data[200000];
  for (size_t i = 0; i < sizeof data; i++) data[i] = (unsigned char)(i * 131 + (i >> 8));
  FILE *fp = fopen(path, "wb");
  fwrite(data, 1, sizeof data, fp);
  fclose(fp);
  fai_error err;
  fai_error_clear(&err);
  cr_assert_eq(fai_sha256_file_hex(path, hf, &err), FAI_OK);
  fai_sha256_hex(data, sizeof data, hb);
  cr_assert_str_eq(hf, hb);
  /* One million 'a' (FIPS 180-2 appendix B.3). */
  static char a[1000000];
  memset(a, 'a', sizeof a);
  fai_sha256_hex(a, sizeof a, hb);
  cr_assert_str_eq(hb, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  cr_assert_eq(fai_sha256_file_hex("/nonexistent/x", hf, &err), FAI_ENOENT);
  remove_tree(dir);
}
