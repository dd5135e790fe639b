/* IDX files (the MNIST family's format), plain or gzip, with strict header
 * checks.
 *
 * Layout: magic = 0x00 0x00 TYPE NDIMS (big-endian), NDIMS big-endian 32-bit
 * sizes, then the payload.  Only TYPE 0x08 (unsigned byte) is accepted.
 *
 * gzip: the Makefile links no zlib, so when the headers are present at build
 * time the library is opened at run time (dlopen "libz.so.1", present on any
 * Debian system) and used through gzopen/gzread; without it a compressed
 * file is an error that says to gunzip it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/fl.h"

#if defined(__has_include)
#if __has_include(<zlib.h>) && __has_include(<dlfcn.h>)
#define FL_HAVE_ZLIB 1
#include <dlfcn.h>
#include <zlib.h>
#endif
#endif

#ifdef FL_HAVE_ZLIB
typedef gzFile (*gzopen_fn)(const char *, const char *);
typedef int (*gzread_fn)(gzFile, voidp, unsigned);
typedef int (*gzclose_fn)(gzFile);
static struct {
  int tried, ok;
  gzopen_fn open;
  gzread_fn read;
  gzclose_fn close;
} zl;

static int zlib_load(void) {
  if (!zl.tried) {
    void *h = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL);
    zl.tried = 1;
    if (h) {
      zl.open = (gzopen_fn)(uintptr_t)dlsym(h, "gzopen");
      zl.read = (gzread_fn)(uintptr_t)dlsym(h, "gzread");
      zl.close = (gzclose_fn)(uintptr_t)dlsym(h, "gzclose");
      zl.ok = zl.open && zl.read && zl.close;
    }
  }
  return zl.ok;
}
#endif

int fai_fl_gzip_available(void) {
#ifdef FL_HAVE_ZLIB
  return zlib_load();
#else
  return 0;
#endif
}

/* Whole file into memory, decompressing gzip. */
static fai_status slurp(const char *path, uint8_t **out, size_t *len, fai_error *err) {
  unsigned char head[2] = {0, 0};
  FILE *f = fopen(path, "rb");
  size_t cap = 1 << 20, n = 0;
  uint8_t *buf;
  if (!f)
    return fai_error_set_at(err, errno == ENOENT ? FAI_ENOENT : FAI_EIO, path, 0, 0, NULL,
                            "cannot open: %s", strerror(errno));
  const size_t got = fread(head, 1, 2, f);
  const int gz = got == 2 && head[0] == 0x1f && head[1] == 0x8b;
  rewind(f);
  buf = malloc(cap);
  if (!buf) {
    fclose(f);
    return fai_error_set(err, FAI_ENOMEM, "cannot allocate a read buffer");
  }
  if (gz) {
    fclose(f);
#ifdef FL_HAVE_ZLIB
    if (!zlib_load()) {
      free(buf);
      return fai_error_set_at(err, FAI_EINVAL, path, 0, 0, NULL,
                              "gzip-compressed and libz.so.1 cannot be loaded; gunzip it "
                              "(keep the name without .gz) or install zlib1g");
    }
    gzFile z = zl.open(path, "rb");
    if (!z) {
      free(buf);
      return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "gzopen failed");
    }
    for (;;) {
      if (n == cap) {
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
          zl.close(z);
          free(buf);
          return fai_error_set(err, FAI_ENOMEM, "cannot grow the read buffer");
        }
        buf = nb;
        cap *= 2;
      }
      const int r = zl.read(z, buf + n, (unsigned)(cap - n > (1u << 30) ? (1u << 30) : cap - n));
      if (r < 0) {
        zl.close(z);
        free(buf);
        return fai_error_set_at(err, FAI_EPARSE, path, 0, 0, NULL,
                                "corrupt gzip data after %zu bytes", n);
      }
      if (r == 0) break;
      n += (size_t)r;
    }
    zl.close(z);
#else
    free(buf);
    return fai_error_set_at(err, FAI_EINVAL, path, 0, 0, NULL,
                            "gzip-compressed, and this build has no zlib headers; gunzip it "
                            "(keep the name without .gz)");
#endif
  } else {
    for (;;) {
      if (n == cap) {
        uint8_t *nb = realloc(buf, cap * 2);
        if (!nb) {
          fclose(f);
          free(buf);
          return fai_error_set(err, FAI_ENOMEM, "cannot grow the read buffer");
        }
        buf = nb;
        cap *= 2;
      }
      const size_t r = fread(buf + n, 1, cap - n, f);
      n += r;
      if (r == 0) break;
    }
    const int bad = ferror(f);
    fclose(f);
    if (bad) {
      free(buf);
      return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "read error");
    }
  }
  *out = buf;
  *len = n;
  return FAI_OK;
}

static uint32_t be32(const uint8_t *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

fai_status fai_fl_idx_read(const char *path, int expect_ndims, int dims[3], uint8_t **data,
                           fai_error *err) {
  uint8_t *buf = NULL;
  size_t len = 0;
  fai_status st = slurp(path, &buf, &len, err);
  if (st != FAI_OK) return st;
#define IDX_FAIL(...)                                                           \
  do {                                                                          \
    const fai_status e_ = fai_error_set_at(err, FAI_EPARSE, path, 0, 0, NULL,   \
                                           __VA_ARGS__);                        \
    free(buf);                                                                  \
    return e_;                                                                  \
  } while (0)
  if (len < 4) IDX_FAIL("magic: file has %zu bytes, expected at least 4", len);
  if (buf[0] != 0 || buf[1] != 0)
    IDX_FAIL("magic: first bytes 0x%02x 0x%02x, expected 0x00 0x00 (not an IDX file)", buf[0],
             buf[1]);
  if (buf[2] != 0x08)
    IDX_FAIL("magic: data type 0x%02x, expected 0x08 (unsigned byte)", buf[2]);
  if (buf[3] != expect_ndims)
    IDX_FAIL("magic: %d dimensions, expected %d (%s)", buf[3], expect_ndims,
             expect_ndims == 1 ? "labels" : "images");
  if (len < 4 + 4 * (size_t)expect_ndims)
    IDX_FAIL("dimensions: header truncated at %zu bytes", len);
  uint64_t total = 1;
  for (int d = 0; d < expect_ndims; ++d) {
    const uint32_t v = be32(buf + 4 + 4 * d);
    if (v == 0 || v > (1u << 28)) IDX_FAIL("dimension %d: %u, expected 1..%u", d, v, 1u << 28);
    dims[d] = (int)v;
    total *= v;
  }
  const size_t hdr = 4 + 4 * (size_t)expect_ndims;
  if (len - hdr != total)
    IDX_FAIL("size: payload has %zu bytes, the dimensions need %llu", len - hdr,
             (unsigned long long)total);
#undef IDX_FAIL
  memmove(buf, buf + hdr, (size_t)total);
  *data = buf;
  return FAI_OK;
}
