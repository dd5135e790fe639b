/* Strict JSON reading with source positions, checked accessors, and a
 * deterministic writer.  See include/fluidai/json.h for the contract.
 *
 * Columns are 1-based and count Unicode code points, as jansson's do, so that
 * syntax errors (jansson's positions) and semantic errors (ours) agree. */
#include "fluidai/json.h"

#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------------------ */
/* Byte buffer: growable (writer, scanner paths) or fixed (fai_jv paths).   */

typedef struct sbuf {
  char *p;    /* always NUL-terminated once anything was written */
  size_t len; /* bytes used, excluding the NUL */
  size_t cap; /* bytes available including the NUL */
  int fixed;  /* 1: p is caller storage and never grows */
  int failed; /* set on allocation failure or, when fixed, overflow */
} sbuf;

static void sb_init_fixed(sbuf *b, char *buf, size_t cap) {
  b->p = buf;
  b->len = 0;
  b->cap = cap;
  b->fixed = 1;
  b->failed = 0;
  if (cap > 0) buf[0] = '\0';
}

/* Make room for `extra` more bytes plus the NUL; 0 when that is impossible. */
static int sb_reserve(sbuf *b, size_t extra) {
  if (b->failed) return 0;
  if (b->len + extra + 1 <= b->cap) return 1;
  if (b->fixed) {
    b->failed = 1;
    return 0;
  }
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + extra + 1) cap *= 2;
  char *p = realloc(b->p, cap);
  if (!p) {
    b->failed = 1;
    return 0;
  }
  b->p = p;
  b->cap = cap;
  return 1;
}

static void sb_putn(sbuf *b, const char *s, size_t n) {
  if (!sb_reserve(b, n)) return;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

static void sb_putc(sbuf *b, char c) {
  sb_putn(b, &c, 1);
}
static void sb_puts(sbuf *b, const char *s) {
  sb_putn(b, s, strlen(s));
}

static void sb_truncate(sbuf *b, size_t len) {
  if (len < b->len) {
    b->len = len;
    b->p[len] = '\0';
  }
}

/* s[0..n) as a quoted JSON string (RFC 8259): UTF-8 passes through, the
 * two-character escapes where RFC 8259 has one, \u00XX for other controls. */
static void sb_put_quoted(sbuf *b, const char *s, size_t n) {
  sb_putc(b, '"');
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '"':
        sb_puts(b, "\\\"");
        break;
      case '\\':
        sb_puts(b, "\\\\");
        break;
      case '\b':
        sb_puts(b, "\\b");
        break;
      case '\f':
        sb_puts(b, "\\f");
        break;
      case '\n':
        sb_puts(b, "\\n");
        break;
      case '\r':
        sb_puts(b, "\\r");
        break;
      case '\t':
        sb_puts(b, "\\t");
        break;
      default:
        if (c < 0x20) {
          char esc[8];
          snprintf(esc, sizeof esc, "\\u%04x", (unsigned)c);
          sb_puts(b, esc);
        } else {
          sb_putc(b, (char)c);
        }
    }
  }
  sb_putc(b, '"');
}

/* Path step for member `key`: ".key" when the key is a plain identifier
 * ([A-Za-z0-9_-]+), otherwise ["key"] so the path stays unambiguous. */
static void sb_put_path_key(sbuf *b, const char *key, size_t n) {
  int plain = n > 0;
  for (size_t i = 0; i < n && plain; i++) {
    unsigned char c = (unsigned char)key[i];
    plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '_' || c == '-';
  }
  if (plain) {
    sb_putc(b, '.');
    sb_putn(b, key, n);
  } else {
    sb_putc(b, '[');
    sb_put_quoted(b, key, n);
    sb_putc(b, ']');
  }
}

static void sb_put_path_index(sbuf *b, size_t i) {
  char tmp[32];
  snprintf(tmp, sizeof tmp, "[%zu]", i);
  sb_puts(b, tmp);
}

/* ------------------------------------------------------------------------ */
/* Position index: JSON path -> line:col of the value and of its key.       */

typedef struct pos_entry {
  char *path;            /* owned; NULL marks an empty slot */
  uint64_t hash;         /* FNV-1a of path */
  int line, col;         /* start of the value */
  int key_line, key_col; /* start of the member's key; 0 for elements and the root */
} pos_entry;

struct fai_json_doc {
  json_t *root;     /* owned reference */
  char *name;       /* file name or caller-given name, used in messages */
  pos_entry *slots; /* open addressing, linear probing, load <= 1/2 */
  size_t cap;       /* power of two (or 0) */
  size_t count;
};

static uint64_t fnv1a(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) {
    h ^= (unsigned char)*s;
    h *= 1099511628211ull;
  }
  return h;
}

static const pos_entry *index_find(const fai_json_doc *doc, const char *path) {
  if (!doc || doc->cap == 0) return NULL;
  uint64_t h = fnv1a(path);
  for (size_t i = (size_t)h & (doc->cap - 1);; i = (i + 1) & (doc->cap - 1)) {
    const pos_entry *e = &doc->slots[i];
    if (!e->path) return NULL;
    if (e->hash == h && strcmp(e->path, path) == 0) return e;
  }
}

