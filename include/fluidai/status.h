/* Status codes, error details and solve outcomes (public).
 *
 * Every library call returns a fai_status and, on failure, fills a fai_error
 * with the code, a location (file:line:col or a JSON path) and a message that
 * names the offending value.  The status table is one X-macro so the enum, the
 * names and the messages cannot drift apart.  "Did the call work" (fai_status)
 * is kept apart from "what did the optimiser find" (fai_outcome).
 * Only cli/main.c maps a status to a process exit code. */
#ifndef FLUIDAI_STATUS_H
#define FLUIDAI_STATUS_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, message) */
#define FAI_STATUS_TABLE(X)                                              \
  X(OK, "success")                                                       \
  X(EUSAGE, "usage error")                                               \
  X(EINVAL, "invalid input")                                             \
  X(EPARSE, "malformed input file")                                      \
  X(ENOENT, "no such file or preset")                                    \
  X(EIO, "input/output error")                                           \
  X(ENOMEM, "out of memory")                                             \
  X(ENODEV, "backend not available")                                     \
  X(EINTR, "interrupted")                                                \
  X(ENOTSUP, "not supported")                                            \
  X(EINTERNAL, "internal error")

typedef enum fai_status {
#define FAI__STATUS_ENUM(name, msg) FAI_##name,
  FAI_STATUS_TABLE(FAI__STATUS_ENUM)
#undef FAI__STATUS_ENUM
  FAI_STATUS_COUNT_
} fai_status;

/* What a solver found; independent of whether the call itself succeeded. */
#define FAI_OUTCOME_TABLE(X)                                             \
  X(NOT_RUN, "not-run")          /* nothing was attempted */             \
  X(OPTIMAL, "optimal")          /* proven optimal */                    \
  X(FEASIBLE, "feasible")        /* feasible, optimality not proven */   \
  X(INFEASIBLE, "infeasible")    /* proven infeasible */                 \
  X(TIME_LIMIT, "time-limit")    /* stopped by --time-limit */           \
  X(INTERRUPTED, "interrupted")  /* stopped by SIGINT, best so far kept */\
  X(COMPLETE, "complete")        /* non-optimising job finished */

typedef enum fai_outcome {
#define FAI__OUTCOME_ENUM(name, str) FAI_OUTCOME_##name,
  FAI_OUTCOME_TABLE(FAI__OUTCOME_ENUM)
#undef FAI__OUTCOME_ENUM
  FAI_OUTCOME_COUNT_
} fai_outcome;

#define FAI_ERROR_MSG_MAX 1024
#define FAI_ERROR_FILE_MAX 512
#define FAI_ERROR_PATH_MAX 256

typedef struct fai_error {
  fai_status code;                /* FAI_OK when nothing went wrong */
  char file[FAI_ERROR_FILE_MAX];  /* input file concerned, "" if none */
  int line;                       /* 1-based line, 0 if unknown */
  int col;                        /* 1-based column, 0 if unknown */
  char path[FAI_ERROR_PATH_MAX];  /* JSON path such as $.isl.max_range_km, "" if none */
  char msg[FAI_ERROR_MSG_MAX];    /* what was wrong, with the offending value */
} fai_error;

const char *fai_status_name(fai_status s);    /* "EINVAL" */
const char *fai_status_message(fai_status s); /* "invalid input" */
const char *fai_outcome_name(fai_outcome o);  /* "time-limit" */

void fai_error_clear(fai_error *err);         /* err may be NULL */

/* Set code and message; keeps file/line/col/path already set.  Returns code so
 * that `return fai_error_set(err, FAI_EINVAL, "...")` reads naturally.  err may
 * be NULL (then only the code is returned). */
fai_status fai_error_set(fai_error *err, fai_status code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
fai_status fai_error_vset(fai_error *err, fai_status code, const char *fmt, va_list ap);

/* Same with a location: file (may be NULL), line/col (0 = unknown), JSON path
 * (may be NULL). */
fai_status fai_error_set_at(fai_error *err, fai_status code, const char *file, int line,
                            int col, const char *path, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 7, 8)))
#endif
    ;

/* "FILE:LINE:COL: $.path: message" with the parts that are known. */
void fai_error_format(const fai_error *err, char *buf, size_t n);

/* Inside a function with `fai_status st` and a `cleanup:` label: run expr and
 * jump to cleanup on failure, keeping the original status. */
#define FAI_TRY(expr)               \
  do {                              \
    st = (expr);                    \
    if (st != FAI_OK) goto cleanup; \
  } while (0)

#ifdef __cplusplus
}
#endif
#endif
