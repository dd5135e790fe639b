/* Golden CLI cases: each tests/cli/NAME.case runs a command line through
 * /bin/sh and checks its exit code, output excerpts and files.
 *
 * Case file lines (any order, repeatable where it makes sense):
 *   # comment
 *   requires: no-cuda-device         skip when a CUDA device is usable
 *   args: SHELL COMMAND              $BIN, $DATA, $OUT, $CASES are substituted
 *   exit: N
 *   stdout-contains: TEXT / stderr-contains: TEXT / stdout-not-contains: TEXT
 *   file: OUTPATH EXPECTED           OUTPATH (under $OUT) equals tests/cli/EXPECTED byte for byte
 *   file-starts: OUTPATH TEXT        first line of OUTPATH begins with TEXT
 *   absent: OUTPATH                  nothing at $OUT/OUTPATH (nor OUTPATH*.fluidai-tmp-*)
 * The binary comes from $FLUIDAI_BIN (set by `make test`). */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CASES 256
#define CASES_DIR "tests/cli"
#define DATA_DIR "tests/data"

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted case names; the parameter is an index into this list. */
static int list_cases(char names[][128], int max) {
  DIR *d = opendir(CASES_DIR);
  if (!d) return 0;
  char *tmp[MAX_CASES];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < max) {
    size_t len = strlen(e->d_name);
    if (len > 5 && !strcmp(e->d_name + len - 5, ".case")) tmp[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(tmp, (size_t)n, sizeof tmp[0], cmp_str);
  for (int i = 0; i < n; i++) {
    snprintf(names[i], 128, "%s", tmp[i]);
    free(tmp[i]);
  }
  return n;
}

static char *slurp(const char *path, size_t *len) {
  FILE *fp = fopen(path, "rb");
  if (!fp) return NULL;
  fseek(fp, 0, SEEK_END);
  long n = ftell(fp);
  fseek(fp, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  size_t got = fread(buf, 1, (size_t)n, fp);
  fclose(fp);
  buf[got] = '\0';
  if (len) *len = got;
  return buf;
}

/* Replace $BIN, $DATA, $OUT, $CASES. */
static void substitute(const char *in, char *out, size_t n, const char *bin, const char *data,
                       const char *outdir, const char *cases) {
  size_t k = 0;
  while (*in && k + 1 < n) {
    const char *rep = NULL;
    size_t skip = 0;
    if (!strncmp(in, "$BIN", 4)) rep = bin, skip = 4;
    else if (!strncmp(in, "$DATA", 5)) rep = data, skip = 5;
    else if (!strncmp(in, "$OUT", 4)) rep = outdir, skip = 4;
    else if (!strncmp(in, "$CASES", 6)) rep = cases, skip = 6;
    if (rep) {
      k += (size_t)snprintf(out + k, n - k, "%s", rep);
      in += skip;
    } else {
      out[k++] = *in++;
    }
  }
  out[k < n ? k : n - 1] = '\0';
}

static int cuda_device_usable(const char *bin) {
  char cmd[PATH_MAX + 64];
  snprintf(cmd, sizeof cmd, "'%s' info --devices-only >/dev/null 2>&1", bin);
  int rc = system(cmd);
  return WIFEXITED(rc) && WEXITSTATUS(rc) == 0;
}

ParameterizedTestParameters(cli, golden) {
  static int ids[MAX_CASES];
  static char names[MAX_CASES][128];
  int n = list_cases(names, MAX_CASES);
  for (int i = 0; i < n; i++) ids[i] = i;
  return cr_make_param_array(int, ids, (size_t)(n > 0 ? n : 1));
}

ParameterizedTest(int *id, cli, golden, .timeout = 120) {
  static char names[MAX_CASES][128];
  int n = list_cases(names, MAX_CASES);
  cr_assert(n > 0, "no case files in %s (run from the repository root)", CASES_DIR);
  cr_assert(*id < n);
  const char *bin = getenv("FLUIDAI_BIN");
  cr_assert(bin && *bin, "FLUIDAI_BIN is not set (use `make test`)");
  char cwd[PATH_MAX], data[PATH_MAX + 16], cases[PATH_MAX + 16], path[PATH_MAX + 160];
  cr_assert(getcwd(cwd, sizeof cwd));
  snprintf(data, sizeof data, "%s/%s", cwd, DATA_DIR);
  snprintf(cases, sizeof cases, "%s/%s", cwd, CASES_DIR);
  snprintf(path, sizeof path, "%s/%s", CASES_DIR, names[*id]);
  char *text = slurp(path, NULL);
  cr_assert(text, "cannot read %s", path);
  char outdir[] = "/tmp/fluidai-cli-XXXXXX";
  cr_assert(mkdtemp(outdir));

  /* First pass: requirements and the command. */
  char args[8192] = "";
  int want_exit = 0;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (!strncmp(line, "requires: no-cuda-device", 24) && cuda_device_usable(bin)) {
      free(text);
      cr_skip_test("%s: a CUDA device is usable here", names[*id]);
    }
    if (!strncmp(line, "args: ", 6)) substitute(line + 6, args, sizeof args, bin, data, outdir, cases);
    if (!strncmp(line, "exit: ", 6)) want_exit = atoi(line + 6);
  }
  free(text);
  cr_assert(args[0], "%s has no args: line", names[*id]);
  char cmd[sizeof args + 2 * PATH_MAX];
  snprintf(cmd, sizeof cmd, "cd '%s' && ( %s ) >'%s/.stdout' 2>'%s/.stderr'", cwd, args, outdir,
           outdir);
  int rc = system(cmd);
  int code = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
  char so[PATH_MAX + 16], se[PATH_MAX + 16];
  snprintf(so, sizeof so, "%s/.stdout", outdir);
  snprintf(se, sizeof se, "%s/.stderr", outdir);
  char *out = slurp(so, NULL), *err = slurp(se, NULL);
  cr_assert(out && err);
  cr_expect_eq(code, want_exit, "%s: exit %d, expected %d\ncommand: %s\nstderr:\n%s", names[*id],
               code, want_exit, args, err);

  text = slurp(path, NULL);
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (!strncmp(line, "stdout-contains: ", 17))
      cr_expect(strstr(out, line + 17), "%s: stdout lacks \"%s\"\nstdout:\n%s", names[*id],
                line + 17, out);
    else if (!strncmp(line, "stdout-not-contains: ", 21))
      cr_expect(!strstr(out, line + 21), "%s: stdout has \"%s\"", names[*id], line + 21);
    else if (!strncmp(line, "stderr-contains: ", 17))
      cr_expect(strstr(err, line + 17), "%s: stderr lacks \"%s\"\nstderr:\n%s", names[*id],
                line + 17, err);
    else if (!strncmp(line, "absent: ", 8)) {
      char p[PATH_MAX + 300];
      struct stat sb;
      snprintf(p, sizeof p, "%s/%s", outdir, line + 8);
      cr_expect(stat(p, &sb) != 0, "%s: %s exists", names[*id], line + 8);
      snprintf(p, sizeof p, "%s/%s*fluidai-tmp-*", outdir, line + 8);
      glob_t g;
      int found = glob(p, 0, NULL, &g) == 0 && g.gl_pathc > 0;
      if (found) globfree(&g);
      cr_expect(!found, "%s: a temporary directory was left behind", names[*id]);
    } else if (!strncmp(line, "file: ", 6)) {
      char got[256], want[256];
      cr_assert(sscanf(line + 6, "%255s %255s", got, want) == 2);
      char pg[PATH_MAX + 300], pw[PATH_MAX + 300];
      snprintf(pg, sizeof pg, "%s/%s", outdir, got);
      snprintf(pw, sizeof pw, "%s/%s", CASES_DIR, want);
      size_t lg = 0, lw = 0;
      char *a = slurp(pg, &lg), *b = slurp(pw, &lw);
      cr_expect(a, "%s: %s was not written", names[*id], got);
      cr_expect(b, "%s: expected file %s missing", names[*id], pw);
      if (a && b)
        cr_expect(lg == lw && !memcmp(a, b, lg), "%s: %s differs from %s", names[*id], got, want);
      free(a);
      free(b);
    } else if (!strncmp(line, "file-starts: ", 13)) {
      char got[256];
      int off = 0;
      cr_assert(sscanf(line + 13, "%255s %n", got, &off) == 1);
      char pg[PATH_MAX + 300];
      snprintf(pg, sizeof pg, "%s/%s", outdir, got);
      char *a = slurp(pg, NULL);
      cr_expect(a, "%s: %s was not written", names[*id], got);
      if (a)
        cr_expect(!strncmp(a, line + 13 + off, strlen(line + 13 + off)),
                  "%s: %s starts with \"%.60s\", expected \"%s\"", names[*id], got, a,
                  line + 13 + off);
      free(a);
    }
  }
  free(text);
  free(out);
  free(err);
  char rm[PATH_MAX + 32];
  snprintf(rm, sizeof rm, "rm -rf '%s'", outdir);
  cr_expect(system(rm) == 0);
}