static int index_grow(fai_json_doc *doc) {
  size_t cap = doc->cap ? doc->cap * 2 : 64;
  pos_entry *slots = calloc(cap, sizeof *slots);
  if (!slots) return 0;
  for (size_t j = 0; j < doc->cap; j++) {
    pos_entry *e = &doc->slots[j];
    if (!e->path) continue;
    size_t i = (size_t)e->hash & (cap - 1);
    while (slots[i].path) i = (i + 1) & (cap - 1);
    slots[i] = *e;
  }
  free(doc->slots);
  doc->slots = slots;
  doc->cap = cap;
  return 1;
}

/* Record path -> position; a later entry for the same path cannot occur
 * because jansson already rejected duplicate keys. */
static int index_put(fai_json_doc *doc, const char *path, int line, int col, int kl, int kc) {
  if ((doc->count + 1) * 2 > doc->cap && !index_grow(doc)) return 0;
  uint64_t h = fnv1a(path);
  size_t i = (size_t)h & (doc->cap - 1);
  while (doc->slots[i].path) i = (i + 1) & (doc->cap - 1);
  char *copy = strdup(path);
  if (!copy) return 0;
  doc->slots[i] = (pos_entry){copy, h, line, col, kl, kc};
  doc->count++;
  return 1;
}

/* ------------------------------------------------------------------------ */
/* Scanner: walks text jansson accepted and feeds the position index.  It is
 * also run over the prefix before a duplicate key, where it stops right after
 * that key; `stopped_*` then says where the key starts and in which object. */

typedef struct scanner {
  const char *s;
  size_t n, i;       /* text, its length, next byte */
  int line, col;     /* position of byte i */
  fai_json_doc *doc; /* NULL: do not index (prefix scan) */
  sbuf path;         /* path of the value being scanned */
  sbuf key;          /* scratch: decoded key */
  int oom;
  int key_line, key_col; /* start of the most recent key */
  int stopped_after_key; /* text ended right after a key (prefix scan) */
  char stopped_path[FAI_JSON_PATH_MAX];
} scanner;

enum { SC_OK = 0, SC_FAIL = 1 };

static void sc_adv(scanner *sc) {
  unsigned char c = (unsigned char)sc->s[sc->i++];
  if (c == '\n') {
    sc->line++;
    sc->col = 1;
  } else if ((c & 0xC0) != 0x80) { /* continuation bytes do not start a column */
    sc->col++;
  }
}

static int sc_peek(const scanner *sc) {
  return sc->i < sc->n ? (unsigned char)sc->s[sc->i] : -1;
}

