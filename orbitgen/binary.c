/* The binary timeline (timeline.bin): the large per-snapshot arrays in one
 * little-endian file that numpy can map directly.
 *
 * Layout:
 *   bytes 0..7    magic "FAITLB01"
 *   bytes 8..15   header length H (uint64, little-endian), a multiple of 8
 *   bytes 16..    H bytes of JSON (UTF-8, padded with spaces):
 *                 {"format": "fluidai-timeline-binary", "version": 1,
 *                  "satellites": N, "snapshots": T, "stations": G, "links": L,
 *                  "vis_words": W, "arrays": [{"name", "dtype", "shape",
 *                  "offset", "bytes", "sha256"}, ...]}
 *   then each array at its offset (8-byte aligned), C order:
 *     t_s [T] <f8, pos_ecef_m [T,N,3] <f8, vel_ecef_m_s [T,N,3] <f8,
 *     link_a [L] <i4, link_b [L] <i4, link_inter [L] |u1,
 *     link_alive [T,L] |u1, link_dist_m [T,L] <f8,
 *     station_vis [T,G,W] <u4 (bit j%32 of word j/32: satellite j visible).
 * The host must be little-endian (x86-64, aarch64); the writer refuses
 * otherwise rather than write a file numpy would misread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fluidai/json.h"
#include "fluidai/orbitgen.h"

#define MAGIC "FAITLB01"

typedef struct bin_array {
  const char *name, *dtype;
  int ndim;
  long long shape[3];
  size_t elem;
  void *data;       /* writer: source; reader: destination (malloc'd) */
} bin_array;

static int little_endian(void) {
  const uint16_t one = 1;
  return *(const uint8_t *)&one == 1;
}

static size_t array_bytes(const bin_array *a) {
  size_t n = a->elem;
  for (int d = 0; d < a->ndim; d++) n *= (size_t)a->shape[d];
  return n;
}

static int describe(const fai_timeline *tl, bin_array *v) {
  const long long T = tl->n_snaps, N = tl->n_sats, L = tl->n_links, G = tl->n_stations,
                  W = tl->vis_words;
  const bin_array a[] = {
      {"t_s", "<f8", 1, {T, 0, 0}, 8, tl->t_s},
      {"pos_ecef_m", "<f8", 3, {T, N, 3}, 8, tl->pos},
      {"vel_ecef_m_s", "<f8", 3, {T, N, 3}, 8, tl->vel},
      {"link_a", "<i4", 1, {L, 0, 0}, 4, tl->link_a},
      {"link_b", "<i4", 1, {L, 0, 0}, 4, tl->link_b},
      {"link_inter", "|u1", 1, {L, 0, 0}, 1, tl->link_inter},
      {"link_alive", "|u1", 2, {T, L, 0}, 1, tl->link_alive},
      {"link_dist_m", "<f8", 2, {T, L, 0}, 8, tl->link_dist},
      {"station_vis", "<u4", 3, {T, G, W}, 4, tl->st_vis},
  };
  const int n = (int)(sizeof a / sizeof a[0]);
  memcpy(v, a, sizeof a);
  return n;
}

fai_status fai_timeline_save_binary(const fai_timeline *tl, const char *path, fai_error *err) {
  if (!little_endian())
    return fai_error_set(err, FAI_ENOTSUP, "binary timelines are written on little-endian hosts");
  bin_array arr[16];
  const int n = describe(tl, arr);
  /* Header with offsets: its size depends on the offsets' digits, so lay it
   * out twice (the second pass cannot grow it past the padding). */
  json_t *hdr = NULL;
  char *text = NULL;
  size_t hlen = 4096;
  for (int pass = 0; pass < 3; pass++) {
    json_decref(hdr);
    free(text);
    hdr = json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:i}", "format", "fluidai-timeline-binary",
                    "version", 1, "satellites", tl->n_sats, "snapshots", tl->n_snaps, "stations",
                    tl->n_stations, "links", tl->n_links, "vis_words", tl->vis_words);
    json_t *list = json_array();
    size_t off = 16 + hlen;
    for (int k = 0; k < n; k++) {
      const size_t bytes = array_bytes(&arr[k]);
      char sha[65];
      fai_sha256_hex(arr[k].data ? arr[k].data : "", arr[k].data ? bytes : 0, sha);
      json_t *shape = json_array();
      for (int d = 0; d < arr[k].ndim; d++)
        json_array_append_new(shape, json_integer(arr[k].shape[d]));
      json_array_append_new(list, json_pack("{s:s, s:s, s:o, s:I, s:I, s:s}", "name",
                                            arr[k].name, "dtype", arr[k].dtype, "shape", shape,
                                            "offset", (json_int_t)off, "bytes", (json_int_t)bytes,
                                            "sha256", sha));
      off += (bytes + 7) / 8 * 8;
    }
    json_object_set_new(hdr, "arrays", list);
    text = fai_json_dumps(hdr);
    if (!text) {
      json_decref(hdr);
      return fai_error_set(err, FAI_ENOMEM, "out of memory for the binary header");
    }
    const size_t need = (strlen(text) + 7) / 8 * 8;
    if (need <= hlen) break;
    hlen = need + 64;
  }
  fai_outfile of;
  fai_status st = fai_outfile_open(&of, path, err);
  if (st != FAI_OK) {
    json_decref(hdr);
    free(text);
    return st;
  }
  uint64_t h64 = (uint64_t)hlen;
  fwrite(MAGIC, 1, 8, of.fp);
  fwrite(&h64, 8, 1, of.fp);
  const size_t tl_text = strlen(text);
  fwrite(text, 1, tl_text, of.fp);
  for (size_t i = tl_text; i < hlen; i++) fputc(' ', of.fp);
  static const char zeros[8] = {0};
  for (int k = 0; k < n; k++) {
    const size_t bytes = array_bytes(&arr[k]);
    if (bytes) fwrite(arr[k].data, 1, bytes, of.fp);
    fwrite(zeros, 1, (8 - bytes % 8) % 8, of.fp);
  }
  json_decref(hdr);
  free(text);
  if (ferror(of.fp)) {
    fai_outfile_abort(&of);
    return fai_error_set_at(err, FAI_EIO, path, 0, 0, NULL, "write failed");
  }
  return fai_outfile_commit(&of, err);
}

