/* Per-(placement, point) evaluation of a fluid-inference cascade (internal,
 * shared by gcc and nvcc).
 *
 * A request starts at the user at time 0 (s after it is issued).  Sub-model
 * k runs on node place[k]; before it runs, its input (in_bits[k]) travels
 * from the node holding the previous output; after it runs, the result of
 * its exit (result_bits) travels back to the user.  A transfer between two
 * nodes takes the earliest-arriving of a few fixed routes over the five link
 * kinds of the point (fai_cascade_route).  Each hop waits for its link's
 * window to open, then takes prop + bits·spb (spb of the hop's direction),
 * and must end before the window closes; a route whose hop cannot is unusable, and a transfer with no usable
 * route drops the request (time -1).  Without migration only routes that
 * avoid the next satellite are allowed, so a result finished after the
 * serving satellite has left the user is lost.
 *
 * Only +, ×, comparisons: the cpu and cuda backends give the same bits.
 * Cost: O(K · routes) per item, routes <= 4 of <= 3 hops. */
#ifndef FLUIDAI_CASCADE_CORE_H
#define FLUIDAI_CASCADE_CORE_H

#include "fluidai/backend.h"
#include "fluidai/common.h"
#include "fluidai/status.h"

#define FAI_CASCADE_S2_LINKS \
  ((1u << FAI_CASCADE_L_UP2) | (1u << FAI_CASCADE_L_ISL) | (1u << FAI_CASCADE_L_GS2))

/* Route `cand` from node a to node b, packed: hops in bits 0-3, link kind of
 * hop j in bits 4 + 4j; 0 when there is no such candidate.  Candidate 0 is
 * the route that avoids the next satellite where one exists.  Routes through
 * the next satellite are the migrations: horizontal (ISL to the satellite
 * that serves the user next) and vertical (down to the ground through one
 * satellite's station contact, back up through the other's). */
FAI_HD unsigned fai_cascade_route(int a, int b, int cand) {
#define FAI__R1(x) (1u | (unsigned)(x) << 4)
#define FAI__R2(x, y) (2u | (unsigned)(x) << 4 | (unsigned)(y) << 8)
#define FAI__R3(x, y, z) (3u | (unsigned)(x) << 4 | (unsigned)(y) << 8 | (unsigned)(z) << 12)
  /* Hop = link kind | 8 when it runs in the reverse direction (toward the
   * user, next -> serving, ground -> satellite). */
  const int U1 = FAI_CASCADE_L_UP1, U2 = FAI_CASCADE_L_UP2, I = FAI_CASCADE_L_ISL;
  const int G1 = FAI_CASCADE_L_GS1, G2 = FAI_CASCADE_L_GS2;
  const int U1r = U1 | 8, U2r = U2 | 8, Ir = I | 8, G1r = G1 | 8, G2r = G2 | 8;
  unsigned r[4] = {0u, 0u, 0u, 0u};
  switch (a * FAI_CASCADE_NODES + b) {
    case 1: /* user -> serving */
      r[0] = FAI__R1(U1), r[1] = FAI__R2(U2, Ir);
      break;
    case 2: /* user -> next */
      r[0] = FAI__R2(U1, I), r[1] = FAI__R1(U2);
      break;
    case 3: /* user -> ground */
      r[0] = FAI__R2(U1, G1), r[1] = FAI__R2(U2, G2), r[2] = FAI__R3(U1, I, G2),
      r[3] = FAI__R3(U2, Ir, G1);
      break;
    case 4: /* serving -> user */
      r[0] = FAI__R1(U1r), r[1] = FAI__R2(I, U2r);
      break;
    case 6: /* serving -> next */
      r[0] = FAI__R1(I);
      break;
    case 7: /* serving -> ground */
      r[0] = FAI__R1(G1), r[1] = FAI__R2(I, G2);
      break;
    case 8: /* next -> user */
      r[0] = FAI__R2(Ir, U1r), r[1] = FAI__R1(U2r);
      break;
    case 9: /* next -> serving */
      r[0] = FAI__R1(Ir);
      break;
    case 11: /* next -> ground */
      r[0] = FAI__R2(Ir, G1), r[1] = FAI__R1(G2);
      break;
    case 12: /* ground -> user */
      r[0] = FAI__R2(G1r, U1r), r[1] = FAI__R2(G2r, U2r), r[2] = FAI__R3(G1r, I, U2r),
      r[3] = FAI__R3(G2r, Ir, U1r);
      break;
    case 13: /* ground -> serving */
      r[0] = FAI__R1(G1r), r[1] = FAI__R2(G2r, Ir);
      break;
    case 14: /* ground -> next */
      r[0] = FAI__R2(G1r, I), r[1] = FAI__R1(G2r);
      break;
    default: break;
  }
#undef FAI__R1
#undef FAI__R2
#undef FAI__R3
  return cand >= 0 && cand < 4 ? r[cand] : 0u;
}