static void sc_ws(scanner *sc) {
  for (;;) {
    int c = sc_peek(sc);
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
    sc_adv(sc);
  }
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static int sc_hex4(scanner *sc, unsigned *out) {
  unsigned v = 0;
  for (int k = 0; k < 4; k++) {
    int h = hexval(sc_peek(sc));
    if (h < 0) return SC_FAIL;
    v = v * 16 + (unsigned)h;
    sc_adv(sc);
  }
  *out = v;
  return SC_OK;
}

static void sb_put_utf8(sbuf *b, unsigned cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  sb_putn(b, u, n);
}

/* A string token; decoded into `out` (which may be NULL) the way jansson
 * decodes it, so that keys match jansson's keys byte for byte. */
static int sc_string(scanner *sc, sbuf *out) {
  if (sc_peek(sc) != '"') return SC_FAIL;
  sc_adv(sc);
  if (out) sb_truncate(out, 0);
  for (;;) {
    int c = sc_peek(sc);
    if (c < 0) return SC_FAIL;
    if (c == '"') {
      sc_adv(sc);
      return SC_OK;
    }
    if (c != '\\') {
      if (out) sb_putc(out, (char)c);
      sc_adv(sc);
      continue;
    }
    sc_adv(sc);
    int e = sc_peek(sc);
    if (e < 0) return SC_FAIL;
    sc_adv(sc);
    char plain;
    switch (e) {
      case '"':
        plain = '"';
        break;
      case '\\':
        plain = '\\';
        break;
      case '/':
        plain = '/';
        break;
      case 'b':
        plain = '\b';
        break;
      case 'f':
        plain = '\f';
        break;
      case 'n':
        plain = '\n';
        break;
      case 'r':
        plain = '\r';
        break;
      case 't':
        plain = '\t';
        break;
      case 'u': {
        unsigned cp, lo;
        if (sc_hex4(sc, &cp) != SC_OK) return SC_FAIL;
        if (cp >= 0xD800 && cp <= 0xDBFF) { /* high surrogate: jansson requires the pair */
          if (sc_peek(sc) != '\\') return SC_FAIL;
          sc_adv(sc);
          if (sc_peek(sc) != 'u') return SC_FAIL;
          sc_adv(sc);
          if (sc_hex4(sc, &lo) != SC_OK) return SC_FAIL;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        if (out) sb_put_utf8(out, cp);
        continue;
      }
      default:
        return SC_FAIL;
    }
    if (out) sb_putc(out, plain);
  }
}

static int sc_value(scanner *sc, int key_line, int key_col);

static int sc_object(scanner *sc) {
  sc_adv(sc); /* '{' */
  sc_ws(sc);
  if (sc_peek(sc) == '}') {
    sc_adv(sc);
    return SC_OK;
  }
  size_t base = sc->path.len;
  for (;;) {
    sc_ws(sc);
    int kl = sc->line, kc = sc->col;
    if (sc_string(sc, &sc->key) != SC_OK) return SC_FAIL;
    if (sc->key.failed) {
      sc->oom = 1;
      return SC_FAIL;
    }
    sc->key_line = kl;
    sc->key_col = kc;
    sc_ws(sc);
    if (sc_peek(sc) < 0 && !sc->doc) { /* prefix scan reached the duplicate key */
      sc->stopped_after_key = 1;
      snprintf(sc->stopped_path, sizeof sc->stopped_path, "%s", sc->path.p);
      return SC_FAIL;
    }
    if (sc_peek(sc) != ':') return SC_FAIL;
    sc_adv(sc);
    sc_ws(sc);
    sb_put_path_key(&sc->path, sc->key.p ? sc->key.p : "", sc->key.len);
    if (sc_value(sc, kl, kc) != SC_OK) return SC_FAIL;
    sb_truncate(&sc->path, base);
    sc_ws(sc);
    int c = sc_peek(sc);
    if (c == ',') {
      sc_adv(sc);
      continue;
    }
    if (c == '}') {
      sc_adv(sc);
      return SC_OK;
    }
    return SC_FAIL;
  }
}

static int sc_array(scanner *sc) {
  sc_adv(sc); /* '[' */
  sc_ws(sc);
  if (sc_peek(sc) == ']') {
    sc_adv(sc);
    return SC_OK;
  }
  size_t base = sc->path.len;
  for (size_t idx = 0;; idx++) {
    sc_ws(sc);
    sb_put_path_index(&sc->path, idx);
    if (sc_value(sc, 0, 0) != SC_OK) return SC_FAIL;
    sb_truncate(&sc->path, base);
    sc_ws(sc);
    int c = sc_peek(sc);
    if (c == ',') {
      sc_adv(sc);
      continue;
    }
    if (c == ']') {
      sc_adv(sc);
      return SC_OK;
    }
    return SC_FAIL;
  }
}

/* A value starting at the current position; records its path first. */
static int sc_value(scanner *sc, int key_line, int key_col) {
  if (sc->path.failed) {
    sc->oom = 1;
    return SC_FAIL;
  }
  /* Longer paths cannot be looked up (fai_jv paths are bounded), so skip them. */
  if (sc->doc && sc->path.len < FAI_JSON_PATH_MAX &&
      !index_put(sc->doc, sc->path.p, sc->line, sc->col, key_line, key_col)) {
    sc->oom = 1;
    return SC_FAIL;
  }
  int c = sc_peek(sc);
  if (c == '{') return sc_object(sc);
  if (c == '[') return sc_array(sc);
  if (c == '"') return sc_string(sc, NULL);
  if (c == '-' || (c >= '0' && c <= '9')) {
    while ((c = sc_peek(sc)) >= 0 && (strchr("+-.eE", c) || (c >= '0' && c <= '9'))) sc_adv(sc);
    return SC_OK;
  }
  if (c >= 'a' && c <= 'z') { /* true, false, null */
    while ((c = sc_peek(sc)) >= 'a' && c <= 'z') sc_adv(sc);
    return SC_OK;
  }
  return SC_FAIL;
}

static void sc_init(scanner *sc, const char *s, size_t n, fai_json_doc *doc) {
  memset(sc, 0, sizeof *sc);
  sc->s = s;
  sc->n = n;
  sc->line = 1;
  sc->col = 1;
  sc->doc = doc;
  sb_puts(&sc->path, "$");
}

static void sc_free(scanner *sc) {
  free(sc->path.p);
  free(sc->key.p);
}

/* ------------------------------------------------------------------------ */
/* Loading                                                                  */

void fai_json_doc_free(fai_json_doc *doc) {
  if (!doc) return;
  json_decref(doc->root);
  free(doc->name);
  for (size_t i = 0; i < doc->cap; i++) free(doc->slots[i].path);
  free(doc->slots);
  free(doc);
}

json_t *fai_json_doc_root(const fai_json_doc *doc) {
  return doc ? doc->root : NULL;
}
const char *fai_json_doc_name(const fai_json_doc *doc) {
  return doc ? doc->name : "";
}

/* jansson reports a duplicate key just after its closing quote; rescan the
 * prefix up to there to point at the key's start and name its object. */
static fai_status duplicate_key_error(const char *text, size_t n, const char *name,
                                      const json_error_t *je, fai_error *err) {
  scanner sc;
  size_t end = je->position > 0 && (size_t)je->position <= n ? (size_t)je->position : 0;
  sc_init(&sc, text, end, NULL);
  sc_ws(&sc);
  sc_value(&sc, 0, 0);
  fai_status st;
  if (sc.stopped_after_key && !sc.oom) {
    sbuf q = {0};
    sb_put_quoted(&q, sc.key.p ? sc.key.p : "", sc.key.len);
    st = fai_error_set_at(err, FAI_EPARSE, name, sc.key_line, sc.key_col, sc.stopped_path,
                          "duplicate key %s", q.p ? q.p : "\"\"");
    free(q.p);
  } else {
    st = fai_error_set_at(err, FAI_EPARSE, name, je->line > 0 ? je->line : 0,
                          je->column > 0 ? je->column : 0, NULL, "%s", je->text);
  }
  sc_free(&sc);
  return st;
}

static fai_status load_text(const char *text, size_t n, const char *name, fai_json_doc **out,
                            fai_error *err) {
  *out = NULL;
  json_error_t je;
  json_t *root = json_loadb(text, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
  if (!root) {
    if (json_error_code(&je) == json_error_duplicate_key)
      return duplicate_key_error(text, n, name, &je, err);
    if (json_error_code(&je) == json_error_out_of_memory)
      return fai_error_set_at(err, FAI_ENOMEM, name, 0, 0, NULL, "out of memory parsing JSON");
    return fai_error_set_at(err, FAI_EPARSE, name, je.line > 0 ? je.line : 0,
                            je.column > 0 ? je.column : 0, NULL, "%s", je.text);
  }
  fai_json_doc *doc = calloc(1, sizeof *doc);
  if (!doc || !(doc->name = strdup(name))) {
    free(doc);
    json_decref(root);
    return fai_error_set_at(err, FAI_ENOMEM, name, 0, 0, NULL, "out of memory");
  }
  doc->root = root;
  scanner sc;
  sc_init(&sc, text, n, doc);
  sc_ws(&sc);
  int rc = sc_value(&sc, 0, 0);
  int oom = sc.oom || sc.path.failed;
  sc_free(&sc);
  if (rc != SC_OK) {
    fai_json_doc_free(doc);
    if (oom) return fai_error_set_at(err, FAI_ENOMEM, name, 0, 0, NULL, "out of memory");
    return fai_error_set_at(err, FAI_EINTERNAL, name, sc.line, sc.col, NULL,
                            "position scanner disagrees with the JSON parser");
  }
  *out = doc;
  return FAI_OK;
}

fai_status fai_json_load_string(const char *text, const char *name, fai_json_doc **out,
                                fai_error *err) {
  return load_text(text, strlen(text), name ? name : "<string>", out, err);
}

fai_status fai_json_load_file(const char *path, fai_json_doc **out, fai_error *err) {
  *out = NULL;
  FILE *fp = fopen(path, "rb");
  if (!fp) {
    int e = errno;
    return fai_error_set_at(err, e == ENOENT ? FAI_ENOENT : FAI_EIO, path, 0, 0, NULL,
                            "cannot open %s: %s", path, strerror(e));
  }
  sbuf b = {0};
  char chunk[65536];
  size_t got;
  while ((got = fread(chunk, 1, sizeof chunk, fp)) > 0) sb_putn(&b, chunk, got);
  int read_error = ferror(fp);
  int e = errno;
  fclose(fp);
  fai_status st;
  if (read_error)
    st = fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "cannot read %s: %s", path, strerror(e));
  else if (b.failed)
    st = fai_error_set_at(err, FAI_ENOMEM, path, 0, 0, NULL, "out of memory reading %s", path);
  else
    st = load_text(b.p ? b.p : "", b.len, path, out, err);
  free(b.p);
  return st;
}

/* ------------------------------------------------------------------------ */
/* Values and paths                                                         */

fai_jv fai_jv_root(const fai_json_doc *doc) {
  fai_jv r;
  r.doc = doc;
  r.v = doc ? doc->root : NULL;
  snprintf(r.path, sizeof r.path, "$");
  return r;
}

/* A path that did not fit ends in "..." (no complete path can, since '.' is
 * not a plain key character), so it never matches an index entry; children
 * of such a path keep it unchanged. */
static void child_path(char dst[FAI_JSON_PATH_MAX], const char *parent, const char *key,
                       size_t index) {
  size_t pl = strlen(parent);
  sbuf b;
  sb_init_fixed(&b, dst, FAI_JSON_PATH_MAX);
  if (pl >= 3 && strcmp(parent + pl - 3, "...") == 0) {
    sb_puts(&b, parent);
    return;
  }
  sb_puts(&b, parent);
  if (key)
    sb_put_path_key(&b, key, strlen(key));
  else
    sb_put_path_index(&b, index);
  if (b.failed) {
    size_t keep = pl < FAI_JSON_PATH_MAX - 4 ? pl : FAI_JSON_PATH_MAX - 4;
    memmove(dst, parent, keep);
    memcpy(dst + keep, "...", 4);
  }
}

int fai_jv_member(const fai_jv *obj, const char *key, fai_jv *out) {
  out->doc = obj->doc;
  out->v = json_is_object(obj->v) ? json_object_get(obj->v, key) : NULL;
  child_path(out->path, obj->path, key, 0);
  return out->v != NULL;
}

fai_jv fai_jv_index(const fai_jv *arr, size_t i) {
  fai_jv r;
  r.doc = arr->doc;
  r.v = json_is_array(arr->v) ? json_array_get(arr->v, i) : NULL;
  child_path(r.path, arr->path, NULL, i);
  return r;
}

void fai_jv_location(const fai_jv *v, int *line, int *col) {
  const pos_entry *e = v ? index_find(v->doc, v->path) : NULL;
  *line = e ? e->line : 0;
  *col = e ? e->col : 0;
}

/* Position of the key of member v, falling back to the value's position. */
static void key_location(const fai_jv *v, int *line, int *col) {
  const pos_entry *e = index_find(v->doc, v->path);
  *line = e ? (e->key_line ? e->key_line : e->line) : 0;
  *col = e ? (e->key_line ? e->key_col : e->col) : 0;
}

static fai_status error_at(const fai_jv *v, int line, int col, fai_status code, fai_error *err,
                           const char *fmt, va_list ap) {
  char msg[FAI_ERROR_MSG_MAX];
  vsnprintf(msg, sizeof msg, fmt, ap);
  return fai_error_set_at(err, code, v->doc ? v->doc->name : NULL, line, col, v->path, "%s", msg);
}

fai_status fai_jv_error(const fai_jv *v, fai_status code, fai_error *err, const char *fmt, ...) {
  int line, col;
  fai_jv_location(v, &line, &col);
  va_list ap;
  va_start(ap, fmt);
  fai_status st = error_at(v, line, col, code, err, fmt, ap);
  va_end(ap);
  return st;
}

/* Same as fai_jv_error at an explicit position (the key of an unknown member). */
static fai_status jv_error_pos(const fai_jv *v, int line, int col, fai_status code, fai_error *err,
                               const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 6, 7)))
