/* Strict JSON reading and deterministic JSON writing (public).
 *
 * Reading: jansson parses (syntax errors come back with line:column), then a
 * position index maps every JSON path to the line:column of its value (and of
 * its key), so semantic errors can say where as well as what.  Duplicate keys
 * are errors.  Accessors check type and range and report the JSON path, the
 * location, the offending value and what was expected.
 *
 * Writing: keys sorted, doubles written in the shortest form that reads back
 * to the same bits, two-space indentation, one trailing newline, always to a
 * temporary file renamed into place. */
#ifndef FLUIDAI_JSON_H
#define FLUIDAI_JSON_H

#include <jansson.h>
#include <stdio.h>

#include "fluidai/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FAI_JSON_PATH_MAX 256

typedef struct fai_json_doc fai_json_doc; /* parsed tree + position index + file name */

/* Parse a file (name used in messages) or a string (`name` used in messages). */
fai_status fai_json_load_file(const char *path, fai_json_doc **out, fai_error *err);
fai_status fai_json_load_string(const char *text, const char *name, fai_json_doc **out,
                                fai_error *err);
void fai_json_doc_free(fai_json_doc *doc);
json_t *fai_json_doc_root(const fai_json_doc *doc);   /* borrowed */
const char *fai_json_doc_name(const fai_json_doc *doc);

/* A value with its document and path ("$", "$.isl.max_range_km", "$.shells[2]"). */
typedef struct fai_jv {
  const fai_json_doc *doc;
  json_t *v;                       /* borrowed; NULL when absent */
  char path[FAI_JSON_PATH_MAX];
} fai_jv;

fai_jv fai_jv_root(const fai_json_doc *doc);
/* Member `key` of object `obj` (out->v NULL when absent); returns 1 if present. */
int fai_jv_member(const fai_jv *obj, const char *key, fai_jv *out);
/* Element i of array `arr`. */
fai_jv fai_jv_index(const fai_jv *arr, size_t i);
/* Location of the value (0,0 when unknown). */
void fai_jv_location(const fai_jv *v, int *line, int *col);

/* Set err with v's file, line:col and path; returns code. */
fai_status fai_jv_error(const fai_jv *v, fai_status code, fai_error *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* obj must be an object whose keys are all in `allowed` (NULL-terminated);
 * an unknown key is FAI_EINVAL at the key's line:col, naming the allowed keys. */
fai_status fai_jv_expect_object(const fai_jv *obj, const char *const *allowed, fai_error *err);
fai_status fai_jv_expect_array(const fai_jv *arr, size_t min_len, fai_error *err);

/* Typed members.  required != 0: absence is an error; otherwise *out = def.
 * Ranges are inclusive; a value outside is FAI_EINVAL naming the value and
 * the range.  Numbers accept JSON integers and reals; ints reject fractions. */
fai_status fai_jv_number(const fai_jv *obj, const char *key, int required, double def,
                         double lo, double hi, double *out, fai_error *err);
fai_status fai_jv_int(const fai_jv *obj, const char *key, int required, long long def,
                      long long lo, long long hi, long long *out, fai_error *err);
fai_status fai_jv_bool(const fai_jv *obj, const char *key, int required, int def, int *out,
                       fai_error *err);
/* *out borrowed from the document (valid until fai_json_doc_free). */
fai_status fai_jv_string(const fai_jv *obj, const char *key, int required, const char *def,
                         const char **out, fai_error *err);
/* String member restricted to `choices` (NULL-terminated); *index = position. */
fai_status fai_jv_enum(const fai_jv *obj, const char *key, int required, int def,
                       const char *const *choices, int *index, fai_error *err);

/* Deterministic serialisation (see above).  Non-finite reals are written as
 * null.  fai_json_dumps returns malloc'd text (NULL on allocation failure). */
char *fai_json_dumps(const json_t *root);
fai_status fai_json_write_file(const json_t *root, const char *path, fai_error *err);
/* Shortest text for d that strtod reads back exactly ("0.1", "1e+300", "3"). */
void fai_json_format_double(double d, char buf[32]);

/* Atomic output file: written under a temporary name in the same directory,
 * renamed into place by commit, removed by abort. */
typedef struct fai_outfile {
  FILE *fp;
  char tmp[FAI_ERROR_FILE_MAX + 32];
  char path[FAI_ERROR_FILE_MAX];
} fai_outfile;

fai_status fai_outfile_open(fai_outfile *of, const char *path, fai_error *err);
fai_status fai_outfile_commit(fai_outfile *of, fai_error *err);
void fai_outfile_abort(fai_outfile *of);

/* SHA-256 of a byte buffer or a file, as 64 lowercase hex digits + NUL. */
void fai_sha256_hex(const void *data, size_t n, char out[65]);
fai_status fai_sha256_file_hex(const char *path, char out[65], fai_error *err);

#ifdef __cplusplus
}
#endif
#endif
