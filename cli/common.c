/* Shared option handling, error reporting, exit codes, progress rendering. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int cli_exit_code(fai_status st) {
  switch (st) {
    case FAI_OK: return FAI_EXIT_OK;
    case FAI_EUSAGE: return FAI_EXIT_USAGE;
    case FAI_EINVAL:
    case FAI_EPARSE:
    case FAI_ENOENT: return FAI_EXIT_INPUT;
    case FAI_ENODEV: return FAI_EXIT_NODEV;
    case FAI_EINTR: return FAI_EXIT_INTERRUPTED;
    default: return FAI_EXIT_RUNTIME;
  }
}

void cli_report(const char *cmd, const fai_error *err) {
  char buf[2 * FAI_ERROR_MSG_MAX];
  fai_error_format(err, buf, sizeof buf);
  fprintf(stderr, "fluidai %s: error: %s\n", cmd, buf);
}

void cli_common_init(cli_common *c) {
  memset(c, 0, sizeof *c);
  c->backend = FAI_BACKEND_AUTO;
  c->format = "table";
  c->progress = PROGRESS_AUTO;
}

int cli_check_milp_path(const char *cmd, const char *path) {
  if (!path) return 0;
  const size_t n = strlen(path);
  if ((n > 3 && !strcmp(path + n - 3, ".lp")) || (n > 4 && !strcmp(path + n - 4, ".mps")))
    return 0;
  fprintf(stderr, "fluidai %s: error: --export-milp: \"%s\"; expected a .lp or .mps file name\n",
          cmd, path);
  return -1;
}

int cli_parse_double(const char *cmd, const char *opt, const char *arg, double *out) {
  char *end = NULL;
  errno = 0;
  double v = strtod(arg, &end);
  if (!arg[0] || *end || errno || !isfinite(v)) {
    fprintf(stderr, "fluidai %s: error: %s: \"%s\" is not a finite number\n", cmd, opt, arg);
    return -1;
  }
  *out = v;
  return 0;
}

int cli_parse_int(const char *cmd, const char *opt, const char *arg, long lo, long hi, int *out) {
  char *end = NULL;
  errno = 0;
  const long v = strtol(arg, &end, 10);
  if (!arg[0] || *end || errno || v < lo || v > hi) {
    fprintf(stderr, "fluidai %s: error: %s: \"%s\"; expected an integer in [%ld, %ld]\n", cmd, opt,
            arg, lo, hi);
    return -1;
  }
  *out = (int)v;
  return 0;
}

int cli_gen_args(const char *cmd, int argc, char **argv, int first_operand, const cli_common *cc) {
  if (first_operand != argc) {
    fprintf(stderr, "fluidai %s: error: unexpected argument \"%s\"\n", cmd, argv[first_operand]);
    return -1;
  }
  if (!cc->out) {
    fprintf(stderr, "fluidai %s: error: -o INSTANCE.json is required\n", cmd);
    return -1;
  }
  return 0;
}

static int parse_count(const char *arg, long long lo, long long hi, long long *out) {
  char *end = NULL;
  errno = 0;
  long long v = strtoll(arg, &end, 10);
  if (!arg[0] || *end || errno || v < lo || v > hi) return -1;
  *out = v;
  return 0;
}

int cli_common_option(cli_common *c, int opt, const char *arg) {
  long long v;
  switch (opt) {
    case CLI_OPT_BACKEND:
      if (fai_backend_kind_parse(arg, &c->backend) != 0) {
        fprintf(stderr, "fluidai: error: --backend: \"%s\"; expected auto, cpu or cuda\n", arg);
        return -1;
      }
      return 0;
    case CLI_OPT_THREADS:
      if (parse_count(arg, 0, 4096, &v)) {
        fprintf(stderr, "fluidai: error: --threads: \"%s\"; expected an integer in [0, 4096]\n",
                arg);
        return -1;
      }
      c->threads = (int)v;
      return 0;
    case CLI_OPT_SEED: {
      char *end = NULL;
      errno = 0;
      unsigned long long s = strtoull(arg, &end, 0);
      /* Plans record the seed as a JSON integer (signed 64-bit), so larger seeds
       * could not be written back and re-run. */
      if (!arg[0] || *end || errno || arg[0] == '-' || s > 9223372036854775807ULL) {
        fprintf(stderr,
                "fluidai: error: --seed: \"%s\"; expected an integer in 0..9223372036854775807\n",
                arg);
        return -1;
      }
      c->seed = s;
      c->has_seed = 1;
      return 0;
    }
    case CLI_OPT_TIME_LIMIT:
      if (cli_parse_double("", "--time-limit", arg, &c->time_limit_s)) return -1;
      if (c->time_limit_s <= 0) {
        fprintf(stderr, "fluidai: error: --time-limit: %s; expected a positive number of seconds\n",
                arg);
        return -1;
      }
      return 0;
    case 'o': c->out = arg; return 0;
    case CLI_OPT_FORMAT:
      if (strcmp(arg, "table") && strcmp(arg, "json") && strcmp(arg, "csv")) {
        fprintf(stderr, "fluidai: error: --format: \"%s\"; expected table, json or csv\n", arg);
        return -1;
      }
      c->format = arg;
      return 0;
    case CLI_OPT_PROGRESS: {
      static const char *const names[] = {"auto", "bar", "lines", "json", "none"};
      if (!arg) {
        c->progress = PROGRESS_AUTO;
        return 0;
      }
      for (int i = 0; i < 5; i++)
        if (!strcmp(arg, names[i])) {
          c->progress = (progress_mode)i;
          return 0;
        }
      fprintf(stderr, "fluidai: error: --progress: \"%s\"; expected auto, bar, lines, json or none\n",
              arg);
      return -1;
    }
    case CLI_OPT_LOG_LEVEL: {
      fai_log_level lv;
      if (fai_log_level_parse(arg, &lv)) {
        fprintf(stderr,
                "fluidai: error: --log-level: \"%s\"; expected error, warn, info, debug or trace\n",
                arg);
        return -1;
      }
      fai_log_set_level(lv);
      return 0;
    }
    case 'q':
      c->quiet = 1;
      fai_log_set_level(FAI_LOG_ERROR);
      return 0;
    case 'v':
      c->verbose++;
      fai_log_set_level(c->verbose > 1 ? FAI_LOG_TRACE : FAI_LOG_DEBUG);
      return 0;
    default: return 1;
  }
}