#endif
    ;
static fai_status jv_error_pos(const fai_jv *v, int line, int col, fai_status code, fai_error *err,
                               const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  fai_status st = error_at(v, line, col, code, err, fmt, ap);
  va_end(ap);
  return st;
}

/* ------------------------------------------------------------------------ */
/* Describing values in messages                                            */

enum { QUOTE_MAX = 64 }; /* longest string excerpt quoted in a message (bytes) */

/* Quoted excerpt of a string, cut on a UTF-8 boundary with "..." if long. */
static void quote_excerpt(const char *s, size_t n, char *buf, size_t cap) {
  int cut = 0;
  if (n > QUOTE_MAX) {
    n = QUOTE_MAX;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    cut = 1;
  }
  sbuf b;
  sb_init_fixed(&b, buf, cap);
  sb_put_quoted(&b, s, n);
  if (cut) sb_puts(&b, "...");
}

/* The value itself: 2.5, "abc", true, null, object, array. */
static void value_text(const json_t *v, char *buf, size_t cap) {
  char num[32];
  switch (json_typeof(v)) {
    case JSON_INTEGER:
      snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
      break;
    case JSON_REAL:
      fai_json_format_double(json_real_value(v), num);
      snprintf(buf, cap, "%s", num);
      break;
    case JSON_STRING:
      quote_excerpt(json_string_value(v), json_string_length(v), buf, cap);
      break;
    case JSON_TRUE:
      snprintf(buf, cap, "true");
      break;
    case JSON_FALSE:
      snprintf(buf, cap, "false");
      break;
    case JSON_NULL:
      snprintf(buf, cap, "null");
      break;
    case JSON_OBJECT:
      snprintf(buf, cap, "object");
      break;
    case JSON_ARRAY:
      snprintf(buf, cap, "array");
      break;
    default:
      snprintf(buf, cap, "?");
      break;
  }
}

