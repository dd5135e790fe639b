/* Logger, progress reporting and interrupt flag (public).
 *
 * Library code never prints to stdout: messages go through fai_log to one sink
 * (stderr by default).  Long work reports progress through a callback the
 * caller installs; the CLI renders it as a bar, periodic lines or JSON lines.
 * SIGINT sets a flag that long loops poll to stop cleanly and keep what they
 * have. */
#ifndef FLUIDAI_LOG_H
#define FLUIDAI_LOG_H

#include <stdarg.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fai_log_level {
  FAI_LOG_ERROR = 0, /* the call failed */
  FAI_LOG_WARN = 1,  /* result produced, but something deserves attention */
  FAI_LOG_INFO = 2,  /* what ran and what it chose (default) */
  FAI_LOG_DEBUG = 3, /* details for developers */
  FAI_LOG_TRACE = 4  /* per-iteration detail */
} fai_log_level;

typedef void (*fai_log_sink)(void *user, fai_log_level level, const char *msg);

void fai_log_set_level(fai_log_level level);
fai_log_level fai_log_get_level(void);
/* Parse "error|warn|info|debug|trace"; returns 0 on success. */
int fai_log_level_parse(const char *s, fai_log_level *out);
/* Replace the sink (NULL restores stderr). */
void fai_log_set_sink(fai_log_sink sink, void *user);

void fai_log(fai_log_level level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
#define fai_error_log(...) fai_log(FAI_LOG_ERROR, __VA_ARGS__)
#define fai_warn(...) fai_log(FAI_LOG_WARN, __VA_ARGS__)
#define fai_info(...) fai_log(FAI_LOG_INFO, __VA_ARGS__)
#define fai_debug(...) fai_log(FAI_LOG_DEBUG, __VA_ARGS__)

/* Progress: `stage` names the phase ("propagate", "contacts"); done/total in
 * the stage's own units.  The callback decides how often to render. */
typedef void (*fai_progress_fn)(void *user, const char *stage, double done, double total);

typedef struct fai_progress {
  fai_progress_fn fn; /* NULL: no progress */
  void *user;
} fai_progress;

void fai_progress_report(const fai_progress *p, const char *stage, double done, double total);

/* Interrupt flag, set by the CLI's SIGINT handler (or by tests). */
void fai_interrupt_install(void);  /* installs SIGINT handler; idempotent */
void fai_interrupt_request(void);  /* what the handler does */
void fai_interrupt_reset(void);
int fai_interrupted(void);         /* nonzero once SIGINT was received */

#ifdef __cplusplus
}
#endif
#endif