fai_status fai_timeline_load_binary(const char *path, fai_timeline *tl, fai_error *err) {
  memset(tl, 0, sizeof *tl);
  FILE *fp = fopen(path, "rb");
  if (!fp) return fai_error_set_at(err, FAI_ENOENT, path, 0, 0, NULL, "cannot open");
  fai_status st = FAI_OK;
  char magic[8];
  uint64_t hlen = 0;
  char *text = NULL;
  fai_json_doc *doc = NULL;
  if (fread(magic, 1, 8, fp) != 8 || memcmp(magic, MAGIC, 8) != 0 || fread(&hlen, 8, 1, fp) != 1 ||
      hlen > (1u << 28)) {
    st = fai_error_set_at(err, FAI_EPARSE, path, 0, 0, NULL,
                          "not a fluidai binary timeline (magic \"%s\" expected)", MAGIC);
    goto cleanup;
  }
  text = malloc(hlen + 1);
  if (!text || fread(text, 1, hlen, fp) != hlen) {
    st = fai_error_set_at(err, FAI_EPARSE, path, 0, 0, NULL, "truncated header");
    goto cleanup;
  }
  text[hlen] = '\0';
  FAI_TRY(fai_json_load_string(text, path, &doc, err));
  fai_jv root = fai_jv_root(doc);
  long long N = 0, T = 0, G = 0, L = 0, W = 0, ver = 0;
  FAI_TRY(fai_jv_int(&root, "version", 1, 1, 1, 1, &ver, err));
  FAI_TRY(fai_jv_int(&root, "satellites", 1, 0, 0, 10000000, &N, err));
  FAI_TRY(fai_jv_int(&root, "snapshots", 1, 0, 1, 10000000, &T, err));
  FAI_TRY(fai_jv_int(&root, "stations", 1, 0, 0, 10000000, &G, err));
  FAI_TRY(fai_jv_int(&root, "links", 1, 0, 0, 100000000, &L, err));
  FAI_TRY(fai_jv_int(&root, "vis_words", 1, 0, 0, 10000000, &W, err));
  tl->n_sats = (int)N;
  tl->n_snaps = (int)T;
  tl->n_stations = (int)G;
  tl->n_links = (int)L;
  tl->vis_words = (int)W;
  bin_array arr[16];
  const int n = describe(tl, arr);
  void **dest[] = {(void **)&tl->t_s,        (void **)&tl->pos,         (void **)&tl->vel,
                   (void **)&tl->link_a,     (void **)&tl->link_b,      (void **)&tl->link_inter,
                   (void **)&tl->link_alive, (void **)&tl->link_dist,   (void **)&tl->st_vis};
  fai_jv list;
  fai_jv_member(&root, "arrays", &list);
  FAI_TRY(fai_jv_expect_array(&list, (size_t)n, err));
  for (int k = 0; k < n; k++) {
    fai_jv it = fai_jv_index(&list, (size_t)k);
    const char *name = NULL, *sha = NULL;
    long long off = 0, bytes = 0;
    FAI_TRY(fai_jv_string(&it, "name", 1, NULL, &name, err));
    FAI_TRY(fai_jv_string(&it, "sha256", 1, NULL, &sha, err));
    FAI_TRY(fai_jv_int(&it, "offset", 1, 0, 16, (long long)1 << 50, &off, err));
    FAI_TRY(fai_jv_int(&it, "bytes", 1, 0, 0, (long long)1 << 50, &bytes, err));
    const size_t want = array_bytes(&arr[k]);
    if (strcmp(name, arr[k].name) || (size_t)bytes != want) {
      st = fai_jv_error(&it, FAI_EPARSE, err, "array %d is \"%s\" of %lld bytes; expected \"%s\" of %zu",
                        k, name, bytes, arr[k].name, want);
      goto cleanup;
    }
    void *buf = malloc(want ? want : 1);
    if (!buf) {
      st = fai_error_set(err, FAI_ENOMEM, "out of memory reading %s", path);
      goto cleanup;
    }
    *dest[k] = buf;
    if (fseek(fp, (long)off, SEEK_SET) != 0 || fread(buf, 1, want, fp) != want) {
      st = fai_error_set_at(err, FAI_EPARSE, path, 0, 0, NULL, "array %s is truncated", name);
      goto cleanup;
    }
    char got[65];
    fai_sha256_hex(buf, want, got);
    if (strcmp(got, sha)) {
      st = fai_error_set_at(err, FAI_EPARSE, path, 0, 0, NULL,
                            "array %s fails its checksum (sha256 %s, header says %s)", name, got,
                            sha);
      goto cleanup;
    }
  }
cleanup:
  if (fp) fclose(fp);
  free(text);
  fai_json_doc_free(doc);
  if (st != FAI_OK) fai_timeline_free(tl);
  return st;
}