/* Type and value, for "got ...": number 2.5, string "abc", boolean true, null, object. */
static void value_desc(const json_t *v, char *buf, size_t cap) {
  char t[QUOTE_MAX + 16];
  value_text(v, t, sizeof t);
  switch (json_typeof(v)) {
    case JSON_INTEGER:
    case JSON_REAL:
      snprintf(buf, cap, "number %s", t);
      break;
    case JSON_STRING:
      snprintf(buf, cap, "string %s", t);
      break;
    case JSON_TRUE:
    case JSON_FALSE:
      snprintf(buf, cap, "boolean %s", t);
      break;
    default:
      snprintf(buf, cap, "%s", t);
      break;
  }
}

enum { DESC_MAX = QUOTE_MAX + 32 };

static fai_status type_error(const fai_jv *v, const char *expected, fai_error *err) {
  char d[DESC_MAX];
  value_desc(v->v, d, sizeof d);
  return fai_jv_error(v, FAI_EINVAL, err, "expected %s, got %s", expected, d);
}

/* "a, b, c" from a NULL-terminated list. */
static void join_list(const char *const *items, char *buf, size_t cap) {
  sbuf b;
  sb_init_fixed(&b, buf, cap);
  for (size_t i = 0; items && items[i]; i++) {
    if (i) sb_puts(&b, ", ");
    sb_puts(&b, items[i]);
  }
  if (b.failed && cap > 4) memcpy(buf + cap - 4, "...", 4);
}

/* ------------------------------------------------------------------------ */
/* Checked accessors                                                        */

fai_status fai_jv_expect_object(const fai_jv *obj, const char *const *allowed, fai_error *err) {
  if (!json_is_object(obj->v)) {
    if (!obj->v) return fai_jv_error(obj, FAI_EINVAL, err, "expected an object, got nothing");
    return type_error(obj, "an object", err);
  }
  if (!allowed) return FAI_OK;
  const char *key;
  json_t *val;
  json_object_foreach(obj->v, key, val) { /* insertion order = document order */
    size_t i = 0;
    while (allowed[i] && strcmp(allowed[i], key) != 0) i++;
    if (allowed[i]) continue;
    fai_jv member;
    fai_jv_member(obj, key, &member);
    int line, col;
    key_location(&member, &line, &col);
    char q[QUOTE_MAX + 8], list[FAI_ERROR_MSG_MAX / 2];
    quote_excerpt(key, strlen(key), q, sizeof q);
    join_list(allowed, list, sizeof list);
    if (!allowed[0])
      return jv_error_pos(obj, line, col, FAI_EINVAL, err, "unknown key %s; expected no keys", q);
    return jv_error_pos(obj, line, col, FAI_EINVAL, err, "unknown key %s; expected one of: %s", q,
                        list);
  }
  return FAI_OK;
}

fai_status fai_jv_expect_array(const fai_jv *arr, size_t min_len, fai_error *err) {
  if (!json_is_array(arr->v)) {
    if (!arr->v) return fai_jv_error(arr, FAI_EINVAL, err, "expected an array, got nothing");
    return type_error(arr, "an array", err);
  }
  size_t n = json_array_size(arr->v);
  if (n < min_len)
    return fai_jv_error(arr, FAI_EINVAL, err, "array has %zu element%s; expected at least %zu", n,
                        n == 1 ? "" : "s", min_len);
  return FAI_OK;
}

