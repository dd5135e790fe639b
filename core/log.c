/* Logger (one sink, stderr by default), progress forwarding, SIGINT flag. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "fluidai/log.h"

static fai_log_level g_level = FAI_LOG_INFO;
static fai_log_sink g_sink = NULL;
static void *g_sink_user = NULL;
static volatile sig_atomic_t g_interrupted = 0;
static int g_handler_installed = 0;

static const char *const level_names[] = {"error", "warn", "info", "debug", "trace"};

void fai_log_set_level(fai_log_level level) { g_level = level; }
fai_log_level fai_log_get_level(void) { return g_level; }

int fai_log_level_parse(const char *s, fai_log_level *out) {
  for (int i = 0; i < 5; i++) {
    if (s && strcmp(s, level_names[i]) == 0) {
      *out = (fai_log_level)i;
      return 0;
    }
  }
  if (s && strcmp(s, "warning") == 0) {
    *out = FAI_LOG_WARN;
    return 0;
  }
  return -1;
}

void fai_log_set_sink(fai_log_sink sink, void *user) {
  g_sink = sink;
  g_sink_user = user;
}

void fai_log(fai_log_level level, const char *fmt, ...) {
  if (level > g_level) return;
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (g_sink) {
    g_sink(g_sink_user, level, msg);
    return;
  }
  /* One fprintf per message keeps lines whole when threads log at once. */
  fprintf(stderr, "fluidai: %s: %s\n", level_names[level], msg);
}

void fai_progress_report(const fai_progress *p, const char *stage, double done, double total) {
  if (p && p->fn) p->fn(p->user, stage, done, total);
}

static void on_sigint(int sig) {
  (void)sig;
  if (g_interrupted) {
    /* Second Ctrl-C: the user insists; restore default and re-raise. */
    signal(SIGINT, SIG_DFL);
    raise(SIGINT);
    return;
  }
  g_interrupted = 1;
}

void fai_interrupt_install(void) {
  if (g_handler_installed) return;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  g_handler_installed = 1;
}

void fai_interrupt_request(void) { g_interrupted = 1; }
void fai_interrupt_reset(void) { g_interrupted = 0; }
int fai_interrupted(void) { return g_interrupted != 0; }