/* One hop of `bits` over link lk (FAI_CASCADE_LINK_FIELDS values), in the
 * reverse direction when rev, ready at time t: arrival time, or -1 when the
 * window does not allow it. */
FAI_HD double fai_cascade_hop(const double *lk, int rev, double bits, double t) {
  const double lo = lk[FAI_CASCADE_F_LO];
  double start, end;
  if (lo >= FAI_CASCADE_NEVER) return -1.0;
  start = t > lo ? t : lo;
  end = start + lk[FAI_CASCADE_F_PROP] +
        bits * lk[rev ? FAI_CASCADE_F_SPB_REV : FAI_CASCADE_F_SPB_FWD];
  return end <= lk[FAI_CASCADE_F_HI] ? end : -1.0;
}

/* Move `bits` from node a to node b, ready at t: earliest arrival over the
 * allowed routes (ties to the lower candidate), or -1.  ORs the link kinds
 * of the chosen route into *mask. */
FAI_HD double fai_cascade_transfer(const double *links, int a, int b, double bits, double t,
                                   int migrate, unsigned *mask) {
  double best = -1.0;
  unsigned best_mask = 0u;
  int cand;
  if (a == b) return t;
  for (cand = 0; cand < 4; ++cand) {
    const unsigned code = fai_cascade_route(a, b, cand);
    const int hops = (int)(code & 15u);
    double tt = t;
    unsigned m = 0u;
    int j;
    if (hops == 0) break;
    for (j = 0; j < hops && tt >= 0.0; ++j) {
      const unsigned hop = (code >> (4 + 4 * j)) & 15u;
      const int l = (int)(hop & 7u);
      if (!migrate && ((FAI_CASCADE_S2_LINKS >> l) & 1u)) {
        tt = -1.0;
        break;
      }
      tt = fai_cascade_hop(links + (size_t)l * FAI_CASCADE_LINK_FIELDS, (int)(hop >> 3), bits, tt);
      m |= 1u << l;
    }
    if (tt >= 0.0 && (best < 0.0 || tt < best)) {
      best = tt;
      best_mask = m;
    }
  }
  if (best >= 0.0) *mask |= best_mask;
  return best;
}

/* Item (c, p): for each sub-model k, the time the result of its exit reaches
 * the user (time_s[k], -1 when dropped) and the link kinds used (via[k], may
 * be NULL).  A request dropped before sub-model k drops every later exit. */
FAI_HD void fai_cascade_eval_item(const fai_cascade_batch *b, int c, int64_t p, double *time_s,
                                  uint8_t *via) {
  const int K = b->n_sub;
  const int8_t *pl = b->place + (size_t)c * (size_t)K;
  const int mig = b->migrate[c] != 0;
  const double *lk =
      b->links + (size_t)p * (size_t)(FAI_CASCADE_LINKS * FAI_CASCADE_LINK_FIELDS);
  double t = 0.0;
  int cur = FAI_CASCADE_NODE_USER;
  unsigned mask = 0u;
  int k;
  for (k = 0; k < K; ++k) {
    const int v = pl[k];
    unsigned back = 0u;
    double r = -1.0;
    if (t >= 0.0) {
      t = fai_cascade_transfer(lk, cur, v, b->in_bits[k], t, mig, &mask);
      if (t >= 0.0) {
        t = t + b->compute_s[k * FAI_CASCADE_NODES + v];
        cur = v;
        back = mask;
        r = fai_cascade_transfer(lk, cur, FAI_CASCADE_NODE_USER, b->result_bits, t, mig, &back);
      }
    }
    time_s[k] = r;
    if (via) via[k] = (uint8_t)(r >= 0.0 ? back : 0u);
  }
}

/* Host-side validation shared by both backends. */
static inline fai_status fai__cascade_batch_check(const fai_cascade_batch *b, fai_error *err) {
  int64_t i;
  if (b->n_sub < 1 || b->n_sub > FAI_CASCADE_MAX_SUB || b->n_place < 0 || b->n_points < 0)
    return fai_error_set(err, FAI_EINVAL,
                         "cascade_eval: %d sub-models (1..%d), %d placements, %lld points",
                         b->n_sub, FAI_CASCADE_MAX_SUB, b->n_place, (long long)b->n_points);
  for (i = 0; i < (int64_t)b->n_place * b->n_sub; ++i)
    if (b->place[i] < 0 || b->place[i] >= FAI_CASCADE_NODES)
      return fai_error_set(err, FAI_EINVAL, "cascade_eval: placement %lld, sub-model %lld: node %d",
                           (long long)(i / b->n_sub), (long long)(i % b->n_sub), b->place[i]);
  return FAI_OK;
}

#endif
