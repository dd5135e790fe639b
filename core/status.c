/* Status names and messages, error details. */
#include <stdio.h>
#include <string.h>

#include "fluidai/status.h"

static const char *const status_names[] = {
#define X(name, msg) #name,
    FAI_STATUS_TABLE(X)
#undef X
};
static const char *const status_messages[] = {
#define X(name, msg) msg,
    FAI_STATUS_TABLE(X)
#undef X
};
static const char *const outcome_names[] = {
#define X(name, str) str,
    FAI_OUTCOME_TABLE(X)
#undef X
};

const char *fai_status_name(fai_status s) {
  return (s >= 0 && s < FAI_STATUS_COUNT_) ? status_names[s] : "EUNKNOWN";
}

const char *fai_status_message(fai_status s) {
  return (s >= 0 && s < FAI_STATUS_COUNT_) ? status_messages[s] : "unknown status";
}

const char *fai_outcome_name(fai_outcome o) {
  return (o >= 0 && o < FAI_OUTCOME_COUNT_) ? outcome_names[o] : "unknown";
}

void fai_error_clear(fai_error *err) {
  if (err) memset(err, 0, sizeof *err);
}

fai_status fai_error_vset(fai_error *err, fai_status code, const char *fmt, va_list ap) {
  if (!err) return code;
  err->code = code;
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  return code;
}

fai_status fai_error_set(fai_error *err, fai_status code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fai_error_vset(err, code, fmt, ap);
  va_end(ap);
  return code;
}

fai_status fai_error_set_at(fai_error *err, fai_status code, const char *file, int line, int col,
                            const char *path, const char *fmt, ...) {
  if (!err) return code;
  snprintf(err->file, sizeof err->file, "%s", file ? file : "");
  err->line = line;
  err->col = col;
  snprintf(err->path, sizeof err->path, "%s", path ? path : "");
  va_list ap;
  va_start(ap, fmt);
  fai_error_vset(err, code, fmt, ap);
  va_end(ap);
  return code;
}

/* Append to buf (capacity n, *used bytes so far), never overflowing. */
static void append(char *buf, size_t n, size_t *used, const char *fmt, ...) {
  if (*used + 1 >= n) return;
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(buf + *used, n - *used, fmt, ap);
  va_end(ap);
  if (k > 0) *used += (size_t)k;
  if (*used >= n) *used = n - 1;
}

void fai_error_format(const fai_error *err, char *buf, size_t n) {
  if (!buf || n == 0) return;
  buf[0] = '\0';
  if (!err) return;
  size_t used = 0;
  if (err->file[0]) {
    append(buf, n, &used, "%s", err->file);
    if (err->line > 0) append(buf, n, &used, ":%d", err->line);
    if (err->line > 0 && err->col > 0) append(buf, n, &used, ":%d", err->col);
    append(buf, n, &used, ": ");
  }
  if (err->path[0]) append(buf, n, &used, "%s: ", err->path);
  append(buf, n, &used, "%s", err->msg[0] ? err->msg : fai_status_message(err->code));
}