/* Look up obj.key for a typed accessor.  Returns FAI_OK with *present = 0
 * when absent and optional; errors when obj is not an object or a required
 * key is missing (`expected` completes the message). */
static fai_status get_member(const fai_jv *obj, const char *key, int required, const char *expected,
                             fai_jv *m, int *present, fai_error *err) {
  *present = 0;
  if (obj->v && !json_is_object(obj->v)) return type_error(obj, "an object", err);
  fai_jv_member(obj, key, m);
  if (m->v) {
    *present = 1;
    return FAI_OK;
  }
  if (!required) return FAI_OK;
  char q[QUOTE_MAX + 8];
  quote_excerpt(key, strlen(key), q, sizeof q);
  return fai_jv_error(obj, FAI_EINVAL, err, "missing required key %s; expected %s", q, expected);
}

/* "a number in [lo, hi]" / "an integer in [lo, hi]", dropping open ends. */
static void number_expectation(int integer, const char *lo, const char *hi, int lo_open,
                               int hi_open, char *buf, size_t cap) {
  const char *what = integer ? "an integer" : "a number";
  if (lo_open && hi_open)
    snprintf(buf, cap, "%s", what);
  else if (lo_open)
    snprintf(buf, cap, "%s <= %s", what, hi);
  else if (hi_open)
    snprintf(buf, cap, "%s >= %s", what, lo);
  else
    snprintf(buf, cap, "%s in [%s, %s]", what, lo, hi);
}

fai_status fai_jv_number(const fai_jv *obj, const char *key, int required, double def, double lo,
                         double hi, double *out, fai_error *err) {
  char los[32], his[32], expected[96];
  fai_json_format_double(lo, los);
  fai_json_format_double(hi, his);
  number_expectation(0, los, his, lo == -INFINITY || lo == -DBL_MAX,
                     hi == INFINITY || hi == DBL_MAX, expected, sizeof expected);
  fai_jv m;
  int present;
  fai_status st = get_member(obj, key, required, expected, &m, &present, err);
  if (st != FAI_OK) return st;
  if (!present) {
    *out = def;
    return FAI_OK;
  }
  if (!json_is_number(m.v)) return type_error(&m, "a number", err);
  double d = json_number_value(m.v);
  if (!(d >= lo && d <= hi)) {
    char t[32];
    value_text(m.v, t, sizeof t);
    return fai_jv_error(&m, FAI_EINVAL, err, "value %s is out of range; expected %s", t, expected);
  }
  *out = d;
  return FAI_OK;
}

fai_status fai_jv_int(const fai_jv *obj, const char *key, int required, long long def, long long lo,
                      long long hi, long long *out, fai_error *err) {
  char los[32], his[32], expected[96];
  snprintf(los, sizeof los, "%lld", lo);
  snprintf(his, sizeof his, "%lld", hi);
  number_expectation(1, los, his, lo == LLONG_MIN, hi == LLONG_MAX, expected, sizeof expected);
  fai_jv m;
  int present;
  fai_status st = get_member(obj, key, required, expected, &m, &present, err);
  if (st != FAI_OK) return st;
  if (!present) {
    *out = def;
    return FAI_OK;
  }
  long long x;
  if (json_is_integer(m.v)) {
    x = (long long)json_integer_value(m.v);
  } else if (json_is_real(m.v) && json_real_value(m.v) == floor(json_real_value(m.v))) {
    /* 3.0 and 1e3 are integers written as reals; accept them when they fit. */
    double d = json_real_value(m.v);
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
      char t[32];
      value_text(m.v, t, sizeof t);
      return fai_jv_error(&m, FAI_EINVAL, err, "value %s is out of range; expected %s", t,
                          expected);
    }
    x = (long long)d;
  } else {
    return type_error(&m, "an integer", err);
  }
  if (x < lo || x > hi) {
    char t[32];
    value_text(m.v, t, sizeof t);
    return fai_jv_error(&m, FAI_EINVAL, err, "value %s is out of range; expected %s", t, expected);
  }
  *out = x;
  return FAI_OK;
}

fai_status fai_jv_bool(const fai_jv *obj, const char *key, int required, int def, int *out,
                       fai_error *err) {
  fai_jv m;
  int present;
  fai_status st = get_member(obj, key, required, "true or false", &m, &present, err);
  if (st != FAI_OK) return st;
  if (!present) {
    *out = def;
    return FAI_OK;
  }
  if (!json_is_boolean(m.v)) return type_error(&m, "true or false", err);
  *out = json_is_true(m.v);
  return FAI_OK;
}

fai_status fai_jv_string(const fai_jv *obj, const char *key, int required, const char *def,
                         const char **out, fai_error *err) {
  fai_jv m;
  int present;
  fai_status st = get_member(obj, key, required, "a string", &m, &present, err);
  if (st != FAI_OK) return st;
  if (!present) {
    *out = def;
    return FAI_OK;
  }
  if (!json_is_string(m.v)) return type_error(&m, "a string", err);
  *out = json_string_value(m.v);
  return FAI_OK;
}