/* --- progress ----------------------------------------------------------------- */

static double mono(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void render(void *user, const char *stage, double done, double total) {
  cli_progress *p = user;
  const double now = mono();
  const int finished = total > 0 && done >= total;
  const int new_stage = strcmp(stage, p->stage) != 0;
  const double every = p->mode == PROGRESS_BAR ? 0.1 : (p->mode == PROGRESS_JSON ? 0.25 : 2.0);
  if (!finished && !new_stage && now - p->last < every) return;
  p->last = now;
  const double frac = total > 0 ? done / total : 0;
  const double el = now - p->start;
  switch (p->mode) {
    case PROGRESS_BAR: {
      if (new_stage && p->drawn) fputc('\n', stderr);
      char bar[31];
      int k = (int)(frac * 30 + 0.5);
      for (int i = 0; i < 30; i++) bar[i] = i < k ? '#' : '.';
      bar[30] = '\0';
      fprintf(stderr, "\r%-10s [%s] %3.0f%% %7.1fs", stage, bar, 100 * frac, el);
      p->drawn = 1;
      break;
    }
    case PROGRESS_LINES:
      fprintf(stderr, "fluidai: progress: %s %.0f/%.0f (%.0f%%) %.1fs\n", stage, done, total,
              100 * frac, el);
      break;
    case PROGRESS_JSON:
      fprintf(stderr,
              "{\"event\":\"progress\",\"stage\":\"%s\",\"done\":%.17g,\"total\":%.17g,"
              "\"elapsed_s\":%.3f}\n",
              stage, done, total, el);
      break;
    default: break;
  }
  fflush(stderr);
  snprintf(p->stage, sizeof p->stage, "%s", stage);
}

void cli_progress_init(cli_progress *p, progress_mode mode, fai_progress *out) {
  memset(p, 0, sizeof *p);
  if (mode == PROGRESS_AUTO) mode = isatty(STDERR_FILENO) ? PROGRESS_BAR : PROGRESS_LINES;
  p->mode = mode;
  p->start = p->last = mono();
  out->fn = mode == PROGRESS_NONE ? NULL : render;
  out->user = p;
}

void cli_progress_finish(cli_progress *p) {
  if (p->mode == PROGRESS_BAR && p->drawn) fputc('\n', stderr);
  p->drawn = 0;
}