fai_status fai_jv_enum(const fai_jv *obj, const char *key, int required, int def,
                       const char *const *choices, int *index, fai_error *err) {
  char list[FAI_ERROR_MSG_MAX / 2], expected[FAI_ERROR_MSG_MAX / 2 + 16];
  join_list(choices, list, sizeof list);
  snprintf(expected, sizeof expected, "one of: %s", list);
  fai_jv m;
  int present;
  fai_status st = get_member(obj, key, required, expected, &m, &present, err);
  if (st != FAI_OK) return st;
  if (!present) {
    *index = def;
    return FAI_OK;
  }
  if (!json_is_string(m.v)) {
    char what[FAI_ERROR_MSG_MAX / 2 + 32];
    snprintf(what, sizeof what, "a string (%s)", expected);
    return type_error(&m, what, err);
  }
  const char *s = json_string_value(m.v);
  for (int i = 0; choices && choices[i]; i++) {
    if (strcmp(choices[i], s) == 0) {
      *index = i;
      return FAI_OK;
    }
  }
  char t[QUOTE_MAX + 8];
  value_text(m.v, t, sizeof t);
  return fai_jv_error(&m, FAI_EINVAL, err, "value %s is not allowed; expected %s", t, expected);
}

/* ------------------------------------------------------------------------ */
/* Writing                                                                  */

/* %.{p}g of d into cand; its length if strtod reads it back to the same bits,
 * else -1. */
static int format_roundtrips(double d, int p, char cand[32]) {
  int k = snprintf(cand, 32, "%.*g", p, d);
  if (k < 0 || k >= 32) return -1;
  double back = strtod(cand, NULL);
  return memcmp(&back, &d, sizeof d) == 0 ? k : -1;
}

void fai_json_format_double(double d, char buf[32]) {
  if (isnan(d)) {
    snprintf(buf, 32, "nan");
    return;
  }
  if (isinf(d)) {
    snprintf(buf, 32, d < 0 ? "-inf" : "inf");
    return;
  }
  /* Fewest significant digits that read back to the same bits, by bisection
   * over %g precisions 1..17 (%.17g always round-trips): about 5 formats
   * instead of 17, which matters when writing millions of numbers.  The
   * chosen text is always verified, so a (theoretical) non-monotone case can
   * only cost a digit, never exactness; the result is a pure function of d. */
  char cand[32];
  int lo = 1, hi = 17;
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (format_roundtrips(d, mid, cand) >= 0)
      hi = mid;
    else
      lo = mid + 1;
  }
  int best = format_roundtrips(d, hi, buf);
  if (best < 0) best = snprintf(buf, 32, "%.17g", d);
  /* %g uses an exponent when the decimal exponent X >= precision; a larger
   * precision X+1 gives the plain integer, shorter for e.g. 100 ("1e+02"). */
  const char *e = strchr(buf, 'e');
  if (e) {
    int x = atoi(e + 1);
    if (x >= hi && x < 17) {
      int k = format_roundtrips(d, x + 1, cand);
      if (k >= 0 && k < best) memcpy(buf, cand, (size_t)k + 1);
    }
  }
}

enum { INLINE_STRING_MAX = 40 }; /* longest string kept in a one-line array (bytes) */

/* Arrays of scalars go on one line ([1, 2, 3]); strings count as scalars
 * only up to INLINE_STRING_MAX bytes so long lists stay readable. */
static int array_is_inline(const json_t *a) {
  size_t i;
  json_t *e;
  json_array_foreach(a, i, e) {
    if (json_is_object(e) || json_is_array(e)) return 0;
    if (json_is_string(e) && json_string_length(e) > INLINE_STRING_MAX) return 0;
  }
  return 1;
}

typedef struct key_ref {
  const char *k;
  size_t n;
  json_t *v;
} key_ref;

/* Byte order, equal to strcmp order for keys without NUL bytes. */
static int key_cmp(const void *a, const void *b) {
  const key_ref *x = a, *y = b;
  size_t n = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->k, y->k, n);
  if (c) return c;
  return (x->n > y->n) - (x->n < y->n);
}

static void indent(sbuf *b, int depth) {
  for (int i = 0; i < depth; i++) sb_puts(b, "  ");
}

static void dump_value(sbuf *b, const json_t *v, int depth) {
  char num[32];
  switch (json_typeof(v)) {
    case JSON_OBJECT: {
      size_t n = json_object_size(v);
      if (n == 0) {
        sb_puts(b, "{}");
        return;
      }
      key_ref *keys = malloc(n * sizeof *keys);
      if (!keys) {
        b->failed = 1;
        return;
      }
      size_t k = 0;
      const char *key;
      json_t *val;
      void *it;
      /* Iterate by hand: the iterator API also gives key lengths. */
      for (it = json_object_iter((json_t *)v); it && k < n;
           it = json_object_iter_next((json_t *)v, it)) {
        key = json_object_iter_key(it);
        val = json_object_iter_value(it);
        keys[k++] = (key_ref){key, json_object_iter_key_len(it), val};
      }
      qsort(keys, k, sizeof *keys, key_cmp);
      sb_puts(b, "{\n");
      for (size_t i = 0; i < k; i++) {
        indent(b, depth + 1);
        sb_put_quoted(b, keys[i].k, keys[i].n);
        sb_puts(b, ": ");
        dump_value(b, keys[i].v, depth + 1);
        sb_puts(b, i + 1 < k ? ",\n" : "\n");
      }
      free(keys);
      indent(b, depth);
      sb_putc(b, '}');
      return;
    }
    case JSON_ARRAY: {
      size_t n = json_array_size(v);
      if (n == 0) {
        sb_puts(b, "[]");
        return;
      }
      int one_line = array_is_inline(v);
      sb_puts(b, one_line ? "[" : "[\n");
      for (size_t i = 0; i < n; i++) {
        if (!one_line) indent(b, depth + 1);
        dump_value(b, json_array_get(v, i), depth + 1);
        if (i + 1 < n) sb_puts(b, one_line ? ", " : ",\n");
      }
      if (!one_line) {
        sb_putc(b, '\n');
        indent(b, depth);
      }
      sb_putc(b, ']');
      return;
    }
    case JSON_STRING:
      sb_put_quoted(b, json_string_value(v), json_string_length(v));
      return;
    case JSON_INTEGER:
      snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v));
      sb_puts(b, num);
      return;
    case JSON_REAL: {
      double d = json_real_value(v);
      if (!isfinite(d)) {
        sb_puts(b, "null");
        return;
      }
      fai_json_format_double(d, num);
      sb_puts(b, num);
      return;
    }
    case JSON_TRUE:
      sb_puts(b, "true");
      return;
    case JSON_FALSE:
      sb_puts(b, "false");
      return;
    default:
      sb_puts(b, "null");
      return;
  }
}

char *fai_json_dumps(const json_t *root) {
  sbuf b = {0};
  if (root)
    dump_value(&b, root, 0);
  else
    sb_puts(&b, "null");
  sb_putc(&b, '\n');
  if (b.failed) {
    free(b.p);
    return NULL;
  }
  return b.p;
}

fai_status fai_json_write_file(const json_t *root, const char *path, fai_error *err) {
  char *text = fai_json_dumps(root);
  if (!text)
    return fai_error_set_at(err, FAI_ENOMEM, path, 0, 0, NULL, "out of memory serialising JSON");
  fai_outfile of;
  fai_status st = fai_outfile_open(&of, path, err);
  if (st != FAI_OK) {
    free(text);
    return st;
  }
  size_t n = strlen(text);
  if (fwrite(text, 1, n, of.fp) != n) {
    int e = errno;
    free(text);
    fai_outfile_abort(&of);
    return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "cannot write %s: %s", path,
                            strerror(e));
  }
  free(text);
  return fai_outfile_commit(&of, err);
}

/* ------------------------------------------------------------------------ */
/* Atomic output files                                                      */

/* mkstemp creates 0600; give the result the mode an ordinary fopen would
 * (0666 & ~umask), or keep the mode of the file being replaced.  The umask is
 * read from /proc rather than with umask(), which would race other threads. */
static mode_t output_mode(const char *path) {
  struct stat st;
  if (stat(path, &st) == 0) return st.st_mode & 07777;
  mode_t mask = 022;
  FILE *fp = fopen("/proc/self/status", "r");
  if (fp) {
    char line[256];
    while (fgets(line, sizeof line, fp)) {
      unsigned m;
      if (sscanf(line, "Umask: %o", &m) == 1) {
        mask = (mode_t)m;
        break;
      }
    }
    fclose(fp);
  }
  return 0666 & ~mask;
}

fai_status fai_outfile_open(fai_outfile *of, const char *path, fai_error *err) {
  memset(of, 0, sizeof *of);
  size_t n = strlen(path);
  if (n == 0 || n >= sizeof of->path)
    return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "cannot write %s: %s", path,
                            strerror(n ? ENAMETOOLONG : ENOENT));
  memcpy(of->path, path, n + 1);
  /* Same directory as the target, so the final rename cannot cross filesystems. */
  snprintf(of->tmp, sizeof of->tmp, "%s.tmp.XXXXXX", path);
  int fd = mkstemp(of->tmp);
  if (fd < 0) {
    int e = errno;
    of->tmp[0] = '\0';
    return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL,
                            "cannot create a temporary file next to %s: %s", path, strerror(e));
  }
  if (fchmod(fd, output_mode(path)) != 0 || !(of->fp = fdopen(fd, "wb"))) {
    int e = errno;
    close(fd);
    unlink(of->tmp);
    fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "cannot open %s: %s", of->tmp, strerror(e));
    of->tmp[0] = '\0';
    return FAI_EIO;
  }
  return FAI_OK;
}

fai_status fai_outfile_commit(fai_outfile *of, fai_error *err) {
  if (!of->fp || !of->tmp[0])
    return fai_error_set_at(err, FAI_EINTERNAL, of->path, 0, 0, NULL, "output file %s is not open",
                            of->path);
  int failed = 0, e = 0;
  if (fflush(of->fp) != 0 || ferror(of->fp) || fsync(fileno(of->fp)) != 0) {
    failed = 1;
    e = errno;
  }
  /* fclose can report a deferred write error (ENOSPC, NFS), so check it too. */
  if (fclose(of->fp) != 0 && !failed) {
    failed = 1;
    e = errno;
  }
  of->fp = NULL;
  if (!failed && rename(of->tmp, of->path) != 0) {
    failed = 1;
    e = errno;
  }
  if (failed) {
    unlink(of->tmp);
    of->tmp[0] = '\0';
    return fai_error_set_at(err, FAI_EIO, of->path, 0, 0, NULL, "cannot write %s: %s", of->path,
                            strerror(e ? e : EIO));
  }
  of->tmp[0] = '\0';
  return FAI_OK;
}

void fai_outfile_abort(fai_outfile *of) {
  if (!of) return;
  if (of->fp) fclose(of->fp);
  of->fp = NULL;
  if (of->tmp[0]) unlink(of->tmp);
  of->tmp[0] = '\0';
}
